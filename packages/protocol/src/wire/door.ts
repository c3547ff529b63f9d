/**
 * Door traffic: how a person holding an invite asks to be admitted, and how a
 * member answers. Door messages are published on the door topic, encrypted
 * under the door key (both derive from the invite's door secret). Layouts (v1):
 *
 * DoorMessage (≤ MAX_DOOR_MESSAGE_BYTES)
 *   u8      version = 1
 *   u8      type: join = 1, welcome = 2
 *   join:    32 invite public key, 32 inviter device, 64 grant, varint expiresAt,
 *            MemberRecord (records.ts), 64 proof, varint ts
 *   welcome: 32 joining device, bytes sealed WelcomeSecrets (≤ MAX_SEALED_WELCOME_BYTES)
 *
 * WelcomeSecrets (≤ MAX_WELCOME_BYTES; sealed to the joiner's prekey)
 *   u8      version = 1
 *   string  conversation id, ≤ MAX_CONVERSATION_ID_BYTES
 *   u8      conversation kind (records.ts)
 *   string  name, ≤ MAX_NAME_BYTES
 *   32      routing secret
 *   32      door secret
 *   32      root: hash of the conversation's create op (pins the ctrl DAG's root)
 *   varint  epoch count, ≤ MAX_WELCOME_EPOCHS;  8 epoch id, 32 secret, repeated
 *   32      admittedBy (device public key)
 *   64      signature
 *
 * Signed bytes (`label 0x00 body`, as in @murmur/crypto; sign them as they are):
 *   grant    by the inviter device: "murmur/v1/invite-grant", 32 invite public key, u64 expiresAt
 *   proof    by the invite key:     "murmur/v1/join", the join encoding up to (not
 *            including) the proof, then varint ts — every other field of the join
 *   welcome  by admittedBy:         "murmur/v1/welcome", 32 recipient device, the
 *            WelcomeSecrets encoding without the signature; naming the recipient
 *            stops a welcome being re-sealed to another device
 */

import { Writer } from '../bytes.ts'
import {
  checkSize,
  labelled,
  readBytes,
  readFixed,
  readList,
  readString,
  readTag,
  readUint,
  readVersion,
  sized,
  whole,
  writeBytes,
  writeFixed,
  writeList,
  writeString,
  writeTag,
  writeU64,
  writeUint,
} from './codec.ts'
import * as L from './limits.ts'
import { CONVERSATION_KINDS, readMemberRecord, writeMemberRecord } from './records.ts'
import { EPOCH_ID_BYTES, HASH_BYTES, KEY_BYTES, SIGNATURE_BYTES } from './types.ts'
import type { DoorMessage, WelcomeSecrets } from './types.ts'

export type JoinMessage = Extract<DoorMessage, { readonly type: 'join' }>
export type WelcomeMessage = Extract<DoorMessage, { readonly type: 'welcome' }>

export const DOOR_VERSION = 1
export const WELCOME_SECRETS_VERSION = 1
export const INVITE_GRANT_LABEL = 'murmur/v1/invite-grant'
export const JOIN_PROOF_LABEL = 'murmur/v1/join'
export const WELCOME_SIGNING_LABEL = 'murmur/v1/welcome'

const DOOR_TYPES: Readonly<Record<DoorMessage['type'], number>> = { join: 1, welcome: 2 }

export function encodeDoorMessage(m: DoorMessage): Uint8Array {
  const w = new Writer().byte(DOOR_VERSION)
  writeTag(w, DOOR_TYPES, m.type, 'door message type')
  if (m.type === 'join') {
    writeJoinFields(w, m)
    writeFixed(w, m.proof, SIGNATURE_BYTES, 'join proof')
    writeUint(w, m.ts, 'join ts')
  } else {
    writeFixed(w, m.device, KEY_BYTES, 'welcome device')
    writeBytes(w, m.sealed, L.MAX_SEALED_WELCOME_BYTES, 'sealed welcome')
  }
  return sized(w, L.MAX_DOOR_MESSAGE_BYTES, 'door message')
}

export function decodeDoorMessage(data: Uint8Array): DoorMessage {
  checkSize(data, L.MAX_DOOR_MESSAGE_BYTES, 'door message')
  return whole(data, 'door message', (r): DoorMessage => {
    readVersion(r, 'door message', DOOR_VERSION)
    const type = readTag(r, DOOR_TYPES, 'door message type')
    if (type === 'welcome') {
      const device = readFixed(r, KEY_BYTES)
      return { type, device, sealed: readBytes(r, L.MAX_SEALED_WELCOME_BYTES, 'sealed welcome') }
    }
    const invitePublic = readFixed(r, KEY_BYTES)
    const inviterDevice = readFixed(r, KEY_BYTES)
    const grant = readFixed(r, SIGNATURE_BYTES)
    const expiresAt = readUint(r, 'invite expiry')
    const member = readMemberRecord(r)
    const proof = readFixed(r, SIGNATURE_BYTES)
    const ts = readUint(r, 'join ts')
    return { type, invitePublic, inviterDevice, grant, expiresAt, member, proof, ts }
  })
}

/** The bytes the inviter device signs to grant an invite key until `expiresAt`. */
export function inviteGrantBytes(invitePublic: Uint8Array, expiresAt: number): Uint8Array {
  const w = new Writer()
  writeFixed(w, invitePublic, KEY_BYTES, 'invite public key')
  writeU64(w, expiresAt, 'invite expiry')
  return labelled(INVITE_GRANT_LABEL, w.finish())
}

/** The bytes the invite key signs to prove the joiner holds the link. */
export function joinProofBytes(join: Omit<JoinMessage, 'proof'>): Uint8Array {
  const w = new Writer()
  writeJoinFields(w, join)
  writeUint(w, join.ts, 'join ts')
  return labelled(JOIN_PROOF_LABEL, w.finish())
}

function writeJoinFields(w: Writer, m: Omit<JoinMessage, 'proof' | 'ts'>): void {
  writeFixed(w, m.invitePublic, KEY_BYTES, 'invite public key')
  writeFixed(w, m.inviterDevice, KEY_BYTES, 'inviter device')
  writeFixed(w, m.grant, SIGNATURE_BYTES, 'invite grant')
  writeUint(w, m.expiresAt, 'invite expiry')
  writeMemberRecord(w, m.member)
}

export function encodeWelcomeSecrets(s: WelcomeSecrets): Uint8Array {
  const w = writeUnsignedWelcome(s)
  writeFixed(w, s.signature, SIGNATURE_BYTES, 'welcome signature')
  return sized(w, L.MAX_WELCOME_BYTES, 'welcome secrets')
}

export function decodeWelcomeSecrets(data: Uint8Array): WelcomeSecrets {
  checkSize(data, L.MAX_WELCOME_BYTES, 'welcome secrets')
  return whole(data, 'welcome secrets', (r) => {
    readVersion(r, 'welcome secrets', WELCOME_SECRETS_VERSION)
    const conversationId = readString(r, L.MAX_CONVERSATION_ID_BYTES, 'conversation id')
    const conversationKind = readTag(r, CONVERSATION_KINDS, 'conversation kind')
    const name = readString(r, L.MAX_NAME_BYTES, 'conversation name')
    const routing = readFixed(r, KEY_BYTES)
    const door = readFixed(r, KEY_BYTES)
    const root = readFixed(r, HASH_BYTES)
    const epochs = readList(r, L.MAX_WELCOME_EPOCHS, 'epochs', () => {
      const epochId = readFixed(r, EPOCH_ID_BYTES)
      return { epochId, secret: readFixed(r, KEY_BYTES) }
    })
    const admittedBy = readFixed(r, KEY_BYTES)
    const signature = readFixed(r, SIGNATURE_BYTES)
    return {
      conversationId,
      conversationKind,
      name,
      routing,
      door,
      root,
      epochs,
      admittedBy,
      signature,
    }
  })
}

/** The bytes `admittedBy` signs for a welcome addressed to `recipientDevice`. */
export function welcomeSigningBytes(
  s: Omit<WelcomeSecrets, 'signature'>,
  recipientDevice: Uint8Array,
): Uint8Array {
  const w = new Writer()
  writeFixed(w, recipientDevice, KEY_BYTES, 'recipient device')
  w.raw(writeUnsignedWelcome(s).finish())
  return labelled(WELCOME_SIGNING_LABEL, w.finish())
}

function writeUnsignedWelcome(s: Omit<WelcomeSecrets, 'signature'>): Writer {
  const w = new Writer().byte(WELCOME_SECRETS_VERSION)
  writeString(w, s.conversationId, L.MAX_CONVERSATION_ID_BYTES, 'conversation id')
  writeTag(w, CONVERSATION_KINDS, s.conversationKind, 'conversation kind')
  writeString(w, s.name, L.MAX_NAME_BYTES, 'conversation name')
  writeFixed(w, s.routing, KEY_BYTES, 'routing secret')
  writeFixed(w, s.door, KEY_BYTES, 'door secret')
  writeFixed(w, s.root, HASH_BYTES, 'root')
  writeList(w, s.epochs, L.MAX_WELCOME_EPOCHS, 'epochs', (e) => {
    writeFixed(w, e.epochId, EPOCH_ID_BYTES, 'epoch id')
    writeFixed(w, e.secret, KEY_BYTES, 'epoch secret')
  })
  writeFixed(w, s.admittedBy, KEY_BYTES, 'admittedBy')
  return w
}
