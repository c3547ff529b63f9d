/**
 * How one conversation's shared state (one Yjs doc per author) is stored:
 * per user a snapshot and the updates applied since, folded into the
 * snapshot every STATE_COMPACT_EVERY.
 */

import { keys } from './records.ts'
import type { SharedState } from './shared-state.ts'
import type { BatchOp, StorageAdapter } from './storage.ts'

/** State updates kept beside a snapshot before they are folded into it. */
export const STATE_COMPACT_EVERY = 256

export interface StateLogInit {
  readonly cid: string
  readonly storage: StorageAdapter
  readonly shared: SharedState
  /** Writes what the run under way has staged, before storage is read directly. */
  readonly flushStaged: () => Promise<void>
}

export class StateLog {
  readonly #init: StateLogInit
  /** user → number of state updates stored since that user's snapshot. */
  readonly #stateLog = new Map<string, number>()

  constructor(init: StateLogInit) {
    this.#init = init
  }

  /** Loads every user's snapshot and updates into the shared state. */
  async load(): Promise<void> {
    // Per user: the snapshot sorts before its updates ('snapshot' < 'u').
    for await (const [key, value] of this.#init.storage.range(keys.statePrefix(this.#init.cid))) {
      const user = key[3]
      if (user === undefined) continue
      this.#init.shared.load(user, value)
      if (key[4] === 'u') this.#stateLog.set(user, Number(key[5]))
    }
  }

  /**
   * Persists one applied update. Updates accumulate beside the user's
   * snapshot and are folded into it every STATE_COMPACT_EVERY, so a write
   * costs one small put, not a re-encoding of the whole document.
   */
  async ops(user: string, update: Uint8Array): Promise<BatchOp[]> {
    const n = (this.#stateLog.get(user) ?? 0) + 1
    if (n < STATE_COMPACT_EVERY) {
      this.#stateLog.set(user, n)
      return [{ type: 'put', key: keys.stateUpdate(this.#init.cid, user, n), value: update }]
    }
    this.#stateLog.set(user, 0)
    // The range below reads storage: write what this ingest run staged first.
    await this.#init.flushStaged()
    const ops: BatchOp[] = []
    for await (const [key] of this.#init.storage.range(keys.stateUpdates(this.#init.cid, user))) {
      ops.push({ type: 'del', key })
    }
    const snapshot = this.#init.shared.snapshotOf(user)
    if (snapshot !== undefined)
      ops.push({ type: 'put', key: keys.stateSnapshot(this.#init.cid, user), value: snapshot })
    return ops
  }
}
