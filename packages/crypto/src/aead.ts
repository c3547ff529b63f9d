/**
 * Symmetric authenticated encryption: XChaCha20-Poly1305 with a random
 * 24-byte nonce carried in front of the ciphertext.
 *
 *   box = nonce (24) || ciphertext || tag (16)
 *
 * 192-bit random nonces make accidental reuse negligible even for keys that
 * encrypt many messages, so no nonce counter needs to be kept or synced.
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { InvalidArgumentError } from '@murmur/protocol'
import { randomBytes } from './bytes.ts'
import { DecryptError } from './errors.ts'

export const KEY_LENGTH = 32
export const NONCE_LENGTH = 24
export const TAG_LENGTH = 16
/** Bytes a box adds to its plaintext. */
export const AEAD_OVERHEAD = NONCE_LENGTH + TAG_LENGTH

const EMPTY = new Uint8Array(0)

/**
 * Encrypts and authenticates `plaintext`, also authenticating `aad`. Pass
 * `nonce` only for test vectors; the default random nonce is the safe choice.
 */
export function encrypt(
  key: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array = EMPTY,
  nonce: Uint8Array = randomBytes(NONCE_LENGTH),
): Uint8Array {
  assertKey(key)
  if (!(nonce instanceof Uint8Array) || nonce.length !== NONCE_LENGTH) {
    throw new InvalidArgumentError(`nonce must be ${NONCE_LENGTH} bytes`)
  }
  const ct = xchacha20poly1305(key, nonce, aad).encrypt(plaintext)
  const box = new Uint8Array(NONCE_LENGTH + ct.length)
  box.set(nonce)
  box.set(ct, NONCE_LENGTH)
  return box
}

/** Reverses encrypt; a wrong key, wrong aad or any changed byte gives DecryptError. */
export function decrypt(key: Uint8Array, box: Uint8Array, aad: Uint8Array = EMPTY): Uint8Array {
  assertKey(key)
  if (!(box instanceof Uint8Array) || box.length < AEAD_OVERHEAD)
    throw new DecryptError('ciphertext is truncated')
  try {
    return xchacha20poly1305(key, box.subarray(0, NONCE_LENGTH), aad).decrypt(
      box.subarray(NONCE_LENGTH),
    )
  } catch (cause) {
    throw new DecryptError('ciphertext failed authentication', { cause })
  }
}

function assertKey(key: unknown): void {
  if (!(key instanceof Uint8Array) || key.length !== KEY_LENGTH) {
    throw new InvalidArgumentError(`key must be ${KEY_LENGTH} bytes`)
  }
}
