/**
 * Envelope payloads: the `payload` bytes of `ctrl`, `msg` and `key`
 * envelopes (`state` payloads are raw Yjs updates). Each opens with a version
 * byte. MemberRecord, ConversationSettings and the role and kind tags are laid
 * out in records.ts. Layouts (v1):
 *
 * CtrlPayload (≤ MAX_PAYLOAD_BYTES)
 *   u8      version = 1
 *   varint  parent count, ≤ MAX_PARENTS;  32 hash, repeated
 *   CtrlOp
 *
 * CtrlOp: u8 type, then
 *   1 create    u8 conversation kind, string name (≤ MAX_NAME_BYTES), MemberRecord owner,
 *               ConversationSettings, 16 nonce
 *   2 add       MemberRecord, u8 role
 *   3 remove    32 user identity
 *   4 setRole   32 user identity, u8 role
 *   5 leave     (nothing)
 *   6 settings  ConversationSettings
 *
 * MsgPayload (≤ MAX_PAYLOAD_BYTES)
 *   u8      version = 1
 *   string  text, ≤ MAX_TEXT_BYTES
 *   u8      flags: 0x01 replyTo present, 0x02 mentions present; other bits 0
 *   string  replyTo, ≤ MAX_MESSAGE_ID_BYTES          (if 0x01)
 *   varint  count ≤ MAX_MENTIONS; 32 identity, repeated   (if 0x02)
 *
 * KeyPayload (≤ MAX_PAYLOAD_BYTES)
 *   u8      version = 1
 *   8       epoch id
 *   varint  parent count, ≤ MAX_PARENTS;  32 hash, repeated
 *   varint  seal count, ≤ MAX_SEALS;  32 device, bytes sealed (≤ MAX_SEALED_KEY_BYTES), repeated
 *
 */

import { Writer } from '../bytes.ts'
import type { Reader } from '../bytes.ts'
import {
  checkSize,
  readBytes,
  readFixed,
  readFlags,
  readList,
  readString,
  readTag,
  readVersion,
  sized,
  whole,
  writeBytes,
  writeFixed,
  writeList,
  writeString,
  writeTag,
} from './codec.ts'
import * as L from './limits.ts'
import {
  CONVERSATION_KINDS,
  ROLES,
  readMemberRecord,
  readSettings,
  writeMemberRecord,
  writeSettings,
} from './records.ts'
import { EPOCH_ID_BYTES, HASH_BYTES, KEY_BYTES } from './types.ts'
import type { CtrlOp, CtrlPayload, KeyPayload, MsgPayload } from './types.ts'

export const PAYLOAD_VERSION = 1

const CTRL_OPS: Readonly<Record<CtrlOp['type'], number>> = {
  create: 1,
  add: 2,
  remove: 3,
  setRole: 4,
  leave: 5,
  settings: 6,
}
const HAS_REPLY_TO = 0x01
const HAS_MENTIONS = 0x02

// ---- ctrl -----------------------------------------------------------------

export function encodeCtrlPayload(p: CtrlPayload): Uint8Array {
  const w = new Writer().byte(PAYLOAD_VERSION)
  writeList(w, p.parents, L.MAX_PARENTS, 'parents', (h) => writeFixed(w, h, HASH_BYTES, 'parent'))
  writeCtrlOp(w, p.op)
  return sized(w, L.MAX_PAYLOAD_BYTES, 'ctrl payload')
}

export function decodeCtrlPayload(data: Uint8Array): CtrlPayload {
  checkSize(data, L.MAX_PAYLOAD_BYTES, 'ctrl payload')
  return whole(data, 'ctrl payload', (r) => {
    readVersion(r, 'ctrl payload', PAYLOAD_VERSION)
    const parents = readList(r, L.MAX_PARENTS, 'parents', () => readFixed(r, HASH_BYTES))
    return { parents, op: readCtrlOp(r) }
  })
}

export function encodeCtrlOp(op: CtrlOp): Uint8Array {
  const w = new Writer()
  writeCtrlOp(w, op)
  return sized(w, L.MAX_PAYLOAD_BYTES, 'ctrl op')
}

export function decodeCtrlOp(data: Uint8Array): CtrlOp {
  checkSize(data, L.MAX_PAYLOAD_BYTES, 'ctrl op')
  return whole(data, 'ctrl op', readCtrlOp)
}

function writeCtrlOp(w: Writer, op: CtrlOp): void {
  writeTag(w, CTRL_OPS, op.type, 'ctrl op')
  switch (op.type) {
    case 'create':
      writeTag(w, CONVERSATION_KINDS, op.conversationKind, 'conversation kind')
      writeString(w, op.name, L.MAX_NAME_BYTES, 'conversation name')
      writeMemberRecord(w, op.owner)
      writeSettings(w, op.settings)
      writeFixed(w, op.nonce, L.CREATE_NONCE_BYTES, 'create nonce')
      return
    case 'add':
      writeMemberRecord(w, op.member)
      writeTag(w, ROLES, op.role, 'role')
      return
    case 'remove':
      writeFixed(w, op.user, KEY_BYTES, 'user identity')
      return
    case 'setRole':
      writeFixed(w, op.user, KEY_BYTES, 'user identity')
      writeTag(w, ROLES, op.role, 'role')
      return
    case 'leave':
      return
    case 'settings':
      writeSettings(w, op.settings)
      return
  }
}

function readCtrlOp(r: Reader): CtrlOp {
  const type = readTag(r, CTRL_OPS, 'ctrl op')
  switch (type) {
    case 'create': {
      const conversationKind = readTag(r, CONVERSATION_KINDS, 'conversation kind')
      const name = readString(r, L.MAX_NAME_BYTES, 'conversation name')
      const owner = readMemberRecord(r)
      const settings = readSettings(r)
      const nonce = readFixed(r, L.CREATE_NONCE_BYTES)
      return { type, conversationKind, name, owner, settings, nonce }
    }
    case 'add': {
      const member = readMemberRecord(r)
      return { type, member, role: readTag(r, ROLES, 'role') }
    }
    case 'remove':
      return { type, user: readFixed(r, KEY_BYTES) }
    case 'setRole': {
      const user = readFixed(r, KEY_BYTES)
      return { type, user, role: readTag(r, ROLES, 'role') }
    }
    case 'leave':
      return { type }
    case 'settings':
      return { type, settings: readSettings(r) }
  }
}

// ---- msg ------------------------------------------------------------------

export function encodeMsgPayload(p: MsgPayload): Uint8Array {
  const w = new Writer().byte(PAYLOAD_VERSION)
  writeString(w, p.text, L.MAX_TEXT_BYTES, 'message text')
  w.byte((p.replyTo !== undefined ? HAS_REPLY_TO : 0) | (p.mentions ? HAS_MENTIONS : 0))
  if (p.replyTo !== undefined) writeString(w, p.replyTo, L.MAX_MESSAGE_ID_BYTES, 'replyTo')
  if (p.mentions) {
    const mentions = p.mentions
    writeList(w, mentions, L.MAX_MENTIONS, 'mentions', (m) =>
      writeFixed(w, m, KEY_BYTES, 'mention'),
    )
  }
  return sized(w, L.MAX_PAYLOAD_BYTES, 'msg payload')
}

export function decodeMsgPayload(data: Uint8Array): MsgPayload {
  checkSize(data, L.MAX_PAYLOAD_BYTES, 'msg payload')
  return whole(data, 'msg payload', (r) => {
    readVersion(r, 'msg payload', PAYLOAD_VERSION)
    const text = readString(r, L.MAX_TEXT_BYTES, 'message text')
    const flags = readFlags(r, HAS_REPLY_TO | HAS_MENTIONS, 'msg payload')
    const out: { text: string; replyTo?: string; mentions?: Uint8Array[] } = { text }
    if (flags & HAS_REPLY_TO) out.replyTo = readString(r, L.MAX_MESSAGE_ID_BYTES, 'replyTo')
    if (flags & HAS_MENTIONS) {
      out.mentions = readList(r, L.MAX_MENTIONS, 'mentions', () => readFixed(r, KEY_BYTES))
    }
    return out
  })
}

// ---- key ------------------------------------------------------------------

export function encodeKeyPayload(p: KeyPayload): Uint8Array {
  const w = new Writer().byte(PAYLOAD_VERSION)
  writeFixed(w, p.epochId, EPOCH_ID_BYTES, 'epoch id')
  writeList(w, p.parents, L.MAX_PARENTS, 'parents', (h) => writeFixed(w, h, HASH_BYTES, 'parent'))
  writeList(w, p.seals, L.MAX_SEALS, 'seals', (s) => {
    writeFixed(w, s.device, KEY_BYTES, 'seal device')
    writeBytes(w, s.sealed, L.MAX_SEALED_KEY_BYTES, 'sealed epoch secret')
  })
  return sized(w, L.MAX_PAYLOAD_BYTES, 'key payload')
}

export function decodeKeyPayload(data: Uint8Array): KeyPayload {
  checkSize(data, L.MAX_PAYLOAD_BYTES, 'key payload')
  return whole(data, 'key payload', (r) => {
    readVersion(r, 'key payload', PAYLOAD_VERSION)
    const epochId = readFixed(r, EPOCH_ID_BYTES)
    const parents = readList(r, L.MAX_PARENTS, 'parents', () => readFixed(r, HASH_BYTES))
    const seals = readList(r, L.MAX_SEALS, 'seals', () => {
      const device = readFixed(r, KEY_BYTES)
      return { device, sealed: readBytes(r, L.MAX_SEALED_KEY_BYTES, 'sealed epoch secret') }
    })
    return { epochId, parents, seals }
  })
}
