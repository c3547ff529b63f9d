import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { Writer } from './bytes.ts'
import { MurmurError } from './errors.ts'
import type { TooLargeError } from './errors.ts'
import {
  decodeHostReply,
  decodeHostRequest,
  encodeHostReply,
  encodeHostRequest,
  HOST_TOPIC_PREFIX,
  isHostableTopic,
  MAX_HOST_FRAME_BYTES,
  MAX_HOST_REASON_BYTES,
  MAX_HOST_TOPIC_BYTES,
  MAX_HOST_TOPICS_PER_FRAME,
} from './host.ts'
import type { HostReply, HostRequest } from './host.ts'
import { asTopic } from './ids.ts'

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
function decodesOrRefuses(decode: (data: Uint8Array) => unknown, data: Uint8Array): void {
  try {
    decode(data)
  } catch (err) {
    expect(err).toBeInstanceOf(MurmurError)
    expect(['DecodeError', 'TooLargeError']).toContain((err as Error).name)
  }
}

const conv = asTopic('/murmur/c/8d3f0e5a4c1b2a7968574a3b2c1d0e0f')
const door = asTopic('/murmur/d/00112233445566778899aabbccddeeff')
/** A topic of exactly `bytes` UTF-8 bytes. */
const topicOf = (bytes: number): string => HOST_TOPIC_PREFIX + 'x'.repeat(bytes - 8)
const fullRequest: HostRequest = {
  type: 'host',
  topics: Array.from({ length: MAX_HOST_TOPICS_PER_FRAME }, (_, i) =>
    asTopic(topicOf(MAX_HOST_TOPIC_BYTES - 3) + String(i).padStart(3, '0')),
  ),
}

const anyCodePoint: fc.Arbitrary<string> = fc
  .oneof(
    fc.integer({ min: 0, max: 0x7f }),
    fc.integer({ min: 0x80, max: 0x7ff }),
    fc.integer({ min: 0x800, max: 0xd7ff }),
    fc.integer({ min: 0xe000, max: 0xffff }),
    fc.integer({ min: 0x10000, max: 0x10ffff }),
  )
  .map((c) => String.fromCodePoint(c))

// At most 30 code points (120 bytes) after the 8-byte prefix: always within the limit.
const topic = fc
  .string({ unit: anyCodePoint, maxLength: 30 })
  .map((s) => asTopic(HOST_TOPIC_PREFIX + s))
const request: fc.Arbitrary<HostRequest> = fc.record({
  type: fc.constantFrom('host' as const, 'unhost' as const),
  topics: fc.array(topic, { maxLength: 40 }),
})
const reply: fc.Arbitrary<HostReply> = fc.oneof(
  fc.record({ type: fc.constant('ok' as const), hosted: fc.oneof(fc.nat(), fc.maxSafeNat()) }),
  fc.record({
    type: fc.constant('refused' as const),
    reason: fc.string({ unit: anyCodePoint, maxLength: MAX_HOST_REASON_BYTES / 4 }),
  }),
)

describe('topic hosting frames', () => {
  it('round-trip host and unhost requests', () => {
    for (const r of [
      { type: 'host', topics: [conv, door] },
      { type: 'unhost', topics: [door] },
      { type: 'host', topics: [] },
    ] as HostRequest[]) {
      expect(decodeHostRequest(encodeHostRequest(r))).toEqual(r)
    }
  })

  it('round-trip ok and refused replies', () => {
    for (const r of [
      { type: 'ok', hosted: 0 },
      { type: 'ok', hosted: 512 },
      { type: 'refused', reason: 'this relay hosts 512 topics per peer; you asked for 513' },
      { type: 'refused', reason: '' },
    ] as HostReply[]) {
      expect(decodeHostReply(encodeHostReply(r))).toEqual(r)
    }
  })

  it('round-trip any request and reply within the limits', () => {
    fc.assert(
      fc.property(request, (r) => {
        expect(decodeHostRequest(encodeHostRequest(r))).toEqual(r)
      }),
      { numRuns: 200 },
    )
    fc.assert(
      fc.property(reply, (r) => {
        expect(decodeHostReply(encodeHostReply(r))).toEqual(r)
      }),
      { numRuns: 200 },
    )
  })

  it('lay out type, count and topics, and type and value, as documented', () => {
    expect([...encodeHostRequest({ type: 'unhost', topics: [asTopic('/murmur/a')] })]).toEqual([
      2,
      1,
      9,
      ...new TextEncoder().encode('/murmur/a'),
    ])
    expect([...encodeHostReply({ type: 'ok', hosted: 300 })]).toEqual([3, 0xac, 0x02])
    expect([...encodeHostReply({ type: 'refused', reason: 'no' })]).toEqual([4, 2, 0x6e, 0x6f])
  })

  it(`carry ${MAX_HOST_TOPICS_PER_FRAME} topics of ${MAX_HOST_TOPIC_BYTES} bytes in exactly MAX_HOST_FRAME_BYTES`, () => {
    const bytes = encodeHostRequest(fullRequest)
    expect(bytes.length).toBe(MAX_HOST_FRAME_BYTES)
    expect(decodeHostRequest(bytes)).toEqual(fullRequest)
  })

  it('refuse every truncation of a valid request or reply with a DecodeError', () => {
    const req = encodeHostRequest({ type: 'host', topics: [conv, door] })
    for (let n = 0; n < req.length; n++)
      expectThrowsNamed(() => decodeHostRequest(req.subarray(0, n)), 'DecodeError')
    const refused = encodeHostReply({ type: 'refused', reason: 'quota' })
    for (let n = 0; n < refused.length; n++)
      expectThrowsNamed(() => decodeHostReply(refused.subarray(0, n)), 'DecodeError')
    const ok = encodeHostReply({ type: 'ok', hosted: 1000 })
    for (let n = 0; n < ok.length; n++)
      expectThrowsNamed(() => decodeHostReply(ok.subarray(0, n)), 'DecodeError')
  })

  it('refuse trailing bytes after a valid frame', () => {
    const req = encodeHostRequest({ type: 'host', topics: [conv] })
    expectThrowsNamed(() => decodeHostRequest(Uint8Array.of(...req, 0)), 'DecodeError')
    const ok = encodeHostReply({ type: 'ok', hosted: 1 })
    expectThrowsNamed(() => decodeHostReply(Uint8Array.of(...ok, 0)), 'DecodeError')
  })

  it('refuse input over MAX_HOST_FRAME_BYTES with a TooLargeError, before parsing it', () => {
    const tooBig = new Uint8Array(MAX_HOST_FRAME_BYTES + 1)
    for (const decode of [decodeHostRequest, decodeHostReply]) {
      const err = expectThrowsNamed(() => decode(tooBig), 'TooLargeError') as TooLargeError
      expect([err.size, err.limit]).toEqual([MAX_HOST_FRAME_BYTES + 1, MAX_HOST_FRAME_BYTES])
    }
  })

  it('refuse a reply where a request is expected, and the other way round', () => {
    expectThrowsNamed(
      () => decodeHostRequest(encodeHostReply({ type: 'ok', hosted: 1 })),
      'DecodeError',
    )
    expectThrowsNamed(
      () => decodeHostReply(encodeHostRequest({ type: 'host', topics: [] })),
      'DecodeError',
    )
  })

  const req = (tag: number): Writer => new Writer().byte(tag)
  it.each([
    ['an unknown type', req(0).varint(0)],
    ['a reply type', req(3).varint(0)],
    ['more than MAX_HOST_TOPICS_PER_FRAME topics', req(1).varint(MAX_HOST_TOPICS_PER_FRAME + 1)],
    ['an absurd topic count', req(1).varint(2 ** 40)],
    ['a topic count not in shortest form', req(1).raw(Uint8Array.of(0x80, 0x00))],
    [
      'a topic over the byte limit',
      req(1)
        .varint(1)
        .string(topicOf(MAX_HOST_TOPIC_BYTES + 1)),
    ],
    ['a topic without the /murmur/ prefix', req(1).varint(1).string('/other/c/1')],
    ['an empty topic', req(2).varint(1).string('')],
    ['a topic that is not UTF-8', req(1).varint(1).bytes(Uint8Array.of(0x2f, 0xff))],
  ])('refuse a request with %s', (_what, w) => {
    expectThrowsNamed(() => decodeHostRequest(w.finish()), 'DecodeError')
  })

  it.each([
    ['an unknown type', req(9).varint(0)],
    ['a reason over the byte limit', req(4).string('r'.repeat(MAX_HOST_REASON_BYTES + 1))],
    ['a reason that is not UTF-8', req(4).bytes(Uint8Array.of(0xc3))],
  ])('refuse a reply with %s', (_what, w) => {
    expectThrowsNamed(() => decodeHostReply(w.finish()), 'DecodeError')
  })

  it('accept a topic of exactly the byte limit, counted in UTF-8 bytes', () => {
    const ascii = asTopic(topicOf(MAX_HOST_TOPIC_BYTES))
    const twoByte = asTopic(HOST_TOPIC_PREFIX + 'é'.repeat((MAX_HOST_TOPIC_BYTES - 8) / 2))
    const r: HostRequest = { type: 'host', topics: [ascii, twoByte] }
    expect(decodeHostRequest(encodeHostRequest(r))).toEqual(r)
    expect(isHostableTopic(twoByte + 'é')).toBe(false)
  })

  it.each([
    ['a topic without the prefix', { type: 'host', topics: [asTopic('/murmur')] }],
    ['a topic over the limit', { type: 'host', topics: [asTopic(topicOf(129))] }],
    ['a lone surrogate', { type: 'host', topics: [asTopic('/murmur/\ud800')] }],
    [
      'too many topics',
      { type: 'unhost', topics: [...fullRequest.topics, asTopic('/murmur/one-more')] },
    ],
    ['an unknown type', { type: 'subscribe', topics: [] }],
  ])('refuse to encode a request with %s, with an InvalidArgumentError', (_what, r) => {
    expectThrowsNamed(() => encodeHostRequest(r as HostRequest), 'InvalidArgumentError')
  })

  it.each([
    ['a negative count', { type: 'ok', hosted: -1 }],
    ['a fractional count', { type: 'ok', hosted: 1.5 }],
    ['a reason over the limit', { type: 'refused', reason: 'é'.repeat(129) }],
    ['an unknown type', { type: 'maybe' }],
  ])('refuse to encode a reply with %s, with an InvalidArgumentError', (_what, r) => {
    expectThrowsNamed(() => encodeHostReply(r as HostReply), 'InvalidArgumentError')
  })

  it('arbitrary bytes only ever decode or fail with DecodeError or TooLargeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        decodesOrRefuses(decodeHostRequest, bytes)
        decodesOrRefuses(decodeHostReply, bytes)
      }),
      { numRuns: 200 },
    )
    // Mostly-valid starts reach deeper than random bytes do.
    fc.assert(
      fc.property(fc.constantFrom(1, 2, 3, 4), fc.uint8Array({ maxLength: 300 }), (tag, tail) => {
        decodesOrRefuses(decodeHostRequest, Uint8Array.of(tag, ...tail))
        decodesOrRefuses(decodeHostReply, Uint8Array.of(tag, ...tail))
      }),
      { numRuns: 200 },
    )
  })

  it('valid frames with bytes flipped, cut or appended only decode or fail typed', () => {
    fc.assert(
      fc.property(
        fc.oneof(request.map(encodeHostRequest), reply.map(encodeHostReply)),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 3 }),
        fc.option(fc.nat()),
        fc.uint8Array({ maxLength: 4 }),
        (bytes, flips, cut, extra) => {
          const copy = Uint8Array.from(bytes)
          for (const [at, mask] of flips) copy[at % copy.length]! ^= mask
          const kept = cut === null ? copy : copy.subarray(0, cut % (copy.length + 1))
          const mangled = Uint8Array.of(...kept, ...extra)
          decodesOrRefuses(decodeHostRequest, mangled)
          decodesOrRefuses(decodeHostReply, mangled)
        },
      ),
      { numRuns: 200 },
    )
  })

  it('whatever a decoder accepts re-encodes to the same bytes', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(1, 2, 3, 4),
        fc.array(fc.oneof(fc.constant(8), fc.nat(0x60)), { maxLength: 5 }),
        fc.uint8Array({ maxLength: 40 }),
        (tag, head, tail) => {
          const bytes = Uint8Array.of(tag, ...head, ...tail)
          try {
            const decoded = decodeHostRequest(bytes)
            expect(encodeHostRequest(decoded)).toEqual(bytes)
          } catch (err) {
            expect(err).toBeInstanceOf(MurmurError)
          }
          try {
            const decoded = decodeHostReply(bytes)
            expect(encodeHostReply(decoded)).toEqual(bytes)
          } catch (err) {
            expect(err).toBeInstanceOf(MurmurError)
          }
        },
      ),
      { numRuns: 200 },
    )
  })
})
