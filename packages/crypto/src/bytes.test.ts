import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  constantTimeEqual,
  fromBase64url,
  fromHex,
  randomBytes,
  toBase64url,
  toHex,
} from './bytes.ts'

describe('byte utilities', () => {
  it('base64url matches RFC 4648 section 10 test vectors, unpadded', () => {
    const cases: [string, string][] = [
      ['', ''],
      ['f', 'Zg'],
      ['fo', 'Zm8'],
      ['foo', 'Zm9v'],
      ['foob', 'Zm9vYg'],
      ['fooba', 'Zm9vYmE'],
      ['foobar', 'Zm9vYmFy'],
    ]
    for (const [plain, encoded] of cases) {
      const bytes = Uint8Array.from(plain, (c) => c.charCodeAt(0))
      expect(toBase64url(bytes)).toBe(encoded)
      expect(fromBase64url(encoded)).toEqual(bytes)
    }
    expect(toBase64url(Uint8Array.of(0xfb, 0xff))).toBe('-_8')
  })

  it('base64url and hex round-trip any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(fromBase64url(toBase64url(bytes))).toEqual(bytes)
        expect(fromHex(toHex(bytes))).toEqual(bytes)
      }),
    )
  })

  it('base64url decoding rejects padding, the standard alphabet, bad lengths and non-canonical tails', () => {
    for (const bad of [
      'Zg==',
      'Zm9v+A',
      'Zm9v/A',
      'Z',
      'Zm9vY',
      'Zh',
      'Zm9',
      'Zm 9v',
      'Zm9v\n',
      'Zé',
    ]) {
      expect(() => fromBase64url(bad), bad).toThrow(
        expect.objectContaining({ name: 'DecodeError' }),
      )
    }
  })

  it('base64url decoding of arbitrary strings either round-trips or throws DecodeError', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (s) => {
        try {
          expect(toBase64url(fromBase64url(s))).toBe(s)
        } catch (err) {
          expect((err as Error).name).toBe('DecodeError')
        }
      }),
    )
  })

  it('hex decoding rejects odd lengths and non-hex characters', () => {
    for (const bad of ['0', 'abc', 'zz', '0x00', ' 00']) {
      expect(() => fromHex(bad)).toThrow(expect.objectContaining({ name: 'DecodeError' }))
    }
    expect(fromHex('00FFaa')).toEqual(Uint8Array.of(0, 255, 170))
  })

  it('constant-time equality compares content and length', () => {
    expect(constantTimeEqual(Uint8Array.of(1, 2, 3), Uint8Array.of(1, 2, 3))).toBe(true)
    expect(constantTimeEqual(Uint8Array.of(1, 2, 3), Uint8Array.of(1, 2, 4))).toBe(false)
    expect(constantTimeEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2, 3))).toBe(false)
    expect(constantTimeEqual(new Uint8Array(0), new Uint8Array(0))).toBe(true)
  })

  it('random bytes have the requested length and differ between calls', () => {
    expect(randomBytes(32)).toHaveLength(32)
    expect(toHex(randomBytes(32))).not.toBe(toHex(randomBytes(32)))
    expect(() => randomBytes(-1)).toThrow(expect.objectContaining({ name: 'InvalidArgumentError' }))
  })
})
