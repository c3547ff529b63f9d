import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Writer } from '../bytes.ts'
import { encodeBody } from './envelope.ts'
import * as L from './limits.ts'
import {
  decodeCtrlOp,
  decodeCtrlPayload,
  decodeKeyPayload,
  decodeMsgPayload,
  encodeCtrlOp,
  encodeCtrlPayload,
  encodeKeyPayload,
  encodeMsgPayload,
} from './payloads.ts'
import {
  decodeConversationSettings,
  decodeDeviceRecord,
  decodeMemberRecord,
  encodeConversationSettings,
  encodeDeviceRecord,
  encodeMemberRecord,
} from './records.ts'
import {
  bytesOf,
  ctrlOp,
  deviceRecord,
  expectEveryTruncationRefused,
  expectThrowsNamed,
  fuzzDecoder,
  key,
  memberRecord,
  sampleMember,
  settings,
  shortText,
} from './test-support.ts'
import { PADDING_BUCKETS } from './types.ts'
import type { CtrlOp, CtrlPayload, KeyPayload, MemberRecord, MsgPayload } from './types.ts'

const hash = (n: number): Uint8Array => new Uint8Array(32).fill(n)

const ctrlPayloads: fc.Arbitrary<CtrlPayload> = fc.record({
  parents: fc.array(key, { maxLength: 4 }),
  op: ctrlOp,
})
const msgPayloads: fc.Arbitrary<MsgPayload> = fc.record(
  {
    text: fc.string({ unit: 'binary', maxLength: 200 }),
    replyTo: shortText,
    mentions: fc.array(key, { maxLength: 3 }),
  },
  { requiredKeys: ['text'] },
)
const keyPayloads: fc.Arbitrary<KeyPayload> = fc.record({
  epochId: bytesOf(8),
  parents: fc.array(key, { maxLength: 3 }),
  seals: fc.array(
    fc.record({ device: key, sealed: fc.uint8Array({ maxLength: L.MAX_SEALED_KEY_BYTES }) }),
    { maxLength: 4 },
  ),
})

const create: CtrlOp = {
  type: 'create',
  conversationKind: 'group',
  name: 'Weekend hikes 🥾',
  owner: sampleMember(1, 2),
  settings: { historyVisible: true, membersCanInvite: false },
  nonce: new Uint8Array(16).fill(9),
}

describe('member records, device records and settings', () => {
  it('round-trip', () => {
    fc.assert(
      fc.property(
        memberRecord,
        (m) => void expect(decodeMemberRecord(encodeMemberRecord(m))).toEqual(m),
      ),
    )
    fc.assert(
      fc.property(
        deviceRecord,
        (d) => void expect(decodeDeviceRecord(encodeDeviceRecord(d))).toEqual(d),
      ),
    )
    fc.assert(
      fc.property(
        settings,
        (s) => void expect(decodeConversationSettings(encodeConversationSettings(s))).toEqual(s),
      ),
    )
  })

  it('allow 16 devices and a 256-byte name, and refuse more', () => {
    const full: MemberRecord = {
      ...sampleMember(2, L.MAX_DEVICES_PER_MEMBER),
      name: 'é'.repeat(128),
    }
    expect(decodeMemberRecord(encodeMemberRecord(full))).toEqual(full)
    const tooMany = sampleMember(2, L.MAX_DEVICES_PER_MEMBER + 1)
    expectThrowsNamed(() => encodeMemberRecord(tooMany), 'InvalidArgumentError')
    expectThrowsNamed(() => encodeMemberRecord({ ...full, name: full.name + 'x' }), 'TooLargeError')
    // Hand-built: a device count one over the limit.
    const w = new Writer()
      .raw(hash(1))
      .string('x')
      .varint(L.MAX_DEVICES_PER_MEMBER + 1)
    expectThrowsNamed(() => decodeMemberRecord(w.finish()), 'DecodeError')
  })

  it('refuse a wrong-size identity, unknown settings bits and lone surrogates', () => {
    expectThrowsNamed(
      () => encodeMemberRecord({ ...sampleMember(), identity: new Uint8Array(33) }),
      'InvalidArgumentError',
    )
    expectThrowsNamed(() => decodeConversationSettings(Uint8Array.of(4)), 'DecodeError')
    expectThrowsNamed(
      () => encodeMemberRecord({ ...sampleMember(), name: '\ud800' }),
      'InvalidArgumentError',
    )
  })

  it('refuse every truncation and fail only typed on damaged input', () => {
    expectEveryTruncationRefused(decodeMemberRecord, encodeMemberRecord(sampleMember(3, 2)))
    fuzzDecoder(decodeMemberRecord, encodeMemberRecord, memberRecord.map(encodeMemberRecord))
  })
})

describe('ctrl payloads', () => {
  it('round-trip every kind of op', () => {
    fc.assert(
      fc.property(
        ctrlPayloads,
        (p) => void expect(decodeCtrlPayload(encodeCtrlPayload(p))).toEqual(p),
      ),
    )
    fc.assert(fc.property(ctrlOp, (op) => void expect(decodeCtrlOp(encodeCtrlOp(op))).toEqual(op)))
  })

  it('allow 32 parents and refuse 33', () => {
    const parents = Array.from({ length: L.MAX_PARENTS }, (_, i) => hash(i))
    const p: CtrlPayload = { parents, op: { type: 'leave' } }
    expect(decodeCtrlPayload(encodeCtrlPayload(p))).toEqual(p)
    expectThrowsNamed(
      () => encodeCtrlPayload({ ...p, parents: [...parents, hash(99)] }),
      'InvalidArgumentError',
    )
    const w = new Writer().byte(1).varint(L.MAX_PARENTS + 1)
    for (let i = 0; i <= L.MAX_PARENTS; i++) w.raw(hash(i))
    expectThrowsNamed(() => decodeCtrlPayload(w.byte(5).finish()), 'DecodeError')
  })

  it('refuse wrong-size parents, nonces and users, and unknown roles', () => {
    const bad: CtrlPayload[] = [
      { parents: [new Uint8Array(31)], op: { type: 'leave' } },
      { parents: [], op: { ...create, nonce: new Uint8Array(32) } as CtrlOp },
      { parents: [], op: { type: 'remove', user: new Uint8Array(16) } },
      { parents: [], op: { type: 'setRole', user: hash(1), role: 'king' } as unknown as CtrlOp },
      { parents: [], op: { type: 'promote' } as unknown as CtrlOp },
    ]
    for (const p of bad) expectThrowsNamed(() => encodeCtrlPayload(p), 'InvalidArgumentError')
  })

  it('refuse an unknown version, op or role, and trailing bytes', () => {
    const leave = encodeCtrlPayload({ parents: [], op: { type: 'leave' } })
    expectThrowsNamed(
      () => decodeCtrlPayload(Uint8Array.of(2, ...leave.subarray(1))),
      'DecodeError',
    )
    expectThrowsNamed(() => decodeCtrlPayload(Uint8Array.of(1, 0, 7)), 'DecodeError')
    expectThrowsNamed(() => decodeCtrlPayload(Uint8Array.of(1, 0, 4, ...hash(1), 4)), 'DecodeError')
    expectThrowsNamed(() => decodeCtrlPayload(Uint8Array.of(...leave, 0)), 'DecodeError')
  })

  it('refuse a non-shortest varint', () => {
    expectThrowsNamed(() => decodeCtrlPayload(Uint8Array.of(1, 0x80, 0x00, 5)), 'DecodeError')
  })

  it('refuse every truncation and fail only typed on damaged input', () => {
    expectEveryTruncationRefused(
      decodeCtrlPayload,
      encodeCtrlPayload({ parents: [hash(1)], op: create }),
    )
    fuzzDecoder(decodeCtrlPayload, encodeCtrlPayload, ctrlPayloads.map(encodeCtrlPayload))
  })
})

describe('msg payloads', () => {
  it('round-trip, keeping absent and empty optional fields apart', () => {
    fc.assert(
      fc.property(
        msgPayloads,
        (p) => void expect(decodeMsgPayload(encodeMsgPayload(p))).toEqual(p),
      ),
    )
    for (const p of [{ text: '' }, { text: 'a', mentions: [] }, { text: 'b', replyTo: '' }]) {
      expect(decodeMsgPayload(encodeMsgPayload(p))).toStrictEqual(p)
    }
  })

  it('allow 16 KiB of text and refuse one byte more', () => {
    const text = 'a'.repeat(L.MAX_TEXT_BYTES)
    expect(decodeMsgPayload(encodeMsgPayload({ text })).text).toBe(text)
    expect(
      encodeBody({
        kind: 'msg',
        device: hash(1),
        ts: 0,
        payload: encodeMsgPayload({ text }),
        signature: new Uint8Array(64),
      }).bucket,
    ).toBe(PADDING_BUCKETS.indexOf(65_536))
    expectThrowsNamed(() => encodeMsgPayload({ text: text + 'a' }), 'TooLargeError')
    const w = new Writer()
      .byte(1)
      .string(text + 'a')
      .byte(0)
    expectThrowsNamed(() => decodeMsgPayload(w.finish()), 'DecodeError')
  })

  it('allow 64 mentions and refuse 65', () => {
    const mentions = Array.from({ length: L.MAX_MENTIONS }, (_, i) => hash(i))
    expect(decodeMsgPayload(encodeMsgPayload({ text: 'hi', mentions })).mentions).toHaveLength(64)
    expectThrowsNamed(
      () => encodeMsgPayload({ text: 'hi', mentions: [...mentions, hash(0)] }),
      'InvalidArgumentError',
    )
  })

  it('refuse unknown flags and invalid UTF-8', () => {
    expectThrowsNamed(() => decodeMsgPayload(Uint8Array.of(1, 0, 4)), 'DecodeError')
    expectThrowsNamed(() => decodeMsgPayload(Uint8Array.of(1, 2, 0xc0, 0x80, 0)), 'DecodeError')
  })

  it('refuse every truncation and fail only typed on damaged input', () => {
    expectEveryTruncationRefused(
      decodeMsgPayload,
      encodeMsgPayload({ text: 'hey', replyTo: 'm1', mentions: [hash(2)] }),
    )
    fuzzDecoder(decodeMsgPayload, encodeMsgPayload, msgPayloads.map(encodeMsgPayload))
  })
})

describe('key payloads', () => {
  it('round-trip', () => {
    fc.assert(
      fc.property(
        keyPayloads,
        (p) => void expect(decodeKeyPayload(encodeKeyPayload(p))).toEqual(p),
      ),
    )
  })

  it('carry 1024 seals of the largest size inside the largest envelope, and refuse 1025', () => {
    const seal = { device: hash(3), sealed: new Uint8Array(L.MAX_SEALED_KEY_BYTES).fill(1) }
    const p: KeyPayload = {
      epochId: new Uint8Array(8).fill(1),
      parents: Array.from({ length: L.MAX_PARENTS }, (_, i) => hash(i)),
      seals: Array.from({ length: L.MAX_SEALS }, () => seal),
    }
    const bytes = encodeKeyPayload(p)
    expect(bytes.length).toBeLessThanOrEqual(L.MAX_PAYLOAD_BYTES)
    expect(decodeKeyPayload(bytes).seals).toHaveLength(L.MAX_SEALS)
    expectThrowsNamed(
      () => encodeKeyPayload({ ...p, seals: [...p.seals, seal] }),
      'InvalidArgumentError',
    )
    const oversized = { device: hash(3), sealed: new Uint8Array(L.MAX_SEALED_KEY_BYTES + 1) }
    expectThrowsNamed(() => encodeKeyPayload({ ...p, seals: [oversized] }), 'TooLargeError')
  })

  it('refuse a wrong-size epoch id or device', () => {
    const p: KeyPayload = { epochId: new Uint8Array(8), parents: [], seals: [] }
    expectThrowsNamed(
      () => encodeKeyPayload({ ...p, epochId: new Uint8Array(16) }),
      'InvalidArgumentError',
    )
    const seals = [{ device: new Uint8Array(8), sealed: new Uint8Array(1) }]
    expectThrowsNamed(() => encodeKeyPayload({ ...p, seals }), 'InvalidArgumentError')
  })

  it('refuse every truncation and fail only typed on damaged input', () => {
    const p = {
      epochId: new Uint8Array(8),
      parents: [hash(1)],
      seals: [{ device: hash(2), sealed: Uint8Array.of(1, 2) }],
    }
    expectEveryTruncationRefused(decodeKeyPayload, encodeKeyPayload(p))
    fuzzDecoder(decodeKeyPayload, encodeKeyPayload, keyPayloads.map(encodeKeyPayload))
  })

  it('refuse an input above the payload limit before parsing', () => {
    expectThrowsNamed(
      () => decodeKeyPayload(new Uint8Array(L.MAX_PAYLOAD_BYTES + 1)),
      'TooLargeError',
    )
  })
})
