import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Writer } from '../bytes.ts'
import * as L from './limits.ts'
import { decodeSyncFrame, encodeSyncFrame, envelopesFrames, senderTagKey } from './sync.ts'
import {
  expectEveryTruncationRefused,
  expectThrowsNamed,
  fuzzDecoder,
  sameBytes,
  tag,
} from './test-support.ts'
import type { SyncFrame } from './types.ts'

const tagHex = tag.map(senderTagKey)
const frames: fc.Arbitrary<SyncFrame> = fc.oneof(
  fc.record({
    type: fc.constant('hello' as const),
    convTag: tag,
    vector: fc.array(fc.tuple(tagHex, fc.maxSafeNat()), { maxLength: 6 }).map((e) => new Map(e)),
  }),
  fc.record({
    type: fc.constant('envelopes' as const),
    envelopes: fc.array(fc.uint8Array({ maxLength: 100 }), { maxLength: 5 }),
  }),
  fc.constant({ type: 'done' as const }),
)
const hello = (vector: Map<string, number>): SyncFrame => ({
  type: 'hello',
  convTag: new Uint8Array(16).fill(1),
  vector,
})
const hex = (n: number): string => n.toString(16).padStart(32, '0')
const envelope = (size: number, fill = 1): Uint8Array => new Uint8Array(size).fill(fill)

describe('sync frames', () => {
  it('round-trip hello, envelopes and done', () => {
    fc.assert(
      fc.property(frames, (f) => void expect(decodeSyncFrame(encodeSyncFrame(f))).toEqual(f)),
    )
  })

  it('encode a vector the same way whatever its insertion order', () => {
    const a = hello(
      new Map([
        [hex(2), 5],
        [hex(1), 3],
      ]),
    )
    const b = hello(
      new Map([
        [hex(1), 3],
        [hex(2), 5],
      ]),
    )
    expect(sameBytes(encodeSyncFrame(a), encodeSyncFrame(b))).toBe(true)
  })

  it('key vectors by 32 lowercase hex characters', () => {
    expect(senderTagKey(new Uint8Array(16).fill(0xab))).toBe('ab'.repeat(16))
    for (const key of ['AB'.repeat(16), 'ab'.repeat(15), 'ab'.repeat(17), 'zz'.repeat(16)]) {
      expectThrowsNamed(() => encodeSyncFrame(hello(new Map([[key, 1]]))), 'InvalidArgumentError')
    }
    expectThrowsNamed(() => encodeSyncFrame(hello(new Map([[hex(1), -1]]))), 'InvalidArgumentError')
    expectThrowsNamed(() => senderTagKey(new Uint8Array(15)), 'InvalidArgumentError')
  })

  it('refuse a vector out of order or with a repeated sender', () => {
    const entry = (n: number): Uint8Array => new Uint8Array(16).fill(n)
    const frame = (a: number, b: number): Uint8Array =>
      new Writer()
        .byte(1)
        .raw(entry(0))
        .varint(2)
        .raw(entry(a))
        .varint(1)
        .raw(entry(b))
        .varint(1)
        .finish()
    expect(decodeSyncFrame(frame(1, 2)).type).toBe('hello')
    expectThrowsNamed(() => decodeSyncFrame(frame(2, 1)), 'DecodeError')
    expectThrowsNamed(() => decodeSyncFrame(frame(2, 2)), 'DecodeError')
  })

  it('allow 10 000 vector entries and refuse 10 001', () => {
    const vector = new Map(
      Array.from({ length: L.MAX_VECTOR_ENTRIES }, (_, i) => [hex(i), i] as const),
    )
    const bytes = encodeSyncFrame(hello(vector))
    const decoded = decodeSyncFrame(bytes)
    expect(decoded.type === 'hello' && decoded.vector.size).toBe(L.MAX_VECTOR_ENTRIES)
    vector.set(hex(L.MAX_VECTOR_ENTRIES), 1)
    expectThrowsNamed(() => encodeSyncFrame(hello(vector)), 'InvalidArgumentError')
    const handBuilt = new Writer()
      .byte(1)
      .raw(new Uint8Array(16))
      .varint(L.MAX_VECTOR_ENTRIES + 1)
      .finish()
    expectThrowsNamed(() => decodeSyncFrame(handBuilt), 'DecodeError')
  })

  it('allow a frame of exactly 1 MiB and refuse one byte more', () => {
    const size = (n: number): number =>
      encodeSyncFrame({ type: 'envelopes', envelopes: [envelope(n)] }).length
    const overhead = size(0) + 2 // one envelope's length prefix grows from 1 to 3 bytes
    expect(size(200_000)).toBe(200_000 + overhead)
    // Four envelopes whose frame is exactly MAX_SYNC_FRAME_BYTES.
    const each = Math.floor((L.MAX_SYNC_FRAME_BYTES - 2) / 4) - 3
    const rest = L.MAX_SYNC_FRAME_BYTES - 2 - 4 * (each + 3)
    const envelopes = [envelope(each), envelope(each), envelope(each), envelope(each + rest)]
    const bytes = encodeSyncFrame({ type: 'envelopes', envelopes })
    expect(bytes.length).toBe(L.MAX_SYNC_FRAME_BYTES)
    expect(decodeSyncFrame(bytes)).toEqual({ type: 'envelopes', envelopes })
    envelopes[3] = envelope(each + rest + 1)
    expectThrowsNamed(() => encodeSyncFrame({ type: 'envelopes', envelopes }), 'TooLargeError')
    expectThrowsNamed(
      () => decodeSyncFrame(new Uint8Array(L.MAX_SYNC_FRAME_BYTES + 1)),
      'TooLargeError',
    )
  })

  it('refuse an envelope above the envelope limit and too many envelopes', () => {
    const tooBig = envelope(L.MAX_ENVELOPE_BYTES + 1)
    expectThrowsNamed(
      () => encodeSyncFrame({ type: 'envelopes', envelopes: [tooBig] }),
      'TooLargeError',
    )
    const many = Array.from({ length: L.MAX_ENVELOPES_PER_FRAME + 1 }, () => envelope(1))
    expectThrowsNamed(
      () => encodeSyncFrame({ type: 'envelopes', envelopes: many }),
      'InvalidArgumentError',
    )
  })

  it('refuse an unknown frame type and trailing bytes', () => {
    expectThrowsNamed(() => decodeSyncFrame(Uint8Array.of(4)), 'DecodeError')
    expectThrowsNamed(() => decodeSyncFrame(Uint8Array.of(3, 0)), 'DecodeError')
  })

  it('refuse every truncation and fail only typed on damaged input', () => {
    const vector = new Map([
      [hex(1), 1],
      [hex(300), 70_000],
    ])
    expectEveryTruncationRefused(decodeSyncFrame, encodeSyncFrame(hello(vector)))
    expectEveryTruncationRefused(
      decodeSyncFrame,
      encodeSyncFrame({ type: 'envelopes', envelopes: [envelope(3)] }),
    )
    fuzzDecoder(decodeSyncFrame, encodeSyncFrame, frames.map(encodeSyncFrame))
  })
})

describe('packing envelopes into frames', () => {
  const frameSizes = (fs: SyncFrame[]): number[] => fs.map((f) => encodeSyncFrame(f).length)
  const envelopesOf = (f: SyncFrame): readonly Uint8Array[] =>
    f.type === 'envelopes' ? f.envelopes : []
  const flatten = (fs: SyncFrame[]): Uint8Array[] => fs.flatMap((f) => [...envelopesOf(f)])

  it('makes no frame for no envelopes, and one frame when everything fits', () => {
    expect(envelopesFrames([])).toEqual([])
    const small = [envelope(10, 1), envelope(20, 2)]
    expect(envelopesFrames(small)).toEqual([{ type: 'envelopes', envelopes: small }])
  })

  it('keeps order, stays under the limit and uses as few frames as fit', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 40 }),
        fc.integer({ min: 310, max: 2000 }),
        (sizes, max) => {
          const envelopes = sizes.map((n, i) => envelope(n, i))
          const fs = envelopesFrames(envelopes, max)
          expect(flatten(fs)).toEqual(envelopes)
          for (const size of frameSizes(fs)) expect(size).toBeLessThanOrEqual(max)
          // Greedy in order is minimal: no frame could have taken the next frame's first envelope.
          for (let i = 0; i + 1 < fs.length; i++) {
            const grown = [...envelopesOf(fs[i]!), envelopesOf(fs[i + 1]!)[0]!]
            expect(encodeSyncFrame({ type: 'envelopes', envelopes: grown }).length).toBeGreaterThan(
              max,
            )
          }
        },
      ),
      { numRuns: 100 },
    )
  })

  it('fills 1 MiB frames with three largest envelopes each', () => {
    const envelopes = Array.from({ length: 7 }, () => envelope(L.MAX_ENVELOPE_BYTES))
    const fs = envelopesFrames(envelopes)
    expect(fs.map((f) => (f.type === 'envelopes' ? f.envelopes.length : 0))).toEqual([3, 3, 1])
    for (const f of fs) expect(decodeSyncFrame(encodeSyncFrame(f))).toEqual(f)
  })

  it('starts a new frame after the per-frame envelope count', () => {
    const envelopes = Array.from({ length: L.MAX_ENVELOPES_PER_FRAME + 1 }, () => envelope(1))
    expect(
      envelopesFrames(envelopes).map((f) => (f.type === 'envelopes' ? f.envelopes.length : 0)),
    ).toEqual([L.MAX_ENVELOPES_PER_FRAME, 1])
  })

  it('refuses an envelope that cannot fit a frame on its own, and a limit above 1 MiB', () => {
    expectThrowsNamed(() => envelopesFrames([envelope(100)], 50), 'TooLargeError')
    expectThrowsNamed(() => envelopesFrames([envelope(L.MAX_ENVELOPE_BYTES + 1)]), 'TooLargeError')
    expectThrowsNamed(() => envelopesFrames([], L.MAX_SYNC_FRAME_BYTES + 1), 'InvalidArgumentError')
  })
})
