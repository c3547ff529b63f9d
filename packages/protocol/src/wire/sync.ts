/**
 * Sync protocol frames (`/murmur/sync/1.0.0`). Each encoded frame is the
 * payload of one length-prefixed stream frame (../frames.ts), so it is at most
 * MAX_SYNC_FRAME_BYTES (= MAX_STREAM_FRAME, 1 MiB). The protocol id carries
 * the version. Layout:
 *
 *   u8      type: hello = 1, envelopes = 2, done = 3
 *   hello:     16 conversation tag
 *              varint entry count, ≤ MAX_VECTOR_ENTRIES
 *              16 sender tag, varint highest contiguous seq; repeated, sender tags
 *              strictly ascending (so each vector has one encoding)
 *   envelopes: varint count, ≤ MAX_ENVELOPES_PER_FRAME
 *              bytes envelope (≤ MAX_ENVELOPE_BYTES), repeated; opaque here, checked
 *              by splitEnvelope
 *   done:      (nothing)
 *
 * In memory a hello vector is keyed by the sender tag as 32 lowercase hex
 * characters (senderTagKey).
 */

import { Writer } from '../bytes.ts'
import { DecodeError, InvalidArgumentError, TooLargeError } from '../errors.ts'
import {
  checkSize,
  readBytes,
  readFixed,
  readList,
  readTag,
  readUint,
  sized,
  varintLength,
  whole,
  writeBytes,
  writeCount,
  writeFixed,
  writeList,
  writeTag,
  writeUint,
} from './codec.ts'
import {
  MAX_ENVELOPE_BYTES,
  MAX_ENVELOPES_PER_FRAME,
  MAX_SYNC_FRAME_BYTES,
  MAX_VECTOR_ENTRIES,
} from './limits.ts'
import { TAG_BYTES } from './types.ts'
import type { SyncFrame } from './types.ts'

const SYNC_TYPES: Readonly<Record<SyncFrame['type'], number>> = {
  hello: 1,
  envelopes: 2,
  done: 3,
}
const TAG_HEX = /^[0-9a-f]{32}$/

/** The key of a sender tag in a hello vector: 32 lowercase hex characters. */
export function senderTagKey(tag: Uint8Array): string {
  if (!(tag instanceof Uint8Array) || tag.length !== TAG_BYTES) {
    throw new InvalidArgumentError(`sender tag must be ${TAG_BYTES} bytes`)
  }
  let hex = ''
  for (const b of tag) hex += b.toString(16).padStart(2, '0')
  return hex
}

export function encodeSyncFrame(frame: SyncFrame): Uint8Array {
  const w = new Writer()
  writeTag(w, SYNC_TYPES, frame.type, 'sync frame type')
  if (frame.type === 'hello') {
    writeFixed(w, frame.convTag, TAG_BYTES, 'conversation tag')
    if (!(frame.vector instanceof Map)) throw new InvalidArgumentError('vector must be a Map')
    const keys = [...frame.vector.keys()].sort()
    writeCount(w, keys.length, MAX_VECTOR_ENTRIES, 'vector entries')
    for (const key of keys) {
      if (typeof key !== 'string' || !TAG_HEX.test(key)) {
        throw new InvalidArgumentError(`vector key must be 32 lowercase hex characters`)
      }
      w.raw(fromHex(key))
      writeUint(w, frame.vector.get(key) ?? -1, 'vector seq')
    }
  } else if (frame.type === 'envelopes') {
    writeList(w, frame.envelopes, MAX_ENVELOPES_PER_FRAME, 'envelopes per frame', (e) =>
      writeBytes(w, e, MAX_ENVELOPE_BYTES, 'envelope'),
    )
  }
  return sized(w, MAX_SYNC_FRAME_BYTES, 'sync frame')
}

export function decodeSyncFrame(data: Uint8Array): SyncFrame {
  checkSize(data, MAX_SYNC_FRAME_BYTES, 'sync frame')
  return whole(data, 'sync frame', (r): SyncFrame => {
    const type = readTag(r, SYNC_TYPES, 'sync frame type')
    switch (type) {
      case 'hello': {
        const convTag = readFixed(r, TAG_BYTES)
        const vector = new Map<string, number>()
        let previous = ''
        readList(r, MAX_VECTOR_ENTRIES, 'vector entries', () => {
          const key = senderTagKey(readFixed(r, TAG_BYTES))
          if (key <= previous) throw new DecodeError('sync vector is not in ascending order')
          previous = key
          vector.set(key, readUint(r, 'vector seq'))
        })
        return { type, convTag, vector }
      }
      case 'envelopes': {
        const envelopes = readList(r, MAX_ENVELOPES_PER_FRAME, 'envelopes per frame', () =>
          readBytes(r, MAX_ENVELOPE_BYTES, 'envelope'),
        )
        return { type, envelopes }
      }
      case 'done':
        return { type }
    }
  })
}

/**
 * Packs `envelopes`, in order, into as few `envelopes` frames as fit: each
 * frame encodes to at most `maxFrame` bytes and holds at most
 * MAX_ENVELOPES_PER_FRAME envelopes. Throws TooLargeError for an envelope
 * that cannot fit a frame on its own.
 */
export function envelopesFrames(
  envelopes: readonly Uint8Array[],
  maxFrame: number = MAX_SYNC_FRAME_BYTES,
): SyncFrame[] {
  if (!Number.isInteger(maxFrame) || maxFrame < 1 || maxFrame > MAX_SYNC_FRAME_BYTES) {
    throw new InvalidArgumentError(`maxFrame must be 1..${MAX_SYNC_FRAME_BYTES}, got ${maxFrame}`)
  }
  const frames: SyncFrame[] = []
  let batch: Uint8Array[] = []
  let size = 0 // bytes of the envelopes in `batch`, with their length prefixes
  const frameSize = (count: number, bytes: number): number => 1 + varintLength(count) + bytes
  for (const envelope of envelopes) {
    if (!(envelope instanceof Uint8Array)) throw new InvalidArgumentError('envelope must be bytes')
    if (envelope.length > MAX_ENVELOPE_BYTES) {
      throw new TooLargeError('envelope', envelope.length, MAX_ENVELOPE_BYTES)
    }
    const cost = varintLength(envelope.length) + envelope.length
    if (frameSize(1, cost) > maxFrame) {
      throw new TooLargeError('envelope in a sync frame', frameSize(1, cost), maxFrame)
    }
    const full = batch.length === MAX_ENVELOPES_PER_FRAME
    if (full || frameSize(batch.length + 1, size + cost) > maxFrame) {
      frames.push({ type: 'envelopes', envelopes: batch })
      batch = []
      size = 0
    }
    batch.push(envelope)
    size += cost
  }
  if (batch.length > 0) frames.push({ type: 'envelopes', envelopes: batch })
  return frames
}

function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16)
  return out
}
