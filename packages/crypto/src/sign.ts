/**
 * Domain-separated Ed25519 signatures (RFC 8032, strict verification).
 *
 * The signed message is `label || 0x00 || body`. The backend is chosen by the
 * `#ed25519` import: node:crypto in Node, @noble elsewhere. Both apply the
 * verification rule in ed25519/rules.ts — canonical encodings, a public key in
 * the prime-order subgroup, S < L and the cofactorless equation — so a valid
 * signature has one byte form (envelopes are content-addressed), cannot verify
 * under a degenerate key, and every platform agrees on which ones are valid.
 */
import { InvalidArgumentError } from '@murmur/protocol'
import { sign, verify } from '#ed25519'
import { concatBytes, utf8 } from './bytes.ts'
import type { Label } from './labels.ts'
import { PUBLIC_KEY_LENGTH, SECRET_KEY_LENGTH, SIGNATURE_LENGTH } from './ed25519/rules.ts'

export { PUBLIC_KEY_LENGTH, SECRET_KEY_LENGTH, SIGNATURE_LENGTH }

function message(label: Label, body: Uint8Array): Uint8Array {
  return concatBytes(utf8(label), Uint8Array.of(0), body)
}

export function signWithLabel(secretKey: Uint8Array, label: Label, body: Uint8Array): Uint8Array {
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== SECRET_KEY_LENGTH) {
    throw new InvalidArgumentError(`an Ed25519 secret key is ${SECRET_KEY_LENGTH} bytes`)
  }
  return sign(secretKey, message(label, body))
}

/** False for any bad input, including wrong-length keys or signatures. */
export function verifyWithLabel(
  publicKey: Uint8Array,
  label: Label,
  body: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== PUBLIC_KEY_LENGTH) return false
  if (!(signature instanceof Uint8Array) || signature.length !== SIGNATURE_LENGTH) return false
  return verify(publicKey, message(label, body), signature)
}
