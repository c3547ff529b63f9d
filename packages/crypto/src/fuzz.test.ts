/**
 * Property-based fuzzing of everything that parses bytes from another
 * device: random input, and valid encodings with bytes flipped, cut or
 * appended. A decoder may only succeed (canonically) or throw a typed error.
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { x25519 } from '@noble/curves/ed25519.js'
import { MurmurError } from '@murmur/protocol'
import { decrypt, encrypt } from './aead.ts'
import { exportBackup, importBackup } from './backup.ts'
import { randomBytes, toHex } from './bytes.ts'
import { receiverChain, restoreReceiverChain, restoreSenderChain, senderChain } from './chain.ts'
import {
  decodeDeviceCertificate,
  encodeDeviceCertificate,
  generateDevice,
  generateIdentity,
} from './identity.ts'
import { bindPeerId, decodePeerIdBinding, encodePeerIdBinding } from './peer-binding.ts'
import { decodeSignedPrekey, encodeSignedPrekey, generatePrekey } from './prekey.ts'
import { open, seal } from './seal.ts'

const DECODE_ERRORS = ['DecodeError', 'TooLargeError']

function expectTyped(err: unknown, names: string[]): void {
  expect(err).toBeInstanceOf(MurmurError)
  expect(names).toContain((err as Error).name)
}

/** A valid encoding with some bytes flipped, then possibly cut short or extended. */
function mutated(valid: Uint8Array): fc.Arbitrary<Uint8Array> {
  return fc
    .record({
      flips: fc.array(
        fc.record({ at: fc.nat(valid.length - 1), mask: fc.integer({ min: 1, max: 255 }) }),
        {
          maxLength: 3,
        },
      ),
      cut: fc.option(fc.nat(valid.length)),
      extra: fc.uint8Array({ maxLength: 4 }),
    })
    .map(({ flips, cut, extra }) => {
      const b = valid.slice()
      for (const { at, mask } of flips) b[at]! ^= mask
      const cutTo = cut ?? b.length
      return new Uint8Array([...b.subarray(0, cutTo), ...(cut === null ? [] : extra)])
    })
}

const identity = generateIdentity()
const device = generateDevice(identity)
const decoders: [
  string,
  (b: Uint8Array) => unknown,
  ((v: never) => Uint8Array) | null,
  Uint8Array,
][] = [
  [
    'device certificate',
    decodeDeviceCertificate,
    encodeDeviceCertificate,
    encodeDeviceCertificate(device.certificate),
  ],
  [
    'signed prekey',
    decodeSignedPrekey,
    encodeSignedPrekey,
    encodeSignedPrekey(generatePrekey(device).signed),
  ],
  [
    'peer id binding',
    decodePeerIdBinding,
    encodePeerIdBinding,
    encodePeerIdBinding(bindPeerId(device, '12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA')),
  ],
  [
    'sender chain state',
    restoreSenderChain,
    null,
    senderChain(randomBytes(32), Uint8Array.of(1)).save(),
  ],
  [
    'receiver chain state',
    restoreReceiverChain,
    null,
    (() => {
      const r = receiverChain(randomBytes(32), Uint8Array.of(1))
      r.take(5)
      return r.save()
    })(),
  ],
]

describe('decoders never throw anything but typed errors', () => {
  for (const [name, decode, encode, valid] of decoders) {
    it(`${name}: random bytes and non-bytes`, () => {
      fc.assert(
        fc.property(fc.oneof(fc.uint8Array({ maxLength: 400 }), fc.anything()), (input) => {
          try {
            decode(input as Uint8Array)
          } catch (err) {
            expectTyped(err, DECODE_ERRORS)
          }
        }),
        { numRuns: 500 },
      )
    })

    it(`${name}: mutated valid encodings decode canonically or fail typed`, () => {
      fc.assert(
        fc.property(mutated(valid), (input) => {
          let value: unknown
          try {
            value = decode(input)
          } catch (err) {
            expectTyped(err, DECODE_ERRORS)
            return
          }
          if (encode) expect(toHex(encode(value as never))).toBe(toHex(input))
        }),
        { numRuns: 500 },
      )
    })
  }

  it('open: random and mutated sealed boxes fail only with DecryptError', () => {
    const recipient = x25519.keygen()
    const valid = seal(recipient.publicKey, randomBytes(40))
    fc.assert(
      fc.property(fc.oneof(mutated(valid), fc.uint8Array({ maxLength: 120 })), (input) => {
        try {
          open(recipient.secretKey, input)
          expect(toHex(input)).toBe(toHex(valid))
        } catch (err) {
          expectTyped(err, ['DecryptError'])
        }
      }),
      { numRuns: 300 },
    )
  })

  it('decrypt: random and mutated boxes fail only with DecryptError', () => {
    const key = randomBytes(32)
    const valid = encrypt(key, randomBytes(40), Uint8Array.of(1))
    fc.assert(
      fc.property(fc.oneof(mutated(valid), fc.uint8Array({ maxLength: 120 })), (input) => {
        try {
          decrypt(key, input, Uint8Array.of(1))
          expect(toHex(input)).toBe(toHex(valid))
        } catch (err) {
          expectTyped(err, ['DecryptError'])
        }
      }),
      { numRuns: 500 },
    )
  })

  it('importBackup: random bytes, truncations and body changes fail typed', async () => {
    const valid = await exportBackup(randomBytes(32), 'pw', {
      kdf: { memoryKiB: 8, passes: 1, lanes: 1 },
    })
    // KDF parameter bytes (2..8) are left alone so no run asks for a costly derivation.
    const body = fc
      .tuple(fc.integer({ min: 9, max: valid.length - 1 }), fc.integer({ min: 1, max: 255 }))
      .map(([at, mask]) => {
        const b = valid.slice()
        b[at]! ^= mask
        return b
      })
    const truncated = fc.nat(valid.length - 1).map((n) => valid.subarray(0, n))
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.uint8Array({ maxLength: 200 }), body, truncated),
        async (input) => {
          try {
            await importBackup(input, 'pw')
            expect.unreachable('a changed backup must not open')
          } catch (err) {
            expectTyped(err, [...DECODE_ERRORS, 'WrongPassphraseError'])
          }
        },
      ),
      { numRuns: 200 },
    )
  })
})
