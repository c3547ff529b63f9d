/**
 * The loaded window of one conversation's history, kept current: the newest
 * page first, older pages on demand (or until a searched-for message turns
 * up), and the engine's events folded in by re-reading the messages they
 * touched. The window is contiguous back from the newest message, so a late
 * message older than everything loaded waits for its page. Local
 * placeholders (own messages being sent) live here too, until swapped for
 * the stored message.
 */

import type { HistoryMessage, Messenger } from '@murmur/core'
import { isErrorNamed } from '@murmur/protocol'
import { SvelteMap } from 'svelte/reactivity'
import { compareMessages, mergeMessages } from './timeline.ts'
import { UpdateQueue } from './updates.ts'
import type { UpdateBatch } from './updates.ts'

export const PAGE_SIZE = 50
/** Largest page history() serves; used while searching far back. */
const MAX_PAGE = 500
/** Pending → sent has no event of its own: look again this often while any is pending. */
const PENDING_POLL_MS = 2_000

/** A message in the list; `local` marks the placeholder shown while sending. */
export type ChatMessage = HistoryMessage & { readonly local?: true }

export interface MessageWindowInit {
  readonly conversationId: string
  readonly messenger: Messenger
  /** Something failed that the person should hear about. */
  readonly onError: (err: unknown) => void
  /** Messages changed; `fresh` counts new messages from others that joined the window. */
  readonly onChange: (fresh: number) => void
}

export class MessageWindow {
  #phase = $state<'loading' | 'ready' | 'failed'>('loading')
  #messages = $state.raw<ChatMessage[]>([])
  #hasMore = $state(false)
  #loadingOlder = $state(false)
  /** Quoted messages outside the window; null when not on this device. */
  readonly #quotes = new SvelteMap<string, ChatMessage | null>()
  readonly #position = $derived(
    // Built once per list and never mutated: no need for a SvelteMap.
    // eslint-disable-next-line svelte/prefer-svelte-reactivity
    new Map<string, number>(this.#messages.map((m, i) => [m.messageId, i])),
  )

  readonly #init: MessageWindowInit
  readonly #updates: UpdateQueue
  /** Written while rendering (quoted() asks once per id), so it must not be reactive. */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #requestedQuotes = new Set<string>()
  readonly #cleanup: Array<() => void> = []
  #older: Promise<void> | undefined
  #loaded: Promise<void> = Promise.resolve()
  #closed = false

  constructor(init: MessageWindowInit) {
    this.#init = init
    this.#updates = new UpdateQueue((batch) => this.#apply(batch), init.onError)
    const { messenger, conversationId } = init
    const ours = (e: { conversationId: string }): boolean => e.conversationId === conversationId
    this.#cleanup.push(
      messenger.on('message', (e) => ours(e) && this.#updates.add(e.messageId, true)),
      messenger.on('edit', (e) => ours(e) && this.touch(e.messageId)),
      messenger.on('delete', (e) => ours(e) && this.touch(e.messageId)),
      messenger.on('reaction', (e) => ours(e) && this.touch(e.messageId)),
      messenger.on('delivery', (e) => ours(e) && this.#updates.delivery()),
    )
    const poll = setInterval(() => this.#pollPending(), PENDING_POLL_MS)
    this.#cleanup.push(() => clearInterval(poll))
  }

  close(): void {
    this.#closed = true
    for (const fn of this.#cleanup.splice(0)) fn()
    this.#updates.close()
  }

  get phase(): 'loading' | 'ready' | 'failed' {
    return this.#phase
  }
  /** Oldest → newest. */
  get messages(): readonly ChatMessage[] {
    return this.#messages
  }
  /** True while older messages may exist before the loaded ones. */
  get hasMore(): boolean {
    return this.#hasMore
  }
  get loadingOlder(): boolean {
    return this.#loadingOlder
  }

  has(messageId: string): boolean {
    return this.#position.has(messageId)
  }

  indexOf(messageId: string): number {
    return this.#position.get(messageId) ?? -1
  }

  /** The newest message that is stored (not a placeholder). */
  newest(): ChatMessage | undefined {
    for (let i = this.#messages.length - 1; i >= 0; i--) {
      const m = this.#messages[i] as ChatMessage
      if (m.local !== true) return m
    }
    return undefined
  }

  /**
   * The message a reply quotes: from the window, else fetched once.
   * undefined while loading, null when this device does not hold it.
   */
  quoted(messageId: string): ChatMessage | null | undefined {
    const index = this.#position.get(messageId)
    if (index !== undefined) return this.#messages[index]
    if (!this.#requestedQuotes.has(messageId)) {
      this.#requestedQuotes.add(messageId)
      void this.#fetchQuote(messageId)
    }
    return this.#quotes.get(messageId)
  }

  /** Loads the newest page; resolves with it (empty if loading failed). */
  loadNewest(): Promise<readonly ChatMessage[]> {
    this.#phase = 'loading'
    const page = this.#loadNewest()
    this.#loaded = page.then(() => undefined)
    return page
  }

  /** Loads the page before the oldest loaded message. */
  loadOlder(): Promise<void> {
    return this.#loadOlder(PAGE_SIZE)
  }

  /** Makes sure a message is in the window, loading older pages as needed; false if absent. */
  async reveal(messageId: string): Promise<boolean> {
    await this.#loaded
    if (this.#position.has(messageId)) return true
    let target: ChatMessage
    try {
      target = await this.#init.messenger.message(this.#init.conversationId, messageId)
    } catch (err) {
      if (isErrorNamed(err, 'UnknownMessageError')) return false
      throw err
    }
    const oldest = this.#oldest()
    if (oldest === undefined || !this.#hasMore || compareMessages(target, oldest) >= 0) {
      this.#messages = mergeMessages(this.#messages, [target])
    } else {
      await this.#loadOlder(MAX_PAGE, (page) => page.some((m) => m.messageId === messageId))
    }
    return this.#position.has(messageId)
  }

  /** Re-reads a message soon (it changed, or we changed it). */
  touch(messageId: string): void {
    const known =
      this.#phase === 'loading' || this.#position.has(messageId) || this.#quotes.has(messageId)
    if (known) this.#updates.add(messageId)
  }

  /** Shows a message right away (a placeholder, or an optimistic edit). */
  put(message: ChatMessage): void {
    this.#messages = mergeMessages(this.#messages, [message])
  }

  /** Swaps a placeholder for what the engine stored, or just drops it. */
  settle(placeholder: ChatMessage, stored?: ChatMessage): void {
    const without = this.#messages.filter((m) => m !== placeholder)
    this.#messages = stored === undefined ? without : mergeMessages(without, [stored])
  }

  // --------------------------------------------------------------- internals

  #oldest(): ChatMessage | undefined {
    return this.#messages.find((m) => m.local !== true)
  }

  async #loadNewest(): Promise<readonly ChatMessage[]> {
    try {
      const page = await this.#init.messenger.history(this.#init.conversationId, {
        limit: PAGE_SIZE,
      })
      if (this.#closed) return []
      this.#hasMore = page.length === PAGE_SIZE
      this.#messages = mergeMessages(this.#messages, page)
      this.#phase = 'ready'
      return page
    } catch (err) {
      this.#phase = 'failed'
      this.#init.onError(err)
      return []
    }
  }

  /**
   * Loads the page before the oldest loaded message; with `until`, keeps
   * loading pages until one satisfies it (or history ends), and shows them
   * all at once: one re-render however far back the search goes.
   */
  async #loadOlder(
    limit: number,
    until: (page: readonly ChatMessage[]) => boolean = () => true,
  ): Promise<void> {
    while (this.#older !== undefined) await this.#older
    if (!this.#hasMore || this.#phase !== 'ready' || this.#closed) return
    const oldest = this.#oldest()
    if (oldest === undefined) return
    this.#loadingOlder = true
    this.#older = (async () => {
      const pages: ChatMessage[] = []
      let before: string = oldest.messageId
      let more = true
      try {
        while (more && !this.#closed) {
          const page = await this.#init.messenger.history(this.#init.conversationId, {
            limit,
            before,
          })
          pages.unshift(...page)
          more = page.length === limit
          if (page[0] === undefined || until(page)) break
          before = page[0].messageId
        }
      } catch (err) {
        this.#init.onError(err)
      }
      if (this.#closed) return
      this.#hasMore = more
      this.#messages = mergeMessages(this.#messages, pages)
    })()
    try {
      await this.#older
    } finally {
      this.#older = undefined
      this.#loadingOlder = false
    }
  }

  async #fetchQuote(messageId: string): Promise<void> {
    try {
      const m = await this.#init.messenger.message(this.#init.conversationId, messageId)
      this.#quotes.set(messageId, m)
    } catch (err) {
      if (isErrorNamed(err, 'UnknownMessageError')) this.#quotes.set(messageId, null)
      else this.#init.onError(err)
    }
  }

  /** Fetches what a batch of events touched and merges it into the window. */
  async #apply(batch: UpdateBatch): Promise<void> {
    await this.#loaded
    if (this.#closed) return
    const { messenger, conversationId } = this.#init
    const fetched: ChatMessage[] = []
    const results = await Promise.allSettled(
      batch.ids.map((id) => messenger.message(conversationId, id)),
    )
    for (const result of results) {
      if (result.status === 'fulfilled') fetched.push(result.value)
      else if (!isErrorNamed(result.reason, 'UnknownMessageError'))
        this.#init.onError(result.reason)
    }
    if (batch.delivery) fetched.push(...(await this.#undeliveredTail()))
    if (this.#closed) return
    for (const m of fetched) if (this.#quotes.has(m.messageId)) this.#quotes.set(m.messageId, m)
    const oldest = this.#oldest()
    const fits = (m: ChatMessage): boolean =>
      this.#position.has(m.messageId) ||
      !this.#hasMore ||
      oldest === undefined ||
      compareMessages(m, oldest) >= 0
    const next = mergeMessages(this.#messages, fetched.filter(fits))
    if (next === this.#messages) return
    const me = messenger.userId
    const fresh = fetched.filter(
      (m) => batch.arrived.has(m.messageId) && !this.#position.has(m.messageId) && m.author !== me,
    ).length
    this.#messages = next
    this.#init.onChange(fresh)
  }

  /** Own messages from the oldest not yet delivered one to the newest, read again. */
  async #undeliveredTail(): Promise<ChatMessage[]> {
    const { messenger, conversationId } = this.#init
    const list = this.#messages
    let first = -1
    for (let i = list.length - 1; i >= 0; i--) {
      const m = list[i] as ChatMessage
      if (m.local !== true && m.status !== undefined && m.status !== 'delivered') first = i
    }
    if (first < 0) return []
    const count = list.length - first
    try {
      if (count <= MAX_PAGE) return await messenger.history(conversationId, { limit: count })
      const own = list.slice(first).filter((m) => m.local !== true && m.status !== 'delivered')
      return await Promise.all(own.map((m) => messenger.message(conversationId, m.messageId)))
    } catch (err) {
      this.#init.onError(err)
      return []
    }
  }

  #pollPending(): void {
    for (let i = this.#messages.length - 1; i >= 0; i--) {
      const m = this.#messages[i] as ChatMessage
      if (m.local !== true && m.status === 'pending') this.#updates.add(m.messageId)
    }
  }
}
