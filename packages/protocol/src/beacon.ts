/**
 * Presence beacon: "this peer is here, dial it at these addresses".
 *
 * Published on a discovery topic so peers that share a relay can find each
 * other and upgrade to a direct WebRTC connection. Format (v1):
 *
 *   u8      version = 1
 *   string  peer id (base58), ≤ 128 bytes
 *   varint  address count, ≤ MAX_BEACON_ADDRS
 *   string  multiaddr, ≤ 512 bytes, repeated
 *   varint  sent-at, milliseconds since the epoch
 *
 * Strings are varint-length-prefixed UTF-8. The whole beacon is ≤ MAX_BEACON.
 * A beacon is a hint, not an authority: the dial that follows is authenticated
 * by the Noise handshake against the peer id.
 */

import { Reader, Writer } from './bytes.ts'
import { DecodeError, TooLargeError } from './errors.ts'
import type { PeerIdString } from './ids.ts'
import { MAX_BEACON, MAX_BEACON_ADDRS } from './limits.ts'

export const BEACON_VERSION = 1

export interface Beacon {
  readonly peerId: PeerIdString
  readonly addrs: readonly string[]
  readonly sentAt: number
}

export function encodeBeacon(beacon: Beacon): Uint8Array {
  const w = new Writer().byte(BEACON_VERSION).string(beacon.peerId)
  const addrs = beacon.addrs.slice(0, MAX_BEACON_ADDRS)
  w.varint(addrs.length)
  for (const addr of addrs) w.string(addr)
  const out = w.varint(beacon.sentAt).finish()
  if (out.length > MAX_BEACON) throw new TooLargeError('beacon', out.length, MAX_BEACON)
  return out
}

export function decodeBeacon(data: Uint8Array): Beacon {
  if (data.length > MAX_BEACON) throw new TooLargeError('beacon', data.length, MAX_BEACON)
  const r = new Reader(data, 'beacon')
  const version = r.byte()
  if (version !== BEACON_VERSION) throw new DecodeError(`beacon version ${version} is unknown`)
  const peerId = r.string(128)
  if (peerId.length === 0) throw new DecodeError('beacon has an empty peer id')
  const count = r.varint()
  if (count > MAX_BEACON_ADDRS) throw new DecodeError(`beacon lists ${count} addresses`)
  const addrs: string[] = []
  for (let i = 0; i < count; i++) addrs.push(r.string(512))
  const sentAt = r.varint()
  r.end()
  return { peerId: peerId as PeerIdString, addrs, sentAt }
}
