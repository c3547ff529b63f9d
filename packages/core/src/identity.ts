/**
 * This device's keys: the user's identity key (shared by the user's devices),
 * the device key certified by it, and a signed X25519 prekey that others seal
 * epoch secrets and welcomes to. Made on first start and kept in storage under
 * ['v1', 'self'].
 */

import {
  decodeDeviceCertificate,
  decodeSignedPrekey,
  encodeDeviceCertificate,
  encodeSignedPrekey,
  exportBackup,
  generateDevice,
  generateIdentity,
  generatePrekey,
  identityFromSecret,
  importBackup,
  Labels,
  signWithLabel,
  toHex,
} from '@murmur/crypto'
import type { Device, IdentityKeyPair, Prekey } from '@murmur/crypto'
import { CorruptStorageError, InvalidArgumentError, Reader, Writer } from '@murmur/protocol'
import type { DeviceRecord, MemberRecord, UserId } from '@murmur/protocol'
import type { StorageAdapter } from './storage.ts'

export const SELF_KEY = ['v1', 'self'] as const

export interface LocalIdentity {
  readonly identity: IdentityKeyPair
  readonly device: Device
  readonly prekey: Prekey
  readonly userId: UserId
  readonly deviceHex: string
  name: string
}

export function deviceRecord(self: LocalIdentity): DeviceRecord {
  return {
    certificate: encodeDeviceCertificate(self.device.certificate),
    prekey: encodeSignedPrekey(self.prekey.signed),
    binding: signWithLabel(self.device.secretKey, Labels.deviceBinding, self.identity.publicKey),
  }
}

export function memberRecord(self: LocalIdentity): MemberRecord {
  return { identity: self.identity.publicKey, name: self.name, devices: [deviceRecord(self)] }
}

export async function loadOrCreateIdentity(
  storage: StorageAdapter,
  name: string | undefined,
  restore?: { readonly backup: Uint8Array; readonly passphrase: string },
): Promise<LocalIdentity> {
  const stored = await storage.get(SELF_KEY)
  if (stored !== undefined && restore !== undefined) {
    throw new InvalidArgumentError(
      'this device already has an identity; restore on a new device or a fresh profile',
    )
  }
  if (restore !== undefined) {
    const { identitySecret, name: savedName } = decodeBackupPayload(
      await importBackup(restore.backup, restore.passphrase),
    )
    const identity = identityFromSecret(identitySecret)
    // A restored identity gets a new device: the old device may still be in
    // use, and two devices must never share a key (their logs would clash).
    const device = generateDevice(identity)
    const self = makeSelf(identity, device, generatePrekey(device), name ?? savedName)
    await saveIdentity(storage, self)
    return self
  }
  if (stored !== undefined) {
    const self = decodeSelf(stored)
    if (name !== undefined && name !== self.name) {
      self.name = name
      await saveIdentity(storage, self)
    }
    return self
  }
  const identity = generateIdentity()
  const device = generateDevice(identity)
  const prekey = generatePrekey(device)
  const self = makeSelf(identity, device, prekey, name ?? '')
  await saveIdentity(storage, self)
  return self
}

/** A passphrase-encrypted backup of the identity key and display name (not of the device). */
export async function exportIdentity(self: LocalIdentity, passphrase: string): Promise<Uint8Array> {
  if (passphrase.length < 8)
    throw new InvalidArgumentError('use a passphrase of at least 8 characters')
  const payload = new Writer().byte(1).bytes(self.identity.secretKey).string(self.name).finish()
  return exportBackup(payload, passphrase)
}

function decodeBackupPayload(payload: Uint8Array): { identitySecret: Uint8Array; name: string } {
  const r = new Reader(payload, 'identity backup')
  if (r.byte() !== 1)
    throw new CorruptStorageError('this backup was made by a newer version of Murmur')
  const identitySecret = r.bytes(64)
  const name = r.string(1024)
  r.end()
  return { identitySecret, name }
}

export async function saveIdentity(storage: StorageAdapter, self: LocalIdentity): Promise<void> {
  await storage.put(SELF_KEY, encodeSelf(self))
}

function makeSelf(
  identity: IdentityKeyPair,
  device: Device,
  prekey: Prekey,
  name: string,
): LocalIdentity {
  return {
    identity,
    device,
    prekey,
    userId: toHex(identity.publicKey) as UserId,
    deviceHex: toHex(device.publicKey),
    name,
  }
}

// Stored form (v1): u8 version | bytes identity seed | bytes device seed |
// bytes device certificate | bytes prekey private | bytes signed prekey | string name
function encodeSelf(self: LocalIdentity): Uint8Array {
  return new Writer()
    .byte(1)
    .bytes(self.identity.secretKey)
    .bytes(self.device.secretKey)
    .bytes(encodeDeviceCertificate(self.device.certificate))
    .bytes(self.prekey.privateKey)
    .bytes(encodeSignedPrekey(self.prekey.signed))
    .string(self.name)
    .finish()
}

function decodeSelf(bytes: Uint8Array): LocalIdentity {
  try {
    const r = new Reader(bytes, 'stored identity')
    if (r.byte() !== 1) throw new Error('unknown version')
    const identity = identityFromSecret(r.bytes(64))
    const deviceSecret = r.bytes(64)
    const certificate = decodeDeviceCertificate(r.bytes(512))
    const prekeyPrivate = r.bytes(64)
    const signed = decodeSignedPrekey(r.bytes(512))
    const name = r.string(1024)
    r.end()
    const deviceKeys = identityFromSecret(deviceSecret)
    const device: Device = { ...deviceKeys, certificate }
    return makeSelf(identity, device, { signed, privateKey: prekeyPrivate }, name)
  } catch (err) {
    throw new CorruptStorageError(
      `this device's identity could not be read (${(err as Error).message}); restore it from a backup`,
    )
  }
}
