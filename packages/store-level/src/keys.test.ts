import { compareKeys } from '@murmur/core/testing'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compareBytes, decodeKey, encodeKey, encodeRange } from './keys.ts'

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

/** Any JS string, lone surrogates and U+0000 included. */
const component = fc.string({
  unit: fc.oneof(
    fc.constantFrom('\u0000', '\u0001', '\ud800', '\udbff', '\udc00', '\udfff', '\uffff', 'a'),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  ),
  maxLength: 6,
})
const key = fc.array(component, { minLength: 1, maxLength: 4 })
/** A valid encoding with one byte overwritten: near misses of the format. */
const damagedEncoding = fc
  .tuple(key, fc.nat(), fc.integer({ min: 0, max: 255 }))
  .map(([k, at, byte]) => {
    const bytes = encodeKey(k)
    bytes[at % bytes.length] = byte
    return bytes
  })

describe('storage key encoding', () => {
  it('writes each component as UTF-8 with U+0000 escaped as 00 FF, ended by 00', () => {
    expect(hex(encodeKey(['v1', 'a\u0000']))).toBe('7631' + '00' + '61' + '00ff' + '00')
    expect(hex(encodeKey(['', 'é😀']))).toBe('00' + 'c3a9' + 'f09f9880' + '00')
    expect(hex(encodeKey(['\ud800']))).toBe('eda080' + '00')
  })

  it('orders a key before its extensions and extensions before longer components', () => {
    const ordered = [['a'], ['a', ''], ['a', 'b'], ['a\u0000'], ['a\u0001'], ['ab']].map(encodeKey)
    for (let i = 1; i < ordered.length; i++)
      expect(compareBytes(ordered[i - 1]!, ordered[i]!)).toBeLessThan(0)
  })

  it('rejects an empty key and non-string components with InvalidArgumentError', () => {
    expect(() => encodeKey([])).toThrow(expect.objectContaining({ name: 'InvalidArgumentError' }))
    expect(() => encodeKey(['a', 1 as unknown as string])).toThrow(
      expect.objectContaining({ name: 'InvalidArgumentError' }),
    )
    expect(() => encodeKey('ab' as unknown as string[])).toThrow(
      expect.objectContaining({ name: 'InvalidArgumentError' }),
    )
  })

  it('decodes every encoded key back to the same tuple', () => {
    fc.assert(
      fc.property(key, (k) => {
        expect(decodeKey(encodeKey(k))).toEqual(k)
      }),
      { numRuns: 2000 },
    )
  })

  it('compares encoded keys exactly as the reference tuple order does', () => {
    fc.assert(
      fc.property(key, key, (a, b) => {
        expect(Math.sign(compareBytes(encodeKey(a), encodeKey(b)))).toBe(
          Math.sign(compareKeys(a, b)),
        )
      }),
      { numRuns: 3000 },
    )
  })

  it('puts a key inside a prefix range exactly when it starts with every prefix component', () => {
    const prefix = fc.array(component, { maxLength: 3 })
    fc.assert(
      fc.property(prefix, key, fc.nat(7), fc.boolean(), (p, tail, cut, extend) => {
        // Half the keys are built from the prefix (some cut short), so both answers are common.
        const k = extend ? [...p, ...tail].slice(0, Math.max(1, cut)) : tail
        const { gte, lt } = encodeRange(p)
        const e = encodeKey(k)
        const inside = (gte === undefined || compareBytes(e, gte) >= 0) && compareBytes(e, lt) < 0
        expect(inside).toBe(k.length >= p.length && p.every((c, i) => k[i] === c))
      }),
      { numRuns: 3000 },
    )
  })

  it('rejects bytes that no key encodes to with DecodeError', () => {
    const bad = [
      [],
      [0x61],
      [0x61, 0x00, 0xff],
      [0xff, 0x00],
      [0x80, 0x00],
      [0xc0, 0x80, 0x00],
      [0xe0, 0x80, 0x80, 0x00],
      [0xe0, 0x80],
      [0xf4, 0x90, 0x80, 0x80, 0x00],
      [0xed, 0xa0, 0x80, 0xed, 0xb0, 0x80, 0x00],
      [0xc3, 0x41, 0x00],
    ]
    for (const bytes of bad) {
      expect(() => decodeKey(Uint8Array.from(bytes)), hex(Uint8Array.from(bytes))).toThrow(
        expect.objectContaining({ name: 'DecodeError' }),
      )
    }
  })

  it('reads any bytes either as DecodeError or as the one key that encodes to them', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 12 }), damagedEncoding), (bytes) => {
        let decoded: string[]
        try {
          decoded = decodeKey(bytes)
        } catch (err) {
          expect((err as Error).name).toBe('DecodeError')
          return
        }
        expect(hex(encodeKey(decoded))).toBe(hex(bytes))
      }),
      { numRuns: 5000 },
    )
  })
})
