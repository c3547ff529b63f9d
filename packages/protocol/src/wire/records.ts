/**
 * Records embedded in several wire formats: members, their devices,
 * conversation settings, and the integer tags of roles and conversation kinds.
 * Each has a standalone encode/decode pair; the `write*`/`read*` forms embed
 * it in a larger format. Layouts (v1):
 *
 * MemberRecord
 *   32      identity (Ed25519 public key)
 *   string  name, ≤ MAX_NAME_BYTES
 *   varint  device count, ≤ MAX_DEVICES_PER_MEMBER
 *   DeviceRecord, repeated
 *
 * DeviceRecord
 *   bytes   certificate (encoded DeviceCertificate), ≤ MAX_CERTIFICATE_BYTES
 *   bytes   prekey (encoded SignedPrekey), ≤ MAX_PREKEY_BYTES
 *   64      binding: the device's signature over its identity key
 *
 * ConversationSettings
 *   u8      flags: 0x01 historyVisible, 0x02 membersCanInvite; other bits 0
 *
 * Role: u8, owner = 1, admin = 2, member = 3.
 * ConversationKind: u8, group = 1, channel = 2, dm = 3, self = 4.
 *
 * `bytes`/`string` are a shortest-form varint length then the bytes (UTF-8
 * for strings). Fixed-size fields have no length prefix.
 */

import { Writer } from '../bytes.ts'
import type { Reader } from '../bytes.ts'
import {
  checkSize,
  readBytes,
  readCount,
  readFixed,
  readFlags,
  readString,
  writeBytes,
  writeCount,
  writeFixed,
  writeString,
  whole,
} from './codec.ts'
import {
  MAX_CERTIFICATE_BYTES,
  MAX_DEVICES_PER_MEMBER,
  MAX_NAME_BYTES,
  MAX_PREKEY_BYTES,
} from './limits.ts'
import { KEY_BYTES, SIGNATURE_BYTES } from './types.ts'
import type {
  ConversationKind,
  ConversationSettings,
  DeviceRecord,
  MemberRecord,
  Role,
} from './types.ts'

export const ROLES: Readonly<Record<Role, number>> = { owner: 1, admin: 2, member: 3 }
export const CONVERSATION_KINDS: Readonly<Record<ConversationKind, number>> = {
  group: 1,
  channel: 2,
  dm: 3,
  self: 4,
}

/** Largest encoded MemberRecord the limits allow (used to bound standalone decoding). */
const MAX_MEMBER_RECORD_BYTES =
  KEY_BYTES +
  2 +
  MAX_NAME_BYTES +
  1 +
  MAX_DEVICES_PER_MEMBER * (4 + MAX_CERTIFICATE_BYTES + MAX_PREKEY_BYTES)

const HISTORY_VISIBLE = 0x01
const MEMBERS_CAN_INVITE = 0x02

export function writeDeviceRecord(w: Writer, d: DeviceRecord): void {
  writeBytes(w, d.certificate, MAX_CERTIFICATE_BYTES, 'device certificate')
  writeBytes(w, d.prekey, MAX_PREKEY_BYTES, 'device prekey')
  writeFixed(w, d.binding, SIGNATURE_BYTES, 'device binding')
}

export function readDeviceRecord(r: Reader): DeviceRecord {
  const certificate = readBytes(r, MAX_CERTIFICATE_BYTES, 'device certificate')
  const prekey = readBytes(r, MAX_PREKEY_BYTES, 'device prekey')
  const binding = readFixed(r, SIGNATURE_BYTES)
  return { certificate, prekey, binding }
}

export function writeMemberRecord(w: Writer, m: MemberRecord): void {
  writeFixed(w, m.identity, KEY_BYTES, 'member identity')
  writeString(w, m.name, MAX_NAME_BYTES, 'member name')
  writeCount(w, m.devices.length, MAX_DEVICES_PER_MEMBER, 'devices per member')
  for (const d of m.devices) writeDeviceRecord(w, d)
}

export function readMemberRecord(r: Reader): MemberRecord {
  const identity = readFixed(r, KEY_BYTES)
  const name = readString(r, MAX_NAME_BYTES, 'member name')
  const count = readCount(r, MAX_DEVICES_PER_MEMBER, 'devices per member')
  const devices: DeviceRecord[] = []
  for (let i = 0; i < count; i++) devices.push(readDeviceRecord(r))
  return { identity, name, devices }
}

export function writeSettings(w: Writer, s: ConversationSettings): void {
  w.byte((s.historyVisible ? HISTORY_VISIBLE : 0) | (s.membersCanInvite ? MEMBERS_CAN_INVITE : 0))
}

export function readSettings(r: Reader): ConversationSettings {
  const flags = readFlags(r, HISTORY_VISIBLE | MEMBERS_CAN_INVITE, 'conversation settings')
  return {
    historyVisible: (flags & HISTORY_VISIBLE) !== 0,
    membersCanInvite: (flags & MEMBERS_CAN_INVITE) !== 0,
  }
}

export function encodeDeviceRecord(d: DeviceRecord): Uint8Array {
  const w = new Writer()
  writeDeviceRecord(w, d)
  return w.finish()
}

export function decodeDeviceRecord(data: Uint8Array): DeviceRecord {
  checkSize(data, 4 + MAX_CERTIFICATE_BYTES + MAX_PREKEY_BYTES, 'device record')
  return whole(data, 'device record', readDeviceRecord)
}

export function encodeMemberRecord(m: MemberRecord): Uint8Array {
  const w = new Writer()
  writeMemberRecord(w, m)
  return w.finish()
}

export function decodeMemberRecord(data: Uint8Array): MemberRecord {
  checkSize(data, MAX_MEMBER_RECORD_BYTES, 'member record')
  return whole(data, 'member record', readMemberRecord)
}

export function encodeConversationSettings(s: ConversationSettings): Uint8Array {
  const w = new Writer()
  writeSettings(w, s)
  return w.finish()
}

export function decodeConversationSettings(data: Uint8Array): ConversationSettings {
  checkSize(data, 1, 'conversation settings')
  return whole(data, 'conversation settings', readSettings)
}
