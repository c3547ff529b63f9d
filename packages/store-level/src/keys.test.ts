import { compareKeys } from '@murmur/core/testing'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compareBytes, decodeKey, encodeKey, encodeKeys, encodeRange } from './keys.ts'

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
/**
 * Components of up to 100 code units, mostly ASCII so that many are clean
 * (no U+0000, no lone surrogate) and long enough for TextEncoder, the rest
 * sprinkled with 2-, 3- and 4-byte characters, U+0000 and lone surrogates.
 */
const longComponent = fc.string({
  unit: fc.oneof(
    { weight: 30, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('é', '€', '\uffff', '😀', '\u0000', '\ud800', '\udc00'),
    },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  ),
  maxLength: 100,
  size: 'max',
})
const mixedKey = fc.array(fc.oneof(component, longComponent), { minLength: 1, maxLength: 6 })
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

  it('writes exactly the bytes of the per-character reference encoder', () => {
    fc.assert(
      fc.property(mixedKey, (k) => {
        expect(hex(encodeKey(k))).toBe(hex(referenceEncode(k)))
      }),
      { numRuns: 5000 },
    )
  })

  it('writes the reference bytes on both sides of the TextEncoder length threshold', () => {
    const chars = ['a', 'é', '€', '😀']
    const spoilers = ['', '\u0000', '\ud800', '\udfff', '\udbff\udfff']
    for (const ch of chars) {
      for (const n of [30, 31, 32, 33, 64]) {
        for (const spoiler of spoilers) {
          const c = (ch.repeat(n) + spoiler).slice(0, n + spoiler.length)
          const k = ['v1', c, spoiler + c, c + 'z']
          expect(hex(encodeKey(k)), JSON.stringify(k)).toBe(hex(referenceEncode(k)))
          expect(decodeKey(encodeKey(k))).toEqual(k)
        }
      }
    }
  })

  it('encodes keys larger than its scratch buffer, and every result is its own copy', () => {
    for (const size of [1000, 30_000, 100_000]) {
      const big = ['v1', 'x'.repeat(size), '\u0000é'.repeat(size / 10)]
      const bytes = encodeKey(big)
      expect(bytes.byteLength).toBe(bytes.buffer.byteLength)
      expect(hex(bytes)).toBe(hex(referenceEncode(big)))
    }
    const first = encodeKey(['v1', 'first'])
    const second = encodeKey(['v1', 'other'])
    expect(first.buffer).not.toBe(second.buffer)
    expect(hex(first)).toBe(hex(referenceEncode(['v1', 'first'])))
  })

  it('encodes a batch of keys to the same bytes as one at a time, each in its own range', () => {
    fc.assert(
      fc.property(fc.array(mixedKey, { maxLength: 20 }), (ks) => {
        const batch = encodeKeys(ks)
        expect(batch.map(hex)).toEqual(ks.map((k) => hex(encodeKey(k))))
        // Writing each view with its own index leaves every view intact only if none overlap.
        batch.forEach((bytes, i) => bytes.fill(i))
        expect(batch.every((bytes, i) => bytes.every((b) => b === i))).toBe(true)
      }),
      { numRuns: 500 },
    )
    // Several scratch buffers' worth, with keys too large for one in between.
    const many = Array.from({ length: 3000 }, (_, i) =>
      i % 1000 === 500 ? ['v1', 'é'.repeat(30_000), String(i)] : ['v1', 'x'.repeat(20), String(i)],
    )
    expect(encodeKeys(many).map(hex)).toEqual(many.map((k) => hex(referenceEncode(k))))
    expect(() => encodeKeys([['v1'], []])).toThrow(
      expect.objectContaining({ name: 'InvalidArgumentError' }),
    )
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
      fc.property(fc.oneof(key, mixedKey), (k) => {
        expect(decodeKey(encodeKey(k))).toEqual(k)
      }),
      { numRuns: 2000 },
    )
  })

  it('compares encoded keys exactly as the reference tuple order does', () => {
    fc.assert(
      fc.property(fc.oneof(key, mixedKey), fc.oneof(key, mixedKey), (a, b) => {
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

/**
 * The encoder keys.ts used before it had a fast path: every code unit by
 * hand, into a worst-case buffer. Kept here as the definition the fast
 * encoder must match byte for byte.
 */
function referenceEncode(key: readonly string[]): Uint8Array {
  let size = 0
  for (const c of key) size += c.length * 3 + 1
  const out = new Uint8Array(size)
  let o = 0
  for (const c of key) {
    for (let i = 0; i < c.length; i++) {
      let cp = c.charCodeAt(i)
      if (cp === 0) {
        out[o++] = 0x00
        out[o++] = 0xff
      } else if (cp < 0x80) {
        out[o++] = cp
      } else if (cp < 0x800) {
        out[o++] = 0xc0 | (cp >> 6)
        out[o++] = 0x80 | (cp & 0x3f)
      } else {
        const next = c.charCodeAt(i + 1)
        if (cp >= 0xd800 && cp <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          cp = 0x10000 + ((cp - 0xd800) << 10) + (next - 0xdc00)
          i++
          out[o++] = 0xf0 | (cp >> 18)
          out[o++] = 0x80 | ((cp >> 12) & 0x3f)
          out[o++] = 0x80 | ((cp >> 6) & 0x3f)
          out[o++] = 0x80 | (cp & 0x3f)
        } else {
          out[o++] = 0xe0 | (cp >> 12)
          out[o++] = 0x80 | ((cp >> 6) & 0x3f)
          out[o++] = 0x80 | (cp & 0x3f)
        }
      }
    }
    out[o++] = 0x00
  }
  return out.slice(0, o)
}
