/**
 * Both Ed25519 backends against RFC 8032, against @noble's reference signer,
 * and against each other on crafted signatures that separate implementations
 * in the wild (torsion components, unreduced S, non-canonical points). The
 * backends must agree on every input: a disagreement would let one member's
 * crafted signature be accepted by browser peers and refused by Node peers.
 */
import { describe, expect, it } from 'vitest'
import { ed25519, ED25519_TORSION_SUBGROUP } from '@noble/curves/ed25519.js'
import { bytesToNumberLE, numberToBytesLE } from '@noble/curves/utils.js'
import { sha512 } from '@noble/hashes/sha2.js'
import { concatBytes, fromHex, randomBytes, toHex } from '../bytes.ts'
import * as native from './native.ts'
import * as portable from './portable.ts'

const { BASE, Fn } = ed25519.Point
const L = Fn.ORDER
const torsion = ED25519_TORSION_SUBGROUP.map((hex) => ed25519.Point.fromHex(hex))
const backends = { native, portable }

function bothVerify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const a = native.verify(publicKey, message, signature)
  const b = portable.verify(publicKey, message, signature)
  expect(a, `native and portable disagree on ${toHex(signature)}`).toBe(b)
  return a
}

function hashToScalar(...parts: Uint8Array[]): bigint {
  return Fn.create(bytesToNumberLE(sha512(concatBytes(...parts))))
}

/** Whether ZIP-215's looser rules (y may exceed p) decode these bytes to a point. */
function decodesLoosely(bytes: Uint8Array): boolean {
  try {
    ed25519.Point.fromBytes(bytes, true)
    return true
  } catch {
    return false // not on the curve at all
  }
}

/** A signature built by hand from a scalar `a` and the public point it claims. */
function craft(
  a: bigint,
  publicKey: Uint8Array,
  message: Uint8Array,
  rPoint = BASE.multiply(7n),
): Uint8Array {
  const R = rPoint.toBytes()
  const k = hashToScalar(R, publicKey, message)
  return concatBytes(R, Fn.toBytes(Fn.create(7n + k * a)))
}

describe('Ed25519 backends, RFC 8032 section 7.1', () => {
  const vectors = [
    [
      '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
      'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
      '',
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    ],
    [
      '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
      '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
      '72',
      '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
    ],
    [
      'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
      'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
      'af82',
      '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
    ],
  ] as const
  for (const [name, backend] of Object.entries(backends)) {
    it(`${name}: signs each vector byte for byte and verifies it`, () => {
      for (const [secret, pub, msg, sig] of vectors) {
        expect(toHex(backend.publicKeyOf(fromHex(secret)))).toBe(pub)
        expect(toHex(backend.sign(fromHex(secret), fromHex(msg)))).toBe(sig)
        expect(backend.verify(fromHex(pub), fromHex(msg), fromHex(sig))).toBe(true)
      }
    })
  }
})

describe('Ed25519 backends agree with each other and with @noble', () => {
  it('random keys and messages: identical signatures, both verify, any flipped bit fails', () => {
    for (let i = 0; i < 40; i++) {
      const secret = randomBytes(32)
      const publicKey = ed25519.getPublicKey(secret)
      const message = randomBytes(i * 7)
      expect(toHex(native.publicKeyOf(secret))).toBe(toHex(publicKey))
      const signature = native.sign(secret, message)
      expect(toHex(portable.sign(secret, message))).toBe(toHex(signature))
      expect(toHex(ed25519.sign(message, secret))).toBe(toHex(signature))
      expect(bothVerify(publicKey, message, signature)).toBe(true)
      const bit = i % 512
      const flipped = signature.slice()
      flipped[bit >> 3]! ^= 1 << (bit & 7)
      expect(bothVerify(publicKey, message, flipped)).toBe(false)
      if (message.length > 0) {
        const other = message.slice()
        other[0]! ^= 0x80
        expect(bothVerify(publicKey, other, signature)).toBe(false)
      }
    }
  })

  it('a secret array overwritten in place signs with the new key, not a cached one', () => {
    const secret = randomBytes(32)
    const message = randomBytes(10)
    native.sign(secret, message)
    portable.sign(secret, message)
    secret.set(randomBytes(32))
    const expected = toHex(ed25519.sign(message, secret))
    expect(toHex(native.sign(secret, message))).toBe(expected)
    expect(toHex(portable.sign(secret, message))).toBe(expected)
  })

  it('refuses R with a torsion component, which a cofactored verifier (noble strict) accepts', () => {
    const a = Fn.create(bytesToNumberLE(randomBytes(32))) || 1n
    const publicKey = BASE.multiply(a).toBytes()
    const message = randomBytes(20)
    let noblesAccepted = 0
    for (const t of torsion.filter((p) => !p.is0())) {
      const signature = craft(a, publicKey, message, BASE.multiply(7n).add(t))
      // s = 7 + k·a, so [s]B − [k]A = [7]B ≠ R: only the cofactored equation holds.
      if (ed25519.verify(signature, message, publicKey, { zip215: false })) noblesAccepted++
      expect(bothVerify(publicKey, message, signature)).toBe(false)
    }
    expect(noblesAccepted).toBe(7)
    // The same construction without the torsion component is a valid signature.
    expect(bothVerify(publicKey, message, craft(a, publicKey, message))).toBe(true)
  })

  it('refuses an unreduced S (S + L), the classic malleability', () => {
    const secret = randomBytes(32)
    const message = randomBytes(16)
    const signature = native.sign(secret, message)
    const s = bytesToNumberLE(signature.subarray(32))
    const malleated = concatBytes(signature.subarray(0, 32), numberToBytesLE(s + L, 32))
    expect(bothVerify(ed25519.getPublicKey(secret), message, malleated)).toBe(false)
  })

  it('refuses every small-order public key, even with a signature that checks out for it', () => {
    const message = randomBytes(8)
    for (const t of torsion) {
      const publicKey = t.toBytes()
      // With a small-order A, [k]A is in the torsion group; R = [s]B − [k]A.
      const s = 5n
      const k = (R: Uint8Array) => hashToScalar(R, publicKey, message)
      for (const guess of torsion) {
        const R = BASE.multiply(s).subtract(guess).toBytes()
        if (!t.multiplyUnsafe(k(R)).equals(guess)) continue
        const signature = concatBytes(R, Fn.toBytes(s))
        expect(bothVerify(publicKey, message, signature)).toBe(false)
      }
      expect(bothVerify(publicKey, message, craft(1n, publicKey, message))).toBe(false)
    }
  })

  it('refuses a mixed-order public key (A + T), whose owner could sign ambiguously', () => {
    const a = 123456789n
    const message = randomBytes(12)
    for (const t of torsion.filter((p) => !p.is0())) {
      const publicKey = BASE.multiply(a).add(t).toBytes()
      expect(bothVerify(publicKey, message, craft(a, publicKey, message))).toBe(false)
    }
  })

  it('refuses non-canonical encodings of A and R (y ≥ p)', () => {
    const p = ed25519.Point.Fp.ORDER
    const nonCanonical: Uint8Array[] = []
    for (let y = 0n; y < 19n; y++) {
      for (const sign of [0n, 1n]) {
        const bytes = numberToBytesLE(y + p + (sign << 255n), 32)
        if (decodesLoosely(bytes)) nonCanonical.push(bytes)
      }
    }
    expect(nonCanonical.length).toBeGreaterThan(0)
    const secret = randomBytes(32)
    const publicKey = ed25519.getPublicKey(secret)
    const message = randomBytes(9)
    for (const bytes of nonCanonical) {
      expect(bothVerify(bytes, message, native.sign(secret, message))).toBe(false)
      const withR = concatBytes(bytes, native.sign(secret, message).subarray(32))
      expect(bothVerify(publicKey, message, withR)).toBe(false)
    }
  })

  it('agrees on random junk: keys, signatures and lengths', () => {
    for (let i = 0; i < 200; i++) {
      const publicKey = randomBytes(i % 50 === 0 ? 31 : 32)
      const signature = randomBytes(i % 40 === 0 ? 63 : 64)
      expect(bothVerify(publicKey, randomBytes(i), signature)).toBe(false)
    }
  })
})
