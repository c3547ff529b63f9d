/**
 * Anonymous sealing to a device's X25519 prekey (ECIES-style, like
 * libsodium's sealed box, with HKDF and XChaCha20-Poly1305).
 *
 * Sealed box, 50 + plaintext bytes:
 *
 *   off len
 *     0   1  version = 1
 *     1   1  kind = 0x04
 *     2  32  ephemeral public key E (X25519, fresh per box)
 *    34 n+16 XChaCha20-Poly1305 ciphertext || tag
 *
 *   dh        = X25519(e, R)                       R: recipient prekey public key
 *   key‖nonce = HKDF-SHA256(ikm = dh, salt = "murmur/v1/seal",
 *                           info = "murmur/v1/seal" || 0x00 || E || R, 56 bytes)
 *   AEAD associated data = bytes 0..33 || caller's aad
 *
 * The key is unique per box (fresh E), so the nonce is derived, not sent.
 * Binding E and R into the KDF stops a box being re-targeted or its
 * ephemeral key swapped. There is no recipient hint on the wire: boxes to the
 * same prekey are unlinkable; the caller names the prekey id beside the box.
 *
 * A sealed box is confidential and tamper-evident but NOT sender-
 * authenticated: anyone can seal to a public prekey. Sign inside the box, and
 * name the recipient in what you sign, to stop surreptitious forwarding.
 */
import { x25519 } from '@noble/curves/ed25519.js'
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { InvalidArgumentError } from '@murmur/protocol'
import { concatBytes, utf8 } from './bytes.ts'
import { FORMAT_VERSION, Kind } from './codec.ts'
import { DecryptError } from './errors.ts'
import { Labels } from './labels.ts'

const X25519_LENGTH = 32
const TAG_LENGTH = 16
const HEADER_LENGTH = 2 + X25519_LENGTH
/** Bytes a sealed box adds to its plaintext. */
export const SEAL_OVERHEAD = HEADER_LENGTH + TAG_LENGTH

const EMPTY = new Uint8Array(0)
const SALT = utf8(Labels.seal)
const INFO_PREFIX = concatBytes(SALT, Uint8Array.of(0))

/** Encrypts `plaintext` so only the holder of the prekey's private key can read it. */
export function seal(
  recipientPrekeyPublic: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array = EMPTY,
): Uint8Array {
  if (
    !(recipientPrekeyPublic instanceof Uint8Array) ||
    recipientPrekeyPublic.length !== X25519_LENGTH
  ) {
    throw new InvalidArgumentError('recipient prekey must be a 32-byte X25519 public key')
  }
  const { secretKey: e, publicKey: E } = x25519.keygen()
  let dh: Uint8Array
  try {
    dh = x25519.getSharedSecret(e, recipientPrekeyPublic)
  } catch (cause) {
    throw new InvalidArgumentError(
      'recipient prekey is a low-order point and cannot be sealed to',
      { cause },
    )
  } finally {
    e.fill(0)
  }
  const header = concatBytes(Uint8Array.of(FORMAT_VERSION, Kind.sealed), E)
  const { key, nonce } = boxKey(dh, E, recipientPrekeyPublic)
  const ct = xchacha20poly1305(key, nonce, concatBytes(header, aad)).encrypt(plaintext)
  key.fill(0)
  return concatBytes(header, ct)
}

/** Decrypts a sealed box; any tampering, truncation or wrong key gives DecryptError. */
export function open(
  recipientPrekeyPrivate: Uint8Array,
  sealed: Uint8Array,
  aad: Uint8Array = EMPTY,
): Uint8Array {
  if (
    !(recipientPrekeyPrivate instanceof Uint8Array) ||
    recipientPrekeyPrivate.length !== X25519_LENGTH
  ) {
    throw new InvalidArgumentError('recipient prekey private key must be 32 bytes')
  }
  if (!(sealed instanceof Uint8Array) || sealed.length < SEAL_OVERHEAD) {
    throw new DecryptError('sealed box is truncated')
  }
  if (sealed[0] !== FORMAT_VERSION || sealed[1] !== Kind.sealed) {
    throw new DecryptError('not a version 1 sealed box')
  }
  const header = sealed.subarray(0, HEADER_LENGTH)
  const E = sealed.subarray(2, HEADER_LENGTH)
  let dh: Uint8Array
  try {
    dh = x25519.getSharedSecret(recipientPrekeyPrivate, E)
  } catch (cause) {
    // Only a low-order ephemeral key makes this throw: a forged box.
    throw new DecryptError('sealed box has an invalid ephemeral key', { cause })
  }
  const R = x25519.getPublicKey(recipientPrekeyPrivate)
  const { key, nonce } = boxKey(dh, E, R)
  try {
    return xchacha20poly1305(key, nonce, concatBytes(header, aad)).decrypt(
      sealed.subarray(HEADER_LENGTH),
    )
  } catch (cause) {
    throw new DecryptError('sealed box failed authentication', { cause })
  } finally {
    key.fill(0)
  }
}

function boxKey(
  dh: Uint8Array,
  E: Uint8Array,
  R: Uint8Array,
): { key: Uint8Array; nonce: Uint8Array } {
  const okm = hkdf(sha256, dh, SALT, concatBytes(INFO_PREFIX, E, R), 32 + 24)
  dh.fill(0)
  return { key: okm.subarray(0, 32), nonce: okm.subarray(32) }
}
