/**
 * Getting into conversations and letting others in, over doors (door.ts):
 * invite links, our join requests (re-sent until a welcome comes, and kept
 * across restarts), answering others' requests as a member who may add
 * people, welcomes, and contact links — a standing invitation to a DM on our
 * personal door.
 */

import { randomBytes, toHex } from '@murmur/crypto'
import {
  encodeContactLink,
  encodeInviteLink,
  InvalidArgumentError,
  isExpired,
  parseContactLink,
  parseInviteLink,
} from '@murmur/protocol'
import type {
  ConversationId,
  DoorMessage,
  InviteLink,
  Topic,
  WelcomeSecrets,
} from '@murmur/protocol'
import type { MessengerEvents } from './api.ts'
import { Conversation } from './conversation.ts'
import type { ConversationHost } from './conversation.ts'
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
import { InviteExpiredError, JoinTimeoutError, NotAllowedError } from './errors.ts'
import { memberRecord } from './identity.ts'
import { canAdd } from './membership.ts'
import type { MessengerParts } from './messenger.ts'
import { keys } from './records.ts'
import { fromHex } from './views.ts'

export const DEFAULT_INVITE_TTL = 7 * 24 * 60 * 60 * 1000

interface PendingJoin {
  readonly invite: InviteLink
  readonly waiters: Array<(cid: ConversationId) => void>
}

export interface JoinsInit extends MessengerParts {
  /** The conversation host (set once the messenger has started). */
  readonly host: () => ConversationHost
  /** Registers a conversation we created or joined, and subscribes to it. */
  readonly adopt: (conv: Conversation) => void
  /** Presence in a conversation, and sync with its member peers. */
  readonly peers: {
    announce(conv: Conversation): Promise<void>
    syncConversation(conv: Conversation): Promise<void>
  }
  readonly onJoined: (event: MessengerEvents['joined']) => void
  /** Relay multiaddrs and link prefix for the links we make. */
  readonly relays: readonly string[] | undefined
  readonly linkBase: string | undefined
}

export class Joins {
  readonly #init: JoinsInit
  /** door hex → our join waiting for a welcome. */
  readonly #joins = new Map<string, PendingJoin>()
  /** conversation id → welcomes to a contact, re-sent until the contact syncs. */
  readonly #pendingWelcomes = new Map<string, { door: Uint8Array; messages: DoorMessage[] }>()
  /** conversation id → a welcome taken, waiting for the ctrl ops that admit us. */
  readonly #admitted = new Map<string, { doorHex: string; name: string }>()
  #personalDoor: Uint8Array = new Uint8Array(0)

  constructor(init: JoinsInit) {
    this.#init = init
  }

  /** Reads our personal door secret (contact links), making one the first time. */
  async loadPersonalDoor(): Promise<void> {
    let door = await this.#init.storage.get(keys.door())
    if (door === undefined) {
      door = randomBytes(32)
      await this.#init.storage.put(keys.door(), door)
    }
    this.#personalDoor = door
  }

  /** The topic where contact requests for us arrive. */
  get personalDoorTopic(): Topic {
    return doorKeys(this.#personalDoor).topic
  }

  /** Resumes the joins still waiting for a welcome (after a restart). */
  async resumeStored(): Promise<void> {
    for await (const [key, value] of this.#init.storage.range(keys.joinPrefix())) {
      try {
        this.#resumeJoin(parseInviteLink(new TextDecoder().decode(value)))
      } catch (err) {
        this.#init.log('stored join %s unreadable, dropped - %s', key[2], String(err))
        await this.#init.storage.del(key)
      }
    }
  }

  // ------------------------------------------------------------------ invites

  invite(conv: Conversation, options: { expiresInMs?: number } = {}): string {
    if (!conv.isMember) throw new NotAllowedError('you are not a member of this conversation')
    if (!canAdd(conv.membership, this.#init.self.userId)) {
      throw new NotAllowedError('only admins can invite people to this conversation')
    }
    const link = makeInvite(
      this.#init.self,
      conv.record.door,
      this.#init.now() + (options.expiresInMs ?? DEFAULT_INVITE_TTL),
      this.#init.relays ?? [],
      conv.name,
    )
    return `${this.#init.linkBase ?? ''}#join=${encodeInviteLink(link)}`
  }

  async join(link: string, options: { timeoutMs?: number } = {}): Promise<ConversationId> {
    const invite = parseInviteLink(link)
    if (isExpired(invite, this.#init.now())) {
      throw new InviteExpiredError('this invite link has expired; ask for a new one')
    }
    const existing = this.#init.conversations.byDoor(doorKeys(invite.door).topic)
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
      if (this.#init.background.closed || !this.#joins.has(doorHex)) return
      const request = sealDoorMessage(
        invite.door,
        makeJoinRequest(invite, memberRecord(this.#init.self), this.#init.now()),
      )
      this.#init.network
        .publish(topic, request)
        .catch((err: unknown) => this.#init.log('join request not sent - %s', String(err)))
      delay = Math.min(delay * 2, 15_000)
      this.#init.background.after(delay, ask)
    }
    ask()
    return pending
  }

  // ----------------------------------------------------------------- contacts

  contactLink(): string {
    return `${this.#init.linkBase ?? ''}#contact=${encodeContactLink({
      version: 1,
      member: memberRecord(this.#init.self),
      door: this.#personalDoor,
      relays: [...(this.#init.relays ?? [])],
    })}`
  }

  async addContact(link: string): Promise<ConversationId> {
    const contact = parseContactLink(link)
    verifyMember(contact.member)
    const user = toHex(contact.member.identity)
    if (user === this.#init.self.userId)
      throw new InvalidArgumentError('that is your own contact link')
    for (const conv of this.#init.conversations.values()) {
      if (conv.record.kind === 'dm' && conv.membership.members.has(user) && conv.isMember) {
        return conv.record.conversationId
      }
    }
    const conv = await Conversation.create(this.#init.host(), {
      kind: 'dm',
      name: '',
      settings: { historyVisible: true, membersCanInvite: false },
    })
    this.#init.adopt(conv)
    await conv.writeCtrl({ type: 'add', member: contact.member, role: 'member' })
    await conv.ensureEpoch()
    const doorTopic = doorKeys(contact.door).topic
    const welcomes = makeWelcomes(this.#init.self, contact.member, this.#welcomeSecrets(conv))
    // The contact may be offline: the welcome is republished with presence until it syncs.
    this.#pendingWelcomes.set(conv.id, { door: contact.door, messages: welcomes })
    for (const message of welcomes) {
      await this.#init.network
        .publish(doorTopic, sealDoorMessage(contact.door, message))
        // Not fatal: the welcome is republished with presence until the contact syncs.
        .catch((err: unknown) => this.#init.log('welcome not sent yet - %s', String(err)))
    }
    return conv.record.conversationId
  }

  /**
   * Publishes the welcomes of contacts who have not synced with us yet;
   * `synced` says whether a member peer of that conversation has appeared.
   */
  async resendWelcomes(synced: (cid: string) => boolean): Promise<void> {
    for (const [cid, pending] of this.#pendingWelcomes) {
      const conv = this.#init.conversations.get(cid)
      // Stop re-sending once the contact has synced with us (they appear as a member peer).
      if (conv !== undefined && synced(cid)) {
        this.#pendingWelcomes.delete(cid)
        continue
      }
      for (const message of pending.messages) {
        await this.#init.network
          .publish(doorKeys(pending.door).topic, sealDoorMessage(pending.door, message))
          .catch((err: unknown) => this.#init.log('welcome not resent - %s', String(err)))
      }
    }
  }

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

  // --------------------------------------------------------------------- door

  /** A message on a door topic: a join request for a conversation we hold, or a welcome. */
  async onDoor(topic: string, data: Uint8Array): Promise<void> {
    const personal = doorKeys(this.#personalDoor).topic === topic ? this.#personalDoor : undefined
    const conv = this.#init.conversations.byDoor(topic)
    const join = [...this.#joins.values()].find((j) => doorKeys(j.invite.door).topic === topic)
    const door = personal ?? conv?.record.door ?? join?.invite.door
    if (door === undefined) return
    let message
    try {
      message = openDoorMessage(door, data)
    } catch (err) {
      this.#init.log('door message dropped - %s', String(err))
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
    if (!conv.isMember || !canAdd(conv.membership, this.#init.self.userId)) return
    try {
      verifyJoinRequest(request, conv.record.door, this.#init.now())
    } catch (err) {
      this.#init.log('join request refused - %s', String(err))
      return
    }
    const inviterDevice = toHex(request.inviterDevice)
    const inviterUser = [...conv.membership.members.entries()].find(([, m]) =>
      m.deviceKeys.includes(inviterDevice),
    )?.[0]
    if (inviterUser === undefined || !canAdd(conv.membership, inviterUser)) {
      this.#init.log('join request refused - the inviter may not add people (any more)')
      return
    }
    const joiner = toHex(request.member.identity)
    // Someone removed is not let back in by an invite they still hold (or one
    // that raced their removal); bringing them back takes a new decision.
    if (conv.wasRemoved(joiner)) {
      this.#init.log(
        'join request refused - %s was removed from this conversation',
        joiner.slice(0, 8),
      )
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
    for (const welcome of makeWelcomes(
      this.#init.self,
      request.member,
      this.#welcomeSecrets(conv),
    )) {
      await this.#init.network
        .publish(doorKeys(conv.record.door).topic, sealDoorMessage(conv.record.door, welcome))
        // The joiner keeps asking, so a lost welcome is answered again.
        .catch((err: unknown) => this.#init.log('welcome not sent - %s', String(err)))
    }
    this.#init.background.run(this.#init.peers.announce(conv))
  }

  async #onWelcome(welcome: Parameters<typeof openWelcome>[1], door: Uint8Array): Promise<void> {
    let secrets
    try {
      secrets = openWelcome(this.#init.self, welcome)
    } catch (err) {
      this.#init.log('welcome refused - %s', String(err))
      return
    }
    if (secrets === undefined) return
    if (routingKeys(secrets.routing).conversationId !== secrets.conversationId) {
      this.#init.log('welcome refused - conversation id does not match its routing secret')
      return
    }
    let conv = this.#init.conversations.get(secrets.conversationId)
    if (conv === undefined) {
      conv = await Conversation.fromWelcome(this.#init.host(), {
        kind: secrets.conversationKind,
        routing: secrets.routing,
        door: secrets.door,
        root: secrets.root,
        epochs: secrets.epochs,
      })
      this.#init.adopt(conv)
    }
    this.#init.background.run(this.#init.peers.announce(conv))
    // The welcome carries secrets, not membership: the join completes once
    // sync brings the ctrl ops that admit us.
    this.#admitted.set(conv.id, { doorHex: toHex(door), name: secrets.name })
    await this.finishJoin(conv)
    this.#init.background.run(this.#init.peers.syncConversation(conv))
  }

  /** Completes a join once our own admission is in the conversation's membership. */
  async finishJoin(conv: Conversation): Promise<void> {
    const waiting = this.#admitted.get(conv.id)
    if (waiting === undefined || !conv.isMember) return
    this.#admitted.delete(conv.id)
    const pending = this.#joins.get(waiting.doorHex)
    if (pending !== undefined) {
      this.#joins.delete(waiting.doorHex)
      await this.#init.storage.del(keys.join(waiting.doorHex))
      for (const waiter of pending.waiters) waiter(conv.record.conversationId)
    }
    this.#init.onJoined({
      conversationId: conv.record.conversationId,
      name: conv.name || waiting.name,
    })
  }
}
