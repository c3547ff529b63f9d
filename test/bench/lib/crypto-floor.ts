/**
 * What Ed25519 costs per message on this machine: the engine's
 * signWithLabel / verifyWithLabel (in Node: node:crypto behind the strict
 * verification rule of packages/crypto/src/ed25519/rules.ts) against bare
 * node:crypto on the same bytes, and the pure-JavaScript backend browsers use
 * (@noble/curves, packages/crypto/src/ed25519/portable.ts). Every message is
 * signed once by its sender and verified once by each receiver, so this is a
 * floor under B1, B4 and B10.
 */

import { generateIdentity, Labels, signWithLabel, verifyWithLabel } from '@murmur/crypto'
import { generateKeyPairSync, sign, verify } from 'node:crypto'
import * as portable from '../../../packages/crypto/src/ed25519/portable.ts'

export interface CryptoFloor {
  /** The engine's own calls (what a Node peer pays). */
  readonly engineSignMs: number
  readonly engineVerifyMs: number
  /** The browser backend, for comparison. */
  readonly browserSignMs: number
  readonly browserVerifyMs: number
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
  const portableSignature = portable.sign(secretKey, body)
  return {
    engineSignMs: time(() => signWithLabel(secretKey, Labels.envelope, body)),
    engineVerifyMs: time(() => verifyWithLabel(publicKey, Labels.envelope, body, signature)),
    browserSignMs: time(() => portable.sign(secretKey, body)),
    browserVerifyMs: time(() => portable.verify(publicKey, body, portableSignature)),
    nativeSignMs: time(() => sign(null, body, native.privateKey)),
    nativeVerifyMs: time(() => verify(null, body, native.publicKey, nativeSignature)),
  }
}
