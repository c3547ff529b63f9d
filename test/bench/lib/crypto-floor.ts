/**
 * What Ed25519 costs per message on this machine: the engine's
 * signWithLabel / verifyWithLabel (@noble/curves, pure JS) against Node's
 * native Ed25519 (node:crypto, OpenSSL) on the same bytes. Every message
 * is signed once by its sender and verified once by each receiver, so this
 * is a floor under B1, B4 and B10.
 */

import { generateIdentity, Labels, signWithLabel, verifyWithLabel } from '@murmur/crypto'
import { generateKeyPairSync, sign, verify } from 'node:crypto'

export interface CryptoFloor {
  readonly nobleSignMs: number
  readonly nobleVerifyMs: number
  readonly nativeSignMs: number
  readonly nativeVerifyMs: number
}

export function cryptoFloor(iterations = 300, size = 300): CryptoFloor {
  const body = new Uint8Array(size).fill(5)
  const { secretKey, publicKey } = generateIdentity()
  const time = (f: () => unknown): number => {
    for (let i = 0; i < 20; i++) f()
    const t0 = performance.now()
    for (let i = 0; i < iterations; i++) f()
    return (performance.now() - t0) / iterations
  }
  const signature = signWithLabel(secretKey, Labels.envelope, body)
  const native = generateKeyPairSync('ed25519')
  const nativeSignature = sign(null, body, native.privateKey)
  return {
    nobleSignMs: time(() => signWithLabel(secretKey, Labels.envelope, body)),
    nobleVerifyMs: time(() => verifyWithLabel(publicKey, Labels.envelope, body, signature)),
    nativeSignMs: time(() => sign(null, body, native.privateKey)),
    nativeVerifyMs: time(() => verify(null, body, native.publicKey, nativeSignature)),
  }
}
