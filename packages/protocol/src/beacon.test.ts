import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { BEACON_VERSION, decodeBeacon, encodeBeacon } from './beacon.ts'
import type { Beacon } from './beacon.ts'
import { Writer } from './bytes.ts'
import { MurmurError } from './errors.ts'
import type { TooLargeError } from './errors.ts'
import { asPeerId } from './ids.ts'
import { MAX_BEACON, MAX_BEACON_ADDRS } from './limits.ts'

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
    decodeBeacon(data)
  } catch (err) {
    expect(err).toBeInstanceOf(MurmurError)
    expect(['DecodeError', 'TooLargeError']).toContain((err as Error).name)
  }
}

const PEER = asPeerId('12D3KooWLRPJAA5o6ZpW5dbUgJgJr2chgWtsMeLpzRyXBmhvBeAM')
const sample: Beacon = {
  peerId: PEER,
  addrs: [
    `/ip4/192.168.1.20/tcp/4001/ws/p2p/12D3KooWRelay/p2p-circuit/p2p/${PEER}`,
    `/ip4/192.168.1.20/udp/4002/webrtc-direct/certhash/uEiDDq4_xNyDorZBH3TlGazyJdOWSwvo4PUo5YHFMrvDE8g/p2p/${PEER}`,
  ],
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
const beacon: fc.Arbitrary<Beacon> = fc.record({
  peerId: fc.string({ unit: base58, minLength: 1, maxLength: 128 }).map(asPeerId),
  // At most 60 code points (240 bytes) each, so 16 of them stay under MAX_BEACON.
  addrs: fc.array(fc.string({ unit: anyCodePoint, maxLength: 60 }), {
    maxLength: MAX_BEACON_ADDRS,
  }),
  sentAt: fc.oneof(fc.nat(), fc.maxSafeNat()),
})

/** `sample` with addresses added so that the beacon is exactly `size` bytes. */
function beaconOfSize(size: number): Beacon {
  const filler = Array.from(
    { length: 11 },
    (_, i) => `/dns4/relay-${i}.example/tcp/443/wss/` + 'x'.repeat(300),
  )
  const withoutLast = encodeBeacon({ ...sample, addrs: filler }).length
  // One more address of n bytes (128 ≤ n ≤ 512) costs n + 2: a two-byte length.
  const last = 'y'.repeat(size - withoutLast - 2)
  expect(last.length).toBeGreaterThanOrEqual(128)
  expect(last.length).toBeLessThanOrEqual(512)
  return { ...sample, addrs: [...filler, last] }
}

const v1 = (): Writer => new Writer().byte(BEACON_VERSION)

describe('presence beacons', () => {
  it('round-trip a beacon', () => {
    expect(decodeBeacon(encodeBeacon(sample))).toEqual(sample)
  })

  it('round-trip a beacon with no addresses, sent at time 0', () => {
    const empty: Beacon = { peerId: PEER, addrs: [], sentAt: 0 }
    expect(decodeBeacon(encodeBeacon(empty))).toEqual(empty)
  })

  it('round-trip any beacon within the limits', () => {
    fc.assert(
      fc.property(beacon, (b) => {
        expect(decodeBeacon(encodeBeacon(b))).toEqual(b)
      }),
    )
  })

  it('lay out version, peer id, address count, addresses and sent-at as documented', () => {
    const bytes = encodeBeacon({ peerId: asPeerId('p'), addrs: ['/a', ''], sentAt: 300 })
    expect([...bytes]).toEqual([BEACON_VERSION, 1, 0x70, 2, 2, 0x2f, 0x61, 0, 0xac, 0x02])
  })

  it(`list at most ${MAX_BEACON_ADDRS} addresses: the encoder leaves out the rest`, () => {
    const addrs = Array.from({ length: MAX_BEACON_ADDRS + 3 }, (_, i) => `/ip4/10.0.0.${i}/tcp/1`)
    const decoded = decodeBeacon(encodeBeacon({ peerId: PEER, addrs, sentAt: 1 }))
    expect(decoded.addrs).toEqual(addrs.slice(0, MAX_BEACON_ADDRS))
  })

  it('accept a beacon of exactly MAX_BEACON bytes, both ways', () => {
    const b = beaconOfSize(MAX_BEACON)
    const bytes = encodeBeacon(b)
    expect(bytes.length).toBe(MAX_BEACON)
    expect(decodeBeacon(bytes)).toEqual(b)
  })

  it('refuse to encode a beacon over MAX_BEACON bytes with a TooLargeError', () => {
    const err = expectThrowsNamed(
      () => encodeBeacon(beaconOfSize(MAX_BEACON + 1)),
      'TooLargeError',
    ) as TooLargeError
    expect([err.size, err.limit]).toEqual([MAX_BEACON + 1, MAX_BEACON])
  })

  it('refuse to decode input over MAX_BEACON bytes with a TooLargeError, before parsing it', () => {
    const tooBig = new Uint8Array(MAX_BEACON + 1) // not even a valid version byte
    const err = expectThrowsNamed(() => decodeBeacon(tooBig), 'TooLargeError') as TooLargeError
    expect([err.size, err.limit]).toEqual([MAX_BEACON + 1, MAX_BEACON])
  })

  it('refuse every truncation of a valid beacon with a DecodeError', () => {
    const bytes = encodeBeacon(sample)
    for (let n = 0; n < bytes.length; n++)
      expectThrowsNamed(() => decodeBeacon(bytes.subarray(0, n)), 'DecodeError')
  })

  it('refuse a valid beacon followed by trailing bytes', () => {
    expectThrowsNamed(() => decodeBeacon(Uint8Array.of(...encodeBeacon(sample), 0)), 'DecodeError')
  })

  it.each([0, 2, 255])('refuse a beacon of unknown version %d', (version) => {
    const bytes = encodeBeacon(sample)
    bytes[0] = version
    expectThrowsNamed(() => decodeBeacon(bytes), 'DecodeError')
  })

  it.each([
    ['an empty peer id', v1().string('').varint(0).varint(1)],
    ['a peer id over 128 bytes', v1().string('p'.repeat(129)).varint(0).varint(1)],
    [
      'more than MAX_BEACON_ADDRS addresses',
      v1()
        .string('p')
        .varint(MAX_BEACON_ADDRS + 1),
    ],
    [
      'an absurd address count',
      v1()
        .string('p')
        .varint(2 ** 40),
    ],
    ['an address over 512 bytes', v1().string('p').varint(1).string('a'.repeat(513)).varint(1)],
    [
      'an address that is not UTF-8',
      v1().string('p').varint(1).bytes(Uint8Array.of(0xff)).varint(1),
    ],
  ])('refuse a beacon with %s', (_what, w) => {
    expectThrowsNamed(() => decodeBeacon(w.finish()), 'DecodeError')
  })

  it.each([
    ['an empty peer id', { ...sample, peerId: asPeerId('') }],
    ['a peer id over 128 bytes', { ...sample, peerId: asPeerId('p'.repeat(129)) }],
    // 65 characters, 130 bytes: the limit is in UTF-8 bytes.
    ['a peer id of 65 two-byte characters', { ...sample, peerId: asPeerId('é'.repeat(65)) }],
    ['an address over 512 bytes', { ...sample, addrs: ['/dns4/a/' + 'a'.repeat(505)] }],
    ['an address of 257 two-byte characters', { ...sample, addrs: ['é'.repeat(257)] }],
  ])('refuse to encode a beacon with %s, with an InvalidArgumentError', (_what, b) => {
    expectThrowsNamed(() => encodeBeacon(b), 'InvalidArgumentError')
  })

  it('encode fields exactly at their limits', () => {
    const b: Beacon = { peerId: asPeerId('é'.repeat(64)), addrs: ['é'.repeat(256)], sentAt: 1 }
    expect(decodeBeacon(encodeBeacon(b))).toEqual(b)
  })

  it('accept fields exactly at their limits', () => {
    const atLimits = v1()
      .string('p'.repeat(128))
      .varint(1)
      .string('a'.repeat(512))
      .varint(1)
      .finish()
    const decoded = decodeBeacon(atLimits)
    expect(decoded.peerId).toHaveLength(128)
    expect(decoded.addrs[0]).toHaveLength(512)
  })

  it('arbitrary bytes only ever decode or fail with DecodeError or TooLargeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: MAX_BEACON + 64 }), (bytes) =>
        decodesOrRefuses(bytes),
      ),
      { numRuns: 200 },
    )
    // Mostly-valid starts reach deeper than random bytes do.
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (tail) =>
        decodesOrRefuses(Uint8Array.of(BEACON_VERSION, ...tail)),
      ),
      { numRuns: 200 },
    )
  })

  it('valid beacons with bytes flipped, cut or appended only decode or fail typed', () => {
    fc.assert(
      fc.property(
        beacon,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 3 }),
        fc.option(fc.nat()),
        fc.uint8Array({ maxLength: 4 }),
        (b, flips, cut, extra) => {
          const bytes = encodeBeacon(b)
          for (const [at, mask] of flips) bytes[at % bytes.length]! ^= mask
          const kept = cut === null ? bytes : bytes.subarray(0, cut % (bytes.length + 1))
          decodesOrRefuses(Uint8Array.of(...kept, ...extra))
        },
      ),
    )
  })

  it('whatever encodeBeacon accepts, decodeBeacon accepts back', () => {
    const cases: Beacon[] = [
      { peerId: asPeerId(''), addrs: [], sentAt: 1 },
      { peerId: asPeerId('p'.repeat(129)), addrs: [], sentAt: 1 },
      { peerId: PEER, addrs: ['/dns4/example.com/tcp/443/wss/' + 'a'.repeat(500)], sentAt: 1 },
    ]
    for (const b of cases) {
      let bytes: Uint8Array
      try {
        bytes = encodeBeacon(b)
      } catch (err) {
        expect(err).toBeInstanceOf(MurmurError) // refusing to encode is fine
        continue
      }
      expect(decodeBeacon(bytes)).toEqual(b)
    }
  })
})
