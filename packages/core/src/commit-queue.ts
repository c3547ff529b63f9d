/**
 * The serial queue every change to one conversation goes through, so storage
 * and memory change together, and group commit on top of it: sends and
 * ingests that queue up while the conversation is busy run together in one
 * serial run, their records written in one storage batch.
 */

import type { Logger } from './logger.ts'
import type { BatchOp, Key, StorageAdapter } from './storage.ts'
import { StagedWrites } from './staged-writes.ts'

/** Most sends/ingests one group run takes (see `grouped`); a sync frame counts as one. */
const MAX_GROUP = 256

export class CommitQueue {
  readonly #storage: StorageAdapter
  readonly #log: Logger
  readonly #publish: (envelope: Uint8Array) => Promise<void>
  #queue: Promise<unknown> = Promise.resolve()
  /** Work waiting for the next group run (see `grouped`). */
  readonly #group: {
    readonly task: () => Promise<unknown>
    readonly settle: { resolve(value: unknown): void; reject(error: unknown): void }
  }[] = []
  /** Set during a group run: its staged writes, and the envelopes it will publish. */
  #staged: StagedWrites | undefined
  #outgoing: Uint8Array[] = []

  /** `publish` sends one of our envelopes; it never throws (failures stay in the outbox). */
  constructor(
    storage: StorageAdapter,
    log: Logger,
    publish: (envelope: Uint8Array) => Promise<void>,
  ) {
    this.#storage = storage
    this.#log = log
    this.#publish = publish
  }

  serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task)
    this.#queue = run.catch(() => undefined)
    return run
  }

  /**
   * Group commit. Sends and ingests that queue up while the conversation is
   * busy run together in one serial run: each is applied in order as if it
   * ran alone, but their records go to storage in one batch, their envelopes
   * are published back to back (the transport coalesces them), and events
   * fire once the batch is written. Under load a burst of sends or gossiped
   * envelopes costs one storage write; alone, a send costs what it did.
   */
  grouped<T>(task: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#group.push({ task, settle: { resolve: resolve as (v: unknown) => void, reject } })
      if (this.#group.length === 1) void this.serial(() => this.#runGroup())
    })
  }

  async #runGroup(): Promise<void> {
    const items = this.#group.splice(0, MAX_GROUP)
    // What arrives from now on waits for the next run.
    if (this.#group.length > 0) void this.serial(() => this.#runGroup())
    const staged = new StagedWrites(this.#storage, (err) =>
      this.#log('after a write - %s', String(err)),
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
  async store(ops: readonly BatchOp[]): Promise<void> {
    if (this.#staged === undefined) await this.#storage.batch(ops)
    else this.#staged.write(ops)
  }

  /** Reads `key`, seeing what the ingest run under way has staged. */
  read(key: Key): Promise<Uint8Array | undefined> {
    return this.#staged?.get(key) ?? this.#storage.get(key)
  }

  /** Runs `task` once what was applied is durable. */
  whenStored(task: () => void): void {
    if (this.#staged === undefined) task()
    else this.#staged.afterFlush(task)
  }

  /** Writes what the run under way has staged so far, before storage is read directly. */
  async flushStaged(): Promise<void> {
    await this.#staged?.flush()
  }

  /** Publishes one of our envelopes now, or once the run under way is written. */
  async publish(envelope: Uint8Array): Promise<void> {
    if (this.#staged === undefined) await this.#publish(envelope)
    else this.#outgoing.push(envelope)
  }
}
