/**
 * What travels on a conversation's pubsub topic, and the presence record a
 * member device announces there. Layouts (v1):
 *
 * TopicMessage (≤ MAX_TOPIC_MESSAGE_BYTES)
 *   u8      version = 1
 *   u8      type: envelope = 1, presence = 2
 *   bytes   envelope (≤ MAX_ENVELOPE_BYTES) or sealed presence (≤ MAX_SEALED_PRESENCE_BYTES)
 *
 * Presence (≤ MAX_PRESENCE_BYTES; sealed under the conversation base key)
 *   u8      version = 1
 *   32      device
 *   string  peer id, ≤ MAX_PEER_ID_BYTES
 *   varint  address count, ≤ MAX_PRESENCE_ADDRS
 *   string  multiaddr, ≤ MAX_ADDR_BYTES, repeated
 *   varint  ts, ms since the epoch
 *   64      signature by `device` over presenceSigningBytes:
 *           "murmur/v1/presence" 0x00 || the encoding above without the signature
 *
 * `bytes`/`string` are a shortest-form varint length then the bytes.
 */

import { Writer } from '../bytes.ts'
import {
  checkSize,
  labelled,
  readBytes,
  readFixed,
  readList,
  readString,
  readTag,
  readUint,
  readVersion,
  sized,
  whole,
  writeBytes,
  writeFixed,
  writeList,
  writeString,
  writeTag,
  writeUint,
} from './codec.ts'
import * as L from './limits.ts'
import { KEY_BYTES, SIGNATURE_BYTES } from './types.ts'
import type { Presence, TopicMessage } from './types.ts'

export const TOPIC_MESSAGE_VERSION = 1
export const PRESENCE_VERSION = 1
export const PRESENCE_SIGNING_LABEL = 'murmur/v1/presence'

const TOPIC_TYPES: Readonly<Record<TopicMessage['type'], number>> = { envelope: 1, presence: 2 }

export function encodeTopicMessage(m: TopicMessage): Uint8Array {
  const w = new Writer().byte(TOPIC_MESSAGE_VERSION)
  writeTag(w, TOPIC_TYPES, m.type, 'topic message type')
  if (m.type === 'envelope') writeBytes(w, m.envelope, L.MAX_ENVELOPE_BYTES, 'envelope')
  else writeBytes(w, m.sealed, L.MAX_SEALED_PRESENCE_BYTES, 'sealed presence')
  return sized(w, L.MAX_TOPIC_MESSAGE_BYTES, 'topic message')
}

export function decodeTopicMessage(data: Uint8Array): TopicMessage {
  checkSize(data, L.MAX_TOPIC_MESSAGE_BYTES, 'topic message')
  return whole(data, 'topic message', (r) => {
    readVersion(r, 'topic message', TOPIC_MESSAGE_VERSION)
    const type = readTag(r, TOPIC_TYPES, 'topic message type')
    if (type === 'envelope')
      return { type, envelope: readBytes(r, L.MAX_ENVELOPE_BYTES, 'envelope') }
    return { type, sealed: readBytes(r, L.MAX_SEALED_PRESENCE_BYTES, 'sealed presence') }
  })
}

export function encodePresence(p: Presence): Uint8Array {
  const w = writeUnsignedPresence(p)
  writeFixed(w, p.signature, SIGNATURE_BYTES, 'presence signature')
  return sized(w, L.MAX_PRESENCE_BYTES, 'presence')
}

export function decodePresence(data: Uint8Array): Presence {
  checkSize(data, L.MAX_PRESENCE_BYTES, 'presence')
  return whole(data, 'presence', (r) => {
    readVersion(r, 'presence', PRESENCE_VERSION)
    const device = readFixed(r, KEY_BYTES)
    const peerId = readString(r, L.MAX_PEER_ID_BYTES, 'peer id')
    const addrs = readList(r, L.MAX_PRESENCE_ADDRS, 'addresses', () =>
      readString(r, L.MAX_ADDR_BYTES, 'address'),
    )
    const ts = readUint(r, 'presence ts')
    return { device, peerId, addrs, ts, signature: readFixed(r, SIGNATURE_BYTES) }
  })
}

/** The bytes `device` signs for a presence record. */
export function presenceSigningBytes(p: Omit<Presence, 'signature'>): Uint8Array {
  return labelled(PRESENCE_SIGNING_LABEL, writeUnsignedPresence(p).finish())
}

function writeUnsignedPresence(p: Omit<Presence, 'signature'>): Writer {
  const w = new Writer().byte(PRESENCE_VERSION)
  writeFixed(w, p.device, KEY_BYTES, 'presence device')
  writeString(w, p.peerId, L.MAX_PEER_ID_BYTES, 'peer id')
  writeList(w, p.addrs, L.MAX_PRESENCE_ADDRS, 'addresses', (a) =>
    writeString(w, a, L.MAX_ADDR_BYTES, 'address'),
  )
  writeUint(w, p.ts, 'presence ts')
  return w
}
