/**
 * The foundation demo's chat line: who said it and what. Not encrypted: it
 * travels on DEMO_CHAT_TOPIC only to show that peers reach each other.
 * Format (v1):
 *
 *   u8      version = 1
 *   string  sender peer id, 1 to 128 bytes
 *   string  text, ≤ MAX_DEMO_LINE bytes
 *   varint  sent-at, milliseconds since the epoch
 *
 * Strings are varint-length-prefixed UTF-8. The whole line is ≤
 * MAX_DEMO_LINE_MESSAGE; a larger input is refused before parsing.
 */

import { Reader, Writer } from './bytes.ts'
import { DecodeError, InvalidArgumentError, TooLargeError } from './errors.ts'
import type { PeerIdString } from './ids.ts'
import { MAX_DEMO_LINE, MAX_DEMO_LINE_MESSAGE } from './limits.ts'

// Kept here too: callers imported it from this module before limits.ts had it.
export { MAX_DEMO_LINE } from './limits.ts'

const MAX_SENDER = 128

export interface DemoLine {
  readonly from: PeerIdString
  readonly text: string
  readonly sentAt: number
}

const encoder = new TextEncoder()

export function encodeDemoLine(line: DemoLine): Uint8Array {
  const from = encoder.encode(line.from)
  if (from.length === 0) throw new InvalidArgumentError('demo line sender id is empty')
  if (from.length > MAX_SENDER) {
    throw new InvalidArgumentError(
      `demo line sender id is ${from.length} bytes (limit ${MAX_SENDER})`,
    )
  }
  const text = encoder.encode(line.text)
  if (text.length > MAX_DEMO_LINE) throw new TooLargeError('line', text.length, MAX_DEMO_LINE)
  return new Writer().byte(1).bytes(from).bytes(text).varint(line.sentAt).finish()
}

export function decodeDemoLine(data: Uint8Array): DemoLine {
  if (data.length > MAX_DEMO_LINE_MESSAGE) {
    throw new TooLargeError('demo line', data.length, MAX_DEMO_LINE_MESSAGE)
  }
  const r = new Reader(data, 'demo line')
  const version = r.byte()
  if (version !== 1) throw new DecodeError(`demo line version ${version} is unknown`)
  const from = r.string(MAX_SENDER) as PeerIdString
  if (from.length === 0) throw new DecodeError('demo line has an empty sender id')
  const text = r.string(MAX_DEMO_LINE)
  const sentAt = r.varint()
  r.end()
  return { from, text, sentAt }
}
