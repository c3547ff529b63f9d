/**
 * Envelopes: a clear header, then the AEAD ciphertext of a padded body.
 *
 * Envelope (≤ MAX_ENVELOPE_BYTES)
 *   54      header, below; its exact bytes are the AEAD associated data
 *   n       ciphertext, PADDING_BUCKETS[bucket] ≤ n ≤ that + MAX_CIPHERTEXT_OVERHEAD
 *
 * Header (v1, fixed 54 bytes; integers big-endian)
 *   off len
 *     0   1  version = 1
 *     1  16  conversation tag
 *    17  16  sender tag
 *    33   8  epoch id (all zeros: the conversation base key)
 *    41   8  seq, 1 ≤ seq ≤ 2^53 − 1
 *    49   4  chain index, u32
 *    53   1  bucket, index into PADDING_BUCKETS
 *
 * Body plaintext (exactly PADDING_BUCKETS[bucket] bytes, the smallest that fits)
 *   off len
 *     0   1  kind: msg = 1, state = 2, ctrl = 3, key = 4
 *     1  32  author device (Ed25519 public key)
 *    33   8  ts, ms since the epoch, ≤ 2^53 − 1
 *    41  64  signature
 *   105   4  payload length p
 *   109   p  payload
 *         …  zeros up to the bucket size
 *
 * Signed bytes (bodySigningBytes; sign them as they are, e.g. raw Ed25519:
 * the domain label is already inside)
 *   "murmur/v1/envelope" 0x00, bytes header, u8 kind, bytes device, u64 ts, bytes payload
 * where `bytes` is a varint length then the bytes.
 *
 * The header names the bucket and the body holds a signature over the header.
 * Every body field but the payload has a fixed size, so the bucket follows
 * from the payload length alone. Order when sending:
 *   1. bucket = bodyBucket(payload.length)
 *   2. headerBytes = encodeHeader({ …, bucket })
 *   3. signature = sign(bodySigningBytes(headerBytes, kind, device, ts, payload))
 *   4. { plaintext } = encodeBody({ kind, device, ts, payload, signature })
 *   5. joinEnvelope(headerBytes, aead(plaintext, associatedData = headerBytes))
 */

import { Writer } from '../bytes.ts'
import { DecodeError, InvalidArgumentError, TooLargeError } from '../errors.ts'
import {
  checkSize,
  labelled,
  readFixed,
  readTag,
  readU32,
  readU64,
  whole,
  writeFixed,
  writeTag,
  writeU32,
  writeU64,
} from './codec.ts'
import {
  BODY_OVERHEAD_BYTES,
  ENVELOPE_HEADER_BYTES,
  MAX_BODY_BYTES,
  MAX_CIPHERTEXT_OVERHEAD,
  MAX_ENVELOPE_BYTES,
  MAX_PAYLOAD_BYTES,
} from './limits.ts'
import {
  ENVELOPE_KINDS,
  ENVELOPE_VERSION,
  EPOCH_ID_BYTES,
  KEY_BYTES,
  PADDING_BUCKETS,
  SIGNATURE_BYTES,
  TAG_BYTES,
} from './types.ts'
import type { EnvelopeBody, EnvelopeHeader, EnvelopeKind } from './types.ts'

export const ENVELOPE_SIGNING_LABEL = 'murmur/v1/envelope'

const U32_MAX = 0xffff_ffff

export function encodeHeader(h: EnvelopeHeader): Uint8Array {
  if (h.version !== ENVELOPE_VERSION) {
    throw new InvalidArgumentError(`envelope version must be ${ENVELOPE_VERSION}`)
  }
  if (!Number.isSafeInteger(h.seq) || h.seq < 1) {
    throw new InvalidArgumentError(`envelope seq must be a safe integer ≥ 1, got ${h.seq}`)
  }
  if (!Number.isInteger(h.chainIndex) || h.chainIndex < 0 || h.chainIndex > U32_MAX) {
    throw new InvalidArgumentError(`chain index must be a u32, got ${h.chainIndex}`)
  }
  bucketSize(h.bucket)
  const w = new Writer().byte(ENVELOPE_VERSION)
  writeFixed(w, h.convTag, TAG_BYTES, 'conversation tag')
  writeFixed(w, h.senderTag, TAG_BYTES, 'sender tag')
  writeFixed(w, h.epochId, EPOCH_ID_BYTES, 'epoch id')
  writeU64(w, h.seq, 'envelope seq')
  writeU32(w, h.chainIndex)
  w.byte(h.bucket)
  return w.finish()
}

export function decodeHeader(bytes: Uint8Array): EnvelopeHeader {
  checkSize(bytes, ENVELOPE_HEADER_BYTES, 'envelope header')
  return whole(bytes, 'envelope header', (r) => {
    const version = r.byte()
    if (version !== ENVELOPE_VERSION)
      throw new DecodeError(`envelope version ${version} is unknown`)
    const convTag = readFixed(r, TAG_BYTES)
    const senderTag = readFixed(r, TAG_BYTES)
    const epochId = readFixed(r, EPOCH_ID_BYTES)
    const seq = readU64(r, 'envelope seq')
    if (seq < 1) throw new DecodeError('envelope seq is 0')
    const chainIndex = readU32(r)
    const bucket = r.byte()
    if (bucket >= PADDING_BUCKETS.length)
      throw new DecodeError(`padding bucket ${bucket} is unknown`)
    return { version, convTag, senderTag, seq, epochId, chainIndex, bucket }
  })
}

export interface SplitEnvelope {
  readonly header: EnvelopeHeader
  /** The header's exact bytes: the AEAD associated data. */
  readonly headerBytes: Uint8Array
  readonly ciphertext: Uint8Array
}

/** Separates and checks the clear header; the ciphertext length must match its bucket. */
export function splitEnvelope(bytes: Uint8Array): SplitEnvelope {
  checkSize(bytes, MAX_ENVELOPE_BYTES, 'envelope')
  if (bytes.length < ENVELOPE_HEADER_BYTES) throw new DecodeError('envelope is truncated')
  const headerBytes = new Uint8Array(bytes.subarray(0, ENVELOPE_HEADER_BYTES))
  const header = decodeHeader(headerBytes)
  const ciphertext = new Uint8Array(bytes.subarray(ENVELOPE_HEADER_BYTES))
  if (!ciphertextFits(ciphertext.length, header.bucket)) {
    throw new DecodeError(
      `envelope ciphertext of ${ciphertext.length} bytes does not match its bucket`,
    )
  }
  return { header, headerBytes, ciphertext }
}

export function joinEnvelope(headerBytes: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  let header: EnvelopeHeader
  try {
    header = decodeHeader(headerBytes)
  } catch (err) {
    throw new InvalidArgumentError(`envelope header is malformed: ${(err as Error).message}`)
  }
  if (!(ciphertext instanceof Uint8Array) || !ciphertextFits(ciphertext.length, header.bucket)) {
    throw new InvalidArgumentError('envelope ciphertext does not match the header bucket')
  }
  const out = new Uint8Array(headerBytes.length + ciphertext.length)
  out.set(headerBytes, 0)
  out.set(ciphertext, headerBytes.length)
  return out
}

/** Index of the smallest padding bucket that holds a body with this payload length. */
export function bodyBucket(payloadLength: number): number {
  if (!Number.isSafeInteger(payloadLength) || payloadLength < 0) {
    throw new InvalidArgumentError(`payload length must be a non-negative integer`)
  }
  const needed = BODY_OVERHEAD_BYTES + payloadLength
  const bucket = PADDING_BUCKETS.findIndex((size) => size >= needed)
  if (bucket < 0) throw new TooLargeError('envelope payload', payloadLength, MAX_PAYLOAD_BYTES)
  return bucket
}

export interface EncodedBody {
  /** The padded plaintext to encrypt: exactly PADDING_BUCKETS[bucket] bytes. */
  readonly plaintext: Uint8Array
  readonly bucket: number
}

export function encodeBody(body: EnvelopeBody): EncodedBody {
  if (!(body.payload instanceof Uint8Array)) {
    throw new InvalidArgumentError('envelope payload must be a Uint8Array')
  }
  const bucket = bodyBucket(body.payload.length)
  const w = new Writer()
  writeTag(w, ENVELOPE_KINDS, body.kind, 'envelope kind')
  writeFixed(w, body.device, KEY_BYTES, 'author device')
  writeU64(w, body.ts, 'envelope ts')
  writeFixed(w, body.signature, SIGNATURE_BYTES, 'envelope signature')
  writeU32(w, body.payload.length)
  w.raw(body.payload)
  const plaintext = new Uint8Array(bucketSize(bucket))
  plaintext.set(w.finish(), 0)
  return { plaintext, bucket }
}

/**
 * Parses a decrypted body. Its size must be exactly the smallest bucket that
 * holds it (and `expectedBucket`, the header's, when given); padding must be zeros.
 */
export function decodeBody(plaintext: Uint8Array, expectedBucket?: number): EnvelopeBody {
  checkSize(plaintext, MAX_BODY_BYTES, 'envelope body')
  const bucket = PADDING_BUCKETS.findIndex((size) => size === plaintext.length)
  if (bucket < 0) throw new DecodeError(`envelope body of ${plaintext.length} bytes is not padded`)
  if (expectedBucket !== undefined && bucket !== expectedBucket) {
    throw new DecodeError(`envelope body is in bucket ${bucket}, its header says ${expectedBucket}`)
  }
  return whole(plaintext, 'envelope body', (r) => {
    const kind = readTag(r, ENVELOPE_KINDS, 'envelope kind')
    const device = readFixed(r, KEY_BYTES)
    const ts = readU64(r, 'envelope ts')
    const signature = readFixed(r, SIGNATURE_BYTES)
    const length = readU32(r)
    if (length > r.remaining) throw new DecodeError('envelope body is truncated')
    if (bodyBucket(length) !== bucket) {
      throw new DecodeError('envelope body is padded past the smallest bucket that fits')
    }
    const payload = r.raw(length)
    const padding = r.raw(r.remaining)
    if (padding.some((b) => b !== 0)) throw new DecodeError('envelope body padding is not zero')
    return { kind, device, ts, payload, signature }
  })
}

/** The exact bytes the author device signs for an envelope. */
export function bodySigningBytes(
  headerBytes: Uint8Array,
  kind: EnvelopeKind,
  device: Uint8Array,
  ts: number,
  payload: Uint8Array,
): Uint8Array {
  if (!(headerBytes instanceof Uint8Array) || headerBytes.length !== ENVELOPE_HEADER_BYTES) {
    throw new InvalidArgumentError(`envelope header must be ${ENVELOPE_HEADER_BYTES} bytes`)
  }
  if (!(payload instanceof Uint8Array)) {
    throw new InvalidArgumentError('envelope payload must be a Uint8Array')
  }
  const w = new Writer().bytes(headerBytes)
  writeTag(w, ENVELOPE_KINDS, kind, 'envelope kind')
  if (!(device instanceof Uint8Array) || device.length !== KEY_BYTES) {
    throw new InvalidArgumentError(`author device must be ${KEY_BYTES} bytes`)
  }
  w.bytes(device)
  writeU64(w, ts, 'envelope ts')
  w.bytes(payload)
  return labelled(ENVELOPE_SIGNING_LABEL, w.finish())
}

function bucketSize(bucket: number): number {
  const size = Number.isInteger(bucket) ? PADDING_BUCKETS[bucket] : undefined
  if (size === undefined) throw new InvalidArgumentError(`padding bucket ${bucket} is unknown`)
  return size
}

function ciphertextFits(length: number, bucket: number): boolean {
  const size = PADDING_BUCKETS[bucket] ?? Infinity
  return length >= size && length <= size + MAX_CIPHERTEXT_OVERHEAD
}
