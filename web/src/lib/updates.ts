/**
 * Coalesces the engine's per-message events for one conversation into
 * batches: a sync can bring hundreds of events in a burst, and the chat
 * fetches what they touched once per batch rather than once per event.
 * Batches are handed over one at a time, in order, so a slow fetch never
 * lands on top of a newer one.
 */

export interface UpdateBatch {
  /** Messages to fetch again (new, edited, deleted or reacted to). */
  readonly ids: readonly string[]
  /** Which of `ids` arrived as new messages. */
  readonly arrived: ReadonlySet<string>
  /** Delivery statuses of our own messages changed. */
  readonly delivery: boolean
}

export class UpdateQueue {
  readonly #apply: (batch: UpdateBatch) => Promise<void>
  readonly #onError: (err: unknown) => void
  readonly #delayMs: number
  #ids = new Set<string>()
  #arrived = new Set<string>()
  #delivery = false
  #timer: ReturnType<typeof setTimeout> | undefined
  #chain: Promise<void> = Promise.resolve()
  #closed = false

  constructor(
    apply: (batch: UpdateBatch) => Promise<void>,
    onError: (err: unknown) => void,
    delayMs = 16,
  ) {
    this.#apply = apply
    this.#onError = onError
    this.#delayMs = delayMs
  }

  /** A message changed (or, with `arrived`, is new). */
  add(messageId: string, arrived = false): void {
    this.#ids.add(messageId)
    if (arrived) this.#arrived.add(messageId)
    this.#schedule()
  }

  delivery(): void {
    this.#delivery = true
    this.#schedule()
  }

  has(messageId: string): boolean {
    return this.#ids.has(messageId)
  }

  /** Resolves once every batch handed over so far has been applied. */
  settled(): Promise<void> {
    return this.#chain
  }

  close(): void {
    this.#closed = true
    clearTimeout(this.#timer)
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#closed) return
    this.#timer = setTimeout(() => this.#flush(), this.#delayMs)
  }

  #flush(): void {
    this.#timer = undefined
    if (this.#closed) return
    const batch: UpdateBatch = {
      ids: [...this.#ids],
      arrived: this.#arrived,
      delivery: this.#delivery,
    }
    this.#ids = new Set()
    this.#arrived = new Set()
    this.#delivery = false
    this.#chain = this.#chain
      .then(() => (this.#closed ? undefined : this.#apply(batch)))
      .catch((err: unknown) => this.#onError(err))
  }
}
