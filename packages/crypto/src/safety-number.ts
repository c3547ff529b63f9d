/**
 * Safety numbers: 60 digits two people compare (aloud, or by QR) to confirm
 * they hold each other's real identity keys, defeating a machine-in-the-
 * middle that swapped keys in transit.
 *
 * Follows Signal's numeric fingerprint (libsignal NumericFingerprintGenerator):
 *
 *   h = 0x0000 || "murmur/v1/safety-number" || 0x00 || K
 *   repeat 5200 times: h = SHA-512(h || K)           K: 32-byte identity public key
 *   half(K) = for each of the first six 5-byte chunks of h:
 *             (chunk as a 40-bit big-endian integer) mod 100000, as 5 digits
 *   number  = the two 30-digit halves, smaller first, in 12 groups of 5
 *
 * Signal hashes a stable id (phone number / account id) where we use the
 * label: a Murmur user is identified by the identity key alone. 5200
 * iterations is Signal's count; a 30-digit half has ~99.7 bits, and the
 * iterations add ~12 bits of work to any search for a colliding key.
 * Sorting the halves makes both sides see the same string.
 */
import { sha512 } from '@noble/hashes/sha2.js'
import { InvalidArgumentError } from '@murmur/protocol'
import { concatBytes, utf8 } from './bytes.ts'
import { Labels } from './labels.ts'

export const SAFETY_NUMBER_ITERATIONS = 5200
const PREFIX = concatBytes(Uint8Array.of(0, 0), utf8(Labels.safetyNumber), Uint8Array.of(0))

/** "12345 67890 … " — 12 groups of 5 digits, the same whichever key is passed first. */
export function safetyNumber(identityPublicA: Uint8Array, identityPublicB: Uint8Array): string {
  const a = half(identityPublicA)
  const b = half(identityPublicB)
  const digits = a <= b ? a + b : b + a
  return digits.match(/\d{5}/g)!.join(' ')
}

function half(key: Uint8Array): string {
  if (!(key instanceof Uint8Array) || key.length !== 32) {
    throw new InvalidArgumentError('identity public key must be 32 bytes')
  }
  // Round 1 hashes PREFIX || K || K; each later round hashes h || K.
  let h = sha512(concatBytes(PREFIX, key, key))
  const buf = new Uint8Array(64 + 32)
  buf.set(key, 64)
  for (let i = 1; i < SAFETY_NUMBER_ITERATIONS; i++) {
    buf.set(h, 0)
    h = sha512(buf)
  }
  let out = ''
  for (let chunk = 0; chunk < 6; chunk++) {
    let n = 0
    for (let j = 0; j < 5; j++) n = n * 256 + h[chunk * 5 + j]!
    out += String(n % 100000).padStart(5, '0')
  }
  return out
}
