/**
 * What core keeps in storage, and how. Every key is versioned (`'v1'`) and
 * scoped by conversation id, so a conversation's data is one prefix range:
 *
 *   ['v1', 'self']                              this device's keys (identity.ts)
 *   ['v1', 'door']                              this device's personal door secret (contact links)
 *   ['v1', 'conv', cid]                         ConversationRecord
 *   ['v1', 'vv', cid]                           version vector: senderTag → contiguous seq, highest seen
 *   ['v1', 'env', cid, senderTag, seq]          every accepted envelope, as received (sync source)
 *   ['v1', 'pending', cid, senderTag, seq, h]   envelopes that cannot be processed yet (h: content hash;
 *                                               several candidates may claim one log position)
 *   ['v1', 'ctrl', cid, hash]                   verified ctrl ops (CtrlNodeRecord)
 *   ['v1', 'epoch', cid, epochId]               epoch secrets this device holds
 *   ['v1', 'chain', cid, epochId, senderTag]    receiver chain state ('self' for our sender chain)
 *   ['v1', 'msg', cid, ts, messageId]           messages, in time order (history pages)
 *   ['v1', 'msgid', cid, messageId]             → ts, to find a message by id
 *   ['v1', 'state', cid, user, 'snapshot']      Yjs snapshot of one user's state doc
 *   ['v1', 'state', cid, user, 'u', n]          updates since that snapshot (compacted every STATE_COMPACT_EVERY)
 *   ['v1', 'out', cid, seq]                     our envelopes no other member has confirmed yet
 *   ['v1', 'join', doorHex]                     joins waiting for a welcome
 *   ['v1', 'peer', cid, deviceHex]              where a member's device was last seen (KnownPeer)
 *
 * Numbers in keys are zero-padded decimal so that string order is numeric order.
 */

import { DecodeError, Reader, Writer } from '@murmur/protocol'
import type { ConversationId, ConversationKind, MessageId } from '@murmur/protocol'
import type { Key } from './storage.ts'

export const pad = (n: number, width: number): string => String(n).padStart(width, '0')
export const seqKey = (seq: number): string => pad(seq, 10)
export const tsKey = (ts: number): string => pad(ts, 15)

export const keys = {
  conv: (cid: string): Key => ['v1', 'conv', cid],
  vv: (cid: string): Key => ['v1', 'vv', cid],
  env: (cid: string, tag: string, seq: number): Key => ['v1', 'env', cid, tag, seqKey(seq)],
  envPrefix: (cid: string, tag?: string): Key =>
    tag === undefined ? ['v1', 'env', cid] : ['v1', 'env', cid, tag],
  pending: (cid: string, tag: string, seq: number, candidate: string): Key => [
    'v1',
    'pending',
    cid,
    tag,
    seqKey(seq),
    candidate,
  ],
  pendingPrefix: (cid: string): Key => ['v1', 'pending', cid],
  ctrl: (cid: string, hash: string): Key => ['v1', 'ctrl', cid, hash],
  ctrlPrefix: (cid: string): Key => ['v1', 'ctrl', cid],
  epoch: (cid: string, epochId: string): Key => ['v1', 'epoch', cid, epochId],
  epochPrefix: (cid: string): Key => ['v1', 'epoch', cid],
  chain: (cid: string, epochId: string, tag: string): Key => ['v1', 'chain', cid, epochId, tag],
  msg: (cid: string, ts: number, id: string): Key => ['v1', 'msg', cid, tsKey(ts), id],
  msgPrefix: (cid: string): Key => ['v1', 'msg', cid],
  msgId: (cid: string, id: string): Key => ['v1', 'msgid', cid, id],
  stateSnapshot: (cid: string, user: string): Key => ['v1', 'state', cid, user, 'snapshot'],
  stateUpdate: (cid: string, user: string, n: number): Key => [
    'v1',
    'state',
    cid,
    user,
    'u',
    seqKey(n),
  ],
  stateUpdates: (cid: string, user: string): Key => ['v1', 'state', cid, user, 'u'],
  statePrefix: (cid: string): Key => ['v1', 'state', cid],
  out: (cid: string, seq: number): Key => ['v1', 'out', cid, seqKey(seq)],
  outPrefix: (cid: string): Key => ['v1', 'out', cid],
  join: (doorHex: string): Key => ['v1', 'join', doorHex],
  joinPrefix: (): Key => ['v1', 'join'],
  convPrefix: (): Key => ['v1', 'conv'],
  door: (): Key => ['v1', 'door'],
  peer: (cid: string, device: string): Key => ['v1', 'peer', cid, device],
  peerPrefix: (cid: string): Key => ['v1', 'peer', cid],
}

const KINDS: ConversationKind[] = ['group', 'channel', 'dm', 'self']

export interface ConversationRecord {
  readonly conversationId: ConversationId
  readonly kind: ConversationKind
  readonly routing: Uint8Array
  readonly door: Uint8Array
  readonly joinedAt: number
  /** Set when this device was removed or left: the conversation is read-only. */
  readonly ended: 'removed' | 'left' | undefined
  /** Timestamp of the newest message this user has seen. */
  readonly lastRead: number
  /** Hash of the create op: the one root this device accepts ('' until known). */
  readonly root: string
}

export function encodeConversation(r: ConversationRecord): Uint8Array {
  return new Writer()
    .byte(1)
    .string(r.conversationId)
    .byte(KINDS.indexOf(r.kind))
    .bytes(r.routing)
    .bytes(r.door)
    .varint(r.joinedAt)
    .byte(r.ended === undefined ? 0 : r.ended === 'removed' ? 1 : 2)
    .varint(r.lastRead)
    .string(r.root)
    .finish()
}

export function decodeConversation(bytes: Uint8Array): ConversationRecord {
  const r = new Reader(bytes, 'conversation record')
  r.byte()
  const conversationId = r.string(64) as ConversationId
  const kind = KINDS[r.byte()] ?? 'group'
  const routing = r.bytes(32)
  const door = r.bytes(32)
  const joinedAt = r.varint()
  const ended = [undefined, 'removed', 'left'][r.byte()] as ConversationRecord['ended']
  const lastRead = r.varint()
  const root = r.string(64)
  return { conversationId, kind, routing, door, joinedAt, ended, lastRead, root }
}

export interface MessageRecord {
  readonly messageId: MessageId
  readonly author: string
  readonly authorDevice: string
  readonly ts: number
  readonly text: string
  readonly replyTo: string | undefined
  readonly mentions: readonly string[]
  readonly senderTag: string
  readonly seq: number
}

export function encodeMessage(m: MessageRecord): Uint8Array {
  const w = new Writer()
    .byte(1)
    .string(m.messageId)
    .string(m.author)
    .string(m.authorDevice)
    .varint(m.ts)
    .string(m.text)
    .string(m.replyTo ?? '')
    .varint(m.mentions.length)
  for (const mention of m.mentions) w.string(mention)
  return w.string(m.senderTag).varint(m.seq).finish()
}

export function decodeMessage(bytes: Uint8Array): MessageRecord {
  const r = new Reader(bytes, 'message record')
  r.byte()
  const messageId = r.string(64) as MessageId
  const author = r.string(128)
  const authorDevice = r.string(128)
  const ts = r.varint()
  const text = r.string(1 << 20)
  const replyTo = r.string(64)
  const mentions: string[] = []
  for (let i = r.varint(); i > 0; i--) mentions.push(r.string(128))
  const senderTag = r.string(64)
  const seq = r.varint()
  return {
    messageId,
    author,
    authorDevice,
    ts,
    text,
    replyTo: replyTo === '' ? undefined : replyTo,
    mentions,
    senderTag,
    seq,
  }
}

export interface EpochRecord {
  readonly epochId: string
  readonly secret: Uint8Array
  /** ctrl heads the recipients were computed at; empty for epochs received in a welcome. */
  readonly parents: readonly string[]
  /** Sealed to someone who was not a member at `parents`: never send with it. */
  readonly tainted: boolean
  readonly createdAt: number
}

export function encodeEpoch(e: EpochRecord): Uint8Array {
  const w = new Writer().byte(1).string(e.epochId).bytes(e.secret).varint(e.parents.length)
  for (const p of e.parents) w.string(p)
  return w
    .byte(e.tainted ? 1 : 0)
    .varint(e.createdAt)
    .finish()
}

export function decodeEpoch(bytes: Uint8Array): EpochRecord {
  const r = new Reader(bytes, 'epoch record')
  r.byte()
  const epochId = r.string(32)
  const secret = r.bytes(32)
  const parents: string[] = []
  for (let i = r.varint(); i > 0; i--) parents.push(r.string(64))
  const tainted = r.byte() === 1
  const createdAt = r.varint()
  return { epochId, secret, parents, tainted, createdAt }
}

export interface StoredCtrl {
  readonly hash: string
  readonly authorUser: string
  readonly authorDevice: string
  readonly ts: number
  /** The encoded CtrlPayload. */
  readonly payload: Uint8Array
}

export function encodeCtrl(c: StoredCtrl): Uint8Array {
  return new Writer()
    .byte(1)
    .string(c.hash)
    .string(c.authorUser)
    .string(c.authorDevice)
    .varint(c.ts)
    .bytes(c.payload)
    .finish()
}

export function decodeCtrl(bytes: Uint8Array): StoredCtrl {
  const r = new Reader(bytes, 'ctrl record')
  r.byte()
  return {
    hash: r.string(64),
    authorUser: r.string(128),
    authorDevice: r.string(128),
    ts: r.varint(),
    payload: r.bytes(1 << 20),
  }
}

/** senderTag hex → [contiguous seq, highest seq seen]. */
export type Vector = Map<string, { contiguous: number; highest: number }>

export function encodeVector(v: Vector): Uint8Array {
  const w = new Writer().byte(1).varint(v.size)
  for (const [tag, { contiguous, highest }] of v) w.string(tag).varint(contiguous).varint(highest)
  return w.finish()
}

export function decodeVector(bytes: Uint8Array): Vector {
  const r = new Reader(bytes, 'version vector')
  r.byte()
  const v: Vector = new Map()
  for (let i = r.varint(); i > 0; i--) {
    v.set(r.string(64), { contiguous: r.varint(), highest: r.varint() })
  }
  return v
}

/**
 * A member device's last presence in a conversation: dialled at the next
 * start, in parallel with presence, so reconnecting does not wait for one.
 */
export interface KnownPeer {
  readonly peerId: string
  readonly addrs: readonly string[]
  readonly seen: number
}

export function encodeKnownPeer(p: KnownPeer): Uint8Array {
  const w = new Writer().byte(1).string(p.peerId).varint(p.addrs.length)
  for (const addr of p.addrs) w.string(addr)
  return w.varint(p.seen).finish()
}

export function decodeKnownPeer(bytes: Uint8Array): KnownPeer {
  const r = new Reader(bytes, 'known peer')
  r.byte()
  const peerId = r.string(128)
  const addrs: string[] = []
  for (let i = r.varint(); i > 0; i--) {
    if (addrs.length >= 16) throw new DecodeError('known peer: too many addresses')
    addrs.push(r.string(1024))
  }
  return { peerId, addrs, seen: r.varint() }
}
