/**
 * createMessenger: the client API over one StorageAdapter and one
 * NetworkAdapter. It owns the conversations, routes what the network brings
 * (envelopes and presence on conversation topics, join traffic on doors,
 * sync streams), runs sync when a member peer appears, on a gap and
 * periodically, and republishes its outbox until a member confirms it.
 *
 * The API and the routing are here; joins.ts handles doors (invites, join
 * requests, welcomes, contact links), peers.ts presence, known peers and
 * sync scheduling, views.ts what the API returns and emits.
 */

import { safetyNumber, toHex } from '@murmur/crypto'
import {
  asProtocolId,
  decodeTopicMessage,
  InvalidArgumentError,
  splitEnvelope,
} from '@murmur/protocol'
import type {
  ConversationId,
  ConversationKind,
  MessageId,
  PeerIdString,
  Role,
  Topic,
  UserId,
} from '@murmur/protocol'
import type {
  ConversationSummary,
  HistoryMessage,
  MemberSummary,
  MessengerEvents,
  StatusReport,
} from './api.ts'
import { Background } from './background.ts'
import { Conversation, isAdminRole } from './conversation.ts'
import type { ConversationChange, ConversationHost } from './conversation.ts'
import { doorKeys } from './derive.ts'
import { NotAllowedError } from './errors.ts'
import { Emitter } from './events.ts'
import { exportIdentity, loadOrCreateIdentity, saveIdentity } from './identity.ts'
import type { LocalIdentity } from './identity.ts'
import { Joins } from './joins.ts'
import { silentLogger } from './logger.ts'
import type { Logger } from './logger.ts'
import { canRemove, canSetRole } from './membership.ts'
import type { NetworkAdapter } from './network.ts'
import { MemberPeers } from './peers.ts'
import { decodeConversation, decodeMessage, keys } from './records.ts'
import type { MessageRecord } from './records.ts'
import { ConversationRegistry } from './registry.ts'
import type { StorageAdapter } from './storage.ts'
import { SYNC_PROTOCOL, syncAsResponder } from './sync.ts'
import {
  conversationSummary,
  emitChange,
  findMessage,
  fromHex,
  historyPage,
  presentMessage,
} from './views.ts'

export { DEFAULT_INVITE_TTL } from './joins.ts'

export interface MessengerInit {
  readonly storage: StorageAdapter
  readonly network: NetworkAdapter
  /** Display name; kept if omitted. */
  readonly name?: string
  readonly logger?: Logger
  readonly now?: () => number
  /** Relay multiaddrs to put in invite and contact links. */
  readonly relays?: readonly string[]
  /** Prefix of links this messenger makes, e.g. `https://chat.example.org/`. */
  readonly linkBase?: string
  /** How often to sync each conversation with a member peer, and republish the outbox. */
  readonly syncIntervalMs?: number
  /** How often to announce presence on each conversation topic. */
  readonly presenceIntervalMs?: number
  /** On a device with no identity yet: restore one from a passphrase-encrypted backup. */
  readonly restore?: { readonly backup: Uint8Array; readonly passphrase: string }
}

/**
 * What the messenger hands the helpers that run beside it (joins.ts,
 * peers.ts): its adapters, identity, clock and log, its background work,
 * and the conversations it holds.
 */
export interface MessengerParts {
  readonly network: NetworkAdapter
  readonly storage: StorageAdapter
  readonly self: LocalIdentity
  readonly now: () => number
  readonly log: Logger
  readonly background: Background
  readonly conversations: ConversationRegistry
}

export interface Messenger {
  readonly userId: UserId
  readonly deviceId: string
  readonly peerId: PeerIdString
  whoami(): { userId: UserId; name: string }
  setName(name: string): Promise<void>
  createConversation(init: {
    name: string
    kind?: ConversationKind
    historyVisible?: boolean
  }): Promise<ConversationId>
  invite(conversationId: string, options?: { expiresInMs?: number }): string
  join(link: string, options?: { timeoutMs?: number }): Promise<ConversationId>
  contactLink(): string
  addContact(link: string): Promise<ConversationId>
  send(
    conversationId: string,
    text: string,
    options?: { replyTo?: string; mentions?: string[] },
  ): Promise<MessageId>
  react(conversationId: string, messageId: string, emoji: string, on?: boolean): Promise<void>
  edit(conversationId: string, messageId: string, text: string): Promise<void>
  delete(conversationId: string, messageId: string): Promise<void>
  history(
    conversationId: string,
    options?: { limit?: number; before?: string },
  ): Promise<HistoryMessage[]>
  /** One message as history shows it (UnknownMessageError if absent). */
  message(conversationId: string, messageId: string): Promise<HistoryMessage>
  conversations(): ConversationSummary[]
  members(conversationId: string): MemberSummary[]
  remove(conversationId: string, userId: string): Promise<void>
  setRole(conversationId: string, userId: string, role: Role): Promise<void>
  leave(conversationId: string): Promise<void>
  setTopic(conversationId: string, field: 'name' | 'topic', value: string): Promise<void>
  markRead(conversationId: string): Promise<void>
  safetyNumber(userId: string): string
  /** A passphrase-encrypted backup of this identity (not of conversations). */
  exportIdentity(passphrase: string): Promise<Uint8Array>
  status(): StatusReport
  /** Runs sync for every conversation with every connected member peer; resolves when done. */
  syncNow(): Promise<void>
  on<K extends keyof MessengerEvents>(
    type: K,
    listener: (event: MessengerEvents[K]) => void,
  ): () => void
  close(): Promise<void>
}

export async function createMessenger(init: MessengerInit): Promise<Messenger> {
  const self = await loadOrCreateIdentity(init.storage, init.name, init.restore)
  const messenger = new MessengerImpl(init, self)
  await messenger.start()
  return messenger
}

class MessengerImpl implements Messenger {
  readonly #init: MessengerInit
  readonly #self: LocalIdentity
  readonly #log: Logger
  readonly #events: Emitter<MessengerEvents>
  readonly #background: Background
  readonly #conversations = new ConversationRegistry()
  readonly #peers: MemberPeers
  readonly #joins: Joins
  #host: ConversationHost | undefined

  constructor(init: MessengerInit, self: LocalIdentity) {
    this.#init = init
    this.#self = self
    this.#log = init.logger ?? silentLogger
    this.#events = new Emitter((err) => this.#log.error('event listener failed - %s', String(err)))
    this.#background = new Background(this.#log)
    const parts: MessengerParts = {
      network: init.network,
      storage: init.storage,
      self,
      now: () => this.#now(),
      log: this.#log,
      background: this.#background,
      conversations: this.#conversations,
    }
    this.#peers = new MemberPeers({
      ...parts,
      onSync: (event) => this.#events.emit('sync', event),
    })
    this.#joins = new Joins({
      ...parts,
      host: () => this.#hostOrThrow(),
      adopt: (conv) => this.#adopt(conv),
      peers: this.#peers,
      onJoined: (event) => this.#events.emit('joined', event),
      relays: init.relays,
      linkBase: init.linkBase,
    })
  }

  get userId(): UserId {
    return this.#self.userId
  }
  get deviceId(): string {
    return this.#self.deviceHex
  }
  get peerId(): PeerIdString {
    return this.#init.network.peerId
  }

  #now(): number {
    return (this.#init.now ?? Date.now)()
  }

  // ---------------------------------------------------------------- lifecycle

  async start(): Promise<void> {
    const { storage, network } = this.#init
    const host: ConversationHost = {
      storage,
      self: this.#self,
      log: this.#log,
      now: () => this.#now(),
      publish: (conv, data) => network.publish(conv.keys.topic, data),
      notify: (conv, change) => this.#onChange(conv, change),
    }
    this.#host = host
    await this.#joins.loadPersonalDoor()
    for await (const [, value] of storage.range(keys.convPrefix())) {
      const conv = await Conversation.load(host, decodeConversation(value))
      this.#conversations.add(conv)
    }
    await network.handle(asProtocolId(SYNC_PROTOCOL), async (stream) => {
      const peer = stream.remotePeer
      const done = await syncAsResponder(stream, (tag) => this.#conversations.byTag(tag))
      if (done !== undefined)
        await this.#peers.afterSync(
          done.conversation,
          peer,
          done.result.theirs,
          done.result.accepted,
        )
    })
    this.#background.onClose(
      network.on('message', ({ topic, data }) => this.#background.run(this.#onPubsub(topic, data))),
    )
    this.#background.onClose(network.on('peer:connect', ({ peerId }) => this.#peers.onPeer(peerId)))
    this.#background.onClose(network.on('peer:update', ({ peerId }) => this.#peers.onPeer(peerId)))
    network.subscribe(this.#joins.personalDoorTopic)
    for (const conv of this.#conversations.values()) {
      this.#subscribe(conv)
      if (conv.record.ended === undefined) this.#background.run(this.#peers.dialKnownPeers(conv))
    }
    await this.#joins.resumeStored()
    this.#background.every(this.#init.syncIntervalMs ?? 30_000, () =>
      this.#background.run(this.#peers.periodicSync()),
    )
    this.#background.every(this.#init.presenceIntervalMs ?? 15_000, () =>
      this.#background.run(this.#announceAll()),
    )
    this.#background.run(this.#announceAll())
  }

  async close(): Promise<void> {
    if (this.#background.closed) return
    this.#background.close()
    await this.#init.network.unhandle(asProtocolId(SYNC_PROTOCOL)).catch(() => undefined)
    this.#events.clear()
  }

  on<K extends keyof MessengerEvents>(
    type: K,
    listener: (event: MessengerEvents[K]) => void,
  ): () => void {
    return this.#events.on(type, listener)
  }

  /** Holds a conversation we created or joined, and subscribes to it. */
  #adopt(conv: Conversation): void {
    this.#conversations.add(conv)
    this.#subscribe(conv)
  }

  #subscribe(conv: Conversation): void {
    const { network } = this.#init
    network.subscribe(conv.keys.topic)
    if (conv.record.ended === undefined) network.subscribe(doorKeys(conv.record.door).topic)
    this.#peers.announceSoon(conv)
  }

  #conv(conversationId: string): Conversation {
    return this.#conversations.require(conversationId)
  }

  #hostOrThrow(): ConversationHost {
    if (this.#host === undefined) throw new Error('messenger not started')
    return this.#host
  }

  // ----------------------------------------------------------------- identity

  whoami(): { userId: UserId; name: string } {
    return { userId: this.#self.userId, name: this.#self.name }
  }

  async setName(name: string): Promise<void> {
    const trimmed = name.trim()
    if (trimmed.length === 0 || trimmed.length > 64) {
      throw new InvalidArgumentError('a name must have 1 to 64 characters')
    }
    this.#self.name = trimmed
    await saveIdentity(this.#init.storage, this.#self)
  }

  // ------------------------------------------------------------ conversations

  async createConversation(init: {
    name: string
    kind?: ConversationKind
    historyVisible?: boolean
  }): Promise<ConversationId> {
    const kind = init.kind ?? 'group'
    if (kind !== 'group' && kind !== 'channel' && kind !== 'self') {
      throw new InvalidArgumentError(`cannot create a conversation of kind "${kind}" this way`)
    }
    const name = init.name.trim()
    if (name.length === 0) throw new InvalidArgumentError('a conversation needs a name')
    const conv = await Conversation.create(this.#hostOrThrow(), {
      kind,
      name,
      settings: { historyVisible: init.historyVisible ?? true, membersCanInvite: kind === 'group' },
    })
    this.#adopt(conv)
    await conv.ensureEpoch()
    return conv.record.conversationId
  }

  conversations(): ConversationSummary[] {
    return [...this.#conversations.values()]
      .map((conv) => conversationSummary(conv, this.#self.userId))
      .sort((a, b) => (b.lastMessage?.ts ?? 0) - (a.lastMessage?.ts ?? 0))
  }

  members(conversationId: string): MemberSummary[] {
    const conv = this.#conv(conversationId)
    return [...conv.membership.members.entries()].map(([user, member]) => ({
      userId: user as UserId,
      name: member.name,
      role: member.role,
    }))
  }

  // ---------------------------------------------------------------- invites

  invite(conversationId: string, options: { expiresInMs?: number } = {}): string {
    return this.#joins.invite(this.#conv(conversationId), options)
  }

  join(link: string, options: { timeoutMs?: number } = {}): Promise<ConversationId> {
    return this.#joins.join(link, options)
  }

  contactLink(): string {
    return this.#joins.contactLink()
  }

  addContact(link: string): Promise<ConversationId> {
    return this.#joins.addContact(link)
  }

  // -------------------------------------------------------------- messaging

  async send(
    conversationId: string,
    text: string,
    options: { replyTo?: string; mentions?: string[] } = {},
  ): Promise<MessageId> {
    const conv = this.#conv(conversationId)
    if (text.trim().length === 0) throw new InvalidArgumentError('a message needs some text')
    if (options.replyTo !== undefined) await this.#message(conv, options.replyTo)
    const record = await conv.sendMessage({
      text,
      ...(options.replyTo === undefined ? {} : { replyTo: options.replyTo }),
      ...(options.mentions === undefined ? {} : { mentions: options.mentions.map(fromHex) }),
    })
    return record.messageId
  }

  async react(conversationId: string, messageId: string, emoji: string, on = true): Promise<void> {
    const conv = this.#conv(conversationId)
    await this.#message(conv, messageId)
    if (emoji.length === 0 || emoji.length > 16)
      throw new InvalidArgumentError('a reaction is one emoji')
    await conv.writeState(conv.shared.react(this.#author(), messageId, emoji, on))
  }

  async edit(conversationId: string, messageId: string, text: string): Promise<void> {
    const conv = this.#conv(conversationId)
    const message = await this.#message(conv, messageId)
    if (message.author !== this.#self.userId)
      throw new NotAllowedError('you can only edit your own messages')
    if (text.trim().length === 0) throw new InvalidArgumentError('an edit needs some text')
    await conv.writeState(conv.shared.edit(this.#author(), messageId, text))
  }

  async delete(conversationId: string, messageId: string): Promise<void> {
    const conv = this.#conv(conversationId)
    const message = await this.#message(conv, messageId)
    const admin = isAdminRole(conv.roleOf(this.#self.userId)) && conv.record.kind !== 'dm'
    if (message.author !== this.#self.userId && !admin) {
      throw new NotAllowedError('you can only delete your own messages (admins can delete any)')
    }
    await conv.writeState(conv.shared.deleteMessage(this.#author(), messageId))
  }

  async setTopic(conversationId: string, field: 'name' | 'topic', value: string): Promise<void> {
    const conv = this.#conv(conversationId)
    if (!isAdminRole(conv.roleOf(this.#self.userId)))
      throw new NotAllowedError('only admins can change the name or topic')
    await conv.writeState(conv.shared.setMeta(this.#author(), field, value))
  }

  #author(): { user: string; device: Uint8Array } {
    return { user: this.#self.userId, device: this.#self.device.publicKey }
  }

  #message(conv: Conversation, messageId: string): Promise<MessageRecord> {
    return findMessage(this.#init.storage, conv, messageId)
  }

  async history(
    conversationId: string,
    options: { limit?: number; before?: string } = {},
  ): Promise<HistoryMessage[]> {
    const conv = this.#conv(conversationId)
    return historyPage(this.#init.storage, conv, this.#self.userId, options)
  }

  async message(conversationId: string, messageId: string): Promise<HistoryMessage> {
    const conv = this.#conv(conversationId)
    return presentMessage(conv, await this.#message(conv, messageId), this.#self.userId)
  }

  /** Marks the conversation read up to its newest message. */
  async markRead(conversationId: string): Promise<void> {
    const conv = this.#conv(conversationId)
    for await (const [, value] of this.#init.storage.range(keys.msgPrefix(conv.id), {
      reverse: true,
      limit: 1,
    })) {
      await conv.markRead(decodeMessage(value).ts)
    }
  }

  /** The safety number two people compare to be sure no one is in between. */
  safetyNumber(userId: string): string {
    for (const conv of this.#conversations.values()) {
      const member = conv.membership.members.get(userId)
      if (member !== undefined) return safetyNumber(this.#self.identity.publicKey, member.identity)
    }
    throw new InvalidArgumentError(`you share no conversation with ${userId}`)
  }

  exportIdentity(passphrase: string): Promise<Uint8Array> {
    return exportIdentity(this.#self, passphrase)
  }

  // ------------------------------------------------------------ membership

  async remove(conversationId: string, userId: string): Promise<void> {
    const conv = this.#conv(conversationId)
    if (!conv.membership.members.has(userId))
      throw new InvalidArgumentError(`${userId} is not a member`)
    if (!canRemove(conv.membership, this.#self.userId, userId)) {
      throw new NotAllowedError('your role does not allow removing this member')
    }
    await conv.writeCtrl({ type: 'remove', user: fromHex(userId) })
  }

  async setRole(conversationId: string, userId: string, role: Role): Promise<void> {
    const conv = this.#conv(conversationId)
    if (!conv.membership.members.has(userId))
      throw new InvalidArgumentError(`${userId} is not a member`)
    if (role !== 'admin' && role !== 'member')
      throw new InvalidArgumentError('role must be "admin" or "member"')
    if (!canSetRole(conv.membership, this.#self.userId, userId, role)) {
      throw new NotAllowedError('your role does not allow this change')
    }
    await conv.writeCtrl({ type: 'setRole', user: fromHex(userId), role })
  }

  async leave(conversationId: string): Promise<void> {
    const conv = this.#conv(conversationId)
    if (conv.isMember) await conv.writeCtrl({ type: 'leave' })
    await conv.end('left')
    this.#init.network.unsubscribe(doorKeys(conv.record.door).topic)
  }

  // ----------------------------------------------------------------- status

  status(): StatusReport {
    const { network } = this.#init
    return {
      peers: network.peers().map((p) => ({ peerId: p.peerId, kind: p.kind })),
      relays: network.relays().map((r) => ({ addr: r.addr, state: r.state })),
      conversations: [...this.#conversations.values()].map((c) => ({
        conversationId: c.record.conversationId,
        missing: c.missing,
      })),
    }
  }

  async syncNow(): Promise<void> {
    await Promise.all(
      [...this.#conversations.values()].map((conv) => this.#peers.syncConversation(conv)),
    )
  }

  // ------------------------------------------------------- network plumbing

  async #onPubsub(topic: Topic, data: Uint8Array): Promise<void> {
    const conv = this.#conversations.byTopic(topic)
    if (conv === undefined) {
      await this.#joins.onDoor(topic, data)
      return
    }
    let message
    try {
      message = decodeTopicMessage(data)
    } catch (err) {
      this.#log('malformed topic message dropped - %s', String(err))
      return
    }
    if (message.type === 'presence') {
      this.#peers.onPresence(conv, message.sealed)
      return
    }
    try {
      const { header } = splitEnvelope(message.envelope)
      const before = conv.syncVector().get(toHex(header.senderTag)) ?? 0
      const outcome = await conv.ingest(message.envelope)
      if (header.seq > before + 1 && outcome !== 'duplicate')
        this.#background.run(this.#peers.syncConversation(conv))
    } catch (err) {
      this.#log('envelope dropped - %s', String(err))
    }
  }

  /** Presence on every conversation; then the welcomes of contacts not yet synced. */
  async #announceAll(): Promise<void> {
    for (const conv of this.#conversations.values()) await this.#peers.announce(conv)
    await this.#joins.resendWelcomes((cid) => this.#peers.knowsMemberIn(cid))
  }

  // ----------------------------------------------------------------- events

  #onChange(conv: Conversation, change: ConversationChange): void {
    if (change.type === 'member' && change.change === 'added' && change.user === this.#self.userId)
      this.#background.run(this.#joins.finishJoin(conv))
    if (change.type === 'removed') this.#init.network.unsubscribe(doorKeys(conv.record.door).topic)
    emitChange(this.#events, conv, change, this.#self.userId)
  }
}
