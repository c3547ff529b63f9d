/**
 * Presence beacon: "this peer is here, dial it at these addresses".
 *
 * Published on a discovery topic so peers that share a relay can find each
 * other and upgrade to a direct WebRTC connection. Format (v1):
 *
 *   u8      version = 1
 *   string  peer id (base58), 1 to 128 bytes
 *   varint  address count, ≤ MAX_BEACON_ADDRS
 *   string  multiaddr, ≤ 512 bytes, repeated
 *   varint  sent-at, milliseconds since the epoch
 *
 * Strings are varint-length-prefixed UTF-8. The whole beacon is ≤ MAX_BEACON.
 * The encoder refuses what the decoder would, so a beacon that leaves is one
 * every peer can read (addresses past MAX_BEACON_ADDRS are left out).
 * A beacon is a hint, not an authority: the dial that follows is authenticated
 * by the Noise handshake against the peer id.
 */

import { Reader, Writer } from './bytes.ts'
import { DecodeError, InvalidArgumentError, TooLargeError } from './errors.ts'
import type { PeerIdString } from './ids.ts'
import { MAX_BEACON, MAX_BEACON_ADDRS } from './limits.ts'

export const BEACON_VERSION = 1

const MAX_PEER_ID = 128
const MAX_ADDR = 512

export interface Beacon {
  readonly peerId: PeerIdString
  readonly addrs: readonly string[]
  readonly sentAt: number
}

const encoder = new TextEncoder()

export function encodeBeacon(beacon: Beacon): Uint8Array {
  const peerId = encoder.encode(beacon.peerId)
  if (peerId.length === 0) throw new InvalidArgumentError('beacon peer id is empty')
  if (peerId.length > MAX_PEER_ID) {
    throw new InvalidArgumentError(
      `beacon peer id is ${peerId.length} bytes (limit ${MAX_PEER_ID})`,
    )
  }
  const w = new Writer().byte(BEACON_VERSION).bytes(peerId)
  const addrs = beacon.addrs.slice(0, MAX_BEACON_ADDRS)
  w.varint(addrs.length)
  for (const addr of addrs) {
    const bytes = encoder.encode(addr)
    if (bytes.length > MAX_ADDR) {
      throw new InvalidArgumentError(
        `beacon address is ${bytes.length} bytes (limit ${MAX_ADDR}): ${addr.slice(0, 64)}…`,
      )
    }
    w.bytes(bytes)
  }
  const out = w.varint(beacon.sentAt).finish()
  if (out.length > MAX_BEACON) throw new TooLargeError('beacon', out.length, MAX_BEACON)
  return out
}

export function decodeBeacon(data: Uint8Array): Beacon {
  if (data.length > MAX_BEACON) throw new TooLargeError('beacon', data.length, MAX_BEACON)
  const r = new Reader(data, 'beacon')
  const version = r.byte()
  if (version !== BEACON_VERSION) throw new DecodeError(`beacon version ${version} is unknown`)
  const peerId = r.string(MAX_PEER_ID)
  if (peerId.length === 0) throw new DecodeError('beacon has an empty peer id')
  const count = r.varint()
  if (count > MAX_BEACON_ADDRS) throw new DecodeError(`beacon lists ${count} addresses`)
  const addrs: string[] = []
  for (let i = 0; i < count; i++) addrs.push(r.string(MAX_ADDR))
  const sentAt = r.varint()
  r.end()
  return { peerId: peerId as PeerIdString, addrs, sentAt }
}
