/**
 * StorageAdapter on `level`: classic-level (LevelDB) in Node, browser-level
 * (IndexedDB) in browsers, chosen by the `level` package's browser field. The
 * one platform-specific step, a check before opening, is `#preflight`
 * (preflight.ts in Node, preflight.browser.ts in browsers). Keys are stored as
 * the bytes of keys.ts, so both backends keep them in the same order.
 *
 * Every failure leaves as a typed error: a lock held by someone else as
 * StorageLockedError, damaged files as CorruptStorageError (the files are
 * left exactly as they were), other I/O as StorageIOError, use after close()
 * as NotStartedError.
 */

import type { BatchOp, Key, RangeOptions, StorageAdapter } from '@murmur/core/storage'
import {
  CorruptStorageError,
  DecodeError,
  InvalidArgumentError,
  MurmurError,
  NotStartedError,
} from '@murmur/protocol'
import { Level } from 'level'
import { corruptStorageError, StorageIOError, StorageLockedError } from './errors.ts'
import { preflight } from '#preflight'
import { decodeKey, encodeKey, encodeRange } from './keys.ts'
import { assertValue, encodeBatch } from './ops.ts'

export interface LevelStorageOptions {
  /** A directory in Node (created if missing); the IndexedDB database name in browsers. */
  readonly path: string
}

type Db = Level<Uint8Array, Uint8Array>

/** Opens (creating if needed) the database at `path`. */
export async function createLevelStorage(options: LevelStorageOptions): Promise<StorageAdapter> {
  const path = options?.path
  if (typeof path !== 'string' || path === '') {
    throw new InvalidArgumentError('createLevelStorage needs a non-empty `path`')
  }
  await preflight(path)
  const db: Db = new Level<Uint8Array, Uint8Array>(path, {
    keyEncoding: 'view',
    valueEncoding: 'view',
  })
  try {
    await db.open({ createIfMissing: true, errorIfExists: false })
  } catch (err) {
    throw openError(err, path)
  }
  return levelAdapter(db, path)
}

function levelAdapter(db: Db, path: string): StorageAdapter {
  let closed = false
  let closing: Promise<void> | undefined

  const assertOpen = (): void => {
    if (closed) throw new NotStartedError(`The storage at ${path} has been closed`)
  }

  /** Runs a level call, turning its failures into typed errors. */
  const run = async <T>(call: () => Promise<T>): Promise<T> => {
    assertOpen()
    try {
      return await call()
    } catch (err) {
      throw operationError(err, path, closed)
    }
  }

  return {
    async get(key: Key): Promise<Uint8Array | undefined> {
      assertOpen()
      const k = encodeKey(key)
      const value: Uint8Array | undefined = await run(() => db.get(k))
      return value === undefined ? undefined : ownBytes(value)
    },

    async put(key: Key, value: Uint8Array): Promise<void> {
      assertOpen()
      const k = encodeKey(key)
      assertValue(value)
      // Both backends copy the value before put() returns its promise
      // (LevelDB into a native slice, IndexedDB by structured clone).
      await run(() => db.put(k, value))
    },

    async del(key: Key): Promise<void> {
      assertOpen()
      const k = encodeKey(key)
      await run(() => db.del(k))
    },

    async batch(ops: readonly BatchOp[]): Promise<void> {
      assertOpen()
      const encoded = encodeBatch(ops)
      if (encoded.length === 0) return
      await run(() => db.batch(encoded))
    },

    async *range(prefix: Key, options?: RangeOptions): AsyncGenerator<readonly [Key, Uint8Array]> {
      assertOpen()
      const { gt, gte, lt, reverse, limit } = encodeRange(prefix, options)
      if (limit === 0) return
      const iterator = db.iterator({
        ...(gt !== undefined ? { gt } : {}),
        ...(gte !== undefined ? { gte } : {}),
        lt,
        reverse,
        limit: limit ?? Infinity,
      })
      try {
        while (true) {
          const entry = await run(() => iterator.next())
          if (entry === undefined) return
          const [k, v] = entry
          yield [storedKey(k, path), ownBytes(v)]
        }
      } finally {
        await iterator.close()
      }
    },

    async close(): Promise<void> {
      closed = true
      closing ??= db.close().catch((err: unknown) => {
        throw operationError(err, path, false)
      })
      await closing
    },
  }
}

/** A plain Uint8Array that owns its whole buffer (classic-level hands out Buffers). */
function ownBytes(bytes: Uint8Array): Uint8Array {
  if (bytes.constructor === Uint8Array) return bytes
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) {
    return new Uint8Array(bytes.buffer, 0, bytes.byteLength)
  }
  return new Uint8Array(bytes)
}

function storedKey(bytes: Uint8Array, path: string): string[] {
  try {
    return decodeKey(bytes)
  } catch (err) {
    if (err instanceof DecodeError) {
      throw new CorruptStorageError(
        `The storage at ${path} holds a key Murmur did not write (${err.message}). ` +
          'Nothing was changed; if this database belongs to another program, point Murmur at a different location.',
        { cause: err },
      )
    }
    throw err
  }
}

/** The codes of `err` and its causes, outermost first (level wraps open failures). */
function levelCodes(err: unknown): string[] {
  const codes: string[] = []
  for (let e = err; e instanceof Error && codes.length < 8; e = e.cause) {
    const code = (e as Error & { code?: unknown }).code
    if (typeof code === 'string') codes.push(code)
  }
  return codes
}

function innermostMessage(err: unknown): string {
  let e = err
  while (e instanceof Error && e.cause instanceof Error) e = e.cause
  return e instanceof Error ? e.message : String(e)
}

function openError(err: unknown, path: string): MurmurError {
  const codes = levelCodes(err)
  const detail = innermostMessage(err)
  if (codes.includes('LEVEL_LOCKED')) {
    return new StorageLockedError(
      `The storage at ${path} is already open in another process (or elsewhere in this one), ` +
        'most likely another Murmur running with the same data location. ' +
        `Stop that instance, or give this one a different data location. (${detail})`,
      { cause: err },
    )
  }
  if (codes.includes('LEVEL_CORRUPTION')) return corruptStorageError(path, detail, err)
  return new StorageIOError(
    `Could not open the storage at ${path}: ${detail}. ` +
      'Check that the location is a directory you can write to and that the disk is not full.',
    { cause: err },
  )
}

function operationError(err: unknown, path: string, closed: boolean): unknown {
  if (err instanceof MurmurError) return err
  const codes = levelCodes(err)
  if (codes.length === 0) return err
  const detail = innermostMessage(err)
  if (
    closed ||
    codes.includes('LEVEL_DATABASE_NOT_OPEN') ||
    codes.includes('LEVEL_ITERATOR_NOT_OPEN')
  ) {
    return new NotStartedError(`The storage at ${path} has been closed`, { cause: err })
  }
  if (codes.includes('LEVEL_CORRUPTION')) return corruptStorageError(path, detail, err)
  return new StorageIOError(`Reading or writing the storage at ${path} failed: ${detail}`, {
    cause: err,
  })
}
