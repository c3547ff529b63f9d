/**
 * One open conversation as the chat pane sees it: the message window (see
 * message-window.svelte.ts), the composer's draft, the reply/edit target,
 * which message's actions are open, what may be done to each message, and
 * the intents a component forwards. Own messages show at once as a pending
 * placeholder, swapped for the stored message when `send` resolves. The
 * conversation is marked read while its newest message is in view and the
 * tab is visible. Everything the engine refuses surfaces as an app notice.
 */

import type { MemberSummary, Messenger } from '@murmur/core'
import { isErrorNamed, MAX_TEXT_BYTES } from '@murmur/protocol'
import type { MessageId, UserId } from '@murmur/protocol'
import { app } from './app.svelte.ts'
import { describeError } from './errors.ts'
import { i18n } from './i18n.svelte.ts'
import { chat as chatTable } from './i18n/chat.ts'
import { MessageWindow } from './message-window.svelte.ts'
import type { ChatMessage } from './message-window.svelte.ts'
import { utf8Length } from './timeline.ts'

export type { ChatMessage } from './message-window.svelte.ts'
export { PAGE_SIZE } from './message-window.svelte.ts'

const HIGHLIGHT_MS = 2_000
export const QUICK_REACTIONS = ['👍', '❤️', '😂', '😮', '😢', '🙏'] as const

export type ChatStrings = (typeof chatTable)['en']

/** The chat strings in the current language (reactive). */
export function chatStrings(): ChatStrings {
  return chatTable[i18n.language]
}

export type ScrollRequest =
  | { readonly kind: 'bottom' }
  | { readonly kind: 'message'; readonly messageId: string; readonly align: 'start' | 'center' }

/** Unsent drafts by conversation, for this tab's life (not shown anywhere: plain Map). */
// eslint-disable-next-line svelte/prefer-svelte-reactivity
const drafts = new Map<string, string>()
let localIds = 0

export class ChatState {
  readonly conversationId: string
  /** The composer's text (bound by the textarea). */
  draft = $state('')

  #replyTo = $state.raw<ChatMessage | undefined>(undefined)
  #editing = $state.raw<ChatMessage | undefined>(undefined)
  #confirmingDelete = $state.raw<ChatMessage | undefined>(undefined)
  #menu = $state.raw<{ messageId: string; mode: 'actions' | 'react' } | undefined>(undefined)
  #highlighted = $state<string | undefined>(undefined)
  #scrollRequest = $state.raw<ScrollRequest | undefined>(undefined)
  #focusComposer = $state(0)
  #firstUnreadId = $state<string | undefined>(undefined)
  #atBottom = $state(true)
  #newCount = $state(0)

  readonly #summary = $derived(
    app.conversations.find((c) => c.conversationId === this.conversationId),
  )
  readonly #members = $derived.by((): MemberSummary[] => {
    void app.revision
    try {
      return this.#messenger().members(this.conversationId)
    } catch (err) {
      if (isErrorNamed(err, 'UnknownConversationError')) return []
      throw err
    }
  })
  readonly #draftBytes = $derived(utf8Length(this.draft))

  readonly #window: MessageWindow
  #savedDraft = ''
  #disposed = false
  #readUpTo: string | undefined
  #highlightTimer: ReturnType<typeof setTimeout> | undefined
  readonly #cleanup: Array<() => void> = []

  constructor(conversationId: string) {
    this.conversationId = conversationId
    this.draft = drafts.get(conversationId) ?? ''
    this.#window = new MessageWindow({
      conversationId,
      messenger: this.#messenger(),
      onError: (err) => this.#fail(err),
      onChange: (fresh) => {
        if (!this.#atBottom) this.#newCount += fresh
        this.#maybeMarkRead()
      },
    })
    const onVisibility = (): void => this.#maybeMarkRead()
    document.addEventListener('visibilitychange', onVisibility)
    this.#cleanup.push(() => document.removeEventListener('visibilitychange', onVisibility))
    void this.#open()
  }

  dispose(): void {
    this.#disposed = true
    drafts.set(this.conversationId, this.#editing === undefined ? this.draft : this.#savedDraft)
    for (const fn of this.#cleanup.splice(0)) fn()
    this.#window.close()
    clearTimeout(this.#highlightTimer)
  }

  // ------------------------------------------------------------------ reads

  get phase(): 'loading' | 'ready' | 'failed' {
    return this.#window.phase
  }
  /** Oldest → newest. */
  get messages(): readonly ChatMessage[] {
    return this.#window.messages
  }
  /** True while older messages may exist before the loaded ones. */
  get hasMore(): boolean {
    return this.#window.hasMore
  }
  get loadingOlder(): boolean {
    return this.#window.loadingOlder
  }
  get replyTo(): ChatMessage | undefined {
    return this.#replyTo
  }
  get editing(): ChatMessage | undefined {
    return this.#editing
  }
  get confirmingDelete(): ChatMessage | undefined {
    return this.#confirmingDelete
  }
  /** The message whose action toolbar (or reaction picker) is open. */
  get menu(): { readonly messageId: string; readonly mode: 'actions' | 'react' } | undefined {
    return this.#menu
  }
  get highlighted(): string | undefined {
    return this.#highlighted
  }
  /** Where the list should scroll next; the list calls scrollHandled() once done. */
  get scrollRequest(): ScrollRequest | undefined {
    return this.#scrollRequest
  }
  /** Bumped when the composer should take focus (reply, edit). */
  get focusComposer(): number {
    return this.#focusComposer
  }
  /** The first message that was unread when the conversation opened. */
  get firstUnreadId(): string | undefined {
    return this.#firstUnreadId
  }
  /** Messages from others that arrived while the list was scrolled up. */
  get newCount(): number {
    return this.#newCount
  }
  get kind(): string | undefined {
    return this.#summary?.kind
  }
  get name(): string {
    return this.#summary?.name ?? ''
  }
  get members(): readonly MemberSummary[] {
    return this.#members
  }
  get me(): UserId | undefined {
    return app.messenger?.userId
  }
  get isAdmin(): boolean {
    const role = this.#members.find((m) => m.userId === this.me)?.role
    return role === 'owner' || role === 'admin'
  }
  /** Why the composer is disabled, for people to read; undefined when they may post. */
  get readOnlyReason(): string | undefined {
    const t = chatStrings()
    const ended = this.#summary?.ended
    if (ended === 'removed') return t.chatReadOnlyRemoved
    if (ended === 'left') return t.chatReadOnlyLeft
    if (this.kind === 'channel' && !this.isAdmin) return t.chatReadOnlyChannel
    return undefined
  }
  get draftBytes(): number {
    return this.#draftBytes
  }
  get maxBytes(): number {
    return MAX_TEXT_BYTES
  }
  get tooLong(): boolean {
    return this.#draftBytes > MAX_TEXT_BYTES
  }
  get canSubmit(): boolean {
    return this.readOnlyReason === undefined && this.draft.trim() !== '' && !this.tooLong
  }

  isMine(m: ChatMessage): boolean {
    return m.author === this.me
  }
  #usable(m: ChatMessage): boolean {
    return m.local !== true && m.deleted !== true && this.#summary?.ended === undefined
  }
  canReply(m: ChatMessage): boolean {
    return this.#usable(m) && this.readOnlyReason === undefined
  }
  canReact(m: ChatMessage): boolean {
    return this.#usable(m)
  }
  canEdit(m: ChatMessage): boolean {
    return this.#usable(m) && this.isMine(m)
  }
  /** Own messages; admins may delete anyone's (not in direct messages). */
  canDelete(m: ChatMessage): boolean {
    return this.#usable(m) && (this.isMine(m) || (this.isAdmin && this.kind !== 'dm'))
  }

  indexOf(messageId: string): number {
    return this.#window.indexOf(messageId)
  }

  /** A member's display name now (names change); falls back to the name on the message. */
  nameOf(userId: string, fallback = ''): string {
    const t = chatStrings()
    if (userId === this.me) return t.chatYou
    return this.#members.find((m) => m.userId === userId)?.name || fallback || t.chatSomeone
  }

  /** The message a reply quotes: undefined while loading, null when not on this device. */
  quoted(messageId: string): ChatMessage | null | undefined {
    return this.#window.quoted(messageId)
  }

  // ---------------------------------------------------------------- intents

  /** Sends the draft (or saves the edit). */
  async submit(): Promise<void> {
    if (this.#editing !== undefined) return this.#saveEdit()
    if (!this.canSubmit) return
    const text = this.draft
    const replyTo = this.#replyTo
    const messenger = this.#messenger()
    const me = messenger.whoami()
    const placeholder: ChatMessage = {
      messageId: `local:${++localIds}` as MessageId,
      author: me.userId,
      authorName: me.name,
      text,
      ts: Date.now(),
      reactions: {},
      status: 'pending',
      local: true,
      ...(replyTo === undefined ? {} : { replyTo: replyTo.messageId }),
    }
    this.draft = ''
    this.#replyTo = undefined
    this.#window.put(placeholder)
    this.#scrollRequest = { kind: 'bottom' }
    try {
      const options = replyTo === undefined ? {} : { replyTo: replyTo.messageId }
      const id = await messenger.send(this.conversationId, text, options)
      this.#window.settle(placeholder, await messenger.message(this.conversationId, id))
      this.#maybeMarkRead()
    } catch (err) {
      this.#window.settle(placeholder)
      if (this.draft === '') {
        this.draft = text
        this.#replyTo = replyTo
      }
      this.#fail(err)
    }
  }

  startReply(m: ChatMessage): void {
    if (!this.canReply(m)) return
    this.#leaveEdit()
    this.#replyTo = m
    this.#menu = undefined
    this.#focusComposer++
  }

  startEdit(m: ChatMessage): void {
    if (!this.canEdit(m)) return
    if (this.#editing === undefined) this.#savedDraft = this.draft
    this.#editing = m
    this.#replyTo = undefined
    this.draft = m.text
    this.#menu = undefined
    this.#focusComposer++
  }

  /** Up arrow in an empty composer edits my newest message, as in Telegram. */
  editLast(): boolean {
    const list = this.#window.messages
    for (let i = list.length - 1; i >= 0; i--) {
      const m = list[i] as ChatMessage
      if (this.canEdit(m)) {
        this.startEdit(m)
        return true
      }
    }
    return false
  }

  /** Escape: closes the open menu, else drops the reply or edit target. */
  cancel(): void {
    if (this.#menu !== undefined) {
      this.#menu = undefined
      return
    }
    this.#replyTo = undefined
    this.#leaveEdit()
  }

  openMenu(messageId: string, mode: 'actions' | 'react' = 'actions'): void {
    this.#menu = { messageId, mode }
  }

  closeMenu(): void {
    this.#menu = undefined
  }

  /** Toggles my reaction with `emoji`. */
  async react(m: ChatMessage, emoji: string): Promise<void> {
    this.#menu = undefined
    if (!this.canReact(m)) return
    const on = !(m.reactions[emoji] ?? []).includes(this.me ?? '')
    try {
      await this.#messenger().react(this.conversationId, m.messageId, emoji, on)
    } catch (err) {
      this.#fail(err)
    }
    this.#window.touch(m.messageId)
  }

  askDelete(m: ChatMessage): void {
    if (!this.canDelete(m)) return
    this.#menu = undefined
    this.#confirmingDelete = m
  }

  cancelDelete(): void {
    this.#confirmingDelete = undefined
  }

  async confirmDelete(): Promise<void> {
    const m = this.#confirmingDelete
    this.#confirmingDelete = undefined
    if (m === undefined) return
    if (this.#editing?.messageId === m.messageId) this.#leaveEdit()
    if (this.#replyTo?.messageId === m.messageId) this.#replyTo = undefined
    try {
      await this.#messenger().delete(this.conversationId, m.messageId)
    } catch (err) {
      this.#fail(err)
    }
    this.#window.touch(m.messageId)
  }

  async copy(m: ChatMessage): Promise<void> {
    this.#menu = undefined
    try {
      await navigator.clipboard.writeText(m.text)
      app.notice('info', chatStrings().chatCopiedText)
    } catch (err) {
      this.#fail(err)
    }
  }

  /** Loads the page before the oldest loaded message. */
  loadOlder(): Promise<void> {
    return this.#window.loadOlder()
  }

  /** Scrolls to a message (loading older pages until it is there) and highlights it. */
  async jumpTo(messageId: string): Promise<void> {
    let found: boolean
    try {
      found = await this.#window.reveal(messageId)
    } catch (err) {
      this.#fail(err)
      return
    }
    if (this.#disposed) return
    if (!found) {
      app.notice('info', chatStrings().chatNotFound)
      return
    }
    this.#scrollRequest = { kind: 'message', messageId, align: 'center' }
    this.#highlighted = messageId
    clearTimeout(this.#highlightTimer)
    this.#highlightTimer = setTimeout(() => (this.#highlighted = undefined), HIGHLIGHT_MS)
  }

  scrollToBottom(): void {
    this.#scrollRequest = { kind: 'bottom' }
  }

  scrollHandled(request: ScrollRequest): void {
    if (this.#scrollRequest === request) this.#scrollRequest = undefined
  }

  /** The list reports whether the newest message is in view. */
  setAtBottom(atBottom: boolean): void {
    if (this.#atBottom !== atBottom) this.#atBottom = atBottom
    if (atBottom && this.#newCount !== 0) this.#newCount = 0
    this.#maybeMarkRead()
  }

  /** Tries the first page again after it failed to load. */
  retry(): void {
    if (this.#window.phase === 'failed') void this.#open()
  }

  // --------------------------------------------------------------- internals

  #messenger(): Messenger {
    const messenger = app.messenger
    if (messenger === undefined) throw new Error('Murmur is not running yet')
    return messenger
  }

  #fail(err: unknown): void {
    if (!this.#disposed) app.notice('error', describeError(err))
  }

  /** Loads the newest page and, when some of it is unread, asks to start there. */
  async #open(): Promise<void> {
    const page = await this.#window.loadNewest()
    if (this.#disposed || this.#window.phase !== 'ready') return
    this.#firstUnreadId = this.#findFirstUnread(page, this.#summary?.unread ?? 0)
    if (this.#firstUnreadId !== undefined) {
      this.#scrollRequest = { kind: 'message', messageId: this.#firstUnreadId, align: 'start' }
    }
    this.#maybeMarkRead()
  }

  /** Counts back `unread` messages from others; the last one counted is the first unread. */
  #findFirstUnread(page: readonly ChatMessage[], unread: number): string | undefined {
    let seen = 0
    let first: string | undefined
    for (let i = page.length - 1; i >= 0 && seen < unread; i--) {
      const m = page[i] as ChatMessage
      if (m.author === this.me) continue
      seen++
      first = m.messageId
    }
    return first
  }

  #leaveEdit(): void {
    if (this.#editing === undefined) return
    this.#editing = undefined
    this.draft = this.#savedDraft
    this.#savedDraft = ''
  }

  async #saveEdit(): Promise<void> {
    const target = this.#editing
    if (target === undefined || this.tooLong) return
    const text = this.draft
    this.#leaveEdit()
    if (text.trim() === '' || text === target.text) return
    // Show the new text at once; re-reading the message settles it either way.
    this.#window.put({ ...target, text, edited: true })
    try {
      await this.#messenger().edit(this.conversationId, target.messageId, text)
    } catch (err) {
      this.#fail(err)
    }
    this.#window.touch(target.messageId)
  }

  #maybeMarkRead(): void {
    if (this.#disposed || this.#window.phase !== 'ready' || !this.#atBottom) return
    if (document.visibilityState !== 'visible') return
    const newest = this.#window.newest()
    if (newest === undefined || newest.messageId === this.#readUpTo) return
    this.#readUpTo = newest.messageId
    this.#messenger()
      .markRead(this.conversationId)
      .then(() => app.refresh())
      .catch((err: unknown) => this.#fail(err))
  }
}
