/**
 * Binds a libp2p PeerId to a device. The PeerId key is rotatable and lives in
 * the network layer; this statement, signed by the device key, says "this
 * device currently speaks as this PeerId", so peers can map a connection to a
 * device. The newest binding (largest created-at) for a device wins.
 *
 * It is one-directional: it does not prove the PeerId's owner agreed. Never
 * grant authority from a connection's PeerId alone; authority comes from
 * device signatures on envelopes.
 *
 * PeerId binding, 108..235 bytes:
 *
 *   off  len
 *     0    1  version = 1
 *     1    1  kind = 0x03
 *     2   32  device public key (Ed25519, the signer)
 *    34    8  created-at, ms since the Unix epoch, u64 big-endian
 *    42    1  n = PeerId length, 1..128
 *    43    n  PeerId string, ASCII [A-Za-z0-9] (base58btc or base32 multibase)
 *  43+n   64  Ed25519 signature by the device key over
 *             "murmur/v1/peer-id-binding" || 0x00 || bytes 0..42+n
 */
import { InvalidArgumentError } from '@murmur/protocol'
import { constantTimeEqual, utf8 } from './bytes.ts'
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

export interface PeerIdBinding {
  readonly devicePublicKey: Uint8Array
  readonly peerId: string
  readonly createdAt: number
  readonly signature: Uint8Array
}

export const MAX_PEER_ID_LENGTH = 128
const PEER_ID = /^[A-Za-z0-9]{1,128}$/
const HEADER = 2 + 32 + 8 + 1

export function bindPeerId(
  device: SigningKeyPair,
  peerId: string,
  options: TimeOptions = {},
): PeerIdBinding {
  assertKey(device.secretKey, SECRET_KEY_LENGTH, 'device secret key')
  assertKey(device.publicKey, PUBLIC_KEY_LENGTH, 'device public key')
  if (!isPeerId(peerId))
    throw new InvalidArgumentError('peer id must be 1..128 characters of [A-Za-z0-9]')
  const unsigned = {
    devicePublicKey: device.publicKey.slice(),
    peerId,
    createdAt: timestamp(options),
  }
  const signature = signWithLabel(device.secretKey, Labels.peerIdBinding, bindingBody(unsigned))
  return { ...unsigned, signature }
}

/** True when `binding` was signed by `devicePublicKey` and names it as signer. */
export function verifyPeerIdBinding(binding: PeerIdBinding, devicePublicKey: Uint8Array): boolean {
  if (!wellFormed(binding) || !isKey(devicePublicKey)) return false
  if (!constantTimeEqual(binding.devicePublicKey, devicePublicKey)) return false
  return verifyWithLabel(
    devicePublicKey,
    Labels.peerIdBinding,
    bindingBody(binding),
    binding.signature,
  )
}

export function encodePeerIdBinding(binding: PeerIdBinding): Uint8Array {
  if (!wellFormed(binding)) throw new InvalidArgumentError('peer id binding has malformed fields')
  assertKey(binding.signature, SIGNATURE_LENGTH, 'peer id binding signature')
  return new Writer().bytes(bindingBody(binding)).bytes(binding.signature).finish()
}

/** Parses a binding. Does not verify it: call verifyPeerIdBinding. */
export function decodePeerIdBinding(bytes: Uint8Array): PeerIdBinding {
  const max = HEADER + MAX_PEER_ID_LENGTH + SIGNATURE_LENGTH
  const r = new Reader(
    bytes,
    'peer id binding',
    Kind.peerIdBinding,
    HEADER + 1 + SIGNATURE_LENGTH,
    max,
  )
  const devicePublicKey = r.bytes(PUBLIC_KEY_LENGTH)
  const createdAt = r.u64()
  const n = r.u8()
  if (n < 1 || n > MAX_PEER_ID_LENGTH) r.fail(`peer id length ${n} out of range`)
  if (r.remaining !== n + SIGNATURE_LENGTH) r.fail('length does not match the peer id length')
  const raw = r.bytes(n)
  const peerId = String.fromCharCode(...raw)
  if (!PEER_ID.test(peerId)) r.fail('peer id has characters outside [A-Za-z0-9]')
  const signature = r.bytes(SIGNATURE_LENGTH)
  r.end()
  return { devicePublicKey, peerId, createdAt, signature }
}

function bindingBody(b: Omit<PeerIdBinding, 'signature'>): Uint8Array {
  const id = utf8(b.peerId)
  return new Writer()
    .u8(FORMAT_VERSION)
    .u8(Kind.peerIdBinding)
    .bytes(b.devicePublicKey)
    .u64(b.createdAt)
    .u8(id.length)
    .bytes(id)
    .finish()
}

function isPeerId(s: unknown): s is string {
  return typeof s === 'string' && PEER_ID.test(s)
}

function wellFormed(b: Omit<PeerIdBinding, 'signature'>): boolean {
  return isKey(b.devicePublicKey) && isPeerId(b.peerId) && isTimestamp(b.createdAt)
}
