/**
 * Shared helpers for the wire codec tests: typed-failure assertions, a
 * mutation fuzzer, and fast-check arbitraries for every wire type. Not
 * exported from the package.
 */

import fc from 'fast-check'
import { expect } from 'vitest'
import { MurmurError } from '../errors.ts'
import * as L from './limits.ts'
import type {
  ConversationKind,
  ConversationSettings,
  CtrlOp,
  DeviceRecord,
  MemberRecord,
  Role,
} from './types.ts'

export const DECODE_ERRORS = ['DecodeError', 'TooLargeError']
export const FUZZ_RUNS = { numRuns: 300 }

export function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (err) {
    return err
  }
  return undefined
}

/** Runs `fn`, expects it to throw a MurmurError named `name`, and returns it. */
export function expectThrowsNamed(fn: () => unknown, name: string): Error {
  const err = thrown(fn)
  expect(err, `expected a ${name}`).toBeInstanceOf(MurmurError)
  expect((err as Error).name).toBe(name)
  return err as Error
}

/** Expects `fn` to throw a MurmurError whose name is one of `names`. */
export function expectRefused(fn: () => unknown, names: readonly string[] = DECODE_ERRORS): void {
  const err = thrown(fn)
  expect(err, 'expected a typed failure').toBeInstanceOf(MurmurError)
  expect(names).toContain((err as Error).name)
}

/** Calls `decode`; returns its value, or undefined if it failed with one of `names`. */
export function decodeOrRefuse<I, T>(
  decode: (input: I) => T,
  input: I,
  names: readonly string[] = DECODE_ERRORS,
): T | undefined {
  try {
    return decode(input)
  } catch (err) {
    expect(err).toBeInstanceOf(MurmurError)
    expect(names).toContain((err as Error).name)
    return undefined
  }
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/** A valid encoding with one random damage: a flipped, inserted or deleted byte, a cut, or junk appended. */
export function mutated(valid: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  const ops = fc.constantFrom('flip', 'cut', 'append', 'insert', 'delete')
  return fc
    .tuple(
      valid,
      ops,
      fc.nat(),
      fc.integer({ min: 1, max: 255 }),
      fc.uint8Array({ minLength: 1, maxLength: 8 }),
    )
    .map(([bytes, op, where, x, junk]) => {
      const at = bytes.length === 0 ? 0 : where % bytes.length
      const out = bytes.slice()
      switch (op) {
        case 'flip':
          if (out.length > 0) out[at]! ^= x
          return out
        case 'cut':
          return out.slice(0, at)
        case 'append':
          return concat(out, junk)
        case 'insert':
          return concat(out.slice(0, at), junk, out.slice(at))
        default:
          return concat(out.slice(0, at), out.slice(at + 1))
      }
    })
}

/**
 * The decoder properties every binary format shares: arbitrary bytes and
 * damaged valid encodings fail only with typed errors, and whatever is
 * accepted re-encodes to exactly the same bytes (one encoding per value).
 */
export function fuzzDecoder<T>(
  decode: (bytes: Uint8Array) => T,
  encode: (value: T) => Uint8Array,
  valid: fc.Arbitrary<Uint8Array>,
): void {
  const check = (bytes: Uint8Array): void => {
    const value = decodeOrRefuse(decode, bytes)
    if (value !== undefined) expect(sameBytes(encode(value), bytes)).toBe(true)
  }
  fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), check), FUZZ_RUNS)
  fc.assert(fc.property(mutated(valid), check), FUZZ_RUNS)
}

/** Every proper prefix of `bytes` fails with a typed error. */
export function expectEveryTruncationRefused(
  decode: (b: Uint8Array) => unknown,
  bytes: Uint8Array,
): void {
  for (let n = 0; n < bytes.length; n++) expectRefused(() => decode(bytes.subarray(0, n)))
}

// ---- arbitraries ------------------------------------------------------------

export const bytesOf = (n: number): fc.Arbitrary<Uint8Array> =>
  fc.uint8Array({ minLength: n, maxLength: n })
export const key = bytesOf(32)
export const tag = bytesOf(16)
export const signature = bytesOf(64)
/** Any well-formed string of at most 60 code points (≤ 240 UTF-8 bytes). */
export const shortText = fc.string({ unit: 'binary', maxLength: 60 })
export const timestamp = fc.oneof(fc.nat(), fc.maxSafeNat())

export const role: fc.Arbitrary<Role> = fc.constantFrom('owner', 'admin', 'member')
export const conversationKind: fc.Arbitrary<ConversationKind> = fc.constantFrom(
  'group',
  'channel',
  'dm',
  'self',
)
export const settings: fc.Arbitrary<ConversationSettings> = fc.record({
  historyVisible: fc.boolean(),
  membersCanInvite: fc.boolean(),
})
export const deviceRecord: fc.Arbitrary<DeviceRecord> = fc.record({
  certificate: fc.uint8Array({ maxLength: L.MAX_CERTIFICATE_BYTES }),
  prekey: fc.uint8Array({ maxLength: L.MAX_PREKEY_BYTES }),
  binding: fc.uint8Array({ minLength: 64, maxLength: 64 }),
})
export const memberRecord: fc.Arbitrary<MemberRecord> = fc.record({
  identity: key,
  name: shortText,
  devices: fc.array(deviceRecord, { maxLength: 3 }),
})
export const ctrlOp: fc.Arbitrary<CtrlOp> = fc.oneof(
  fc.record({
    type: fc.constant('create' as const),
    conversationKind,
    name: shortText,
    owner: memberRecord,
    settings,
    nonce: bytesOf(L.CREATE_NONCE_BYTES),
  }),
  fc.record({ type: fc.constant('add' as const), member: memberRecord, role }),
  fc.record({ type: fc.constant('remove' as const), user: key }),
  fc.record({ type: fc.constant('setRole' as const), user: key, role }),
  fc.record({ type: fc.constant('leave' as const) }),
  fc.record({ type: fc.constant('settings' as const), settings }),
)

/** A realistic member: one device with crypto-v1-sized certificate and prekey. */
export function sampleMember(seed = 1, devices = 1): MemberRecord {
  return {
    identity: new Uint8Array(32).fill(seed),
    name: `Member ${seed} ✓`,
    devices: Array.from({ length: devices }, (_, i) => ({
      certificate: new Uint8Array(138).fill(0x10 + i),
      prekey: new Uint8Array(142).fill(0x20 + i),
      binding: new Uint8Array(64).fill(0x30 + i),
    })),
  }
}
