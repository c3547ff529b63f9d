/**
 * Domain-separated Ed25519 signatures (RFC 8032, strict verification).
 *
 * The signed message is `label || 0x00 || body`. Verification uses
 * `zip215: false`: non-canonical point encodings and small-order public keys
 * are rejected, so a valid signature has one byte form (envelopes are
 * content-addressed) and cannot verify under a degenerate key.
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import { concatBytes, utf8 } from './bytes.ts'
import type { Label } from './labels.ts'

export const PUBLIC_KEY_LENGTH = 32
export const SECRET_KEY_LENGTH = 32
export const SIGNATURE_LENGTH = 64

function message(label: Label, body: Uint8Array): Uint8Array {
  return concatBytes(utf8(label), Uint8Array.of(0), body)
}

export function signWithLabel(secretKey: Uint8Array, label: Label, body: Uint8Array): Uint8Array {
  return ed25519.sign(message(label, body), secretKey)
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
  return ed25519.verify(signature, message(label, body), publicKey, { zip215: false })
}
