/**
 * The one Ed25519 verification rule every backend applies, so that a Node peer
 * (OpenSSL through node:crypto) and a browser peer (@noble) accept exactly the
 * same signatures. If they disagreed, a member could craft a signature that
 * half of a group accepts and half refuses, and their views would split.
 *
 * A signature (R, S) on message M under public key A is valid iff
 *   1. A is the canonical encoding of a point of the prime-order subgroup
 *      other than the identity (checked once per key and cached);
 *   2. S < L, the group order;
 *   3. R is byte-for-byte the encoding of [S]B − [k]A, k = SHA-512(R‖A‖M) mod L
 *      (RFC 8032's cofactorless equation; it forces R's encoding to be canonical).
 * Together these make the accepted set unambiguous: a valid signature has one
 * byte form (envelopes are content-addressed) and no key with a torsion
 * component is usable. An honest signer always meets them.
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import type { EdwardsPoint } from '@noble/curves/abstract/edwards.js'
import { bytesToNumberLE } from '@noble/curves/utils.js'
import { toHex } from '../bytes.ts'

export const PUBLIC_KEY_LENGTH = 32
export const SECRET_KEY_LENGTH = 32
export const SIGNATURE_LENGTH = 64

const { Fn } = ed25519.Point

/** Public keys remembered per backend; a group has a few hundred devices at most. */
const KEY_CACHE_SIZE = 4096

/**
 * A bounded memo keyed by a public key's bytes. When full, the oldest entry
 * goes (Map keeps insertion order), so a stream of junk keys cannot grow it.
 */
export class PublicKeyCache<V> {
  readonly #entries = new Map<string, V>()

  get(publicKey: Uint8Array, make: () => V): V {
    const id = toHex(publicKey)
    if (this.#entries.has(id)) return this.#entries.get(id) as V
    const value = make()
    if (this.#entries.size >= KEY_CACHE_SIZE) {
      const oldest = this.#entries.keys().next().value
      if (oldest !== undefined) this.#entries.delete(oldest)
    }
    this.#entries.set(id, value)
    return value
  }
}

/**
 * A memo keyed by a secret key's array. It is keyed by identity (a device
 * keeps one array for its secret), and it re-checks the bytes on each hit so
 * an array that was overwritten in place never signs with the old key.
 */
export class SecretKeyCache<V> {
  readonly #entries = new WeakMap<Uint8Array, { readonly copy: Uint8Array; readonly value: V }>()

  get(secretKey: Uint8Array, make: () => V): V {
    const hit = this.#entries.get(secretKey)
    if (hit !== undefined && sameBytes(hit.copy, secretKey)) return hit.value
    const value = make()
    this.#entries.set(secretKey, { copy: secretKey.slice(), value })
    return value
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

const acceptedPoints = new PublicKeyCache<EdwardsPoint | null>()

/** Rule 1: the decoded point, or null when the key is not acceptable. */
export function acceptedPublicKey(publicKey: Uint8Array): EdwardsPoint | null {
  if (publicKey.length !== PUBLIC_KEY_LENGTH) return null
  return acceptedPoints.get(publicKey, () => {
    let point: EdwardsPoint
    try {
      point = ed25519.Point.fromBytes(publicKey, false)
    } catch {
      return null // not a canonical encoding of a curve point
    }
    if (point.is0() || !point.isTorsionFree()) return null
    return point
  })
}

/** Rule 2: S as a number, or null when S ≥ L. */
export function signatureScalar(signature: Uint8Array): bigint | null {
  if (signature.length !== SIGNATURE_LENGTH) return null
  const s = bytesToNumberLE(signature.subarray(32))
  return Fn.isValid(s) ? s : null
}
