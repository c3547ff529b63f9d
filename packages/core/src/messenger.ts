/**
 * createMessenger: the client API over one StorageAdapter and one
 * NetworkAdapter. It owns the conversations, routes what the network brings
 * (envelopes and presence on conversation topics, join traffic on doors,
 * sync streams), runs sync when a member peer appears, on a gap and
 * periodically, and republishes its outbox until a member confirms it.
 */

import {
  decrypt,
  encrypt,
  Labels,
  randomBytes,
  safetyNumber,
  signWithLabel,
  toHex,
  verifyWithLabel,
} from '@murmur/crypto'
import {
  asProtocolId,
  decodePresence,
  decodeTopicMessage,
  encodeInviteLink,
  encodeContactLink,
  encodePresence,
  encodeTopicMessage,
  InvalidArgumentError,
  isExpired,
  parseContactLink,
  parseInviteLink,
  splitEnvelope,
} from '@murmur/protocol'
import type {
  ConversationId,
  WelcomeSecrets,
  DoorMessage,
  InviteLink,
  ConversationKind,
  MessageId,
  PeerIdString,
  Presence,
  Role,
  Topic,
  UserId,
} from '@murmur/protocol'
import { Conversation, isAdminRole } from './conversation.ts'
import type { ConversationChange, ConversationHost } from './conversation.ts'
import { doorKeys, routingKeys } from './derive.ts'
import {
  makeInvite,
  makeJoinRequest,
  makeWelcomes,
  openDoorMessage,
  openWelcome,
  sealDoorMessage,
  verifyJoinRequest,
  verifyMember,
} from './door.ts'
import {
  InviteExpiredError,
  JoinTimeoutError,
  NotAllowedError,
  UnknownConversationError,
  UnknownMessageError,
} from './errors.ts'
import { Emitter } from './events.ts'
import { exportIdentity, loadOrCreateIdentity, memberRecord, saveIdentity } from './identity.ts'
import type { LocalIdentity } from './identity.ts'
import { silentLogger } from './logger.ts'
import type { Logger } from './logger.ts'
import { canAdd, canRemove, canSetRole } from './membership.ts'
import type { NetworkAdapter } from './network.ts'
import {
  decodeConversation,
  decodeKnownPeer,
  decodeMessage,
  encodeKnownPeer,
  keys,
} from './records.ts'
import type { KnownPeer, MessageRecord } from './records.ts'
import type { StorageAdapter } from './storage.ts'
import { SYNC_PROTOCOL, syncAsInitiator, syncAsResponder } from './sync.ts'
import type {
  MessengerEvents,
  HistoryMessage,
  ConversationSummary,
  MemberSummary,
  StatusReport,
} from './api.ts'

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

export const DEFAULT_INVITE_TTL = 7 * 24 * 60 * 60 * 1000
/** Delays of the presence announcements after subscribing to a conversation. */
const PRESENCE_BURST_MS = [250, 1_000, 2_500, 5_000]
/** Members' last-seen addresses dialled per conversation at start. */
const KNOWN_PEERS_DIALLED = 8
const MAX_HISTORY_PAGE = 500

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

interface PendingJoin {
  readonly invite: InviteLink
  readonly waiters: Array<(cid: ConversationId) => void>
}

class MessengerImpl implements Messenger {
  readonly #init: MessengerInit
  readonly #self: LocalIdentity
  readonly #log: Logger
  readonly #events: Emitter<MessengerEvents>
  readonly #conversations = new Map<string, Conversation>()
  readonly #byTag = new Map<string, Conversation>()
  readonly #byTopic = new Map<string, Conversation>()
  readonly #doors = new Map<string, Conversation>()
  readonly #joins = new Map<string, PendingJoin>()
  /** peer id → conversation id → device hex, from verified presence. */
  readonly #memberPeers = new Map<string, Map<string, string>>()
  readonly #syncing = new Set<string>()
  readonly #lastSync = new Map<string, number>()
  readonly #timers: Array<ReturnType<typeof setInterval>> = []
  readonly #cleanup: Array<() => void> = []
  #personalDoor: Uint8Array = new Uint8Array(0)
  #closed = false

  constructor(init: MessengerInit, self: LocalIdentity) {
    this.#init = init
    this.#self = self
    this.#log = init.logger ?? silentLogger
    this.#events = new Emitter((err) => this.#log.error('event listener failed - %s', String(err)))
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
    let door = await storage.get(keys.door())
    if (door === undefined) {
      door = randomBytes(32)
      await storage.put(keys.door(), door)
    }
    this.#personalDoor = door
    for await (const [, value] of storage.range(keys.convPrefix())) {
      const conv = await Conversation.load(host, decodeConversation(value))
      this.#register(conv)
    }
    await network.handle(asProtocolId(SYNC_PROTOCOL), async (stream) => {
      const peer = stream.remotePeer
      const done = await syncAsResponder(stream, (tag) => this.#byTag.get(tag))
      if (done !== undefined)
        await this.#afterSync(done.conversation, peer, done.result.theirs, done.result.accepted)
    })
    this.#cleanup.push(
      network.on('message', ({ topic, data }) => this.#background(this.#onPubsub(topic, data))),
      network.on('peer:connect', ({ peerId }) => this.#onPeer(peerId)),
      network.on('peer:update', ({ peerId }) => this.#onPeer(peerId)),
    )
    network.subscribe(doorKeys(door).topic)
    for (const conv of this.#conversations.values()) {
      this.#subscribe(conv)
      if (conv.record.ended === undefined) this.#background(this.#dialKnownPeers(conv))
    }
    for await (const [key, value] of storage.range(keys.joinPrefix())) {
      try {
        this.#resumeJoin(parseInviteLink(new TextDecoder().decode(value)))
      } catch (err) {
        this.#log('stored join %s unreadable, dropped - %s', key[2], String(err))
        await storage.del(key)
      }
    }
    this.#timers.push(
      setInterval(
        () => this.#background(this.#periodicSync()),
        this.#init.syncIntervalMs ?? 30_000,
      ),
      setInterval(
        () => this.#background(this.#announceAll()),
        this.#init.presenceIntervalMs ?? 15_000,
      ),
    )
    this.#background(this.#announceAll())
  }

  #host: ConversationHost | undefined

  /**
   * Runs work nobody awaits (announcing, syncing, handling a pubsub message):
   * a failure is logged, never left as an unhandled rejection, and after
   * close() failures are expected (storage is gone) and ignored.
   */
  #background(work: Promise<unknown>): void {
    work.catch((err: unknown) => {
      if (!this.#closed) this.#log.error('background task failed - %s', String(err))
    })
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    for (const timer of this.#timers) clearInterval(timer)
    for (const fn of this.#cleanup) fn()
    await this.#init.network.unhandle(asProtocolId(SYNC_PROTOCOL)).catch(() => undefined)
    this.#events.clear()
  }

  on<K extends keyof MessengerEvents>(
    type: K,
    listener: (event: MessengerEvents[K]) => void,
  ): () => void {
    return this.#events.on(type, listener)
  }

  #register(conv: Conversation): void {
    this.#conversations.set(conv.id, conv)
    this.#byTag.set(conv.keys.convTagHex, conv)
    this.#byTopic.set(conv.keys.topic, conv)
    this.#doors.set(doorKeys(conv.record.door).topic, conv)
  }

  #subscribe(conv: Conversation): void {
    const { network } = this.#init
    network.subscribe(conv.keys.topic)
    if (conv.record.ended === undefined) network.subscribe(doorKeys(conv.record.door).topic)
    this.#announceSoon(conv)
  }

  /**
   * Presence right after subscribing is often lost (the relay and the mesh
   * learn of the subscription a moment later), so announce a few times,
   * quickly, before settling into the regular interval.
   */
  #announceSoon(conv: Conversation): void {
    for (const delay of PRESENCE_BURST_MS) {
      const timer = setTimeout(() => this.#background(this.#announce(conv)), delay)
      this.#cleanup.push(() => clearTimeout(timer))
    }
  }

  #conv(conversationId: string): Conversation {
    const conv = this.#conversations.get(conversationId)
    if (conv === undefined) {
      throw new UnknownConversationError(
        `no conversation ${conversationId}; list them with "conversations"`,
      )
    }
    return conv
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
    this.#register(conv)
    this.#subscribe(conv)
    await conv.ensureEpoch()
    return conv.record.conversationId
  }

  #hostOrThrow(): ConversationHost {
    if (this.#host === undefined) throw new Error('messenger not started')
    return this.#host
  }

  conversations(): ConversationSummary[] {
    return [...this.#conversations.values()]
      .map((conv) => {
        const last = conv.lastMessage
        return {
          conversationId: conv.record.conversationId,
          kind: conv.record.kind,
          name: this.#displayName(conv),
          topic: conv.topic,
          unread: conv.unread,
          ended: conv.record.ended,
          ...(last === undefined ? {} : { lastMessage: this.#present(conv, last) }),
        }
      })
      .sort((a, b) => (b.lastMessage?.ts ?? 0) - (a.lastMessage?.ts ?? 0))
  }

  /** A DM is named after the other person; other kinds by their (admin-set) name. */
  #displayName(conv: Conversation): string {
    if (conv.record.kind !== 'dm') return conv.name
    for (const [user, member] of conv.membership.members) {
      if (user !== this.#self.userId) return member.name
    }
    return conv.name
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
    const conv = this.#conv(conversationId)
    if (!conv.isMember) throw new NotAllowedError('you are not a member of this conversation')
    if (!canAdd(conv.membership, this.#self.userId)) {
      throw new NotAllowedError('only admins can invite people to this conversation')
    }
    const link = makeInvite(
      this.#self,
      conv.record.door,
      this.#now() + (options.expiresInMs ?? DEFAULT_INVITE_TTL),
      this.#init.relays ?? [],
      conv.name,
    )
    return `${this.#init.linkBase ?? ''}#join=${encodeInviteLink(link)}`
  }

  async join(link: string, options: { timeoutMs?: number } = {}): Promise<ConversationId> {
    const invite = parseInviteLink(link)
    if (isExpired(invite, this.#now())) {
      throw new InviteExpiredError('this invite link has expired; ask for a new one')
    }
    const existing = this.#doors.get(doorKeys(invite.door).topic)
    if (existing?.isMember === true) return existing.record.conversationId
    await this.#init.storage.put(
      keys.join(toHex(invite.door)),
      new TextEncoder().encode(encodeInviteLink(invite)),
    )
    const pending = this.#resumeJoin(invite)
    const timeoutMs = options.timeoutMs ?? 30_000
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = pending.waiters.indexOf(onJoined)
        if (i >= 0) pending.waiters.splice(i, 1)
        reject(
          new JoinTimeoutError(
            `no member who can admit you was online within ${Math.round(timeoutMs / 1000)} s; the request stays open and you will join when one comes online`,
          ),
        )
      }, timeoutMs)
      const onJoined = (cid: ConversationId): void => {
        clearTimeout(timer)
        resolve(cid)
      }
      pending.waiters.push(onJoined)
    })
  }

  /**
   * Subscribes to a join's door and keeps asking until a welcome arrives.
   * Each attempt is sealed afresh: gossipsub ids are content hashes, so
   * re-publishing the same bytes would be dropped as a duplicate.
   */
  #resumeJoin(invite: InviteLink): PendingJoin {
    const doorHex = toHex(invite.door)
    const known = this.#joins.get(doorHex)
    if (known !== undefined) return known
    const pending: PendingJoin = { invite, waiters: [] }
    this.#joins.set(doorHex, pending)
    const topic = doorKeys(invite.door).topic
    this.#init.network.subscribe(topic)
    let delay = 250
    const ask = (): void => {
      if (this.#closed || !this.#joins.has(doorHex)) return
      const request = sealDoorMessage(
        invite.door,
        makeJoinRequest(invite, memberRecord(this.#self), this.#now()),
      )
      this.#init.network
        .publish(topic, request)
        .catch((err: unknown) => this.#log('join request not sent - %s', String(err)))
      delay = Math.min(delay * 2, 15_000)
      const timer = setTimeout(ask, delay)
      this.#cleanup.push(() => clearTimeout(timer))
    }
    ask()
    return pending
  }

  contactLink(): string {
    return `${this.#init.linkBase ?? ''}#contact=${encodeContactLink({
      version: 1,
      member: memberRecord(this.#self),
      door: this.#personalDoor,
      relays: [...(this.#init.relays ?? [])],
    })}`
  }

  async addContact(link: string): Promise<ConversationId> {
    const contact = parseContactLink(link)
    verifyMember(contact.member)
    const user = toHex(contact.member.identity)
    if (user === this.#self.userId) throw new InvalidArgumentError('that is your own contact link')
    for (const conv of this.#conversations.values()) {
      if (conv.record.kind === 'dm' && conv.membership.members.has(user) && conv.isMember) {
        return conv.record.conversationId
      }
    }
    const conv = await Conversation.create(this.#hostOrThrow(), {
      kind: 'dm',
      name: '',
      settings: { historyVisible: true, membersCanInvite: false },
    })
    this.#register(conv)
    this.#subscribe(conv)
    await conv.writeCtrl({ type: 'add', member: contact.member, role: 'member' })
    await conv.ensureEpoch()
    const doorTopic = doorKeys(contact.door).topic
    const welcomes = makeWelcomes(this.#self, contact.member, this.#welcomeSecrets(conv))
    // The contact may be offline: the welcome is republished with presence until it syncs.
    this.#pendingWelcomes.set(conv.id, { door: contact.door, messages: welcomes })
    for (const message of welcomes) {
      await this.#init.network
        .publish(doorTopic, sealDoorMessage(contact.door, message))
        .catch(() => undefined)
    }
    return conv.record.conversationId
  }

  readonly #pendingWelcomes = new Map<string, { door: Uint8Array; messages: DoorMessage[] }>()

  #welcomeSecrets(conv: Conversation): Omit<WelcomeSecrets, 'admittedBy' | 'signature'> {
    return {
      conversationId: conv.record.conversationId,
      conversationKind: conv.record.kind,
      name: conv.name,
      routing: conv.record.routing,
      door: conv.record.door,
      root: fromHex(conv.record.root),
      epochs: conv.epochSecrets(),
    }
  }

  // ------------------------------------------------------------------ door

  async #onDoor(topic: string, data: Uint8Array): Promise<void> {
    const personal = doorKeys(this.#personalDoor).topic === topic ? this.#personalDoor : undefined
    const conv = this.#doors.get(topic)
    const join = [...this.#joins.values()].find((j) => doorKeys(j.invite.door).topic === topic)
    const door = personal ?? conv?.record.door ?? join?.invite.door
    if (door === undefined) return
    let message
    try {
      message = openDoorMessage(door, data)
    } catch (err) {
      this.#log('door message dropped - %s', String(err))
      return
    }
    if (message.type === 'welcome') {
      await this.#onWelcome(message, door)
    } else if (conv !== undefined) {
      await this.#onJoinRequest(conv, message)
    }
  }

  async #onJoinRequest(
    conv: Conversation,
    request: Parameters<typeof verifyJoinRequest>[0],
  ): Promise<void> {
    if (!conv.isMember || !canAdd(conv.membership, this.#self.userId)) return
    try {
      verifyJoinRequest(request, conv.record.door, this.#now())
    } catch (err) {
      this.#log('join request refused - %s', String(err))
      return
    }
    const inviterDevice = toHex(request.inviterDevice)
    const inviterUser = [...conv.membership.members.entries()].find(([, m]) =>
      m.deviceKeys.includes(inviterDevice),
    )?.[0]
    if (inviterUser === undefined || !canAdd(conv.membership, inviterUser)) {
      this.#log('join request refused - the inviter may not add people (any more)')
      return
    }
    const joiner = toHex(request.member.identity)
    // Someone removed is not let back in by an invite they still hold (or one
    // that raced their removal); bringing them back takes a new decision.
    if (conv.wasRemoved(joiner)) {
      this.#log('join request refused - %s was removed from this conversation', joiner.slice(0, 8))
      return
    }
    if (!conv.membership.members.has(joiner)) {
      // Let a member who saw the request first admit it; others then only re-send the welcome.
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 300)))
      if (conv.wasRemoved(joiner)) return
      if (!conv.membership.members.has(joiner)) {
        await conv.writeCtrl({ type: 'add', member: request.member, role: 'member' })
        await conv.ensureEpoch()
      }
    }
    for (const welcome of makeWelcomes(this.#self, request.member, this.#welcomeSecrets(conv))) {
      await this.#init.network
        .publish(doorKeys(conv.record.door).topic, sealDoorMessage(conv.record.door, welcome))
        .catch(() => undefined)
    }
    this.#background(this.#announce(conv))
  }

  async #onWelcome(welcome: Parameters<typeof openWelcome>[1], door: Uint8Array): Promise<void> {
    let secrets
    try {
      secrets = openWelcome(this.#self, welcome)
    } catch (err) {
      this.#log('welcome refused - %s', String(err))
      return
    }
    if (secrets === undefined) return
    if (routingKeys(secrets.routing).conversationId !== secrets.conversationId) {
      this.#log('welcome refused - conversation id does not match its routing secret')
      return
    }
    let conv = this.#conversations.get(secrets.conversationId)
    if (conv === undefined) {
      conv = await Conversation.fromWelcome(this.#hostOrThrow(), {
        kind: secrets.conversationKind,
        routing: secrets.routing,
        door: secrets.door,
        root: secrets.root,
        epochs: secrets.epochs,
      })
      this.#register(conv)
      this.#subscribe(conv)
    }
    this.#background(this.#announce(conv))
    // The welcome carries secrets, not membership: the join completes once
    // sync brings the ctrl ops that admit us.
    this.#admitted.set(conv.id, { doorHex: toHex(door), name: secrets.name })
    await this.#finishJoin(conv)
    this.#background(this.#syncConversation(conv))
  }

  /** Completes a join once our own admission is in the conversation's membership. */
  async #finishJoin(conv: Conversation): Promise<void> {
    const waiting = this.#admitted.get(conv.id)
    if (waiting === undefined || !conv.isMember) return
    this.#admitted.delete(conv.id)
    const pending = this.#joins.get(waiting.doorHex)
    if (pending !== undefined) {
      this.#joins.delete(waiting.doorHex)
      await this.#init.storage.del(keys.join(waiting.doorHex))
      for (const waiter of pending.waiters) waiter(conv.record.conversationId)
    }
    this.#events.emit('joined', {
      conversationId: conv.record.conversationId,
      name: conv.name || waiting.name,
    })
  }

  readonly #admitted = new Map<string, { doorHex: string; name: string }>()

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

  async #message(conv: Conversation, messageId: string): Promise<MessageRecord> {
    const ts = await this.#init.storage.get(keys.msgId(conv.id, messageId))
    if (ts !== undefined) {
      const value = await this.#init.storage.get(
        keys.msg(conv.id, Number(new TextDecoder().decode(ts)), messageId),
      )
      if (value !== undefined) return decodeMessage(value)
    }
    throw new UnknownMessageError(`no message ${messageId} in this conversation`)
  }

  async history(
    conversationId: string,
    options: { limit?: number; before?: string } = {},
  ): Promise<HistoryMessage[]> {
    const conv = this.#conv(conversationId)
    const limit = Math.min(Math.max(options.limit ?? 50, 1), MAX_HISTORY_PAGE)
    let before: readonly string[] | undefined
    if (options.before !== undefined) {
      const anchor = await this.#message(conv, options.before)
      before = keys.msg(conv.id, anchor.ts, anchor.messageId)
    }
    const page: MessageRecord[] = []
    for await (const [, value] of this.#init.storage.range(keys.msgPrefix(conv.id), {
      reverse: true,
      limit,
      ...(before === undefined ? {} : { before }),
    })) {
      page.push(decodeMessage(value))
    }
    page.reverse()
    return page.map((m) => this.#present(conv, m))
  }

  async message(conversationId: string, messageId: string): Promise<HistoryMessage> {
    const conv = this.#conv(conversationId)
    return this.#present(conv, await this.#message(conv, messageId))
  }

  /** A stored message as the API shows it: with its edit, deletion, reactions and status. */
  #present(conv: Conversation, m: MessageRecord): HistoryMessage {
    const isAdmin = (user: string): boolean => isAdminRole(conv.roleOf(user))
    const edit = conv.shared.editOf(m.messageId, m.author)
    const deleted = conv.shared.isDeleted(m.messageId, m.author, isAdmin)
    return {
      messageId: m.messageId,
      author: m.author as UserId,
      authorName: conv.membership.members.get(m.author)?.name ?? '',
      text: deleted ? '' : (edit?.text ?? m.text),
      ts: m.ts,
      ...(m.replyTo === undefined ? {} : { replyTo: m.replyTo }),
      ...(edit === undefined ? {} : { edited: true as const }),
      ...(deleted ? { deleted: true as const } : {}),
      reactions: Object.fromEntries(conv.shared.reactionsOf(m.messageId)),
      ...(m.author === this.#self.userId ? { status: conv.deliveryOf(m.seq) } : {}),
    }
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

  // ------------------------------------------------------- network plumbing

  async #onPubsub(topic: Topic, data: Uint8Array): Promise<void> {
    const conv = this.#byTopic.get(topic)
    if (conv === undefined) {
      await this.#onDoor(topic, data)
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
      this.#onPresence(conv, message.sealed)
      return
    }
    try {
      const { header } = splitEnvelope(message.envelope)
      const before = conv.syncVector().get(toHex(header.senderTag)) ?? 0
      const outcome = await conv.ingest(message.envelope)
      if (header.seq > before + 1 && outcome !== 'duplicate')
        this.#background(this.#syncConversation(conv))
    } catch (err) {
      this.#log('envelope dropped - %s', String(err))
    }
  }

  #onPresence(conv: Conversation, sealed: Uint8Array): void {
    let presence: Presence
    try {
      presence = decodePresence(decrypt(conv.keys.baseKey, sealed, conv.keys.convTag))
    } catch (err) {
      this.#log('presence dropped - %s', String(err))
      return
    }
    const unsigned = encodePresence({ ...presence, signature: new Uint8Array(64) })
    if (!verifyWithLabel(presence.device, Labels.presence, unsigned, presence.signature)) return
    const device = toHex(presence.device)
    if (device === this.#self.deviceHex) return
    const isMemberDevice = [...conv.membership.members.values()].some((m) =>
      m.deviceKeys.includes(device),
    )
    // An unknown device may be a member whose admission we have not synced yet: keep the mapping anyway.
    let byConv = this.#memberPeers.get(presence.peerId)
    if (byConv === undefined) {
      byConv = new Map()
      this.#memberPeers.set(presence.peerId, byConv)
    }
    const fresh = !byConv.has(conv.id)
    byConv.set(conv.id, device)
    const peer = presence.peerId as PeerIdString
    const connected = this.#init.network
      .peers()
      .some((p) => p.peerId === peer && p.kind !== 'relayed')
    if (!connected) {
      this.#init.network
        .dial(peer, presence.addrs)
        .catch((err: unknown) => this.#log('dial %s failed - %s', peer, String(err)))
    } else if (fresh || !isMemberDevice) {
      this.#background(this.#syncWith(conv, peer))
    }
    if (isMemberDevice) this.#background(this.#rememberPeer(conv, device, presence))
  }

  /** Where each member device was last seen, written only when it moved: `cid/device` → `peer addrs`. */
  readonly #lastSeen = new Map<string, string>()

  async #rememberPeer(conv: Conversation, device: string, presence: Presence): Promise<void> {
    const where = `${presence.peerId} ${presence.addrs.join(' ')}`
    const id = `${conv.id}/${device}`
    if (this.#lastSeen.get(id) === where) return
    this.#lastSeen.set(id, where)
    await this.#init.storage.put(
      keys.peer(conv.id, device),
      encodeKnownPeer({ peerId: presence.peerId, addrs: presence.addrs, seen: this.#now() }),
    )
  }

  /**
   * At start, dials where members were last seen, in parallel with presence:
   * a member that is still there is connected (and synced, via #onPeer)
   * without waiting for its presence to come round. Only devices that are
   * still members, the most recently seen first, a few per conversation.
   */
  async #dialKnownPeers(conv: Conversation): Promise<void> {
    const devices = new Set([...conv.membership.members.values()].flatMap((m) => m.deviceKeys))
    const known: (KnownPeer & { device: string })[] = []
    for await (const [key, value] of this.#init.storage.range(keys.peerPrefix(conv.id))) {
      const device = key[3] ?? ''
      try {
        const peer = decodeKnownPeer(value)
        if (devices.has(device) && peer.peerId !== this.#init.network.peerId)
          known.push({ ...peer, device })
      } catch (err) {
        this.#log('stored peer of %s unreadable, dropped - %s', conv.id, String(err))
        await this.#init.storage.del(key)
      }
    }
    known.sort((a, b) => b.seen - a.seen)
    for (const peer of known.slice(0, KNOWN_PEERS_DIALLED)) {
      this.#lastSeen.set(`${conv.id}/${peer.device}`, `${peer.peerId} ${peer.addrs.join(' ')}`)
      let byConv = this.#memberPeers.get(peer.peerId)
      if (byConv === undefined) {
        byConv = new Map()
        this.#memberPeers.set(peer.peerId, byConv)
      }
      if (!byConv.has(conv.id)) byConv.set(conv.id, peer.device)
      this.#init.network
        .dial(peer.peerId as PeerIdString, peer.addrs)
        .catch((err: unknown) =>
          this.#log('known peer %s not reached - %s', peer.peerId, String(err)),
        )
    }
  }

  #onPeer(peerId: PeerIdString): void {
    const known = this.#memberPeers.has(peerId)
    if (!known) {
      // Someone new: it may be a member who has not heard our presence yet.
      for (const conv of this.#conversations.values()) this.#background(this.#announce(conv))
    }
    const byConv = this.#memberPeers.get(peerId)
    const peer = this.#init.network.peers().find((p) => p.peerId === peerId)
    if (byConv === undefined || peer === undefined || peer.kind === 'relayed') return
    for (const cid of byConv.keys()) {
      const conv = this.#conversations.get(cid)
      if (conv !== undefined) this.#background(this.#syncWith(conv, peerId))
    }
  }

  async #announceAll(): Promise<void> {
    for (const conv of this.#conversations.values()) await this.#announce(conv)
    for (const [cid, pending] of this.#pendingWelcomes) {
      const conv = this.#conversations.get(cid)
      // Stop re-sending once the contact has synced with us (they appear as a member peer).
      const synced = [...this.#memberPeers.values()].some((m) => m.has(cid) && conv !== undefined)
      if (synced) {
        this.#pendingWelcomes.delete(cid)
        continue
      }
      for (const message of pending.messages) {
        await this.#init.network
          .publish(doorKeys(pending.door).topic, sealDoorMessage(pending.door, message))
          .catch(() => undefined)
      }
    }
  }

  async #announce(conv: Conversation): Promise<void> {
    if (this.#closed || conv.record.ended !== undefined) return
    const { network } = this.#init
    const unsigned: Presence = {
      device: this.#self.device.publicKey,
      peerId: network.peerId,
      addrs: network
        .addresses()
        .filter((a) => a.includes('/webrtc') || !a.includes('/p2p-circuit'))
        .slice(0, 8),
      ts: this.#now(),
      signature: new Uint8Array(64),
    }
    const signature = signWithLabel(
      this.#self.device.secretKey,
      Labels.presence,
      encodePresence(unsigned),
    )
    const sealed = encrypt(
      conv.keys.baseKey,
      encodePresence({ ...unsigned, signature }),
      conv.keys.convTag,
    )
    await network
      .publish(conv.keys.topic, encodeTopicMessage({ type: 'presence', sealed }))
      .catch((err: unknown) => this.#log('presence not published - %s', String(err)))
  }

  async #periodicSync(): Promise<void> {
    for (const conv of this.#conversations.values()) {
      await this.#syncConversation(conv)
      await conv.republishOutbox()
    }
  }

  async syncNow(): Promise<void> {
    await Promise.all([...this.#conversations.values()].map((conv) => this.#syncConversation(conv)))
  }

  async #syncConversation(conv: Conversation): Promise<void> {
    const connected = new Set(
      this.#init.network
        .peers()
        .filter((p) => p.kind !== 'relayed')
        .map((p) => p.peerId),
    )
    const peers = [...this.#memberPeers.entries()]
      .filter(([peer, m]) => m.has(conv.id) && connected.has(peer as PeerIdString))
      .map(([peer]) => peer as PeerIdString)
    await Promise.all(peers.map((peer) => this.#syncWith(conv, peer)))
  }

  async #syncWith(conv: Conversation, peer: PeerIdString): Promise<void> {
    const id = `${conv.id}/${peer}`
    if (this.#syncing.has(id) || this.#closed) return
    this.#syncing.add(id)
    try {
      const stream = await this.#init.network.openStream(peer, asProtocolId(SYNC_PROTOCOL))
      const result = await syncAsInitiator(stream, conv, {
        onProgress: (received) =>
          this.#events.emit('sync', {
            conversationId: conv.record.conversationId,
            received,
            missing: conv.missing,
            done: false,
          }),
      })
      await this.#afterSync(conv, peer, result.theirs, result.accepted)
    } catch (err) {
      this.#log('sync of %s with %s failed - %s', conv.id, peer, String(err))
    } finally {
      this.#syncing.delete(id)
      this.#lastSync.set(id, this.#now())
    }
  }

  async #afterSync(
    conv: Conversation,
    peer: PeerIdString,
    theirs: ReadonlyMap<string, number>,
    accepted: number,
  ): Promise<void> {
    // Delivery counts only when a member's device (known by its signed
    // presence) holds our envelopes, and never beyond what we wrote.
    const device = this.#memberPeers.get(peer)?.get(conv.id)
    const isMember =
      device !== undefined &&
      [...conv.membership.members.values()].some((m) => m.deviceKeys.includes(device))
    const mine = Math.min(theirs.get(conv.myTagHex) ?? 0, conv.syncVector().get(conv.myTagHex) ?? 0)
    if (isMember && mine > 0) await conv.confirmDelivered(mine)
    this.#events.emit('sync', {
      conversationId: conv.record.conversationId,
      received: accepted,
      missing: conv.missing,
      done: true,
      peerId: peer,
    })
  }

  // ----------------------------------------------------------------- events

  #onChange(conv: Conversation, change: ConversationChange): void {
    const conversationId = conv.record.conversationId
    switch (change.type) {
      case 'message': {
        const m = change.message
        const name = conv.membership.members.get(m.author)?.name ?? ''
        this.#events.emit('message', {
          conversationId,
          messageId: m.messageId,
          author: m.author as UserId,
          authorName: name,
          text: m.text,
          ts: m.ts,
          ...(m.replyTo === undefined ? {} : { replyTo: m.replyTo }),
          mine: m.author === this.#self.userId,
        })
        return
      }
      case 'member':
        if (change.change === 'added' && change.user === this.#self.userId)
          this.#background(this.#finishJoin(conv))
        this.#events.emit('member', {
          conversationId,
          userId: change.user as UserId,
          change: change.change,
          ...(change.role === undefined ? {} : { role: change.role }),
        })
        return
      case 'removed':
        this.#init.network.unsubscribe(doorKeys(conv.record.door).topic)
        this.#events.emit('removed', { conversationId })
        return
      case 'state':
        if (change.kind === 'reaction' && change.messageId !== undefined) {
          this.#events.emit('reaction', {
            conversationId,
            messageId: change.messageId,
            userId: change.user as UserId,
            reactions: Object.fromEntries(conv.shared.reactionsOf(change.messageId)),
          })
        } else if (change.kind === 'edit' && change.messageId !== undefined) {
          const edit = conv.shared.editOf(change.messageId, change.user)
          if (edit !== undefined)
            this.#events.emit('edit', {
              conversationId,
              messageId: change.messageId,
              text: edit.text,
            })
        } else if (change.kind === 'delete' && change.messageId !== undefined) {
          this.#events.emit('delete', {
            conversationId,
            messageId: change.messageId,
            userId: change.user as UserId,
          })
        }
        return
      case 'delivered':
        this.#events.emit('delivery', { conversationId, upToSeq: change.upToSeq })
        return
    }
  }
}

function fromHex(value: string): Uint8Array {
  if (!/^([0-9a-f]{2})+$/.test(value)) throw new InvalidArgumentError(`"${value}" is not a user id`)
  const out = new Uint8Array(value.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(value.slice(i * 2, i * 2 + 2), 16)
  return out
}
