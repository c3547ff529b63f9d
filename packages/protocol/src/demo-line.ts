/**
 * The foundation demo's chat line: who said it and what. Not encrypted: it
 * travels on DEMO_CHAT_TOPIC only to show that peers reach each other.
 * Format (v1): u8 version=1, string peer id (≤ 128 B), string text (≤ MAX_DEMO_LINE B), varint sent-at ms.
 */

import { Reader, Writer } from './bytes.ts'
import { DecodeError, TooLargeError } from './errors.ts'
import type { PeerIdString } from './ids.ts'

export const MAX_DEMO_LINE = 2000

export interface DemoLine {
  readonly from: PeerIdString
  readonly text: string
  readonly sentAt: number
}

export function encodeDemoLine(line: DemoLine): Uint8Array {
  const text = new TextEncoder().encode(line.text)
  if (text.length > MAX_DEMO_LINE) throw new TooLargeError('line', text.length, MAX_DEMO_LINE)
  return new Writer().byte(1).string(line.from).bytes(text).varint(line.sentAt).finish()
}

export function decodeDemoLine(data: Uint8Array): DemoLine {
  const r = new Reader(data, 'demo line')
  const version = r.byte()
  if (version !== 1) throw new DecodeError(`demo line version ${version} is unknown`)
  const from = r.string(128) as PeerIdString
  const text = r.string(MAX_DEMO_LINE)
  const sentAt = r.varint()
  r.end()
  return { from, text, sentAt }
}
