/**
 * Published test vectors for the primitives this package is built on, run
 * through the exact @noble entry points (and our AEAD wrapper) we use.
 */
import { describe, expect, it } from 'vitest'
import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { expand, extract, hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { decrypt, encrypt } from './aead.ts'
import { fromHex, toHex, utf8 } from './bytes.ts'

describe('Ed25519, RFC 8032 section 7.1', () => {
  const vectors = [
    {
      name: 'TEST 1 (empty message)',
      secret: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
      public: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
      message: '',
      signature:
        'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    },
    {
      name: 'TEST 2 (one byte)',
      secret: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
      public: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
      message: '72',
      signature:
        '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
    },
    {
      name: 'TEST 3 (two bytes)',
      secret: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
      public: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
      message: 'af82',
      signature:
        '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
    },
  ]
  for (const v of vectors) {
    it(`${v.name}: derives the public key, signs deterministically, verifies strictly`, () => {
      const sk = fromHex(v.secret)
      const msg = fromHex(v.message)
      expect(toHex(ed25519.getPublicKey(sk))).toBe(v.public)
      expect(toHex(ed25519.sign(msg, sk))).toBe(v.signature)
      expect(ed25519.verify(fromHex(v.signature), msg, fromHex(v.public), { zip215: false })).toBe(
        true,
      )
      const flipped = fromHex(v.signature)
      flipped[0]! ^= 1
      expect(ed25519.verify(flipped, msg, fromHex(v.public), { zip215: false })).toBe(false)
    })
  }
})

describe('X25519, RFC 7748', () => {
  it('section 5.2, first vector', () => {
    const k = fromHex('a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4')
    const u = fromHex('e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c')
    expect(toHex(x25519.getSharedSecret(k, u))).toBe(
      'c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552',
    )
  })

  it('section 5.2, second vector', () => {
    const k = fromHex('4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d')
    const u = fromHex('e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493')
    expect(toHex(x25519.getSharedSecret(k, u))).toBe(
      '95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957',
    )
  })

  it('section 5.2, iterated: 1 and 1,000 iterations', () => {
    let k = fromHex('0900000000000000000000000000000000000000000000000000000000000000')
    let u = k
    const step = (): void => {
      const r = x25519.getSharedSecret(k, u)
      u = k
      k = r
    }
    step()
    expect(toHex(k)).toBe('422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079')
    for (let i = 1; i < 1000; i++) step()
    expect(toHex(k)).toBe('684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51')
  })

  it('section 6.1, Diffie-Hellman between Alice and Bob', () => {
    const alicePriv = fromHex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a')
    const bobPriv = fromHex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb')
    const alicePub = x25519.getPublicKey(alicePriv)
    const bobPub = x25519.getPublicKey(bobPriv)
    expect(toHex(alicePub)).toBe('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a')
    expect(toHex(bobPub)).toBe('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f')
    const shared = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742'
    expect(toHex(x25519.getSharedSecret(alicePriv, bobPub))).toBe(shared)
    expect(toHex(x25519.getSharedSecret(bobPriv, alicePub))).toBe(shared)
  })
})

describe('XChaCha20-Poly1305, draft-irtf-cfrg-xchacha-03 appendix A.3.1', () => {
  const key = fromHex('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f')
  const nonce = fromHex('404142434445464748494a4b4c4d4e4f5051525354555657')
  const aad = fromHex('50515253c0c1c2c3c4c5c6c7')
  const plaintext = utf8(
    "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
  )
  const ciphertext =
    'bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb' +
    '731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b452' +
    '2f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9' +
    '21f9664c97637da9768812f615c68b13b52e'
  const tag = 'c0875924c1c7987947deafd8780acf49'

  it('encrypt() with the vector nonce gives nonce || ciphertext || tag', () => {
    expect(toHex(encrypt(key, plaintext, aad, nonce))).toBe(toHex(nonce) + ciphertext + tag)
  })

  it('decrypt() recovers the plaintext from the vector', () => {
    expect(decrypt(key, fromHex(toHex(nonce) + ciphertext + tag), aad)).toEqual(plaintext)
  })
})

describe('HKDF-SHA256, RFC 5869 appendix A', () => {
  const range = (from: number, to: number): Uint8Array =>
    Uint8Array.from({ length: to - from + 1 }, (_, i) => from + i)
  const cases = [
    {
      name: 'test case 1 (basic)',
      ikm: new Uint8Array(22).fill(0x0b),
      salt: range(0x00, 0x0c),
      info: range(0xf0, 0xf9),
      length: 42,
      prk: '077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5',
      okm: '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
    },
    {
      name: 'test case 2 (longer inputs and outputs)',
      ikm: range(0x00, 0x4f),
      salt: range(0x60, 0xaf),
      info: range(0xb0, 0xff),
      length: 82,
      prk: '06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244',
      okm:
        'b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c' +
        '59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71' +
        'cc30c58179ec3e87c14c01d5c1f3434f1d87',
    },
    {
      name: 'test case 3 (zero-length salt and info)',
      ikm: new Uint8Array(22).fill(0x0b),
      salt: new Uint8Array(0),
      info: new Uint8Array(0),
      length: 42,
      prk: '19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04',
      okm: '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8',
    },
  ]
  for (const c of cases) {
    it(c.name, () => {
      const prk = extract(sha256, c.ikm, c.salt)
      expect(toHex(prk)).toBe(c.prk)
      expect(toHex(expand(sha256, prk, c.info, c.length))).toBe(c.okm)
      expect(toHex(hkdf(sha256, c.ikm, c.salt, c.info, c.length))).toBe(c.okm)
    })
  }
})
