import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  bodyBucket,
  bodySigningBytes,
  decodeBody,
  decodeHeader,
  encodeBody,
  encodeHeader,
  joinEnvelope,
  splitEnvelope,
} from './envelope.ts'
import {
  BODY_OVERHEAD_BYTES,
  ENVELOPE_HEADER_BYTES,
  MAX_CIPHERTEXT_OVERHEAD,
  MAX_ENVELOPE_BYTES,
  MAX_PAYLOAD_BYTES,
} from './limits.ts'
import {
  bytesOf,
  concat,
  decodeOrRefuse,
  expectEveryTruncationRefused,
  expectRefused,
  expectThrowsNamed,
  FUZZ_RUNS,
  fuzzDecoder,
  key,
  sameBytes,
  signature,
  tag,
  timestamp,
} from './test-support.ts'
import { encodeMsgPayload } from './payloads.ts'
import { PADDING_BUCKETS } from './types.ts'
import type { EnvelopeBody, EnvelopeHeader, EnvelopeKind } from './types.ts'

const header: EnvelopeHeader = {
  version: 1,
  convTag: new Uint8Array(16).fill(1),
  senderTag: new Uint8Array(16).fill(2),
  seq: 7,
  epochId: new Uint8Array(8).fill(3),
  chainIndex: 41,
  bucket: 0,
}
const body: EnvelopeBody = {
  kind: 'msg',
  device: new Uint8Array(32).fill(4),
  ts: 1_732_000_000_000,
  payload: new TextEncoder().encode('hello'),
  signature: new Uint8Array(64).fill(5),
}
const AEAD_OVERHEAD = 40 // XChaCha20-Poly1305 as used by @murmur/crypto: nonce + tag

const kind: fc.Arbitrary<EnvelopeKind> = fc.constantFrom('msg', 'state', 'ctrl', 'key')
const headers: fc.Arbitrary<EnvelopeHeader> = fc.record({
  version: fc.constant(1 as const),
  convTag: tag,
  senderTag: tag,
  seq: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  epochId: bytesOf(8),
  chainIndex: fc.integer({ min: 0, max: 0xffff_ffff }),
  bucket: fc.integer({ min: 0, max: PADDING_BUCKETS.length - 1 }),
})
const bodies: fc.Arbitrary<EnvelopeBody> = fc.record({
  kind,
  device: key,
  ts: timestamp,
  payload: fc.uint8Array({ maxLength: 1200 }),
  signature,
})

function envelope(h: EnvelopeHeader, extra = AEAD_OVERHEAD): Uint8Array {
  const ciphertext = new Uint8Array(PADDING_BUCKETS[h.bucket]! + extra).fill(9)
  return joinEnvelope(encodeHeader(h), ciphertext)
}

describe('envelope header', () => {
  it('round-trips and is exactly 54 bytes', () => {
    const bytes = encodeHeader(header)
    expect(bytes.length).toBe(ENVELOPE_HEADER_BYTES)
    expect(decodeHeader(bytes)).toEqual(header)
  })

  it('round-trips any header', () => {
    fc.assert(fc.property(headers, (h) => void expect(decodeHeader(encodeHeader(h))).toEqual(h)))
  })

  it('refuses wrong-size tags, epoch ids and out-of-range numbers when encoding', () => {
    for (const bad of [
      { convTag: new Uint8Array(15) },
      { senderTag: new Uint8Array(17) },
      { epochId: new Uint8Array(32) },
      { seq: 0 },
      { seq: 1.5 },
      { seq: Number.MAX_SAFE_INTEGER + 1 },
      { chainIndex: -1 },
      { chainIndex: 2 ** 32 },
      { bucket: PADDING_BUCKETS.length },
      { version: 2 },
    ]) {
      expectThrowsNamed(
        () => encodeHeader({ ...header, ...bad } as EnvelopeHeader),
        'InvalidArgumentError',
      )
    }
  })

  it('refuses an unknown version, seq 0, an unknown bucket and trailing bytes', () => {
    const bytes = encodeHeader(header)
    const with_ = (at: number, value: number): Uint8Array => {
      const copy = bytes.slice()
      copy[at] = value
      return copy
    }
    expectThrowsNamed(() => decodeHeader(with_(0, 2)), 'DecodeError')
    expectThrowsNamed(
      () => decodeHeader(concat(bytes.subarray(0, 41), new Uint8Array(8), bytes.subarray(49))),
      'DecodeError',
    )
    expectThrowsNamed(() => decodeHeader(with_(53, PADDING_BUCKETS.length)), 'DecodeError')
    expectThrowsNamed(() => decodeHeader(with_(41, 0xff)), 'DecodeError') // seq above 2^53
    expectThrowsNamed(() => decodeHeader(concat(bytes, Uint8Array.of(0))), 'TooLargeError')
    expectEveryTruncationRefused(decodeHeader, bytes)
  })
})

describe('whole envelopes', () => {
  it('split into the header, its exact bytes (the associated data) and the ciphertext', () => {
    const bytes = envelope(header)
    const split = splitEnvelope(bytes)
    expect(split.header).toEqual(header)
    expect(sameBytes(split.headerBytes, bytes.subarray(0, ENVELOPE_HEADER_BYTES))).toBe(true)
    expect(split.ciphertext.length).toBe(256 + AEAD_OVERHEAD)
    expect(sameBytes(joinEnvelope(split.headerBytes, split.ciphertext), bytes)).toBe(true)
  })

  it('refuse a ciphertext whose length does not match the header bucket', () => {
    expectThrowsNamed(
      () => splitEnvelope(envelope(header).subarray(0, ENVELOPE_HEADER_BYTES + 255)),
      'DecodeError',
    )
    const long = concat(envelope(header, MAX_CIPHERTEXT_OVERHEAD), Uint8Array.of(0))
    expectThrowsNamed(() => splitEnvelope(long), 'DecodeError')
    expectThrowsNamed(
      () => joinEnvelope(encodeHeader(header), new Uint8Array(1024)),
      'InvalidArgumentError',
    )
    expectThrowsNamed(
      () => joinEnvelope(new Uint8Array(54), new Uint8Array(256)),
      'InvalidArgumentError',
    )
  })

  it('accept the largest envelope and refuse one byte more before parsing', () => {
    const last = PADDING_BUCKETS.length - 1
    const largest = envelope({ ...header, bucket: last }, MAX_CIPHERTEXT_OVERHEAD)
    expect(largest.length).toBe(MAX_ENVELOPE_BYTES)
    expect(splitEnvelope(largest).header.bucket).toBe(last)
    expectThrowsNamed(() => splitEnvelope(concat(largest, Uint8Array.of(0))), 'TooLargeError')
  })

  it('refuse every truncation of the header', () => {
    expectEveryTruncationRefused(
      splitEnvelope,
      envelope(header).subarray(0, ENVELOPE_HEADER_BYTES + 1),
    )
  })

  it('fail only with typed errors on arbitrary or damaged input', () => {
    const valid = headers.map((h) => envelope({ ...h, bucket: Math.min(h.bucket, 1) }))
    fuzzDecoder(splitEnvelope, (s) => joinEnvelope(s.headerBytes, s.ciphertext), valid)
  })
})

describe('envelope bodies', () => {
  it('round-trip, padded to the smallest bucket that fits', () => {
    const { plaintext, bucket } = encodeBody(body)
    expect(bucket).toBe(0)
    expect(plaintext.length).toBe(256)
    expect(decodeBody(plaintext)).toEqual(body)
    expect(decodeBody(plaintext, 0)).toEqual(body)
  })

  it('round-trip any body', () => {
    fc.assert(
      fc.property(bodies, (b) => {
        const { plaintext, bucket } = encodeBody(b)
        expect(plaintext.length).toBe(PADDING_BUCKETS[bucket])
        expect(bucket).toBe(bodyBucket(b.payload.length))
        expect(decodeBody(plaintext, bucket)).toEqual(b)
      }),
      { numRuns: 100 },
    )
  })

  it('choose buckets by payload length, at and just over each boundary', () => {
    PADDING_BUCKETS.forEach((size, i) => {
      expect(bodyBucket(size - BODY_OVERHEAD_BYTES)).toBe(i)
      if (i + 1 < PADDING_BUCKETS.length)
        expect(bodyBucket(size - BODY_OVERHEAD_BYTES + 1)).toBe(i + 1)
    })
    expect(bodyBucket(0)).toBe(0)
    expect(bodyBucket(MAX_PAYLOAD_BYTES)).toBe(PADDING_BUCKETS.length - 1)
    expectThrowsNamed(() => bodyBucket(MAX_PAYLOAD_BYTES + 1), 'TooLargeError')
    expectThrowsNamed(() => bodyBucket(-1), 'InvalidArgumentError')
  })

  it('grow in ascending steps of at most 4×, and pad a 1 KB text to 2 KiB', () => {
    for (let i = 1; i < PADDING_BUCKETS.length; i++) {
      const step = PADDING_BUCKETS[i]! / PADDING_BUCKETS[i - 1]!
      expect(step).toBeGreaterThan(1)
      expect(step).toBeLessThanOrEqual(4)
    }
    const textPayload = (n: number): Uint8Array => encodeMsgPayload({ text: 'a'.repeat(n) })
    expect(PADDING_BUCKETS[bodyBucket(textPayload(100).length)]).toBe(256)
    expect(PADDING_BUCKETS[bodyBucket(textPayload(300).length)]).toBe(512)
    expect(PADDING_BUCKETS[bodyBucket(textPayload(1024).length)]).toBe(2048)
  })

  it('carry the largest payload and refuse one byte more', () => {
    const payload = new Uint8Array(MAX_PAYLOAD_BYTES).fill(7)
    const { plaintext, bucket } = encodeBody({ ...body, payload })
    expect(bucket).toBe(PADDING_BUCKETS.length - 1)
    expect(decodeBody(plaintext).payload.length).toBe(MAX_PAYLOAD_BYTES)
    expectThrowsNamed(
      () => encodeBody({ ...body, payload: new Uint8Array(MAX_PAYLOAD_BYTES + 1) }),
      'TooLargeError',
    )
    expectThrowsNamed(
      () => decodeBody(new Uint8Array(PADDING_BUCKETS.at(-1)! + 1)),
      'TooLargeError',
    )
  })

  it('refuse non-zero padding', () => {
    const { plaintext } = encodeBody(body)
    plaintext[255] = 1
    expectThrowsNamed(() => decodeBody(plaintext), 'DecodeError')
  })

  it('refuse a size that is not a bucket size', () => {
    const { plaintext } = encodeBody(body)
    expectThrowsNamed(() => decodeBody(plaintext.subarray(0, 255)), 'DecodeError')
    expectThrowsNamed(() => decodeBody(concat(plaintext, Uint8Array.of(0))), 'DecodeError')
    expectEveryTruncationRefused(decodeBody, plaintext)
  })

  it('refuse a body padded past the smallest bucket, or in another bucket than its header says', () => {
    const { plaintext } = encodeBody(body)
    expectThrowsNamed(() => decodeBody(concat(plaintext, new Uint8Array(768))), 'DecodeError')
    expectThrowsNamed(() => decodeBody(plaintext, 1), 'DecodeError')
  })

  it('refuse a payload length that runs past the body, and an unknown kind', () => {
    const { plaintext } = encodeBody(body)
    const long = plaintext.slice()
    long[105] = 0xff
    expectThrowsNamed(() => decodeBody(long), 'DecodeError')
    const unknown = plaintext.slice()
    unknown[0] = 9
    expectThrowsNamed(() => decodeBody(unknown), 'DecodeError')
  })

  it('refuse wrong-size device keys and signatures when encoding', () => {
    expectThrowsNamed(
      () => encodeBody({ ...body, device: new Uint8Array(31) }),
      'InvalidArgumentError',
    )
    expectThrowsNamed(
      () => encodeBody({ ...body, signature: new Uint8Array(65) }),
      'InvalidArgumentError',
    )
    expectThrowsNamed(() => encodeBody({ ...body, ts: -1 }), 'InvalidArgumentError')
    expectThrowsNamed(
      () => encodeBody({ ...body, kind: 'nope' as EnvelopeKind }),
      'InvalidArgumentError',
    )
  })

  it('fail only with typed errors on arbitrary or damaged plaintexts', () => {
    fuzzDecoder(
      decodeBody,
      (b) => encodeBody(b).plaintext,
      bodies.map((b) => encodeBody(b).plaintext),
    )
    fc.assert(
      fc.property(
        fc.constantFrom(...PADDING_BUCKETS.slice(0, 3)),
        fc.uint8Array({ maxLength: 200 }),
        (size, junk) => {
          const plaintext = new Uint8Array(size)
          plaintext.set(junk)
          decodeOrRefuse(decodeBody, plaintext)
        },
      ),
      FUZZ_RUNS,
    )
  })
})

describe('signed envelope bytes', () => {
  const headerBytes = encodeHeader(header)
  const sign = (b: EnvelopeBody, h = headerBytes): Uint8Array =>
    bodySigningBytes(h, b.kind, b.device, b.ts, b.payload)

  it('start with the domain label and cover the header, kind, device, time and payload', () => {
    const bytes = sign(body)
    expect(new TextDecoder().decode(bytes.subarray(0, 19))).toBe('murmur/v1/envelope\0')
    const base = sign(body)
    expect(sameBytes(sign(body, encodeHeader({ ...header, seq: 8 })), base)).toBe(false)
    expect(sameBytes(sign({ ...body, kind: 'state' }), base)).toBe(false)
    expect(sameBytes(sign({ ...body, ts: body.ts + 1 }), base)).toBe(false)
    expect(sameBytes(sign({ ...body, payload: Uint8Array.of(1) }), base)).toBe(false)
  })

  it('differ for any two different tuples', () => {
    fc.assert(
      fc.property(headers, bodies, headers, bodies, (h1, b1, h2, b2) => {
        const x = encodeHeader(h1)
        const y = encodeHeader(h2)
        const same =
          sameBytes(x, y) &&
          b1.kind === b2.kind &&
          sameBytes(b1.device, b2.device) &&
          b1.ts === b2.ts &&
          sameBytes(b1.payload, b2.payload)
        expect(sameBytes(sign(b1, x), sign(b2, y))).toBe(same)
      }),
      { numRuns: 100 },
    )
  })

  it('are computed before the body exists: bucket, header, sign, body', () => {
    const bucket = bodyBucket(body.payload.length)
    const h = encodeHeader({ ...header, bucket })
    const signed = { ...body, signature: sign(body, h).subarray(0, 64) }
    expect(encodeBody(signed).bucket).toBe(bucket)
  })

  it('refuse a header of the wrong size', () => {
    expectRefused(() => sign(body, new Uint8Array(53)), ['InvalidArgumentError'])
  })
})
