/**
 * The writes of one ingest run (a sync frame of up to 1024 envelopes, or one
 * gossiped envelope), kept in memory and written as one storage batch, so a
 * frame costs one LevelDB write instead of one per envelope. Reads during the
 * run go through `get`, which sees what is staged. Work that must wait until
 * the data is durable (events, unread counts) is queued with `afterFlush`.
 */
import type { BatchOp, Key, StorageAdapter } from './storage.ts'

function id(key: Key): string {
  // Key components may hold any string; JSON keeps the boundaries unambiguous.
  return JSON.stringify(key)
}

export class StagedWrites {
  readonly #storage: StorageAdapter
  /** Latest op per key: a batch is atomic, so only the last write to a key matters. */
  #ops = new Map<string, BatchOp>()
  #after: (() => void)[] = []
  readonly #onError: (err: unknown) => void

  constructor(storage: StorageAdapter, onError: (err: unknown) => void) {
    this.#storage = storage
    this.#onError = onError
  }

  write(ops: readonly BatchOp[]): void {
    for (const op of ops) {
      const k = id(op.key)
      this.#ops.delete(k) // keep insertion order = order of the last writes
      this.#ops.set(k, op)
    }
  }

  async get(key: Key): Promise<Uint8Array | undefined> {
    const staged = this.#ops.get(id(key))
    if (staged !== undefined) return staged.type === 'put' ? staged.value : undefined
    return this.#storage.get(key)
  }

  afterFlush(task: () => void): void {
    this.#after.push(task)
  }

  /** Writes what is staged, then runs the queued tasks. Usable again afterwards. */
  async flush(): Promise<void> {
    const ops = [...this.#ops.values()]
    const after = this.#after
    this.#ops = new Map()
    this.#after = []
    if (ops.length > 0) await this.#storage.batch(ops)
    for (const task of after) {
      try {
        task()
      } catch (err) {
        this.#onError(err)
      }
    }
  }
}
