/**
 * Byte utilities: randomness, constant-time comparison and the two text
 * encodings Murmur uses (lowercase hex, unpadded base64url). Decoders are
 * strict: one canonical text per byte string, anything else is a DecodeError.
 */
import { DecodeError, InvalidArgumentError } from '@murmur/protocol'
import { equalBytes, randomBytes as nobleRandomBytes, utf8ToBytes } from '@noble/ciphers/utils.js'

/** `length` bytes from the platform CSPRNG (crypto.getRandomValues). */
export function randomBytes(length: number): Uint8Array {
  if (!Number.isSafeInteger(length) || length < 0 || length > 65536) {
    throw new InvalidArgumentError(`randomBytes length must be 0..65536, got ${length}`)
  }
  return nobleRandomBytes(length)
}

/**
 * True when `a` and `b` hold the same bytes. Time depends only on the
 * lengths, never on where the first difference is.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  return equalBytes(a, b)
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0
  for (const p of parts) length += p.length
  const out = new Uint8Array(length)
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

export function utf8(s: string): Uint8Array {
  return utf8ToBytes(s)
}

const HEX = '0123456789abcdef'

export function toHex(bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += HEX[b >> 4]! + HEX[b & 15]!
  return s
}

/** Decodes lowercase or uppercase hex of even length. */
export function fromHex(hex: string): Uint8Array {
  if (typeof hex !== 'string' || hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new DecodeError('invalid hex: expected an even number of 0-9a-f characters')
  }
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16)
  return out
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const B64_INDEX = new Int16Array(128).fill(-1)
for (let i = 0; i < B64.length; i++) B64_INDEX[B64.charCodeAt(i)] = i

/** RFC 4648 §5 base64url without padding. */
export function toBase64url(bytes: Uint8Array): string {
  let s = ''
  let i = 0
  for (; i + 3 <= bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!
    s += B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + B64[n & 63]!
  }
  const rest = bytes.length - i
  if (rest === 1) {
    const n = bytes[i]! << 16
    s += B64[n >> 18]! + B64[(n >> 12) & 63]!
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8)
    s += B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]!
  }
  return s
}

/**
 * Decodes unpadded base64url. Rejects padding, whitespace, the `+/` alphabet,
 * impossible lengths and non-zero trailing bits, so every byte string has
 * exactly one accepted text form.
 */
export function fromBase64url(text: string): Uint8Array {
  if (typeof text !== 'string') throw new DecodeError('invalid base64url: not a string')
  if (text.length % 4 === 1) throw new DecodeError('invalid base64url: impossible length')
  const out = new Uint8Array(Math.floor((text.length * 3) / 4))
  let acc = 0
  let bits = 0
  let at = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    const v = c < 128 ? B64_INDEX[c]! : -1
    if (v < 0) throw new DecodeError(`invalid base64url: unexpected character at ${i}`)
    acc = ((acc << 6) | v) & 0xffffff
    bits += 6
    if (bits >= 8) {
      bits -= 8
      out[at++] = (acc >> bits) & 0xff
    }
  }
  if ((acc & ((1 << bits) - 1)) !== 0) {
    throw new DecodeError('invalid base64url: non-zero trailing bits')
  }
  return out
}
