import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { Writer } from './bytes.ts'
import { decodeDemoLine, encodeDemoLine, MAX_DEMO_LINE } from './demo-line.ts'
import type { DemoLine } from './demo-line.ts'
import { MurmurError } from './errors.ts'
import type { TooLargeError } from './errors.ts'
import { asPeerId } from './ids.ts'
import { MAX_DEMO_LINE_MESSAGE } from './limits.ts'

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

/** Decoding may succeed or fail with a DecodeError or TooLargeError, and nothing else. */
function decodesOrRefuses(data: Uint8Array): void {
  try {
    decodeDemoLine(data)
  } catch (err) {
    expect(err).toBeInstanceOf(MurmurError)
    expect(['DecodeError', 'TooLargeError']).toContain((err as Error).name)
  }
}

const PEER = asPeerId('12D3KooWLRPJAA5o6ZpW5dbUgJgJr2chgWtsMeLpzRyXBmhvBeAM')
const sample: DemoLine = {
  from: PEER,
  text: 'hello from the other tab 👋',
  sentAt: 1_732_000_000_000,
}

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

const base58 = fc.constantFrom(...'123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz')
const line: fc.Arbitrary<DemoLine> = fc.record({
  from: fc.string({ unit: base58, minLength: 1, maxLength: 128 }).map(asPeerId),
  // 500 code points are at most 2000 bytes of UTF-8.
  text: fc.string({ unit: anyCodePoint, maxLength: 500 }),
  sentAt: fc.oneof(fc.nat(), fc.maxSafeNat()),
})

const v1 = (): Writer => new Writer().byte(1)

describe('demo chat lines', () => {
  it('round-trip a line', () => {
    expect(decodeDemoLine(encodeDemoLine(sample))).toEqual(sample)
  })

  it('round-trip an empty line', () => {
    const empty: DemoLine = { from: PEER, text: '', sentAt: 0 }
    expect(decodeDemoLine(encodeDemoLine(empty))).toEqual(empty)
  })

  it('round-trip any line within the limits', () => {
    fc.assert(
      fc.property(line, (l) => {
        expect(decodeDemoLine(encodeDemoLine(l))).toEqual(l)
      }),
    )
  })

  it('lay out version, sender, text and sent-at as documented', () => {
    const bytes = encodeDemoLine({ from: asPeerId('p'), text: 'hi', sentAt: 300 })
    expect([...bytes]).toEqual([1, 1, 0x70, 2, 0x68, 0x69, 0xac, 0x02])
  })

  it('measure the text limit in UTF-8 bytes, and accept a text exactly at it', () => {
    for (const text of ['a'.repeat(MAX_DEMO_LINE), 'é'.repeat(MAX_DEMO_LINE / 2)]) {
      expect(decodeDemoLine(encodeDemoLine({ ...sample, text })).text).toBe(text)
    }
  })

  it('refuse to encode a text over MAX_DEMO_LINE bytes with a TooLargeError', () => {
    const err = expectThrowsNamed(
      () => encodeDemoLine({ ...sample, text: 'é'.repeat(MAX_DEMO_LINE / 2 + 1) }),
      'TooLargeError',
    ) as TooLargeError
    expect([err.size, err.limit]).toEqual([MAX_DEMO_LINE + 2, MAX_DEMO_LINE])
  })

  it('refuse a received line over MAX_DEMO_LINE_MESSAGE bytes with a TooLargeError, before parsing it', () => {
    const huge = v1().string(PEER).string('a'.repeat(100_000)).varint(1).finish()
    const err = expectThrowsNamed(() => decodeDemoLine(huge), 'TooLargeError') as TooLargeError
    expect([err.size, err.limit]).toEqual([huge.length, MAX_DEMO_LINE_MESSAGE])
    // Not even a valid version byte: the size is checked first.
    expectThrowsNamed(
      () => decodeDemoLine(new Uint8Array(MAX_DEMO_LINE_MESSAGE + 1)),
      'TooLargeError',
    )
  })

  it('accept a line with every field at its limit, which is exactly MAX_DEMO_LINE_MESSAGE bytes', () => {
    const longest: DemoLine = {
      from: asPeerId('p'.repeat(128)),
      text: 'x'.repeat(MAX_DEMO_LINE),
      sentAt: Number.MAX_SAFE_INTEGER,
    }
    const bytes = encodeDemoLine(longest)
    expect(bytes.length).toBe(MAX_DEMO_LINE_MESSAGE)
    expect(decodeDemoLine(bytes)).toEqual(longest)
    expectThrowsNamed(() => decodeDemoLine(Uint8Array.of(...bytes, 0)), 'TooLargeError')
  })

  it('refuse a received text length over MAX_DEMO_LINE with a DecodeError, even in a small line', () => {
    const header = v1()
      .string(PEER)
      .varint(MAX_DEMO_LINE + 1)
      .finish()
    expectThrowsNamed(() => decodeDemoLine(header), 'DecodeError')
  })

  it('refuse a sender id over 128 bytes', () => {
    expectThrowsNamed(
      () => decodeDemoLine(v1().string('p'.repeat(129)).string('hi').varint(1).finish()),
      'DecodeError',
    )
  })

  it('refuse an empty sender id', () => {
    expectThrowsNamed(
      () => decodeDemoLine(v1().string('').string('hi').varint(1).finish()),
      'DecodeError',
    )
  })

  it.each([
    ['an empty sender id', ''],
    ['a sender id over 128 bytes', 'p'.repeat(129)],
    // 65 characters, 130 bytes: the limit is in UTF-8 bytes.
    ['a sender id of 65 two-byte characters', 'é'.repeat(65)],
  ])('refuse to encode a line with %s, with an InvalidArgumentError', (_what, from) => {
    expectThrowsNamed(
      () => encodeDemoLine({ ...sample, from: asPeerId(from) }),
      'InvalidArgumentError',
    )
  })

  it('refuse every truncation of a valid line with a DecodeError', () => {
    const bytes = encodeDemoLine(sample)
    for (let n = 0; n < bytes.length; n++)
      expectThrowsNamed(() => decodeDemoLine(bytes.subarray(0, n)), 'DecodeError')
  })

  it('refuse a valid line followed by trailing bytes', () => {
    expectThrowsNamed(
      () => decodeDemoLine(Uint8Array.of(...encodeDemoLine(sample), 0)),
      'DecodeError',
    )
  })

  it.each([0, 2, 255])('refuse a line of unknown version %d', (version) => {
    const bytes = encodeDemoLine(sample)
    bytes[0] = version
    expectThrowsNamed(() => decodeDemoLine(bytes), 'DecodeError')
  })

  it('refuse a text that is not UTF-8', () => {
    expectThrowsNamed(
      () => decodeDemoLine(v1().string('p').bytes(Uint8Array.of(0xc3, 0x28)).varint(1).finish()),
      'DecodeError',
    )
  })

  it('refuse a sent-at that does not fit a number exactly', () => {
    const overflow = Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10) // 2^53
    expectThrowsNamed(
      () => decodeDemoLine(Uint8Array.of(...v1().string('p').string('hi').finish(), ...overflow)),
      'DecodeError',
    )
  })

  it('refuse to encode a sent-at that is not a non-negative integer', () => {
    expectThrowsNamed(() => encodeDemoLine({ ...sample, sentAt: -1 }), 'InvalidArgumentError')
    expectThrowsNamed(() => encodeDemoLine({ ...sample, sentAt: 1.5 }), 'InvalidArgumentError')
  })

  it('arbitrary bytes only ever decode or fail with DecodeError or TooLargeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), (bytes) => decodesOrRefuses(bytes)),
      { numRuns: 200 },
    )
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (tail) =>
        decodesOrRefuses(Uint8Array.of(1, ...tail)),
      ),
      { numRuns: 200 },
    )
  })

  it('valid lines with bytes flipped, cut or appended only decode or fail typed', () => {
    fc.assert(
      fc.property(
        line,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 3 }),
        fc.option(fc.nat()),
        fc.uint8Array({ maxLength: 4 }),
        (l, flips, cut, extra) => {
          const bytes = encodeDemoLine(l)
          for (const [at, mask] of flips) bytes[at % bytes.length]! ^= mask
          const kept = cut === null ? bytes : bytes.subarray(0, cut % (bytes.length + 1))
          decodesOrRefuses(Uint8Array.of(...kept, ...extra))
        },
      ),
    )
  })

  it('whatever encodeDemoLine accepts, decodeDemoLine accepts back', () => {
    const cases: DemoLine[] = [
      { from: asPeerId('p'.repeat(129)), text: 'hi', sentAt: 1 },
      { from: asPeerId(''), text: 'hi', sentAt: 1 },
    ]
    for (const l of cases) {
      let bytes: Uint8Array
      try {
        bytes = encodeDemoLine(l)
      } catch (err) {
        expect(err).toBeInstanceOf(MurmurError) // refusing to encode is fine
        continue
      }
      expect(decodeDemoLine(bytes)).toEqual(l)
    }
  })
})
