/**
 * Identity and device keys.
 *
 * A user is an Ed25519 identity key. Each device has its own Ed25519 device
 * key, certified by the identity key, so a device can be added or revoked
 * without touching the identity and the identity secret can stay offline
 * (in a backup) after devices are set up.
 *
 * Device certificate, 138 bytes:
 *
 *   off len
 *     0   1  version = 1
 *     1   1  kind = 0x01
 *     2  32  identity public key (Ed25519)
 *    34  32  device public key (Ed25519)
 *    66   8  created-at, ms since the Unix epoch, u64 big-endian
 *    74  64  Ed25519 signature by the identity key over
 *            "murmur/v1/device-cert" || 0x00 || bytes 0..73
 */
import { publicKeyOf } from '#ed25519'
import { InvalidArgumentError } from '@murmur/protocol'
import { constantTimeEqual, randomBytes } from './bytes.ts'
import { FORMAT_VERSION, Kind, Reader, Writer } from './codec.ts'
import { Labels } from './labels.ts'
import {
  PUBLIC_KEY_LENGTH,
  SECRET_KEY_LENGTH,
  SIGNATURE_LENGTH,
  signWithLabel,
  verifyWithLabel,
} from './sign.ts'

export interface SigningKeyPair {
  readonly publicKey: Uint8Array
  /** The 32-byte Ed25519 seed. Never leaves the device except in a backup. */
  readonly secretKey: Uint8Array
}

export type IdentityKeyPair = SigningKeyPair

export interface DeviceCertificate {
  readonly identityPublicKey: Uint8Array
  readonly devicePublicKey: Uint8Array
  readonly createdAt: number
  readonly signature: Uint8Array
}

export interface Device extends SigningKeyPair {
  readonly certificate: DeviceCertificate
}

export interface TimeOptions {
  /** Time stamped into the statement, ms since the Unix epoch. Defaults to Date.now(). */
  readonly now?: number
}

export const DEVICE_CERTIFICATE_LENGTH = 2 + 32 + 32 + 8 + SIGNATURE_LENGTH

export function generateIdentity(): IdentityKeyPair {
  return identityFromSecret(randomBytes(SECRET_KEY_LENGTH))
}

/** Rebuilds an identity key pair from its 32-byte secret (e.g. after importing a backup). */
export function identityFromSecret(secretKey: Uint8Array): IdentityKeyPair {
  assertKey(secretKey, SECRET_KEY_LENGTH, 'identity secret key')
  // Through the platform backend: @noble's first getPublicKey builds a
  // ~130 ms table, which would otherwise be most of a Node cold start.
  return { publicKey: publicKeyOf(secretKey), secretKey: secretKey.slice() }
}

/** Makes a fresh device key and certifies it with the identity key. */
export function generateDevice(identity: IdentityKeyPair, options: TimeOptions = {}): Device {
  const { secretKey, publicKey } = identityFromSecret(randomBytes(SECRET_KEY_LENGTH))
  return { publicKey, secretKey, certificate: certifyDevice(identity, publicKey, options) }
}

/** Certifies an existing device public key (e.g. re-certifying after a restore). */
export function certifyDevice(
  identity: IdentityKeyPair,
  devicePublicKey: Uint8Array,
  options: TimeOptions = {},
): DeviceCertificate {
  assertKey(identity.secretKey, SECRET_KEY_LENGTH, 'identity secret key')
  assertKey(identity.publicKey, PUBLIC_KEY_LENGTH, 'identity public key')
  assertKey(devicePublicKey, PUBLIC_KEY_LENGTH, 'device public key')
  const unsigned = {
    identityPublicKey: identity.publicKey.slice(),
    devicePublicKey: devicePublicKey.slice(),
    createdAt: timestamp(options),
  }
  const signature = signWithLabel(
    identity.secretKey,
    Labels.deviceCertificate,
    certificateBody(unsigned),
  )
  return { ...unsigned, signature }
}

/**
 * True when `cert` names `identityPublicKey` as its issuer and carries that
 * key's valid signature. Freshness and revocation are the caller's policy.
 */
export function verifyDeviceCertificate(
  cert: DeviceCertificate,
  identityPublicKey: Uint8Array,
): boolean {
  if (!isKey(cert.identityPublicKey) || !isKey(cert.devicePublicKey) || !isKey(identityPublicKey))
    return false
  if (!isTimestamp(cert.createdAt)) return false
  if (!constantTimeEqual(cert.identityPublicKey, identityPublicKey)) return false
  return verifyWithLabel(
    identityPublicKey,
    Labels.deviceCertificate,
    certificateBody(cert),
    cert.signature,
  )
}

export function encodeDeviceCertificate(cert: DeviceCertificate): Uint8Array {
  if (
    !isKey(cert.identityPublicKey) ||
    !isKey(cert.devicePublicKey) ||
    !isTimestamp(cert.createdAt)
  ) {
    throw new InvalidArgumentError('device certificate has malformed fields')
  }
  assertKey(cert.signature, SIGNATURE_LENGTH, 'device certificate signature')
  return new Writer().bytes(certificateBody(cert)).bytes(cert.signature).finish()
}

/** Parses a certificate. Does not verify it: call verifyDeviceCertificate. */
export function decodeDeviceCertificate(bytes: Uint8Array): DeviceCertificate {
  const r = new Reader(
    bytes,
    'device certificate',
    Kind.deviceCertificate,
    DEVICE_CERTIFICATE_LENGTH,
    DEVICE_CERTIFICATE_LENGTH,
  )
  const identityPublicKey = r.bytes(PUBLIC_KEY_LENGTH)
  const devicePublicKey = r.bytes(PUBLIC_KEY_LENGTH)
  const createdAt = r.u64()
  const signature = r.bytes(SIGNATURE_LENGTH)
  r.end()
  return { identityPublicKey, devicePublicKey, createdAt, signature }
}

function certificateBody(c: Omit<DeviceCertificate, 'signature'>): Uint8Array {
  return new Writer()
    .u8(FORMAT_VERSION)
    .u8(Kind.deviceCertificate)
    .bytes(c.identityPublicKey)
    .bytes(c.devicePublicKey)
    .u64(c.createdAt)
    .finish()
}

// Shared by the other signed statements.

export function isKey(k: unknown, length = PUBLIC_KEY_LENGTH): k is Uint8Array {
  return k instanceof Uint8Array && k.length === length
}

export function assertKey(k: unknown, length: number, what: string): asserts k is Uint8Array {
  if (!isKey(k, length)) throw new InvalidArgumentError(`${what} must be ${length} bytes`)
}

export function isTimestamp(t: unknown): t is number {
  return typeof t === 'number' && Number.isSafeInteger(t) && t >= 0
}

export function timestamp(options: TimeOptions): number {
  const t = options.now ?? Date.now()
  if (!isTimestamp(t))
    throw new InvalidArgumentError(`timestamp must be a non-negative integer, got ${t}`)
  return t
}
