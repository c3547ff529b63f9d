/**
 * The app as the UI sees it: which screen, who I am, the conversation list,
 * the network as it honestly is, and the intents a component can forward.
 * Engine events are bridged into runes here; components stay thin.
 */

import type {
  ConversationSummary,
  MemberSummary,
  Messenger,
  PeerConnection,
  RelayStatus,
  StorageAdapter,
} from '@murmur/core'
import { isErrorNamed, isExpired, parseContactLink, parseInviteLink } from '@murmur/protocol'
import type { ConversationKind, Role } from '@murmur/protocol'
import { boot, hasIdentity, openStorage, saveRelays, savedRelays } from './boot.ts'
import type { Booted } from './boot.ts'
import { describeError } from './errors.ts'

export type Phase = 'loading' | 'locked' | 'first-run' | 'starting' | 'ready' | 'failed'

export interface LinkPreview {
  readonly kind: 'join' | 'contact'
  readonly link: string
  /** Conversation name (invites) or the person's name (contacts). */
  readonly title: string
  readonly from: string
  readonly expired: boolean
}

export interface SyncStatus {
  readonly missing: number
  readonly fetching: boolean
}

/** What the notifications setting can report back to the person. */
export type NotificationState = 'on' | 'off' | 'blocked' | 'unsupported'

const NOTIFICATIONS_KEY = 'murmur.notifications'

export interface Notice {
  readonly id: number
  readonly kind: 'error' | 'info'
  readonly text: string
}

export class AppState {
  phase = $state<Phase>('loading')
  /** Why the app could not start, for people to read. */
  error = $state<string | undefined>(undefined)
  me = $state<{ userId: string; name: string } | undefined>(undefined)
  conversations = $state<ConversationSummary[]>([])
  selected = $state<string | undefined>(undefined)
  peers = $state<PeerConnection[]>([])
  relays = $state<RelayStatus[]>([])
  sync = $state<Record<string, SyncStatus>>({})
  online = $state(typeof navigator === 'undefined' ? true : navigator.onLine)
  /** An invite or contact link opened from the address bar, waiting for confirmation. */
  pendingLink = $state<LinkPreview | undefined>(undefined)
  notices = $state<Notice[]>([])
  /** Turns an error into the sentence people read; the shell swaps in a translated one. */
  describe: (err: unknown) => string = describeError
  /** Bumped on every engine event that may change what a chat shows. */
  revision = $state(0)
  /** The person's wish for new-message notifications (the browser's permission is separate). */
  notificationsWanted = $state(globalThis.localStorage?.getItem(NOTIFICATIONS_KEY) !== 'off')

  #storage: StorageAdapter | undefined
  #booted: Booted | undefined
  #noticeId = 0
  readonly #cleanup: Array<() => void> = []

  get messenger(): Messenger | undefined {
    return this.#booted?.messenger
  }

  get configuredRelays(): readonly string[] {
    return this.#booted?.relays ?? []
  }

  /** This tab's libp2p peer id, once running. */
  get peerId(): string | undefined {
    return this.phase === 'ready' ? this.#booted?.messenger.peerId : undefined
  }

  get selectedConversation(): ConversationSummary | undefined {
    return this.conversations.find((c) => c.conversationId === this.selected)
  }

  // ---------------------------------------------------------------- start-up

  /** Opens storage (one tab per profile) and either starts or asks for a first run. */
  async init(): Promise<void> {
    this.phase = 'loading'
    this.error = undefined
    this.#readLinkFromLocation()
    window.addEventListener('hashchange', () => this.#readLinkFromLocation())
    window.addEventListener('online', () => (this.online = true))
    window.addEventListener('offline', () => (this.online = false))
    if (!(await this.#takeTabLock())) {
      this.phase = 'locked'
      return
    }
    try {
      this.#storage = await openStorage()
      if (await hasIdentity(this.#storage)) await this.#start({})
      else this.phase = 'first-run'
    } catch (err) {
      this.#fail(err)
    }
  }

  /**
   * After a failed start: starts again with the storage and tab lock already
   * held (a second init would find the lock taken by this very page).
   */
  async retry(): Promise<void> {
    const storage = this.#storage
    if (storage === undefined) {
      window.location.reload()
      return
    }
    this.error = undefined
    this.phase = 'loading'
    try {
      if (await hasIdentity(storage)) await this.#start({})
      else this.phase = 'first-run'
    } catch (err) {
      this.#fail(err)
    }
  }

  /** First run: make an identity on this device (the name may be empty: set it later). */
  async createIdentity(name: string): Promise<void> {
    await this.#start(name.trim() === '' ? {} : { name: name.trim() })
  }

  /** First run: bring an identity from a backup file instead. Throws WrongPassphraseError. */
  async restoreIdentity(backup: Uint8Array, passphrase: string): Promise<void> {
    await this.#start({ restore: { backup, passphrase } })
  }

  async #start(options: Parameters<typeof boot>[1]): Promise<void> {
    const storage = this.#storage
    if (storage === undefined) return
    this.phase = 'starting'
    try {
      this.#booted = await boot(storage, options)
    } catch (err) {
      if (isErrorNamed(err, 'WrongPassphraseError')) {
        this.phase = 'first-run'
        throw err
      }
      this.#fail(err)
      return
    }
    const { messenger, network } = this.#booted
    this.me = messenger.whoami()
    const refresh = (): void => this.refresh()
    this.#cleanup.push(
      network.on('peer:connect', refresh),
      network.on('peer:update', refresh),
      network.on('peer:disconnect', refresh),
      network.on('relay:change', refresh),
      messenger.on('message', (e) => {
        this.refresh()
        if (!e.mine) this.#notify(e.authorName, e.text, e.conversationId)
      }),
      messenger.on('edit', refresh),
      messenger.on('delete', refresh),
      messenger.on('reaction', refresh),
      messenger.on('delivery', refresh),
      messenger.on('member', refresh),
      messenger.on('joined', (e) => {
        this.refresh()
        this.selected ??= e.conversationId
      }),
      messenger.on('removed', refresh),
      messenger.on('sync', (e) => {
        this.sync = { ...this.sync, [e.conversationId]: { missing: e.missing, fetching: !e.done } }
        this.refresh()
      }),
    )
    const timer = setInterval(refresh, 2_000)
    this.#cleanup.push(() => clearInterval(timer))
    window.addEventListener('pagehide', () => void this.stop())
    this.phase = 'ready'
    this.refresh()
  }

  async stop(): Promise<void> {
    for (const fn of this.#cleanup.splice(0)) fn()
    const booted = this.#booted
    this.#booted = undefined
    if (booted === undefined) return
    await booted.messenger.close()
    await booted.network.stop()
    await booted.storage.close()
  }

  /** Re-reads what the engine holds; cheap, called on every event. */
  refresh(): void {
    const booted = this.#booted
    if (booted === undefined) return
    this.conversations = booted.messenger.conversations()
    this.peers = booted.network.peers()
    this.relays = booted.network.relays()
    const status = booted.messenger.status()
    const sync: Record<string, SyncStatus> = {}
    for (const c of status.conversations) {
      sync[c.conversationId] = {
        missing: c.missing,
        fetching: this.sync[c.conversationId]?.fetching ?? false,
      }
    }
    this.sync = sync
    this.me = booted.messenger.whoami()
    this.revision++
  }

  #fail(err: unknown): void {
    this.phase = 'failed'
    this.error = this.describe(err)
  }

  /** One tab per browser profile: two tabs would write the same device's log. */
  async #takeTabLock(): Promise<boolean> {
    const locks = navigator.locks as LockManager | undefined
    if (locks === undefined) return true
    return new Promise((resolve) => {
      void locks.request('murmur-device', { ifAvailable: true }, async (lock) => {
        resolve(lock !== null)
        if (lock === null) return
        // Hold the lock for the life of the page.
        await new Promise<void>((release) => window.addEventListener('pagehide', () => release()))
      })
    })
  }

  // ------------------------------------------------------------------ links

  #readLinkFromLocation(): void {
    const hash = window.location.hash
    if (!hash.startsWith('#join=') && !hash.startsWith('#contact=')) return
    const link = window.location.href
    // The fragment holds secrets: keep it out of the history and the address bar.
    history.replaceState(null, '', window.location.pathname + window.location.search)
    try {
      if (hash.startsWith('#join=')) {
        const invite = parseInviteLink(link)
        this.pendingLink = {
          kind: 'join',
          link,
          title: invite.conversationName,
          from: invite.inviterName,
          expired: isExpired(invite, Date.now()),
        }
      } else {
        const contact = parseContactLink(link)
        this.pendingLink = {
          kind: 'contact',
          link,
          title: contact.member.name,
          from: contact.member.name,
          expired: false,
        }
      }
    } catch (err) {
      this.notice('error', this.describe(err))
    }
  }

  dismissPendingLink(): void {
    this.pendingLink = undefined
  }

  /** Accepts the link waiting for confirmation; resolves once joined (or throws). */
  async acceptPendingLink(): Promise<void> {
    const pending = this.pendingLink
    const messenger = this.messenger
    if (pending === undefined || messenger === undefined) return
    this.pendingLink = undefined
    const cid =
      pending.kind === 'join'
        ? await messenger.join(pending.link, { timeoutMs: 60_000 })
        : await messenger.addContact(pending.link)
    this.refresh()
    this.selected = cid
  }

  /** Opens a link pasted into the app (same confirmation as opening it in the address bar). */
  previewLink(link: string): void {
    try {
      if (link.includes('#contact=')) {
        const contact = parseContactLink(link)
        this.pendingLink = {
          kind: 'contact',
          link,
          title: contact.member.name,
          from: contact.member.name,
          expired: false,
        }
      } else {
        const invite = parseInviteLink(link)
        this.pendingLink = {
          kind: 'join',
          link,
          title: invite.conversationName,
          from: invite.inviterName,
          expired: isExpired(invite, Date.now()),
        }
      }
    } catch (err) {
      this.notice('error', this.describe(err))
    }
  }

  // ---------------------------------------------------------------- intents

  select(conversationId: string | undefined): void {
    this.selected = conversationId
  }

  async createConversation(
    name: string,
    kind: Extract<ConversationKind, 'group' | 'channel'>,
  ): Promise<string> {
    const messenger = this.#require()
    const cid = await messenger.createConversation({ name, kind })
    this.refresh()
    this.selected = cid
    return cid
  }

  invite(conversationId: string): string {
    return this.#require().invite(conversationId)
  }

  contactLink(): string {
    return this.#require().contactLink()
  }

  async setName(name: string): Promise<void> {
    await this.#require().setName(name)
    this.refresh()
  }

  async setTopic(conversationId: string, field: 'name' | 'topic', value: string): Promise<void> {
    await this.#require().setTopic(conversationId, field, value)
    this.refresh()
  }

  async setRole(conversationId: string, userId: string, role: Role): Promise<void> {
    await this.#require().setRole(conversationId, userId, role)
    this.refresh()
  }

  async remove(conversationId: string, userId: string): Promise<void> {
    await this.#require().remove(conversationId, userId)
    this.refresh()
  }

  async leave(conversationId: string): Promise<void> {
    await this.#require().leave(conversationId)
    if (this.selected === conversationId) this.selected = undefined
    this.refresh()
  }

  /** Members of a conversation with their roles; re-read on every engine event. */
  members(conversationId: string): MemberSummary[] {
    void this.revision
    const messenger = this.messenger
    if (messenger === undefined) return []
    if (!this.conversations.some((c) => c.conversationId === conversationId)) return []
    return messenger.members(conversationId)
  }

  safetyNumber(userId: string): string {
    return this.#require().safetyNumber(userId)
  }

  async exportBackup(passphrase: string): Promise<Blob> {
    const bytes = await this.#require().exportIdentity(passphrase)
    return new Blob([bytes.slice().buffer], { type: 'application/octet-stream' })
  }

  /** Relays added in settings take effect on the next start (reload). */
  setRelays(relays: readonly string[]): void {
    saveRelays(relays)
  }

  get savedRelays(): string[] {
    return savedRelays()
  }

  /** Where notifications stand: the person's wish combined with the browser's permission. */
  get notifications(): NotificationState {
    if (typeof Notification === 'undefined') return 'unsupported'
    void this.revision
    if (Notification.permission === 'denied') return 'blocked'
    return this.notificationsWanted && Notification.permission === 'granted' ? 'on' : 'off'
  }

  /** Turns new-message notifications on (asking the browser first) or off. */
  async setNotifications(on: boolean): Promise<NotificationState> {
    this.notificationsWanted = on
    globalThis.localStorage?.setItem(NOTIFICATIONS_KEY, on ? 'on' : 'off')
    if (on && typeof Notification !== 'undefined' && Notification.permission === 'default') {
      await Notification.requestPermission()
    }
    this.revision++
    return this.notifications
  }

  notice(kind: Notice['kind'], text: string): void {
    const notice = { id: ++this.#noticeId, kind, text }
    this.notices = [...this.notices, notice]
    setTimeout(() => this.dismissNotice(notice.id), kind === 'error' ? 10_000 : 4_000)
  }

  dismissNotice(id: number): void {
    this.notices = this.notices.filter((n) => n.id !== id)
  }

  #require(): Messenger {
    const messenger = this.messenger
    if (messenger === undefined) throw new Error('Murmur is not running yet')
    return messenger
  }

  /** A browser notification for a new message while the tab is hidden (if allowed). */
  #notify(author: string, text: string, conversationId: string): void {
    if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return
    if (!this.notificationsWanted) return
    if (document.visibilityState !== 'hidden') return
    const conversation = this.conversations.find((c) => c.conversationId === conversationId)
    const n = new Notification(conversation?.name ?? author, {
      body: `${author}: ${text}`.slice(0, 200),
      tag: conversationId,
    })
    n.onclick = () => {
      window.focus()
      this.selected = conversationId
    }
  }
}

export const app = new AppState()
