/**
 * General-purpose, domain-separated key derivation for protocol layers above
 * this package: HKDF-SHA256(ikm = secret, salt = none, info = label || 0x00 ||
 * context, L). Same construction as epoch.ts, open to every label.
 */
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { InvalidArgumentError } from '@murmur/protocol'
import { concatBytes, utf8 } from './bytes.ts'
import type { Label } from './labels.ts'

export function deriveBytes(
  secret: Uint8Array,
  label: Label,
  context: Uint8Array,
  length: number,
): Uint8Array {
  if (!(secret instanceof Uint8Array) || secret.length < 16) {
    throw new InvalidArgumentError('derivation secret must be at least 16 bytes')
  }
  return hkdf(
    sha256,
    secret,
    undefined,
    concatBytes(utf8(label), Uint8Array.of(0), context),
    length,
  )
}

/** SHA-256 over `label || 0x00 || data`: content hashes that cannot collide across purposes. */
export function labelledHash(label: Label, data: Uint8Array): Uint8Array {
  return sha256(concatBytes(utf8(label), Uint8Array.of(0), data))
}
