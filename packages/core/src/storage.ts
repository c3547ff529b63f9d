/**
 * What core needs from storage, and nothing more: bytes in, bytes out, keys
 * that are tuples of strings compared component by component, atomic batches
 * and ordered prefix ranges. Every implementation runs the compliance suite in
 * `testing/storage-compliance.ts`.
 *
 * Keys are versioned by their first component (`['v1', …]`) so a layout change
 * can live beside the old one while data migrates.
 */

/** A storage key: a non-empty tuple of strings, ordered component by component. */
export type Key = readonly string[]

export type BatchOp =
  | { readonly type: 'put'; readonly key: Key; readonly value: Uint8Array }
  | { readonly type: 'del'; readonly key: Key }

export interface RangeOptions {
  /** Only keys strictly after this one (it must share the prefix). */
  readonly after?: Key
  /** Only keys strictly before this one (it must share the prefix). */
  readonly before?: Key
  /** Newest (greatest) key first. */
  readonly reverse?: boolean
  /** At most this many entries. */
  readonly limit?: number
}

export interface StorageAdapter {
  get(key: Key): Promise<Uint8Array | undefined>
  put(key: Key, value: Uint8Array): Promise<void>
  del(key: Key): Promise<void>
  /** Applies every op or none. */
  batch(ops: readonly BatchOp[]): Promise<void>
  /** Entries whose key starts with every component of `prefix`, in key order. */
  range(prefix: Key, options?: RangeOptions): AsyncIterable<readonly [Key, Uint8Array]>
  close(): Promise<void>
}
