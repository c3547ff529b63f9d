import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  decodeDoorMessage,
  decodeWelcomeSecrets,
  encodeDoorMessage,
  encodeWelcomeSecrets,
  inviteGrantBytes,
  joinProofBytes,
  welcomeSigningBytes,
} from './door.ts'
import type { JoinMessage } from './door.ts'
import * as L from './limits.ts'
import {
  bytesOf,
  conversationKind,
  expectEveryTruncationRefused,
  expectThrowsNamed,
  fuzzDecoder,
  key,
  memberRecord,
  sameBytes,
  sampleMember,
  shortText,
  signature,
  timestamp,
} from './test-support.ts'
import type { DoorMessage, WelcomeSecrets } from './types.ts'

const join: JoinMessage = {
  type: 'join',
  invitePublic: new Uint8Array(32).fill(1),
  inviterDevice: new Uint8Array(32).fill(2),
  grant: new Uint8Array(64).fill(3),
  expiresAt: 1_800_000_000_000,
  member: sampleMember(4, 1),
  proof: new Uint8Array(64).fill(5),
  ts: 1_732_000_000_000,
}
const secrets: WelcomeSecrets = {
  conversationId: 'c-4f9a',
  conversationKind: 'group',
  name: 'Book club',
  routing: new Uint8Array(32).fill(6),
  door: new Uint8Array(32).fill(7),
  root: new Uint8Array(32).fill(9),
  epochs: [{ epochId: new Uint8Array(8).fill(8), secret: new Uint8Array(32).fill(9) }],
  admittedBy: new Uint8Array(32).fill(10),
  signature: new Uint8Array(64).fill(11),
}
const doorMessages: fc.Arbitrary<DoorMessage> = fc.oneof(
  fc.record({
    type: fc.constant('join' as const),
    invitePublic: key,
    inviterDevice: key,
    grant: signature,
    expiresAt: timestamp,
    member: memberRecord,
    proof: signature,
    ts: timestamp,
  }),
  fc.record({
    type: fc.constant('welcome' as const),
    device: key,
    sealed: fc.uint8Array({ maxLength: 300 }),
  }),
)
const welcomes: fc.Arbitrary<WelcomeSecrets> = fc.record({
  conversationId: shortText,
  conversationKind,
  name: shortText,
  routing: key,
  door: key,
  root: key,
  epochs: fc.array(fc.record({ epochId: bytesOf(8), secret: key }), { maxLength: 4 }),
  admittedBy: key,
  signature,
})

describe('door messages', () => {
  it('round-trip joins and welcomes', () => {
    expect(decodeDoorMessage(encodeDoorMessage(join))).toEqual(join)
    fc.assert(
      fc.property(
        doorMessages,
        (m) => void expect(decodeDoorMessage(encodeDoorMessage(m))).toEqual(m),
      ),
    )
  })

  it('refuse wrong-size keys, grants and proofs', () => {
    for (const bad of [
      { invitePublic: new Uint8Array(31) },
      { grant: new Uint8Array(32) },
      { proof: new Uint8Array(65) },
    ]) {
      expectThrowsNamed(() => encodeDoorMessage({ ...join, ...bad }), 'InvalidArgumentError')
    }
  })

  it('refuse an unknown version or type', () => {
    const bytes = encodeDoorMessage(join)
    expectThrowsNamed(
      () => decodeDoorMessage(Uint8Array.of(2, ...bytes.subarray(1))),
      'DecodeError',
    )
    expectThrowsNamed(() => decodeDoorMessage(Uint8Array.of(1, 3)), 'DecodeError')
  })

  it('refuse a sealed welcome over the limit', () => {
    const sealed = new Uint8Array(L.MAX_SEALED_WELCOME_BYTES + 1)
    expectThrowsNamed(
      () => encodeDoorMessage({ type: 'welcome', device: join.inviterDevice, sealed }),
      'TooLargeError',
    )
    expectThrowsNamed(
      () => decodeDoorMessage(new Uint8Array(L.MAX_DOOR_MESSAGE_BYTES + 1)),
      'TooLargeError',
    )
  })

  it('refuse every truncation and fail only typed on damaged input', () => {
    expectEveryTruncationRefused(decodeDoorMessage, encodeDoorMessage(join))
    fuzzDecoder(decodeDoorMessage, encodeDoorMessage, doorMessages.map(encodeDoorMessage))
  })
})

describe('signed door bytes', () => {
  it('grant an invite key until a time, under their own label', () => {
    const bytes = inviteGrantBytes(join.invitePublic, join.expiresAt)
    expect(new TextDecoder().decode(bytes.subarray(0, 23))).toBe('murmur/v1/invite-grant\0')
    expect(bytes.length).toBe(23 + 32 + 8)
    expect(sameBytes(inviteGrantBytes(join.invitePublic, join.expiresAt + 1), bytes)).toBe(false)
    expectThrowsNamed(() => inviteGrantBytes(new Uint8Array(31), 0), 'InvalidArgumentError')
  })

  it('prove a join over every field but the proof', () => {
    const { proof: _, ...unsigned } = join
    const base = joinProofBytes(unsigned)
    expect(new TextDecoder().decode(base.subarray(0, 15))).toBe('murmur/v1/join\0')
    for (const change of [
      { ts: 1 },
      { expiresAt: 1 },
      { member: sampleMember(5) },
      { grant: new Uint8Array(64) },
    ]) {
      expect(sameBytes(joinProofBytes({ ...unsigned, ...change }), base)).toBe(false)
    }
  })

  it('sign a welcome for one recipient device', () => {
    const { signature: _, ...unsigned } = secrets
    const a = welcomeSigningBytes(unsigned, new Uint8Array(32).fill(1))
    const b = welcomeSigningBytes(unsigned, new Uint8Array(32).fill(2))
    expect(sameBytes(a, b)).toBe(false)
    expect(new TextDecoder().decode(a.subarray(0, 18))).toBe('murmur/v1/welcome\0')
    expectThrowsNamed(
      () => welcomeSigningBytes(unsigned, new Uint8Array(16)),
      'InvalidArgumentError',
    )
  })
})

describe('welcome secrets', () => {
  it('round-trip', () => {
    expect(decodeWelcomeSecrets(encodeWelcomeSecrets(secrets))).toEqual(secrets)
    fc.assert(
      fc.property(
        welcomes,
        (s) => void expect(decodeWelcomeSecrets(encodeWelcomeSecrets(s))).toEqual(s),
      ),
    )
  })

  it('carry 1024 epochs inside one sealed welcome, and refuse 1025', () => {
    const epoch = secrets.epochs[0]!
    const full = {
      ...secrets,
      name: 'n'.repeat(L.MAX_NAME_BYTES),
      epochs: Array.from({ length: L.MAX_WELCOME_EPOCHS }, () => epoch),
    }
    const bytes = encodeWelcomeSecrets(full)
    expect(bytes.length).toBeLessThanOrEqual(L.MAX_WELCOME_BYTES)
    expect(decodeWelcomeSecrets(bytes).epochs).toHaveLength(L.MAX_WELCOME_EPOCHS)
    expectThrowsNamed(
      () => encodeWelcomeSecrets({ ...full, epochs: [...full.epochs, epoch] }),
      'InvalidArgumentError',
    )
  })

  it('refuse wrong-size secrets and an unknown conversation kind', () => {
    expectThrowsNamed(
      () => encodeWelcomeSecrets({ ...secrets, routing: new Uint8Array(16) }),
      'InvalidArgumentError',
    )
    const bytes = encodeWelcomeSecrets(secrets)
    const kindAt = 2 + secrets.conversationId.length
    const bad = bytes.slice()
    bad[kindAt] = 9
    expectThrowsNamed(() => decodeWelcomeSecrets(bad), 'DecodeError')
  })

  it('refuse every truncation and fail only typed on damaged input', () => {
    expectEveryTruncationRefused(decodeWelcomeSecrets, encodeWelcomeSecrets(secrets))
    fuzzDecoder(decodeWelcomeSecrets, encodeWelcomeSecrets, welcomes.map(encodeWelcomeSecrets))
  })
})
