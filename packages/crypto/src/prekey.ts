/**
 * X25519 prekeys signed by a device key. A sender seals to a device's prekey
 * (see seal.ts); the device signature stops a relay or directory from
 * substituting its own key.
 *
 * Signed prekey, 142 bytes:
 *
 *   off len
 *     0   1  version = 1
 *     1   1  kind = 0x02
 *     2  32  device public key (Ed25519, the signer)
 *    34   4  prekey id, u32 big-endian (lets the device find the private key)
 *    38  32  prekey public key (X25519)
 *    70   8  created-at, ms since the Unix epoch, u64 big-endian
 *    78  64  Ed25519 signature by the device key over
 *            "murmur/v1/prekey" || 0x00 || bytes 0..77
 */
import { x25519 } from '@noble/curves/ed25519.js'
import { InvalidArgumentError } from '@murmur/protocol'
import { constantTimeEqual, randomBytes } from './bytes.ts'
import { FORMAT_VERSION, Kind, Reader, Writer } from './codec.ts'
import { assertKey, isKey, isTimestamp, timestamp } from './identity.ts'
import type { SigningKeyPair, TimeOptions } from './identity.ts'
import { Labels } from './labels.ts'
import {
  PUBLIC_KEY_LENGTH,
  SECRET_KEY_LENGTH,
  SIGNATURE_LENGTH,
  signWithLabel,
  verifyWithLabel,
} from './sign.ts'

export interface SignedPrekey {
  readonly devicePublicKey: Uint8Array
  readonly prekeyId: number
  /** X25519 public key to seal to. */
  readonly publicKey: Uint8Array
  readonly createdAt: number
  readonly signature: Uint8Array
}

export interface Prekey {
  /** The public, signed half: publish this. */
  readonly signed: SignedPrekey
  /** X25519 private key: keep on the device, delete when the prekey is retired. */
  readonly privateKey: Uint8Array
}

export interface PrekeyOptions extends TimeOptions {
  /** Defaults to a random u32. */
  readonly id?: number
}

export const SIGNED_PREKEY_LENGTH = 2 + 32 + 4 + 32 + 8 + SIGNATURE_LENGTH

export function generatePrekey(device: SigningKeyPair, options: PrekeyOptions = {}): Prekey {
  assertKey(device.secretKey, SECRET_KEY_LENGTH, 'device secret key')
  assertKey(device.publicKey, PUBLIC_KEY_LENGTH, 'device public key')
  const prekeyId = options.id ?? new DataView(randomBytes(4).buffer).getUint32(0)
  if (!isU32(prekeyId)) throw new InvalidArgumentError(`prekey id must be a u32, got ${prekeyId}`)
  const { secretKey, publicKey } = x25519.keygen()
  const unsigned = {
    devicePublicKey: device.publicKey.slice(),
    prekeyId,
    publicKey,
    createdAt: timestamp(options),
  }
  const signature = signWithLabel(device.secretKey, Labels.signedPrekey, prekeyBody(unsigned))
  return { signed: { ...unsigned, signature }, privateKey: secretKey }
}

/** True when `prekey` was signed by `devicePublicKey` and names it as signer. */
export function verifyPrekey(prekey: SignedPrekey, devicePublicKey: Uint8Array): boolean {
  if (!wellFormed(prekey) || !isKey(devicePublicKey)) return false
  if (!constantTimeEqual(prekey.devicePublicKey, devicePublicKey)) return false
  return verifyWithLabel(devicePublicKey, Labels.signedPrekey, prekeyBody(prekey), prekey.signature)
}

export function encodeSignedPrekey(prekey: SignedPrekey): Uint8Array {
  if (!wellFormed(prekey)) throw new InvalidArgumentError('signed prekey has malformed fields')
  assertKey(prekey.signature, SIGNATURE_LENGTH, 'signed prekey signature')
  return new Writer().bytes(prekeyBody(prekey)).bytes(prekey.signature).finish()
}

/** Parses a signed prekey. Does not verify it: call verifyPrekey. */
export function decodeSignedPrekey(bytes: Uint8Array): SignedPrekey {
  const r = new Reader(
    bytes,
    'signed prekey',
    Kind.signedPrekey,
    SIGNED_PREKEY_LENGTH,
    SIGNED_PREKEY_LENGTH,
  )
  const devicePublicKey = r.bytes(PUBLIC_KEY_LENGTH)
  const prekeyId = r.u32()
  const publicKey = r.bytes(32)
  const createdAt = r.u64()
  const signature = r.bytes(SIGNATURE_LENGTH)
  r.end()
  return { devicePublicKey, prekeyId, publicKey, createdAt, signature }
}

function prekeyBody(p: Omit<SignedPrekey, 'signature'>): Uint8Array {
  return new Writer()
    .u8(FORMAT_VERSION)
    .u8(Kind.signedPrekey)
    .bytes(p.devicePublicKey)
    .u32(p.prekeyId)
    .bytes(p.publicKey)
    .u64(p.createdAt)
    .finish()
}

function wellFormed(p: Omit<SignedPrekey, 'signature'>): boolean {
  return (
    isKey(p.devicePublicKey) && isU32(p.prekeyId) && isKey(p.publicKey) && isTimestamp(p.createdAt)
  )
}

function isU32(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 0xffffffff
}
