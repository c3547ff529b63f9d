/**
 * One conversation as this device holds it: the per-device envelope logs, the
 * ctrl DAG and the membership computed from it, the epochs whose secrets we
 * hold, the per-author Yjs state, and the message index.
 *
 * Every envelope — from gossip, from sync, or written here — goes through one
 * serial queue, so storage and memory change together, one envelope at a time.
 * An envelope that cannot be processed yet (its epoch key or its author's
 * admission has not arrived) waits in `pending` and is retried whenever the
 * membership or the set of epochs changes.
 *
 * This class holds the parts together and answers for them; each part lives
 * in its own module: commit-queue.ts (the serial queue, group commit),
 * ingest.ts (the receive path), own-log.ts (writing our own envelopes),
 * envelope-logs.ts (version vector, pending), roster.ts (membership),
 * epochs.ts (epoch secrets and chains), messages.ts (message index, unread),
 * state-log.ts (stored Yjs state) and outbox.ts (delivery).
 */

import { fromHex, randomBytes, toHex } from '@murmur/crypto'
import { encodeCtrlPayload, encodeMsgPayload } from '@murmur/protocol'
import type { ConversationSettings, CtrlOp, MsgPayload, Role } from '@murmur/protocol'
import { CommitQueue } from './commit-queue.ts'
import { deviceSenderTag, routingKeys } from './derive.ts'
import type { RoutingKeys } from './derive.ts'
import { EnvelopeLogs } from './envelope-logs.ts'
import { Epochs } from './epochs.ts'
import { NotAllowedError, NotMemberError } from './errors.ts'
import { memberRecord } from './identity.ts'
import type { LocalIdentity } from './identity.ts'
import { Ingest } from './ingest.ts'
import type { IngestResult } from './ingest.ts'
import type { Logger } from './logger.ts'
import { canPost } from './membership.ts'
import type { MembershipState } from './membership.ts'
import { Inbox } from './messages.ts'
import { Outbox } from './outbox.ts'
import { OwnLog } from './own-log.ts'
import { encodeConversation, keys } from './records.ts'
import type { ConversationRecord, MessageRecord, Vector } from './records.ts'
import { isAdminRole, Roster } from './roster.ts'
import { createSharedState } from './shared-state.ts'
import type { SharedState } from './shared-state.ts'
import { StateLog } from './state-log.ts'
import type { BatchOp, StorageAdapter } from './storage.ts'

export type { IngestResult } from './ingest.ts'
export { messageId, UNREAD_CAP } from './messages.ts'
export { ctrlHash, isAdminRole } from './roster.ts'
export { STATE_COMPACT_EVERY } from './state-log.ts'

export interface ConversationHost {
  readonly storage: StorageAdapter
  readonly self: LocalIdentity
  readonly log: Logger
  readonly now: () => number
  /** Publishes on the conversation topic; failures leave the envelope in the outbox. */
  publish(conversation: Conversation, data: Uint8Array): Promise<void>
  /** Something changed that the messenger reports as an event. */
  notify(conversation: Conversation, change: ConversationChange): void
}

export type ConversationChange =
  | { readonly type: 'message'; readonly message: MessageRecord }
  | {
      readonly type: 'member'
      readonly user: string
      readonly change: 'added' | 'removed' | 'role'
      readonly role?: Role
    }
  | { readonly type: 'removed' }
  | {
      readonly type: 'state'
      readonly kind: string
      readonly messageId?: string
      readonly user: string
    }
  | { readonly type: 'delivered'; readonly upToSeq: number }

const hex = toHex

export class Conversation {
  record: ConversationRecord
  readonly keys: RoutingKeys
  readonly myTag: Uint8Array
  readonly myTagHex: string
  readonly shared: SharedState
  readonly #host: ConversationHost
  readonly #queue: CommitQueue
  readonly #roster: Roster
  readonly #epochs: Epochs
  readonly #logs: EnvelopeLogs
  readonly #inbox: Inbox
  readonly #stateLog: StateLog
  readonly #outbox: Outbox
  readonly #incoming: Ingest
  readonly #own: OwnLog

  private constructor(host: ConversationHost, record: ConversationRecord, vector: Vector) {
    const { storage, log } = host
    const cid = record.conversationId
    this.#host = host
    this.record = record
    this.keys = routingKeys(record.routing)
    this.myTag = deviceSenderTag(record.routing, host.self.device.publicKey)
    this.myTagHex = hex(this.myTag)
    this.shared = createSharedState()
    this.#outbox = new Outbox({
      cid,
      storage,
      log,
      send: (data) => host.publish(this, data),
      onDelivered: (upToSeq) => host.notify(this, { type: 'delivered', upToSeq }),
    })
    this.#queue = new CommitQueue(storage, log, (envelope) => this.#outbox.publish(envelope))
    this.#roster = new Roster({
      cid,
      root: () => this.record.root,
      log,
      onChange: (before, after) => this.#membershipChanged(before, after),
    })
    this.#epochs = new Epochs({
      cid,
      routing: record.routing,
      keys: this.keys,
      myTag: this.myTag,
      self: host.self,
      storage,
      read: (key) => this.#queue.read(key),
      roster: this.#roster,
      now: host.now,
      log,
    })
    this.#logs = new EnvelopeLogs({ cid, storage, log, io: this.#queue }, vector)
    this.#inbox = new Inbox({
      storage,
      cid,
      me: host.self.userId,
      lastRead: () => this.record.lastRead,
    })
    this.#stateLog = new StateLog({
      cid,
      storage,
      shared: this.shared,
      flushStaged: () => this.#queue.flushStaged(),
    })
    this.#own = new OwnLog({
      cid,
      self: host.self,
      now: host.now,
      keys: this.keys,
      myTag: this.myTag,
      myTagHex: this.myTagHex,
      queue: this.#queue,
      logs: this.#logs,
      epochs: this.#epochs,
      roster: this.#roster,
      stateLog: this.#stateLog,
      inbox: this.#inbox,
      wroteMessage: (ts, ops) => this.#wroteMessage(ts, ops),
    })
    this.#incoming = new Ingest({
      cid,
      log,
      queue: this.#queue,
      logs: this.#logs,
      epochs: this.#epochs,
      roster: this.#roster,
      shared: this.shared,
      stateLog: this.#stateLog,
      inbox: this.#inbox,
      onMessage: (message) => host.notify(this, { type: 'message', message }),
    })
    this.shared.onChange((change) =>
      host.notify(this, {
        type: 'state',
        kind: change.kind,
        user: change.user,
        ...(change.messageId === undefined ? {} : { messageId: change.messageId }),
      }),
    )
  }

  get id(): string {
    return this.record.conversationId
  }

  // ---------------------------------------------------------------- lifecycle

  /** Makes a new conversation with this device's user as owner. */
  static async create(
    host: ConversationHost,
    init: { kind: ConversationRecord['kind']; name: string; settings: ConversationSettings },
  ): Promise<Conversation> {
    const routing = randomBytes(32)
    const keysOf = routingKeys(routing)
    const record: ConversationRecord = {
      conversationId: keysOf.conversationId,
      kind: init.kind,
      routing,
      door: randomBytes(32),
      joinedAt: host.now(),
      ended: undefined,
      lastRead: 0,
      root: '',
    }
    const conv = new Conversation(host, record, new Map())
    const root = await conv.writeCtrl({
      type: 'create',
      conversationKind: init.kind,
      name: init.name,
      owner: memberRecord(host.self),
      settings: init.settings,
      nonce: randomBytes(16),
    })
    conv.record = { ...conv.record, root }
    await host.storage.put(keys.conv(record.conversationId), encodeConversation(conv.record))
    return conv
  }

  /** Joins from the secrets of a welcome: routing, door and epoch secrets; the rest comes by sync. */
  static async fromWelcome(
    host: ConversationHost,
    init: {
      kind: ConversationRecord['kind']
      routing: Uint8Array
      door: Uint8Array
      root: Uint8Array
      epochs: readonly { epochId: Uint8Array; secret: Uint8Array }[]
    },
  ): Promise<Conversation> {
    const keysOf = routingKeys(init.routing)
    const record: ConversationRecord = {
      conversationId: keysOf.conversationId,
      kind: init.kind,
      routing: init.routing,
      door: init.door,
      joinedAt: host.now(),
      ended: undefined,
      lastRead: 0,
      root: hex(init.root),
    }
    const ops: BatchOp[] = [
      { type: 'put', key: keys.conv(record.conversationId), value: encodeConversation(record) },
    ]
    const conv = new Conversation(host, record, new Map())
    ops.push(...conv.#epochs.welcome(init.epochs))
    await host.storage.batch(ops)
    return conv
  }

  static async load(host: ConversationHost, record: ConversationRecord): Promise<Conversation> {
    const { storage } = host
    const vector = await EnvelopeLogs.loadVector(storage, record.conversationId)
    const conv = new Conversation(host, record, vector)
    await conv.#epochs.load()
    await conv.#roster.load(storage)
    await conv.#stateLog.load()
    await conv.#logs.loadPending()
    await conv.#inbox.countUnread()
    await conv.#inbox.loadLast()
    await conv.#outbox.load(conv.#logs.contiguous(conv.myTagHex))
    return conv
  }

  // ------------------------------------------------------------------ queries

  get membership(): MembershipState {
    return this.#roster.membership
  }

  get isMember(): boolean {
    return this.membership.members.has(this.#host.self.userId) && this.record.ended === undefined
  }

  /** Whether a valid op ever removed `user` (they are not let back in by an old invite). */
  wasRemoved(user: string): boolean {
    return this.#roster.wasRemoved(user)
  }

  roleOf(user: string): Role | undefined {
    return this.membership.members.get(user)?.role
  }

  get topic(): string {
    return this.shared.topic((user) => isAdminRole(this.roleOf(user))) ?? ''
  }

  get name(): string {
    return this.shared.name((user) => isAdminRole(this.roleOf(user))) ?? this.membership.name ?? ''
  }

  /** senderTag hex → highest contiguous seq held. */
  syncVector(): Map<string, number> {
    return this.#logs.syncVector()
  }

  /** Envelopes that someone holding `theirs` lacks, per sender in seq order. */
  envelopesMissingFrom(theirs: ReadonlyMap<string, number>): AsyncGenerator<Uint8Array> {
    return this.#logs.envelopesMissingFrom(theirs)
  }

  /** Envelopes we know exist (from their seq) but do not hold, plus those waiting on keys. */
  get missing(): number {
    return this.#logs.missing
  }

  /** The newest message, for list previews. */
  get lastMessage(): MessageRecord | undefined {
    return this.#inbox.lastMessage
  }

  get unread(): number {
    return this.#inbox.unread
  }

  // ------------------------------------------------------------------ writing

  /** Sends a text message; returns its id. */
  async sendMessage(payload: MsgPayload): Promise<MessageRecord> {
    this.#assertCanWrite()
    if (!canPost(this.membership, this.#host.self.userId)) {
      throw new NotAllowedError('only admins can post in this channel')
    }
    return this.#queue.grouped(async () => {
      const { record } = await this.#own.append('msg', encodeMsgPayload(payload), 'epoch')
      if (record === undefined) throw new Error('message record missing')
      return record
    })
  }

  /** Writes a Yjs update made by the local device into the shared state. */
  async writeState(update: Uint8Array): Promise<void> {
    this.#assertCanWrite()
    await this.#queue.serial(() => this.#own.append('state', update, 'epoch'))
  }

  /** Appends a membership op, then rotates the epoch if the op shrank the group. */
  async writeCtrl(op: CtrlOp): Promise<string> {
    return this.#queue.serial(async () => {
      const payload = encodeCtrlPayload({ parents: this.membership.heads.map(fromHex), op })
      const { ctrlHash } = await this.#own.append('ctrl', payload, 'base')
      if (ctrlHash === undefined) throw new Error('ctrl hash missing')
      if (
        op.type === 'remove' ||
        op.type === 'leave' ||
        (op.type === 'add' && !(this.membership.settings?.historyVisible ?? true))
      ) {
        if (op.type !== 'leave') await this.#own.rotate()
      }
      return ctrlHash
    })
  }

  /** Every epoch secret we hold (for a welcome), newest last. */
  epochSecrets(): { epochId: Uint8Array; secret: Uint8Array }[] {
    return this.#epochs.secrets()
  }

  /** Makes sure there is an epoch we may send with, rotating if needed. */
  async ensureEpoch(): Promise<void> {
    await this.#queue.serial(async () => {
      if (this.#epochs.sendable() === undefined) await this.#own.rotate()
    })
  }

  /** Marks everything up to `ts` as read. */
  async markRead(ts: number): Promise<void> {
    if (ts <= this.record.lastRead) return
    this.record = { ...this.record, lastRead: ts }
    await this.#host.storage.put(keys.conv(this.id), encodeConversation(this.record))
    await this.#inbox.countUnread()
  }

  async end(reason: 'removed' | 'left'): Promise<void> {
    this.record = { ...this.record, ended: reason }
    await this.#host.storage.put(keys.conv(this.id), encodeConversation(this.record))
  }

  // ------------------------------------------------------------------ reading

  /** Takes an envelope from the network (gossip or sync). */
  ingest(bytes: Uint8Array): Promise<IngestResult> {
    return this.#incoming.ingest(bytes)
  }

  /**
   * Takes several envelopes (a sync frame) in one go: each is judged as if it
   * came alone, in order. An envelope that throws counts as rejected and
   * does not stop the others.
   */
  ingestFrame(envelopes: readonly Uint8Array[]): Promise<IngestResult[]> {
    return this.#incoming.ingestFrame(envelopes)
  }

  /** Reports what a membership change changed, once it is stored. */
  #membershipChanged(before: MembershipState, after: MembershipState): void {
    for (const [user, member] of after.members) {
      const old = before.members.get(user)
      if (old === undefined)
        this.#host.notify(this, { type: 'member', user, change: 'added', role: member.role })
      else if (old.role !== member.role)
        this.#host.notify(this, { type: 'member', user, change: 'role', role: member.role })
    }
    for (const user of before.members.keys()) {
      if (!after.members.has(user))
        this.#host.notify(this, { type: 'member', user, change: 'removed' })
    }
    const me = this.#host.self.userId
    if (before.members.has(me) && !after.members.has(me) && this.record.ended === undefined) {
      this.end('removed').then(
        () => this.#host.notify(this, { type: 'removed' }),
        (err: unknown) => this.#host.log('could not record the removal - %s', String(err)),
      )
    }
  }

  // ------------------------------------------------------------ own envelopes

  #assertCanWrite(): void {
    if (this.record.ended !== undefined || !this.membership.members.has(this.#host.self.userId)) {
      throw new NotMemberError(
        this.record.ended === 'left'
          ? 'you left this conversation'
          : 'you are not a member of this conversation any more',
      )
    }
  }

  /**
   * Writing in a conversation reads it, as in every messenger: what came
   * before our message is no longer unread.
   */
  #wroteMessage(ts: number, ops: BatchOp[]): void {
    if (ts > this.record.lastRead) {
      this.record = { ...this.record, lastRead: ts }
      ops.push({ type: 'put', key: keys.conv(this.id), value: encodeConversation(this.record) })
      this.#queue.whenStored(() => this.#inbox.clearUnread())
    }
  }

  /** What became of one of our messages: pending (not out yet), sent, or delivered to a member. */
  deliveryOf(seq: number): 'pending' | 'sent' | 'delivered' {
    return this.#outbox.deliveryOf(seq)
  }

  /** Publishes again what no member has confirmed (a message seen by nobody yet). */
  async republishOutbox(): Promise<void> {
    await this.#outbox.republish()
  }

  /** Our envelopes not yet confirmed by anyone. */
  outbox(): AsyncGenerator<{ seq: number; envelope: Uint8Array }> {
    return this.#outbox.entries()
  }

  /** Drops outbox entries a member has confirmed holding. */
  async confirmDelivered(upToSeq: number): Promise<void> {
    await this.#outbox.confirmDelivered(upToSeq)
  }
}
