import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Writer } from '../bytes.ts'
import * as L from './limits.ts'
import {
  decodePresence,
  decodeTopicMessage,
  encodePresence,
  encodeTopicMessage,
  presenceSigningBytes,
} from './topic.ts'
import {
  expectEveryTruncationRefused,
  expectThrowsNamed,
  fuzzDecoder,
  key,
  sameBytes,
  shortText,
  signature,
  timestamp,
} from './test-support.ts'
import type { Presence, TopicMessage } from './types.ts'

const presence: Presence = {
  device: new Uint8Array(32).fill(1),
  peerId: '12D3KooWLRPJAA5o6ZpW5dbUgJgJr2chgWtsMeLpzRyXBmhvBeAM',
  addrs: ['/ip4/127.0.0.1/tcp/4001/ws/p2p/12D3KooWRelay/p2p-circuit/webrtc'],
  ts: 1_732_000_000_000,
  signature: new Uint8Array(64).fill(2),
}
const presences: fc.Arbitrary<Presence> = fc.record({
  device: key,
  peerId: shortText,
  addrs: fc.array(shortText, { maxLength: 4 }),
  ts: timestamp,
  signature,
})
const topicMessages: fc.Arbitrary<TopicMessage> = fc.oneof(
  fc.record({
    type: fc.constant('envelope' as const),
    envelope: fc.uint8Array({ maxLength: 400 }),
  }),
  fc.record({ type: fc.constant('presence' as const), sealed: fc.uint8Array({ maxLength: 400 }) }),
)

describe('topic messages', () => {
  it('round-trip envelopes and sealed presence', () => {
    fc.assert(
      fc.property(
        topicMessages,
        (m) => void expect(decodeTopicMessage(encodeTopicMessage(m))).toEqual(m),
      ),
    )
  })

  it('carry the largest envelope and refuse one byte more', () => {
    const envelope = new Uint8Array(L.MAX_ENVELOPE_BYTES).fill(3)
    const bytes = encodeTopicMessage({ type: 'envelope', envelope })
    expect(bytes.length).toBeLessThanOrEqual(L.MAX_TOPIC_MESSAGE_BYTES)
    expect(decodeTopicMessage(bytes)).toEqual({ type: 'envelope', envelope })
    const tooBig = new Uint8Array(L.MAX_ENVELOPE_BYTES + 1)
    expectThrowsNamed(
      () => encodeTopicMessage({ type: 'envelope', envelope: tooBig }),
      'TooLargeError',
    )
    // One byte over is also over the whole-message limit, refused before parsing.
    const handBuilt = new Writer().byte(1).byte(1).bytes(tooBig).finish()
    expectThrowsNamed(() => decodeTopicMessage(handBuilt), 'TooLargeError')
    const sealed = new Writer()
      .byte(1)
      .byte(2)
      .bytes(new Uint8Array(L.MAX_SEALED_PRESENCE_BYTES + 1))
    expectThrowsNamed(() => decodeTopicMessage(sealed.finish()), 'DecodeError')
    expectThrowsNamed(
      () => decodeTopicMessage(new Uint8Array(L.MAX_TOPIC_MESSAGE_BYTES + 1)),
      'TooLargeError',
    )
  })

  it('refuse an unknown version or type', () => {
    expectThrowsNamed(() => decodeTopicMessage(Uint8Array.of(2, 1, 0)), 'DecodeError')
    expectThrowsNamed(() => decodeTopicMessage(Uint8Array.of(1, 3, 0)), 'DecodeError')
    expectThrowsNamed(
      () => encodeTopicMessage({ type: 'gossip' } as unknown as TopicMessage),
      'InvalidArgumentError',
    )
  })

  it('refuse every truncation and fail only typed on damaged input', () => {
    expectEveryTruncationRefused(
      decodeTopicMessage,
      encodeTopicMessage({ type: 'presence', sealed: Uint8Array.of(1, 2, 3) }),
    )
    fuzzDecoder(decodeTopicMessage, encodeTopicMessage, topicMessages.map(encodeTopicMessage))
  })
})

describe('presence records', () => {
  it('round-trip', () => {
    expect(decodePresence(encodePresence(presence))).toEqual(presence)
    fc.assert(
      fc.property(presences, (p) => void expect(decodePresence(encodePresence(p))).toEqual(p)),
    )
  })

  it('sign every field but the signature, under their own label', () => {
    const { signature: _, ...unsigned } = presence
    const bytes = presenceSigningBytes(unsigned)
    expect(new TextDecoder().decode(bytes.subarray(0, 19))).toBe('murmur/v1/presence\0')
    expect(sameBytes(bytes.subarray(19), encodePresence(presence).subarray(0, -64))).toBe(true)
    expect(sameBytes(presenceSigningBytes({ ...unsigned, ts: presence.ts + 1 }), bytes)).toBe(false)
  })

  it('allow 16 addresses of 512 bytes and refuse more', () => {
    const addrs = Array.from({ length: L.MAX_PRESENCE_ADDRS }, () => 'a'.repeat(L.MAX_ADDR_BYTES))
    const full = { ...presence, addrs, peerId: 'p'.repeat(L.MAX_PEER_ID_BYTES) }
    const bytes = encodePresence(full)
    expect(bytes.length).toBeLessThanOrEqual(L.MAX_PRESENCE_BYTES)
    expect(decodePresence(bytes)).toEqual(full)
    expectThrowsNamed(
      () => encodePresence({ ...full, addrs: [...addrs, '/'] }),
      'InvalidArgumentError',
    )
    expectThrowsNamed(
      () => encodePresence({ ...presence, addrs: ['a'.repeat(513)] }),
      'TooLargeError',
    )
  })

  it('refuse wrong-size keys and signatures', () => {
    expectThrowsNamed(
      () => encodePresence({ ...presence, device: new Uint8Array(0) }),
      'InvalidArgumentError',
    )
    expectThrowsNamed(
      () => encodePresence({ ...presence, signature: new Uint8Array(63) }),
      'InvalidArgumentError',
    )
  })

  it('refuse every truncation and fail only typed on damaged input', () => {
    expectEveryTruncationRefused(decodePresence, encodePresence(presence))
    fuzzDecoder(decodePresence, encodePresence, presences.map(encodePresence))
  })
})
