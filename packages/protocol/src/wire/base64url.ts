/**
 * Strict, unpadded base64url (RFC 4648 §5) for link payloads. The decoder
 * rejects padding, whitespace, the `+/` alphabet, impossible lengths and
 * non-zero trailing bits, so every byte string has exactly one text form.
 * (@murmur/crypto has its own; protocol depends on nothing.)
 */

import { DecodeError } from '../errors.ts'

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const INDEX = new Int8Array(128).fill(-1)
for (let i = 0; i < ALPHABET.length; i++) INDEX[ALPHABET.charCodeAt(i)] = i

export function toBase64url(bytes: Uint8Array): string {
  let out = ''
  for (let i = 0; i < bytes.length; i += 3) {
    const n = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0)
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6))
    for (let c = 0; c < chars; c++) out += ALPHABET[(n >> (18 - 6 * c)) & 63]
  }
  return out
}

export function fromBase64url(text: string): Uint8Array {
  if (text.length % 4 === 1) throw new DecodeError('base64url text has an impossible length')
  const out = new Uint8Array(Math.floor((text.length * 3) / 4))
  let acc = 0
  let bits = 0
  let at = 0
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    const value = code < 128 ? (INDEX[code] ?? -1) : -1
    if (value < 0) throw new DecodeError(`base64url text has an invalid character at ${i}`)
    acc = ((acc << 6) | value) & 0xffffff
    bits += 6
    if (bits >= 8) {
      bits -= 8
      out[at++] = (acc >> bits) & 0xff
    }
  }
  if ((acc & ((1 << bits) - 1)) !== 0) throw new DecodeError('base64url text has stray bits')
  return out
}
