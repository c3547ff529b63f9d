import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { Reader, Writer } from './bytes.ts'
import { MurmurError } from './errors.ts'

function expectThrowsNamed(fn: () => unknown, name: string): Error {
  let caught: unknown
  try {
    fn()
  } catch (err) {
    caught = err
  }
  expect(caught, `expected a ${name}`).toBeInstanceOf(MurmurError)
  expect((caught as Error).name).toBe(name)
  return caught as Error
}

const reader = (...bytes: number[]): Reader => new Reader(Uint8Array.from(bytes), 'test input')
const written = (write: (w: Writer) => Writer): number[] => [...write(new Writer()).finish()]

/** Any Unicode scalar value, each UTF-8 length (1 to 4 bytes) equally likely. */
const anyCodePoint: fc.Arbitrary<string> = fc
  .oneof(
    fc.integer({ min: 0, max: 0x7f }),
    fc.integer({ min: 0x80, max: 0x7ff }),
    fc.integer({ min: 0x800, max: 0xd7ff }),
    fc.integer({ min: 0xe000, max: 0xffff }),
    fc.integer({ min: 0x10000, max: 0x10ffff }),
  )
  .map((c) => String.fromCodePoint(c))

type Field =
  | { kind: 'byte'; value: number }
  | { kind: 'varint'; value: number }
  | { kind: 'bytes'; value: Uint8Array }
  | { kind: 'string'; value: string }

const field: fc.Arbitrary<Field> = fc.oneof(
  fc.integer({ min: 0, max: 255 }).map((value) => ({ kind: 'byte' as const, value })),
  fc.oneof(fc.nat(300), fc.maxSafeNat()).map((value) => ({ kind: 'varint' as const, value })),
  fc.uint8Array({ maxLength: 300 }).map((value) => ({ kind: 'bytes' as const, value })),
  fc
    .string({ unit: anyCodePoint, maxLength: 100 })
    .map((value) => ({ kind: 'string' as const, value })),
)

describe('Writer and Reader', () => {
  it('write varints as unsigned LEB128, low group first', () => {
    expect(written((w) => w.varint(0))).toEqual([0x00])
    expect(written((w) => w.varint(127))).toEqual([0x7f])
    expect(written((w) => w.varint(128))).toEqual([0x80, 0x01])
    expect(written((w) => w.varint(300))).toEqual([0xac, 0x02])
    expect(written((w) => w.varint(2 ** 31))).toEqual([0x80, 0x80, 0x80, 0x80, 0x08])
    expect(written((w) => w.varint(Number.MAX_SAFE_INTEGER))).toEqual([
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f,
    ])
  })

  it('write byte strings and UTF-8 strings behind a varint length', () => {
    expect(written((w) => w.bytes(Uint8Array.of(9, 8, 7)))).toEqual([3, 9, 8, 7])
    expect(written((w) => w.string('é'))).toEqual([2, 0xc3, 0xa9])
    expect(written((w) => w.string(''))).toEqual([0])
  })

  it.each([0, 1, 127, 128, 255, 16_383, 16_384, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 53 - 1])(
    'round-trip the varint %d',
    (value) => {
      const r = new Reader(new Writer().varint(value).finish(), 'varint')
      expect(r.varint()).toBe(value)
      r.end()
    },
  )

  it.each([
    '',
    'hello',
    'héllo wörld',
    '👋🏽 emoji',
    '漢字かな',
    'nul\u0000inside',
    '\uFEFFleading BOM',
  ])('round-trip the string %j', (value) => {
    const r = new Reader(new Writer().string(value).finish(), 'string')
    expect(r.string(1000)).toBe(value)
    r.end()
  })

  it('round-trip any sequence of bytes, varints, byte strings and strings', () => {
    fc.assert(
      fc.property(fc.array(field, { maxLength: 20 }), (fields) => {
        const w = new Writer()
        for (const f of fields) {
          if (f.kind === 'byte') w.byte(f.value)
          else if (f.kind === 'varint') w.varint(f.value)
          else if (f.kind === 'bytes') w.bytes(f.value)
          else w.string(f.value)
        }
        const r = new Reader(w.finish(), 'fields')
        for (const f of fields) {
          if (f.kind === 'byte') expect(r.byte()).toBe(f.value)
          else if (f.kind === 'varint') expect(r.varint()).toBe(f.value)
          else if (f.kind === 'bytes') expect(r.bytes(300)).toEqual(f.value)
          else expect(r.string(400)).toBe(f.value)
        }
        expect(r.remaining).toBe(0)
        r.end()
      }),
    )
  })

  it('write a lone surrogate as U+FFFD, since UTF-8 cannot carry it', () => {
    const r = new Reader(new Writer().string('a\uD800b').finish(), 'string')
    expect(r.string(100)).toBe('a\uFFFDb')
  })

  it('count down the bytes remaining as fields are read', () => {
    const r = reader(1, 0x80, 0x01, 2, 0xaa, 0xbb)
    expect(r.remaining).toBe(6)
    r.byte()
    expect(r.remaining).toBe(5)
    r.varint()
    expect(r.remaining).toBe(3)
    r.bytes(10)
    expect(r.remaining).toBe(0)
  })

  it('hand out copies: changing the input afterwards does not change what was read', () => {
    const input = Uint8Array.of(3, 1, 2, 3)
    const got = new Reader(input, 'copy').bytes(10)
    input.fill(0)
    expect([...got]).toEqual([1, 2, 3])
  })
})

describe('the Writer rejects varints it cannot encode', () => {
  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53])(
    '%d is refused with an InvalidArgumentError',
    (value) => {
      expectThrowsNamed(() => new Writer().varint(value), 'InvalidArgumentError')
    },
  )
})

describe('the Writer rejects bytes out of range instead of truncating them', () => {
  it.each([-1, 256, 0x1ff, 1.5, Number.NaN, Number.POSITIVE_INFINITY])(
    '%d is refused with an InvalidArgumentError',
    (value) => {
      expectThrowsNamed(() => new Writer().byte(value), 'InvalidArgumentError')
    },
  )

  it('0 and 255 are written as themselves', () => {
    expect(written((w) => w.byte(0).byte(255))).toEqual([0, 255])
  })
})

describe('the Reader refuses bad input with a DecodeError', () => {
  it('refuses to read past the end', () => {
    expectThrowsNamed(() => reader().byte(), 'DecodeError')
    expectThrowsNamed(() => reader().varint(), 'DecodeError')
    expectThrowsNamed(() => reader(0x80).varint(), 'DecodeError')
    expectThrowsNamed(() => reader(0xff, 0xff).varint(), 'DecodeError')
    expectThrowsNamed(() => reader(5, 1, 2, 3).bytes(10), 'DecodeError')
    expectThrowsNamed(() => reader(3, 0x61).string(10), 'DecodeError')
    expectThrowsNamed(() => reader(1, 2).raw(3), 'DecodeError')
  })

  it('refuses a varint of more than eight bytes', () => {
    expectThrowsNamed(
      () => reader(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00).varint(),
      'DecodeError',
    )
    expectThrowsNamed(() => reader(...new Array<number>(20).fill(0xff)).varint(), 'DecodeError')
  })

  it('refuses a varint above 2^53 - 1, which a number cannot hold exactly', () => {
    // 2^53: seven empty groups, then 0b10000.
    expectThrowsNamed(
      () => reader(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10).varint(),
      'DecodeError',
    )
    // 2^56 - 1, the largest eight-byte varint.
    expectThrowsNamed(
      () => reader(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f).varint(),
      'DecodeError',
    )
  })

  it.each([
    ['0 in two bytes', [0x80, 0x00]],
    ['1 in two bytes', [0x81, 0x00]],
    ['0 in three bytes', [0x80, 0x80, 0x00]],
    ['300 in three bytes', [0xac, 0x82, 0x00]],
    ['2^49 in eight bytes', [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80 | 0x40, 0x00]],
  ])('refuses a varint with a redundant zero group: %s', (_what, bytes) => {
    expectThrowsNamed(() => reader(...bytes).varint(), 'DecodeError')
  })

  it('accepts only the shortest encoding of any varint', () => {
    fc.assert(
      fc.property(fc.oneof(fc.nat(1 << 20), fc.maxSafeNat()), (value) => {
        const shortest = new Writer().varint(value).finish()
        // The same value with one more, empty, group.
        const padded = Uint8Array.of(...shortest, 0x00)
        padded[shortest.length - 1]! |= 0x80
        expectThrowsNamed(() => new Reader(padded, 'padded').varint(), 'DecodeError')
        expect(new Reader(shortest, 'shortest').varint()).toBe(value)
      }),
    )
  })

  it('refuses a field length with a redundant zero group', () => {
    expectThrowsNamed(() => reader(0x81, 0x00, 0x61).bytes(10), 'DecodeError')
    expectThrowsNamed(() => reader(0x81, 0x00, 0x61).string(10), 'DecodeError')
  })

  it.each([
    ['a lone continuation byte', [0x01, 0x80]],
    ['a truncated two-byte sequence', [0x01, 0xc3]],
    ['a bad second byte', [0x02, 0xc3, 0x28]],
    ['an overlong encoding of NUL', [0x02, 0xc0, 0x80]],
    ['an encoded UTF-16 surrogate', [0x03, 0xed, 0xa0, 0x80]],
    ['a code point above U+10FFFF', [0x04, 0xf4, 0x90, 0x80, 0x80]],
    ['the byte 0xff', [0x01, 0xff]],
  ])('refuses a string that is not UTF-8: %s', (_what, bytes) => {
    expectThrowsNamed(() => reader(...bytes).string(100), 'DecodeError')
  })

  it('refuses a field longer than its maximum, even before its bytes arrive', () => {
    expectThrowsNamed(() => reader(4, 1, 2, 3, 4).bytes(3), 'DecodeError')
    expectThrowsNamed(() => reader(4, 0x61, 0x62, 0x63, 0x64).string(3), 'DecodeError')
    expectThrowsNamed(() => reader(0x80, 0x80, 0x80, 0x01).bytes(1024), 'DecodeError')
    expect([...reader(3, 1, 2, 3).bytes(3)]).toEqual([1, 2, 3])
  })

  it('end() refuses trailing bytes and accepts a fully read input', () => {
    const r = reader(7, 8)
    r.byte()
    expectThrowsNamed(() => r.end(), 'DecodeError')
    r.byte()
    r.end()
    reader().end()
  })

  it('any bytes read in any order fail only with a DecodeError', () => {
    const op = fc.constantFrom('byte', 'varint', 'bytes', 'string', 'end')
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 64 }),
        fc.array(op, { maxLength: 12 }),
        (input, ops) => {
          const r = new Reader(input, 'fuzz')
          try {
            for (const o of ops) {
              if (o === 'byte') r.byte()
              else if (o === 'varint') r.varint()
              else if (o === 'bytes') r.bytes(16)
              else if (o === 'string') r.string(16)
              else r.end()
            }
          } catch (err) {
            expect(err).toBeInstanceOf(MurmurError)
            expect((err as Error).name).toBe('DecodeError')
          }
        },
      ),
    )
  })
})
