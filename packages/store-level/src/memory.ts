/**
 * An in-memory StorageAdapter with the same semantics as the LevelDB one:
 * the same key encoding and byte order, atomic batches, copied values.
 * Entries live in an array sorted by encoded key; lookups are binary
 * searches, and inserting moves the tail of the array (a memmove, not a sort).
 * Used to test core with many peers in one process.
 */

import type { BatchOp, Key, RangeOptions, StorageAdapter } from '@murmur/core/storage'
import { NotStartedError } from '@murmur/protocol'
import { compareBytes, encodeKey, encodeRange } from './keys.ts'
import { assertValue, encodeBatch, type EncodedOp } from './ops.ts'

interface Entry {
  readonly key: Uint8Array
  /** The decoded tuple, kept so ranges need not decode. */
  readonly tuple: readonly string[]
  readonly value: Uint8Array
}

/** Creates an empty in-memory storage; its contents are gone once it is closed. */
export function createMemoryStorage(): StorageAdapter {
  let entries: Entry[] = []
  let closed = false

  const assertOpen = (): void => {
    if (closed) throw new NotStartedError('This storage has been closed')
  }

  /** Index of the first entry whose key is ≥ `key` (or > it when `strict`). */
  const search = (key: Uint8Array, strict = false): number => {
    let lo = 0
    let hi = entries.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      const c = compareBytes((entries[mid] as Entry).key, key)
      if (c < 0 || (strict && c === 0)) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  const apply = (op: EncodedOp, tuple: Key): void => {
    const i = search(op.key)
    const found = i < entries.length && compareBytes((entries[i] as Entry).key, op.key) === 0
    if (op.type === 'put') {
      const entry = { key: op.key, tuple: [...tuple], value: op.value.slice() }
      if (found) entries[i] = entry
      else entries.splice(i, 0, entry)
    } else if (found) {
      entries.splice(i, 1)
    }
  }

  return {
    async get(key: Key): Promise<Uint8Array | undefined> {
      assertOpen()
      const k = encodeKey(key)
      const entry = entries[search(k)]
      return entry !== undefined && compareBytes(entry.key, k) === 0
        ? entry.value.slice()
        : undefined
    },

    async put(key: Key, value: Uint8Array): Promise<void> {
      assertOpen()
      const k = encodeKey(key)
      assertValue(value)
      apply({ type: 'put', key: k, value }, key)
    },

    async del(key: Key): Promise<void> {
      assertOpen()
      apply({ type: 'del', key: encodeKey(key) }, key)
    },

    async batch(ops: readonly BatchOp[]): Promise<void> {
      assertOpen()
      const encoded = encodeBatch(ops)
      encoded.forEach((op, i) => apply(op, (ops[i] as BatchOp).key))
    },

    async *range(prefix: Key, options?: RangeOptions): AsyncGenerator<readonly [Key, Uint8Array]> {
      assertOpen()
      const { gt, gte, lt, reverse, limit } = encodeRange(prefix, options)
      const from = gt !== undefined ? search(gt, true) : gte !== undefined ? search(gte) : 0
      const to = Math.max(from, search(lt))
      let [lo, hi] = [from, to]
      if (limit !== undefined && reverse) lo = Math.max(from, to - limit)
      else if (limit !== undefined) hi = Math.min(to, from + limit)
      // Entries are replaced, never mutated in place, so this slice is a snapshot.
      const view = entries.slice(lo, hi)
      if (reverse) view.reverse()
      for (const entry of view) {
        yield [[...entry.tuple], entry.value.slice()]
        assertOpen()
      }
    },

    async close(): Promise<void> {
      closed = true
      entries = []
    },
  }
}
