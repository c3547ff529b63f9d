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
 */

import {
  constantTimeEqual,
  decodeDeviceCertificate,
  decodeSignedPrekey,
  decrypt,
  fromHex,
  labelledHash,
  Labels,
  newEpochSecret,
  open as openSealed,
  randomBytes,
  receiverChain,
  restoreReceiverChain,
  restoreSenderChain,
  seal,
  senderChain,
  toBase64url,
  toHex,
  verifyDeviceCertificate,
  verifyPrekey,
  verifyWithLabel,
} from '@murmur/crypto'
import type { ReceiverChain, SenderChain } from '@murmur/crypto'
import {
  decodeCtrlPayload,
  decodeKeyPayload,
  decodeMsgPayload,
  encodeCtrlPayload,
  encodeKeyPayload,
  encodeMsgPayload,
  decodeBody,
  encodeBody,
  encodeTopicMessage,
  MAX_ENVELOPE_BYTES,
  Reader,
  splitEnvelope,
  Writer,
} from '@murmur/protocol'
import type {
  ConversationSettings,
  CtrlOp,
  EnvelopeKind,
  MemberRecord,
  MessageId,
  MsgPayload,
  Role,
} from '@murmur/protocol'
import { BASE_EPOCH, deviceSenderTag, isBaseEpoch, routingKeys } from './derive.ts'
import type { RoutingKeys } from './derive.ts'
import { openEnvelope, sealEnvelope } from './envelope.ts'
import type { OpenedEnvelope } from './envelope.ts'
import { NotAllowedError, NotMemberError } from './errors.ts'
import { memberRecord } from './identity.ts'
import type { LocalIdentity } from './identity.ts'
import type { Logger } from './logger.ts'
import { canPost, evaluateMembership, memberDevices, stateAt } from './membership.ts'
import type { CtrlNode, MembershipState } from './membership.ts'
import {
  decodeCtrl,
  decodeEpoch,
  decodeMessage,
  decodeVector,
  encodeConversation,
  encodeCtrl,
  encodeEpoch,
  encodeMessage,
  encodeVector,
  keys,
} from './records.ts'
import type {
  ConversationRecord,
  EpochRecord,
  MessageRecord,
  StoredCtrl,
  Vector,
} from './records.ts'
import { createSharedState } from './shared-state.ts'
import type { SharedState } from './shared-state.ts'
import type { BatchOp, Key, StorageAdapter } from './storage.ts'
import { StagedWrites } from './staged-writes.ts'

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

export type IngestResult = 'accepted' | 'duplicate' | 'pending' | 'rejected'

const hex = toHex
/** Unread counts stop here (a UI shows "999+"): counting further would cost a scan. */
export const UNREAD_CAP = 999
/** State updates kept beside a snapshot before they are folded into it. */
export const STATE_COMPACT_EVERY = 256

export class Conversation {
  record: ConversationRecord
  readonly keys: RoutingKeys
  readonly myTag: Uint8Array
  readonly myTagHex: string
  readonly shared: SharedState
  membership: MembershipState
  readonly #host: ConversationHost
  readonly #vector: Vector
  readonly #ctrl = new Map<string, StoredCtrl & { node: CtrlNode | undefined }>()
  /**
   * device hex → users whose certificates name it, from any ctrl op seen.
   * Only candidates: who really holds a device is decided by the membership
   * (a forged certificate can name anyone's device).
   */
  readonly #deviceCandidates = new Map<string, string[]>()
  /** epoch id → membership at that epoch's parents, for the current membership. */
  #epochStates = new Map<string, MembershipState>()
  readonly #epochs = new Map<string, EpochRecord>()
  readonly #receivers = new Map<string, ReceiverChain>()
  #sender: { epochId: string; chain: SenderChain } | undefined
  readonly #pending = new Map<string, Parked>()
  #queue: Promise<unknown> = Promise.resolve()
  /** Work waiting for the next group run (see #grouped). */
  readonly #group: {
    readonly task: () => Promise<unknown>
    readonly settle: { resolve(value: unknown): void; reject(error: unknown): void }
  }[] = []
  /** Set during a group run: its staged writes, and the envelopes it will publish. */
  #staged: StagedWrites | undefined
  #outgoing: Uint8Array[] = []
  /** Messages from others newer than the read marker, counted up to UNREAD_CAP. */
  #unread = 0
  /** The newest message, for list previews. */
  lastMessage: MessageRecord | undefined
  /** Our highest seq a member has confirmed holding (from its sync vector). */
  #delivered = 0
  /** Our seqs whose publish failed (no network): shown as pending until delivered. */
  readonly #unpublished = new Set<number>()
  /** user → number of state updates stored since that user's snapshot. */
  readonly #stateLog = new Map<string, number>()

  private constructor(host: ConversationHost, record: ConversationRecord, vector: Vector) {
    this.#host = host
    this.record = record
    this.keys = routingKeys(record.routing)
    this.myTag = deviceSenderTag(record.routing, host.self.device.publicKey)
    this.myTagHex = hex(this.myTag)
    this.#vector = vector
    this.shared = createSharedState()
    this.membership = evaluateMembership([])
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
    for (const { epochId, secret } of init.epochs) {
      const epoch: EpochRecord = {
        epochId: hex(epochId),
        secret,
        parents: [],
        tainted: false,
        createdAt: host.now(),
      }
      conv.#epochs.set(epoch.epochId, epoch)
      ops.push({
        type: 'put',
        key: keys.epoch(record.conversationId, epoch.epochId),
        value: encodeEpoch(epoch),
      })
    }
    await host.storage.batch(ops)
    return conv
  }

  static async load(host: ConversationHost, record: ConversationRecord): Promise<Conversation> {
    const { storage } = host
    const cid = record.conversationId
    const vv = await storage.get(keys.vv(cid))
    const conv = new Conversation(host, record, vv === undefined ? new Map() : decodeVector(vv))
    for await (const [, value] of storage.range(keys.epochPrefix(cid))) {
      const epoch = decodeEpoch(value)
      conv.#epochs.set(epoch.epochId, epoch)
    }
    for await (const [, value] of storage.range(keys.ctrlPrefix(cid))) {
      const stored = decodeCtrl(value)
      conv.#indexCtrl(stored)
    }
    conv.#evaluate()
    // Per user: the snapshot sorts before its updates ('snapshot' < 'u').
    for await (const [key, value] of storage.range(keys.statePrefix(cid))) {
      const user = key[3]
      if (user === undefined) continue
      conv.shared.load(user, value)
      if (key[4] === 'u') conv.#stateLog.set(user, Number(key[5]))
    }
    for await (const [key, value] of storage.range(keys.pendingPrefix(cid))) {
      const parked = decodeParked(value)
      if (parked !== undefined) conv.#pending.set(key.slice(3).join('/'), parked)
    }
    await conv.#countUnread()
    for await (const [, value] of storage.range(keys.msgPrefix(cid), { reverse: true, limit: 1 })) {
      conv.lastMessage = decodeMessage(value)
    }
    // Everything below the oldest unconfirmed envelope was delivered.
    let oldestOut: number | undefined
    for await (const [key] of storage.range(keys.outPrefix(cid), { limit: 1 }))
      oldestOut = Number(key[3])
    conv.#delivered = (oldestOut ?? (conv.#vector.get(conv.myTagHex)?.contiguous ?? 0) + 1) - 1
    return conv
  }

  // ------------------------------------------------------------------ queries

  get isMember(): boolean {
    return this.membership.members.has(this.#host.self.userId) && this.record.ended === undefined
  }

  /** Whether a valid op ever removed `user` (they are not let back in by an old invite). */
  wasRemoved(user: string): boolean {
    for (const { node } of this.#ctrl.values()) {
      if (
        node?.op.type === 'remove' &&
        hex(node.op.user) === user &&
        this.membership.valid.has(node.hash)
      ) {
        return true
      }
    }
    return false
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
    const out = new Map<string, number>()
    for (const [tag, { contiguous }] of this.#vector) if (contiguous > 0) out.set(tag, contiguous)
    return out
  }

  /** Envelopes that someone holding `theirs` lacks, per sender in seq order. */
  async *envelopesMissingFrom(theirs: ReadonlyMap<string, number>): AsyncGenerator<Uint8Array> {
    for (const [tag, { contiguous }] of this.#vector) {
      const have = theirs.get(tag) ?? 0
      if (contiguous <= have) continue
      for await (const [key, value] of this.#host.storage.range(keys.envPrefix(this.id, tag))) {
        const seq = Number(key[4])
        if (seq > have) yield value
      }
    }
  }

  /** Envelopes we know exist (from their seq) but do not hold, plus those waiting on keys. */
  get missing(): number {
    let missing = 0
    for (const { contiguous, highest } of this.#vector.values())
      missing += Math.max(0, highest - contiguous)
    return missing + this.#pending.size
  }

  /** Our own envelopes with a seq above what `theirs` holds: still undelivered to that peer. */
  isDeliveredTo(theirs: ReadonlyMap<string, number>, seq: number): boolean {
    return (theirs.get(this.myTagHex) ?? 0) >= seq
  }

  // ------------------------------------------------------------------ writing

  /** Sends a text message; returns its id. */
  async sendMessage(payload: MsgPayload): Promise<MessageRecord> {
    this.#assertCanWrite()
    if (!canPost(this.membership, this.#host.self.userId)) {
      throw new NotAllowedError('only admins can post in this channel')
    }
    return this.#grouped(async () => {
      const { record } = await this.#write('msg', encodeMsgPayload(payload), 'epoch')
      if (record === undefined) throw new Error('message record missing')
      return record
    })
  }

  /** Writes a Yjs update made by the local device into the shared state. */
  async writeState(update: Uint8Array): Promise<void> {
    this.#assertCanWrite()
    await this.#serial(() => this.#write('state', update, 'epoch'))
  }

  /** Appends a membership op, then rotates the epoch if the op shrank the group. */
  async writeCtrl(op: CtrlOp): Promise<string> {
    return this.#serial(async () => {
      const payload = encodeCtrlPayload({ parents: this.membership.heads.map(fromHex), op })
      const { ctrlHash } = await this.#write('ctrl', payload, 'base')
      if (ctrlHash === undefined) throw new Error('ctrl hash missing')
      if (
        op.type === 'remove' ||
        op.type === 'leave' ||
        (op.type === 'add' && !(this.membership.settings?.historyVisible ?? true))
      ) {
        if (op.type !== 'leave') await this.#rotate()
      }
      return ctrlHash
    })
  }

  /** Every epoch secret we hold (for a welcome), newest last. */
  epochSecrets(): { epochId: Uint8Array; secret: Uint8Array }[] {
    return [...this.#epochs.values()]
      .sort((a, b) => a.createdAt - b.createdAt)
      .map((e) => ({ epochId: fromHex(e.epochId), secret: e.secret }))
  }

  /** Makes sure there is an epoch we may send with, rotating if needed. */
  async ensureEpoch(): Promise<void> {
    await this.#serial(async () => {
      if (this.#sendableEpoch() === undefined) await this.#rotate()
    })
  }

  #noteLast(record: MessageRecord): void {
    if (this.lastMessage === undefined || record.ts >= this.lastMessage.ts)
      this.lastMessage = record
  }

  get unread(): number {
    return this.#unread
  }

  /** Marks everything up to `ts` as read. */
  async markRead(ts: number): Promise<void> {
    if (ts <= this.record.lastRead) return
    this.record = { ...this.record, lastRead: ts }
    await this.#host.storage.put(keys.conv(this.id), encodeConversation(this.record))
    await this.#countUnread()
  }

  async #countUnread(): Promise<void> {
    let unread = 0
    // Past every message at exactly lastRead: ids are base64url, all below U+FFFF.
    const after = keys.msg(this.id, this.record.lastRead, '\uffff')
    for await (const [, value] of this.#host.storage.range(keys.msgPrefix(this.id), {
      after,
      limit: UNREAD_CAP * 4,
    })) {
      if (decodeMessage(value).author !== this.#host.self.userId) unread++
      if (unread >= UNREAD_CAP) break
    }
    this.#unread = unread
  }

  async end(reason: 'removed' | 'left'): Promise<void> {
    this.record = { ...this.record, ended: reason }
    await this.#host.storage.put(keys.conv(this.id), encodeConversation(this.record))
  }

  // ------------------------------------------------------------------ reading

  /** Takes an envelope from the network (gossip or sync). */
  ingest(bytes: Uint8Array): Promise<IngestResult> {
    return this.#grouped(() => this.#ingestOrReject(bytes))
  }

  /**
   * Takes several envelopes (a sync frame) in one go: each is judged as if it
   * came alone, in order. An envelope that throws counts as rejected and
   * does not stop the others.
   */
  ingestFrame(envelopes: readonly Uint8Array[]): Promise<IngestResult[]> {
    return this.#grouped(async () => {
      const results: IngestResult[] = []
      for (const bytes of envelopes) results.push(await this.#ingestOrReject(bytes))
      return results
    })
  }

  #ingestOrReject(bytes: Uint8Array): Promise<IngestResult> {
    return this.#ingest(bytes, true).catch((err: unknown) => {
      this.#host.log('envelope rejected - %s', (err as Error).message)
      return 'rejected' as const
    })
  }

  /**
   * Group commit. Sends and ingests that queue up while the conversation is
   * busy run together in one serial run: each is applied in order as if it
   * ran alone, but their records go to storage in one batch, their envelopes
   * are published back to back (the transport coalesces them), and events
   * fire once the batch is written. Under load a burst of sends or gossiped
   * envelopes costs one storage write; alone, a send costs what it did.
   */
  #grouped<T>(task: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#group.push({ task, settle: { resolve: resolve as (v: unknown) => void, reject } })
      if (this.#group.length === 1) void this.#serial(() => this.#runGroup())
    })
  }

  async #runGroup(): Promise<void> {
    const items = this.#group.splice(0, MAX_GROUP)
    // What arrives from now on waits for the next run.
    if (this.#group.length > 0) void this.#serial(() => this.#runGroup())
    const staged = new StagedWrites(this.#host.storage, (err) =>
      this.#host.log('after a write - %s', String(err)),
    )
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = []
    this.#staged = staged
    this.#outgoing = []
    try {
      for (const item of items) {
        try {
          outcomes.push({ ok: true, value: await item.task() })
        } catch (error) {
          outcomes.push({ ok: false, error })
        }
      }
    } finally {
      this.#staged = undefined
    }
    const outgoing = this.#outgoing
    this.#outgoing = []
    try {
      await staged.flush()
    } catch (error) {
      // Nothing of this run is stored: every caller hears why.
      for (const item of items) item.settle.reject(error)
      return
    }
    await Promise.all(outgoing.map((envelope) => this.#publish(envelope)))
    items.forEach((item, i) => {
      const outcome = outcomes[i]
      if (outcome?.ok === true) item.settle.resolve(outcome.value)
      else item.settle.reject(outcome?.error)
    })
  }

  /** Writes `ops` now, or with the ingest run under way. */
  async #store(ops: readonly BatchOp[]): Promise<void> {
    if (this.#staged === undefined) await this.#host.storage.batch(ops)
    else this.#staged.write(ops)
  }

  /** Reads `key`, seeing what the ingest run under way has staged. */
  #read(key: Key): Promise<Uint8Array | undefined> {
    return this.#staged?.get(key) ?? this.#host.storage.get(key)
  }

  /** Runs `task` once what was applied is durable. */
  #whenStored(task: () => void): void {
    if (this.#staged === undefined) task()
    else this.#staged.afterFlush(task)
  }

  #serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task)
    this.#queue = run.catch(() => undefined)
    return run
  }

  /**
   * `parked` is set when retrying an envelope from `pending`: if it was
   * decrypted before it was parked, its body is reused, because decrypting
   * consumed its chain key.
   */
  async #ingest(bytes: Uint8Array, retryPending: boolean, parked?: Parked): Promise<IngestResult> {
    const { header } = splitEnvelope(bytes)
    const tag = hex(header.senderTag)
    const held = this.#vector.get(tag)
    // At or below the contiguous mark we hold it already, and above the
    // highest position seen we cannot: only a gap needs a storage read.
    if (header.seq <= (held?.contiguous ?? 0)) return 'duplicate'
    if (header.seq <= (held?.highest ?? 0)) {
      const existing = await this.#read(keys.env(this.id, tag, header.seq))
      if (existing !== undefined) {
        if (!constantTimeEqual(existing, bytes)) {
          this.#host.log('conflicting envelope for %s/%d ignored', tag, header.seq)
        }
        return 'duplicate'
      }
    }
    const candidate = messageId(bytes)
    if (parked === undefined && this.#pending.has(pendingId(tag, header.seq, candidate))) {
      return 'pending'
    }
    const ops: BatchOp[] = []
    let opened = parked?.opened
    if (opened === undefined) {
      try {
        const result = await this.#open(bytes)
        if (result === undefined) {
          return this.#park(tag, header.seq, candidate, { bytes, opened: undefined }, [])
        }
        opened = result.opened
        if (result.chainUpdate !== undefined) ops.push(result.chainUpdate)
      } catch (err) {
        this.#host.log('envelope %s/%d rejected - %s', tag, header.seq, (err as Error).message)
        return 'rejected'
      }
    }
    // Authenticated: only now does it count as a known position of that log.
    this.#noteSeen(tag, header.seq)
    const outcome = await this.#apply(opened, hex(opened.body.device), tag, bytes, ops)
    if (outcome === 'pending') {
      // Keep the decrypted body with the parked envelope, together with the
      // chain state that consumed its key, in one batch.
      const chainOps = ops.filter((op) => op.key[1] === 'chain')
      return this.#park(tag, header.seq, candidate, { bytes, opened }, chainOps)
    }
    await this.#commit(tag, header.seq, bytes, ops)
    if (outcome.afterCommit !== undefined) this.#whenStored(outcome.afterCommit)
    if (outcome.unblocks && retryPending) await this.#retryPending()
    return 'accepted'
  }

  async #open(
    bytes: Uint8Array,
  ): Promise<{ opened: OpenedEnvelope; chainUpdate?: BatchOp } | undefined> {
    const { header } = splitEnvelope(bytes)
    if (isBaseEpoch(header.epochId)) {
      return {
        opened: openEnvelope(this.record.routing, bytes, (_h, ct, aad) =>
          decrypt(this.keys.baseKey, ct, aad),
        ),
      }
    }
    const epochId = hex(header.epochId)
    const epoch = this.#epochs.get(epochId)
    if (epoch === undefined) return undefined
    const tag = hex(header.senderTag)
    const chain = await this.#receiver(epoch, header.senderTag)
    // The key is spent only once the signature and sender tag check out, so
    // a member who can derive another's chain cannot burn its next key.
    let spend: (() => void) | undefined
    const opened = openEnvelope(this.record.routing, bytes, (h, ct, aad) => {
      const trial = chain.open(h.chainIndex, ct, aad)
      spend = trial.commit
      return trial.plaintext
    })
    spend?.()
    return {
      opened,
      chainUpdate: { type: 'put', key: keys.chain(this.id, epochId, tag), value: chain.save() },
    }
  }

  async #receiver(epoch: EpochRecord, tag: Uint8Array): Promise<ReceiverChain> {
    const id = `${epoch.epochId}/${hex(tag)}`
    let chain = this.#receivers.get(id)
    if (chain === undefined) {
      const saved = await this.#read(keys.chain(this.id, epoch.epochId, hex(tag)))
      chain = saved === undefined ? receiverChain(epoch.secret, tag) : restoreReceiverChain(saved)
      this.#receivers.set(id, chain)
    }
    return chain
  }

  /** Applies a verified envelope; adds its derived records to `ops`. */
  async #apply(
    opened: OpenedEnvelope,
    device: string,
    tag: string,
    bytes: Uint8Array,
    ops: BatchOp[],
  ): Promise<'pending' | { unblocks: boolean; afterCommit?: () => void }> {
    const { body } = opened
    switch (body.kind) {
      case 'ctrl':
        return this.#applyCtrl(body.payload, device, body.ts, ops)
      case 'key':
        return this.#applyKey(body.payload, device, ops)
      case 'msg':
      case 'state': {
        // Judged by the membership the epoch was made for, not by today's:
        // every device then agrees whatever order envelopes arrived in.
        const epoch = this.#epochs.get(hex(opened.header.epochId))
        const at = epoch === undefined ? undefined : this.#stateOfEpoch(epoch)
        if (at === undefined) return 'pending'
        const user = holderOf(at, device)
        if (user === undefined) {
          this.#host.log('%s from a device that was no member for its epoch dropped', body.kind)
          return { unblocks: false }
        }
        if (body.kind === 'state') {
          // The user's devices then and now: a current device may overwrite a
          // removed one's entries, and every peer must accept that alike.
          const keys = new Set([
            ...(at.members.get(user)?.deviceKeys ?? []),
            ...(this.membership.members.get(user)?.deviceKeys ?? []),
          ])
          const devices = [...keys].map(fromHex)
          try {
            this.shared.apply(body.payload, { user, device: body.device }, devices)
          } catch (err) {
            this.#host.log(
              'state update from %s rejected - %s',
              user.slice(0, 8),
              (err as Error).message,
            )
            return { unblocks: false }
          }
          ops.push(...(await this.#stateOps(user, body.payload)))
          return { unblocks: false }
        }
        if (at.conversationKind === 'channel' && !canPost(at, user)) {
          return { unblocks: false }
        }
        let payload: MsgPayload
        try {
          payload = decodeMsgPayload(body.payload)
        } catch (err) {
          this.#host.log('message payload rejected - %s', (err as Error).message)
          return { unblocks: false }
        }
        const record = messageRecord(bytes, payload, user, device, body.ts, tag, opened.header.seq)
        ops.push(...messageOps(this.id, record))
        return {
          unblocks: false,
          afterCommit: () => {
            this.#noteLast(record)
            if (record.ts > this.record.lastRead && this.#unread < UNREAD_CAP) this.#unread++
            this.#host.notify(this, { type: 'message', message: record })
          },
        }
      }
    }
  }

  async #applyCtrl(
    payloadBytes: Uint8Array,
    device: string,
    ts: number,
    ops: BatchOp[],
  ): Promise<'pending' | { unblocks: boolean; afterCommit?: () => void }> {
    let payload
    try {
      payload = decodeCtrlPayload(payloadBytes)
    } catch (err) {
      this.#host.log('ctrl payload rejected - %s', (err as Error).message)
      return { unblocks: false }
    }
    // Certificates inside the op (the creator's, an added member's) tell us whose devices they are.
    this.#learnDevices(payload.op)
    const authorUser = this.#resolveAuthor(device)
    if (authorUser === undefined) return 'pending'
    const stored: StoredCtrl = {
      hash: ctrlHash(payloadBytes, device, ts),
      authorUser,
      authorDevice: device,
      ts,
      payload: payloadBytes,
    }
    if (this.#ctrl.has(stored.hash)) return { unblocks: false }
    this.#indexCtrl(stored)
    ops.push({ type: 'put', key: keys.ctrl(this.id, stored.hash), value: encodeCtrl(stored) })
    const changes = this.#evaluate()
    return { unblocks: true, afterCommit: changes }
  }

  async #applyKey(
    payloadBytes: Uint8Array,
    device: string,
    ops: BatchOp[],
  ): Promise<'pending' | { unblocks: boolean }> {
    const payload = decodeKeyPayload(payloadBytes)
    const epochId = hex(payload.epochId)
    const parents = payload.parents.map(hex)
    if (parents.some((p) => !this.membership.valid.has(p))) return 'pending'
    const at = stateAt(this.#nodes(), parents, this.#rootOption())
    const author = holderOf(at, device)
    if (author === undefined) {
      this.#host.log('key envelope from a non-member dropped')
      return { unblocks: false }
    }
    const expected = new Set(
      memberDevices(at).map(({ device: d }) =>
        hex(decodeDeviceCertificate(d.certificate).devicePublicKey),
      ),
    )
    const sealedTo = payload.seals.map((s) => hex(s.device))
    // An epoch sealed to anyone who was not a member at its parents must never carry our messages.
    const tainted = sealedTo.some((d) => !expected.has(d))
    const known = this.#epochs.get(epochId)
    let secret = known?.secret
    if (secret === undefined) {
      const mine = payload.seals.find((s) => hex(s.device) === this.#host.self.deviceHex)
      if (mine === undefined) return { unblocks: false }
      try {
        secret = openSealed(
          this.#host.self.prekey.privateKey,
          mine.sealed,
          sealAad(this.keys.convTag, payload.epochId),
        )
      } catch (err) {
        this.#host.log('epoch seal did not open - %s', (err as Error).message)
        return { unblocks: false }
      }
    }
    const epoch: EpochRecord = {
      epochId,
      secret,
      parents,
      tainted: tainted || (known?.tainted ?? false),
      createdAt: known?.createdAt ?? this.#host.now(),
    }
    this.#epochs.set(epochId, epoch)
    ops.push({ type: 'put', key: keys.epoch(this.id, epochId), value: encodeEpoch(epoch) })
    return { unblocks: true }
  }

  #learnDevices(op: CtrlOp): void {
    const records: MemberRecord[] =
      op.type === 'create' ? [op.owner] : op.type === 'add' ? [op.member] : []
    for (const member of records) {
      for (const device of member.devices) {
        try {
          const cert = decodeDeviceCertificate(device.certificate)
          if (!verifyDeviceCertificate(cert, member.identity)) continue
          if (
            !verifyWithLabel(
              cert.devicePublicKey,
              Labels.deviceBinding,
              member.identity,
              device.binding,
            )
          ) {
            continue // a certificate for someone else's device: the device never agreed
          }
          const key = hex(cert.devicePublicKey)
          const user = hex(member.identity)
          const users = this.#deviceCandidates.get(key) ?? []
          if (!users.includes(user)) this.#deviceCandidates.set(key, [...users, user])
        } catch {
          continue // a malformed certificate names no device
        }
      }
    }
  }

  #indexCtrl(stored: StoredCtrl): void {
    let node: CtrlNode | undefined
    try {
      const payload = decodeCtrlPayload(stored.payload)
      this.#learnDevices(payload.op)
      node = {
        hash: stored.hash,
        parents: payload.parents.map(hex),
        authorUser: stored.authorUser,
        authorDevice: stored.authorDevice,
        ts: stored.ts,
        op: payload.op,
      }
    } catch {
      node = undefined // unreadable stored op: ignored, kept for sync
    }
    this.#ctrl.set(stored.hash, { ...stored, node })
  }

  /** The user a device belongs to: its holder in the membership, else the first claimant. */
  #resolveAuthor(device: string): string | undefined {
    return holderOf(this.membership, device) ?? this.#deviceCandidates.get(device)?.[0]
  }

  #rootOption(): { root?: string } {
    return this.record.root === '' ? {} : { root: this.record.root }
  }

  #nodes(): CtrlNode[] {
    const out: CtrlNode[] = []
    for (const { node } of this.#ctrl.values()) {
      if (node === undefined) continue
      const author = this.#resolveAuthor(node.authorDevice) ?? node.authorUser
      out.push(author === node.authorUser ? node : { ...node, authorUser: author })
    }
    return out
  }

  /** Who could write in `epoch`: the membership at its parents (cached per membership). */
  #stateOfEpoch(epoch: EpochRecord): MembershipState | undefined {
    if (epoch.parents.length === 0) return undefined
    if (epoch.parents.some((p) => !this.membership.valid.has(p))) return undefined
    let state = this.#epochStates.get(epoch.epochId)
    if (state === undefined) {
      state = stateAt(this.#nodes(), epoch.parents, this.#rootOption())
      this.#epochStates.set(epoch.epochId, state)
    }
    return state
  }

  /** Recomputes membership; returns a function that reports what changed. */
  #evaluate(): () => void {
    const before = this.membership
    // Authorship of an op depends on who holds its device, which depends on
    // the membership: iterate until the two agree (a few rounds at most).
    for (let round = 0; round < 4; round++) {
      const nodes = this.#nodes()
      this.membership = evaluateMembership(nodes, this.#rootOption())
      const settled = nodes.every(
        (n) => (this.#resolveAuthor(n.authorDevice) ?? n.authorUser) === n.authorUser,
      )
      if (settled) break
    }
    this.#epochStates = new Map()
    const after = this.membership
    return () => {
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
  }

  /**
   * Persists one applied update. Updates accumulate beside the user's
   * snapshot and are folded into it every STATE_COMPACT_EVERY, so a write
   * costs one small put, not a re-encoding of the whole document.
   */
  async #stateOps(user: string, update: Uint8Array): Promise<BatchOp[]> {
    const n = (this.#stateLog.get(user) ?? 0) + 1
    if (n < STATE_COMPACT_EVERY) {
      this.#stateLog.set(user, n)
      return [{ type: 'put', key: keys.stateUpdate(this.id, user, n), value: update }]
    }
    this.#stateLog.set(user, 0)
    // The range below reads storage: write what this ingest run staged first.
    await this.#staged?.flush()
    const ops: BatchOp[] = []
    for await (const [key] of this.#host.storage.range(keys.stateUpdates(this.id, user))) {
      ops.push({ type: 'del', key })
    }
    const snapshot = this.shared.snapshotOf(user)
    if (snapshot !== undefined)
      ops.push({ type: 'put', key: keys.stateSnapshot(this.id, user), value: snapshot })
    return ops
  }

  #noteSeen(tag: string, seq: number): void {
    const entry = this.#vector.get(tag) ?? { contiguous: 0, highest: 0 }
    if (seq > entry.highest) this.#vector.set(tag, { ...entry, highest: seq })
  }

  /**
   * Parks an envelope until its key or its author's admission arrives.
   * Several candidates may claim one log position (junk with a copied header
   * must not block the real envelope), within bounds per position, per sender
   * and in all.
   */
  async #park(
    tag: string,
    seq: number,
    candidate: string,
    parked: Parked,
    ops: BatchOp[],
  ): Promise<IngestResult> {
    const id = pendingId(tag, seq, candidate)
    const known = this.#pending.get(id)
    if (known !== undefined && (known.opened !== undefined || parked.opened === undefined)) {
      return 'pending'
    }
    if (known === undefined) {
      const position = pendingId(tag, seq, '')
      let atPosition = 0
      let ofSender = 0
      for (const key of this.#pending.keys()) {
        if (key.startsWith(position)) atPosition++
        if (key.startsWith(`${tag}/`)) ofSender++
      }
      if (
        atPosition >= MAX_CANDIDATES_PER_POSITION ||
        ofSender >= MAX_PENDING_PER_SENDER ||
        this.#pending.size >= MAX_PENDING
      ) {
        this.#host.log('pending envelope for %s/%d dropped: too many waiting', tag, seq)
        return 'rejected'
      }
    }
    this.#pending.set(id, parked)
    await this.#store([
      ...ops,
      { type: 'put', key: keys.pending(this.id, tag, seq, candidate), value: encodeParked(parked) },
    ])
    return 'pending'
  }

  async #commit(tag: string, seq: number, bytes: Uint8Array, ops: BatchOp[]): Promise<void> {
    const entry = this.#vector.get(tag) ?? { contiguous: 0, highest: 0 }
    const highest = Math.max(entry.highest, seq)
    let contiguous = entry.contiguous
    if (seq === contiguous + 1) {
      contiguous = seq
      // Envelopes that arrived ahead of this one close the gap now (none is
      // stored above `highest`, which is persisted with every envelope).
      while (
        contiguous < highest &&
        (await this.#read(keys.env(this.id, tag, contiguous + 1))) !== undefined
      ) {
        contiguous++
      }
    }
    this.#vector.set(tag, { contiguous, highest })
    // Every candidate for this position is settled now.
    const position = pendingId(tag, seq, '')
    const settled: BatchOp[] = []
    for (const id of [...this.#pending.keys()]) {
      if (!id.startsWith(position)) continue
      this.#pending.delete(id)
      settled.push({ type: 'del', key: keys.pending(this.id, tag, seq, id.slice(position.length)) })
    }
    await this.#store([
      ...ops,
      { type: 'put', key: keys.env(this.id, tag, seq), value: bytes },
      { type: 'put', key: keys.vv(this.id), value: encodeVector(this.#vector) },
      ...settled,
    ])
  }

  async #retryPending(): Promise<void> {
    // Each pass may unlock more (a key envelope, then the messages it keys).
    for (let pass = 0; pass < 8 && this.#pending.size > 0; pass++) {
      let progressed = false
      for (const [id, parked] of [...this.#pending]) {
        const result = await this.#ingest(parked.bytes, false, parked).catch(
          () => 'rejected' as const,
        )
        if (result === 'pending') continue
        progressed = true
        if (result !== 'accepted' && this.#pending.delete(id)) {
          const [tag = '', seq = '0', candidate = ''] = id.split('/')
          await this.#store([
            { type: 'del', key: keys.pending(this.id, tag, Number(seq), candidate) },
          ])
        }
      }
      if (!progressed) break
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

  async #write(
    kind: EnvelopeKind,
    payload: Uint8Array,
    keying: 'base' | 'epoch',
  ): Promise<{ record?: MessageRecord; ctrlHash?: string }> {
    const self = this.#host.self
    const ts = Math.max(this.#host.now(), 1)
    const ops: BatchOp[] = []
    let key: Uint8Array
    let epochId: Uint8Array = BASE_EPOCH
    let chainIndex = 0
    if (keying === 'base') {
      key = this.keys.baseKey
    } else {
      let epoch = this.#sendableEpoch()
      if (epoch === undefined) {
        await this.#rotate()
        epoch = this.#sendableEpoch()
        if (epoch === undefined) throw new Error('no epoch to send with after rotation')
      }
      const chain = await this.#senderChain(epoch)
      const next = chain.next()
      key = next.key
      chainIndex = next.index
      epochId = fromHex(epoch.epochId)
      ops.push({
        type: 'put',
        key: keys.chain(this.id, epoch.epochId, 'self'),
        value: chain.save(),
      })
    }
    // After any rotation above: the key envelope it wrote took the next seq.
    const seq = (this.#vector.get(this.myTagHex)?.contiguous ?? 0) + 1
    const bytes = sealEnvelope({
      convTag: this.keys.convTag,
      senderTag: this.myTag,
      seq,
      epochId,
      chainIndex,
      key,
      kind,
      payload,
      ts,
      device: self.device,
    })
    let record: MessageRecord | undefined
    let ctrl: string | undefined
    let after: (() => void) | undefined
    if (kind === 'msg') {
      record = messageRecord(
        bytes,
        decodeMsgPayload(payload),
        self.userId,
        self.deviceHex,
        ts,
        this.myTagHex,
        seq,
      )
      ops.push(...messageOps(this.id, record))
      // Writing in a conversation reads it, as in every messenger: what came
      // before our message is no longer unread.
      if (ts > this.record.lastRead) {
        this.record = { ...this.record, lastRead: ts }
        ops.push({ type: 'put', key: keys.conv(this.id), value: encodeConversation(this.record) })
        this.#whenStored(() => {
          this.#unread = 0
        })
      }
    } else if (kind === 'ctrl') {
      const result = await this.#applyCtrl(payload, self.deviceHex, ts, ops)
      if (result !== 'pending') after = result.afterCommit
      ctrl = ctrlHash(payload, self.deviceHex, ts)
    } else if (kind === 'key') {
      await this.#applyKey(payload, self.deviceHex, ops)
    } else {
      ops.push(...(await this.#stateOps(self.userId, payload)))
    }
    ops.push({ type: 'put', key: keys.out(this.id, seq), value: bytes })
    await this.#commit(this.myTagHex, seq, bytes, ops)
    if (record !== undefined) this.#whenStored(() => this.#noteLast(record))
    if (after !== undefined) this.#whenStored(after)
    if (this.#staged === undefined) await this.#publish(bytes)
    else this.#outgoing.push(bytes)
    return {
      ...(record === undefined ? {} : { record }),
      ...(ctrl === undefined ? {} : { ctrlHash: ctrl }),
    }
  }

  /** What became of one of our messages: pending (not out yet), sent, or delivered to a member. */
  deliveryOf(seq: number): 'pending' | 'sent' | 'delivered' {
    if (seq <= this.#delivered) return 'delivered'
    return this.#unpublished.has(seq) ? 'pending' : 'sent'
  }

  async #publish(envelope: Uint8Array): Promise<void> {
    const { seq } = splitEnvelope(envelope).header
    try {
      await this.#host.publish(this, encodeTopicMessage({ type: 'envelope', envelope }))
      this.#unpublished.delete(seq)
    } catch (err) {
      this.#unpublished.add(seq)
      this.#host.log('publish failed, envelope stays in the outbox - %s', (err as Error).message)
    }
  }

  async #senderChain(epoch: EpochRecord): Promise<SenderChain> {
    if (this.#sender?.epochId === epoch.epochId) return this.#sender.chain
    const saved = await this.#host.storage.get(keys.chain(this.id, epoch.epochId, 'self'))
    const chain =
      saved === undefined ? senderChain(epoch.secret, this.myTag) : restoreSenderChain(saved)
    this.#sender = { epochId: epoch.epochId, chain }
    return chain
  }

  /**
   * An epoch we may send with: not tainted, and created after every removal
   * and departure (and every addition, when new members must not read
   * history) — so nobody who has left ever held it. Among several, the newest.
   */
  #sendableEpoch(): EpochRecord | undefined {
    const nodes = this.#nodes()
    const byHash = new Map(nodes.map((n) => [n.hash, n]))
    const shrinking = nodes.filter(
      (n) =>
        this.membership.valid.has(n.hash) &&
        (n.op.type === 'remove' ||
          n.op.type === 'leave' ||
          (n.op.type === 'add' && !(this.membership.settings?.historyVisible ?? true))),
    )
    let best: { epoch: EpochRecord; depth: number } | undefined
    for (const epoch of this.#epochs.values()) {
      if (epoch.tainted || epoch.parents.length === 0) continue
      const past = ancestors(byHash, epoch.parents)
      if (shrinking.some((n) => !past.has(n.hash))) continue
      // Receivers judge a message by the membership at its epoch's parents:
      // we must have been a member there, or nobody would accept it.
      const at = this.#stateOfEpoch(epoch)
      if (at === undefined || holderOf(at, this.#host.self.deviceHex) === undefined) continue
      const better =
        best === undefined ||
        past.size > best.depth ||
        (past.size === best.depth && epoch.epochId > best.epoch.epochId)
      if (better) best = { epoch, depth: past.size }
    }
    return best?.epoch
  }

  /** Starts a new epoch sealed to every device of every current member. */
  async #rotate(): Promise<void> {
    const secret = newEpochSecret()
    const epochId = randomBytes(8)
    const seals: { device: Uint8Array; sealed: Uint8Array }[] = []
    for (const { device } of memberDevices(this.membership)) {
      try {
        const cert = decodeDeviceCertificate(device.certificate)
        const prekey = decodeSignedPrekey(device.prekey)
        if (!verifyPrekey(prekey, cert.devicePublicKey)) continue
        seals.push({
          device: cert.devicePublicKey,
          sealed: seal(prekey.publicKey, secret, sealAad(this.keys.convTag, epochId)),
        })
      } catch {
        continue // a device whose keys do not verify gets nothing
      }
    }
    const parents = this.membership.heads.map(fromHex)
    const epoch: EpochRecord = {
      epochId: hex(epochId),
      secret,
      parents: [...this.membership.heads],
      tainted: false,
      createdAt: this.#host.now(),
    }
    this.#epochs.set(epoch.epochId, epoch)
    await this.#host.storage.put(keys.epoch(this.id, epoch.epochId), encodeEpoch(epoch))
    await this.#write('key', encodeKeyPayload({ epochId, parents, seals }), 'base')
  }

  /** Publishes again what no member has confirmed (a message seen by nobody yet). */
  async republishOutbox(): Promise<void> {
    for await (const { envelope } of this.outbox()) await this.#publish(envelope)
  }

  /** Our envelopes not yet confirmed by anyone. */
  async *outbox(): AsyncGenerator<{ seq: number; envelope: Uint8Array }> {
    for await (const [key, value] of this.#host.storage.range(keys.outPrefix(this.id))) {
      yield { seq: Number(key[3]), envelope: value }
    }
  }

  /** Drops outbox entries a member has confirmed holding. */
  async confirmDelivered(upToSeq: number): Promise<void> {
    if (upToSeq <= this.#delivered) return
    this.#delivered = upToSeq
    this.#host.notify(this, { type: 'delivered', upToSeq })
    const ops: BatchOp[] = []
    for await (const [key] of this.#host.storage.range(keys.outPrefix(this.id))) {
      if (Number(key[3]) <= upToSeq) ops.push({ type: 'del', key })
    }
    if (ops.length > 0) await this.#host.storage.batch(ops)
  }
}

// -------------------------------------------------------------------- helpers

export function isAdminRole(role: Role | undefined): boolean {
  return role === 'owner' || role === 'admin'
}

export function ctrlHash(payload: Uint8Array, device: string, ts: number): string {
  const enc = new TextEncoder()
  const meta = enc.encode(`${device}|${ts}|`)
  const data = new Uint8Array(meta.length + payload.length)
  data.set(meta, 0)
  data.set(payload, meta.length)
  return hex(labelledHash(Labels.ctrlHash, data))
}

function sealAad(convTag: Uint8Array, epochId: Uint8Array): Uint8Array {
  const out = new Uint8Array(convTag.length + epochId.length)
  out.set(convTag, 0)
  out.set(epochId, convTag.length)
  return out
}

export function messageId(envelope: Uint8Array): MessageId {
  return toBase64url(labelledHash(Labels.envelope, envelope).subarray(0, 16)) as MessageId
}

function messageRecord(
  envelope: Uint8Array,
  payload: MsgPayload,
  author: string,
  device: string,
  ts: number,
  tag: string,
  seq: number,
): MessageRecord {
  return {
    messageId: messageId(envelope),
    author,
    authorDevice: device,
    ts,
    text: payload.text,
    replyTo: payload.replyTo,
    mentions: (payload.mentions ?? []).map(hex),
    senderTag: tag,
    seq,
  }
}

function messageOps(cid: string, record: MessageRecord): BatchOp[] {
  return [
    { type: 'put', key: keys.msg(cid, record.ts, record.messageId), value: encodeMessage(record) },
    {
      type: 'put',
      key: keys.msgId(cid, record.messageId),
      value: new TextEncoder().encode(String(record.ts)),
    },
  ]
}

function ancestors(byHash: Map<string, CtrlNode>, heads: readonly string[]): Set<string> {
  const seen = new Set<string>()
  const stack = [...heads]
  while (stack.length > 0) {
    const h = stack.pop() as string
    if (seen.has(h)) continue
    seen.add(h)
    const node = byHash.get(h)
    if (node !== undefined) stack.push(...node.parents)
  }
  return seen
}

/** An envelope waiting for its epoch key or its author's admission. */
interface Parked {
  readonly bytes: Uint8Array
  /** Set when it was already decrypted (its chain key is spent). */
  readonly opened: OpenedEnvelope | undefined
}

/** `tag/seq/candidate`; with candidate '' it is the prefix of every candidate at that position. */
const pendingId = (tag: string, seq: number, candidate: string): string =>
  `${tag}/${String(seq).padStart(10, '0')}/${candidate}`

const MAX_CANDIDATES_PER_POSITION = 4
/** Most sends/ingests one group run takes (see #grouped); a sync frame counts as one. */
const MAX_GROUP = 256
const MAX_PENDING_PER_SENDER = 1_000
const MAX_PENDING = 10_000

// Stored form: u8 version=1 | bytes envelope | u8 opened | [bytes header-less body plaintext]
function encodeParked(parked: Parked): Uint8Array {
  const w = new Writer()
    .byte(1)
    .bytes(parked.bytes)
    .byte(parked.opened === undefined ? 0 : 1)
  if (parked.opened !== undefined) w.bytes(encodeBody(parked.opened.body).plaintext)
  return w.finish()
}

function decodeParked(value: Uint8Array): Parked | undefined {
  try {
    const r = new Reader(value, 'parked envelope')
    r.byte()
    const bytes = r.bytes(MAX_ENVELOPE_BYTES)
    if (r.byte() === 0) return { bytes, opened: undefined }
    const body = decodeBody(r.bytes(MAX_ENVELOPE_BYTES))
    return { bytes, opened: { header: splitEnvelope(bytes).header, body } }
  } catch {
    return undefined // unreadable: dropped; sync will bring the envelope again
  }
}

/** The member holding `device` in `state`, if any. */
function holderOf(state: MembershipState, device: string): string | undefined {
  for (const [user, member] of state.members) if (member.deviceKeys.includes(device)) return user
  return undefined
}
