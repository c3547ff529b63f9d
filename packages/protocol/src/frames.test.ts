import { describe, expect, it, vi } from 'vitest'
import fc from 'fast-check'
import { MurmurError } from './errors.ts'
import type { TooLargeError } from './errors.ts'
import { encodeFrame, FrameDecoder } from './frames.ts'
import { MAX_STREAM_FRAME } from './limits.ts'

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

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let offset = 0
  for (const p of parts) {
    out.set(p, offset)
    offset += p.length
  }
  return out
}

/** Cuts `data` at the given offsets (any order, duplicates allowed) into consecutive chunks. */
function splitAt(data: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b)
  const chunks: Uint8Array[] = []
  let start = 0
  for (const p of [...points, data.length]) {
    chunks.push(data.subarray(start, p))
    start = p
  }
  return chunks
}

/** `n` bytes that differ from one offset to the next, so a shifted frame does not compare equal. */
function patterned(n: number): Uint8Array {
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) out[i] = (i * 31 + n) & 0xff
  return out
}

const payload: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 8, arbitrary: fc.uint8Array({ maxLength: 300 }) },
  { weight: 1, arbitrary: fc.constant(new Uint8Array(0)) },
  // Large payloads take two- and three-byte length prefixes (three from 16 KiB).
  { weight: 1, arbitrary: fc.integer({ min: 16_000, max: 70_000 }).map(patterned) },
)

describe('frames', () => {
  it('a frame is its varint length followed by the payload', () => {
    expect([...encodeFrame(new Uint8Array(0))]).toEqual([0x00])
    expect([...encodeFrame(Uint8Array.of(7, 8))]).toEqual([0x02, 7, 8])
    expect([...encodeFrame(new Uint8Array(300)).subarray(0, 2)]).toEqual([0xac, 0x02])
    expect(encodeFrame(new Uint8Array(300)).length).toBe(302)
  })

  it('an encoded frame decodes to its payload, leaving nothing pending', () => {
    const decoder = new FrameDecoder()
    expect(decoder.push(encodeFrame(Uint8Array.of(1, 2, 3)))).toEqual([Uint8Array.of(1, 2, 3)])
    expect(decoder.pending).toBe(0)
    decoder.end()
  })

  it('an empty payload is a frame of its own', () => {
    const decoder = new FrameDecoder()
    expect(decoder.push(Uint8Array.of(0, 0, 1, 9))).toEqual([
      new Uint8Array(0),
      new Uint8Array(0),
      Uint8Array.of(9),
    ])
    decoder.end()
  })

  it('any payloads, concatenated and re-split at any chunk boundaries, decode to the same payloads', () => {
    fc.assert(
      fc.property(
        fc.array(payload, { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (payloads, cuts) => {
          const stream = concat(payloads.map((p) => encodeFrame(p)))
          const decoder = new FrameDecoder()
          const frames = splitAt(stream, cuts).flatMap((chunk) => decoder.push(chunk))
          expect(frames).toEqual(payloads)
          expect(decoder.pending).toBe(0)
          decoder.end()
        },
      ),
      { numRuns: 50 },
    )
  })

  it('frames delivered one byte at a time decode to the same payloads', () => {
    const payloads = [
      Uint8Array.of(1),
      new Uint8Array(0),
      new Uint8Array(200).fill(5),
      Uint8Array.of(2, 3),
    ]
    const stream = concat(payloads.map((p) => encodeFrame(p)))
    const decoder = new FrameDecoder()
    const frames: Uint8Array[] = []
    for (let i = 0; i < stream.length; i++) frames.push(...decoder.push(stream.subarray(i, i + 1)))
    expect(frames).toEqual(payloads)
    decoder.end()
  })

  it('holds only the bytes of an unfinished frame as pending', () => {
    const decoder = new FrameDecoder()
    const frame = encodeFrame(new Uint8Array(200))
    expect(decoder.push(frame.subarray(0, 1))).toEqual([])
    expect(decoder.pending).toBe(1)
    expect(decoder.push(frame.subarray(1, 50))).toEqual([])
    expect(decoder.pending).toBe(50)
    expect(decoder.push(frame.subarray(50))).toHaveLength(1)
    expect(decoder.pending).toBe(0)
  })

  it('a decoded frame is a copy: the transport may reuse its chunk afterwards', () => {
    const chunk = encodeFrame(Uint8Array.of(1, 2, 3))
    const [frame] = new FrameDecoder().push(chunk)
    chunk.fill(0)
    expect(frame).toEqual(Uint8Array.of(1, 2, 3))
  })

  it('a frame exactly at the limit is accepted', () => {
    const atLimit = new Uint8Array(1000).fill(1)
    expect(new FrameDecoder(1000).push(encodeFrame(atLimit, 1000))).toEqual([atLimit])
    const atDefault = new Uint8Array(MAX_STREAM_FRAME)
    expect(new FrameDecoder().push(encodeFrame(atDefault))[0]?.length).toBe(MAX_STREAM_FRAME)
  })

  it('encoding a payload over the limit throws a TooLargeError with the size and limit', () => {
    const err = expectThrowsNamed(
      () => encodeFrame(new Uint8Array(1001), 1000),
      'TooLargeError',
    ) as TooLargeError
    expect([err.size, err.limit]).toEqual([1001, 1000])
    expectThrowsNamed(() => encodeFrame(new Uint8Array(MAX_STREAM_FRAME + 1)), 'TooLargeError')
  })

  it('a length over the limit is refused as soon as its header arrives, before any payload', () => {
    const header = encodeFrame(new Uint8Array(1001)).subarray(0, 2)
    const err = expectThrowsNamed(
      () => new FrameDecoder(1000).push(header),
      'TooLargeError',
    ) as TooLargeError
    expect([err.size, err.limit]).toEqual([1001, 1000])

    // The default limit, with the three-byte header split across two chunks.
    const big = encodeFrame(new Uint8Array(MAX_STREAM_FRAME + 1), MAX_STREAM_FRAME + 1).subarray(
      0,
      3,
    )
    const decoder = new FrameDecoder()
    expect(decoder.push(big.subarray(0, 2))).toEqual([])
    expectThrowsNamed(() => decoder.push(big.subarray(2)), 'TooLargeError')
  })

  it('a length over the limit is refused even when whole frames precede it in the chunk', () => {
    const chunk = concat([encodeFrame(Uint8Array.of(1)), Uint8Array.of(0xe9, 0x07)]) // then 1001
    expectThrowsNamed(() => new FrameDecoder(1000).push(chunk), 'TooLargeError')
  })

  it('a length prefix longer than five bytes is a DecodeError', () => {
    expectThrowsNamed(
      () => new FrameDecoder().push(Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x01)),
      'DecodeError',
    )
    expectThrowsNamed(() => new FrameDecoder().push(new Uint8Array(5).fill(0xff)), 'DecodeError')
  })

  it('a stream that ends inside a frame is a DecodeError; one that ends between frames is not', () => {
    const frame = encodeFrame(new Uint8Array(200))
    const inPayload = new FrameDecoder()
    inPayload.push(frame.subarray(0, 10))
    expectThrowsNamed(() => inPayload.end(), 'DecodeError')

    const inHeader = new FrameDecoder()
    inHeader.push(frame.subarray(0, 1))
    expectThrowsNamed(() => inHeader.end(), 'DecodeError')

    const between = new FrameDecoder()
    between.push(frame)
    between.end()
    new FrameDecoder().end()
  })

  it('any bytes in any chunks yield frames or a DecodeError or TooLargeError, nothing else', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.integer({ min: 0, max: 400 }),
        (bytes, cuts, maxFrame) => {
          const decoder = new FrameDecoder(maxFrame)
          try {
            for (const chunk of splitAt(bytes, cuts)) {
              for (const frame of decoder.push(chunk))
                expect(frame.length).toBeLessThanOrEqual(maxFrame)
            }
            decoder.end()
          } catch (err) {
            expect(err).toBeInstanceOf(MurmurError)
            expect(['DecodeError', 'TooLargeError']).toContain((err as Error).name)
          }
        },
      ),
    )
  })

  it('a length prefix with a redundant zero group is a DecodeError, so each length has one encoding', () => {
    for (const prefix of [
      [0x80, 0x00], // 0
      [0x81, 0x00], // 1
      [0x80, 0x80, 0x00],
      [0xac, 0x82, 0x00], // 300
    ]) {
      expectThrowsNamed(() => new FrameDecoder().push(Uint8Array.from(prefix)), 'DecodeError')
    }
    // Also when the zero group arrives in a chunk of its own.
    const split = new FrameDecoder()
    expect(split.push(Uint8Array.of(0x80))).toEqual([])
    expectThrowsNamed(() => split.push(Uint8Array.of(0x00)), 'DecodeError')
  })

  it('a transport that reuses its chunk buffer does not corrupt a half-received frame', () => {
    const payload = patterned(300)
    const stream = encodeFrame(payload) // two-byte header
    const buffer = new Uint8Array(128)
    const decoder = new FrameDecoder()
    const frames: Uint8Array[] = []
    // The first chunk ends inside the header, the next ones inside the payload.
    for (const [from, to] of [
      [0, 1],
      [1, 90],
      [90, 190],
      [190, stream.length],
    ] as const) {
      buffer.fill(0xee)
      buffer.set(stream.subarray(from, to))
      frames.push(...decoder.push(buffer.subarray(0, to - from)))
    }
    expect(frames).toEqual([payload])
    decoder.end()
  })

  it('a 1 MiB frame trickled in one byte at a time decodes', () => {
    const payload = patterned(MAX_STREAM_FRAME)
    const stream = encodeFrame(payload)
    const decoder = new FrameDecoder()
    const frames: Uint8Array[] = []
    for (let i = 0; i < stream.length; i++) frames.push(...decoder.push(stream.subarray(i, i + 1)))
    expect(frames).toEqual([payload])
    decoder.end()
  })

  it('a frame trickled in one byte at a time has each byte copied once, not the whole buffer per chunk', () => {
    // Counts the work rather than timing it: the bytes handed to Uint8Array#set
    // while decoding. Re-copying what is buffered on every chunk would be
    // about n²/2 here (128 MiB); copying each chunk into place is n.
    const payload = patterned(16 * 1024)
    const stream = encodeFrame(payload)
    const decoder = new FrameDecoder()
    const frames: Uint8Array[] = []
    let copied = 0
    const set = vi.spyOn(Uint8Array.prototype, 'set')
    try {
      for (let i = 0; i < stream.length; i++) {
        frames.push(...decoder.push(stream.subarray(i, i + 1)))
      }
      for (const [source] of set.mock.calls) copied += (source as ArrayLike<number>).length
    } finally {
      set.mockRestore()
    }
    expect(frames).toEqual([payload])
    expect(copied).toBeLessThanOrEqual(2 * stream.length)
  })
})
