/**
 * A conversation's mutable state, kept as one Y.Doc per author user.
 *
 * Every `state` envelope is signed by its author device (the caller verifies
 * that) and its update is applied only to the document of that device's user,
 * after checkUpdate has made sure it inserts only as that device and deletes
 * only that user's entries. So a user can write nothing but their own
 * documents, and what counts is decided when reading: edits only from the
 * message author, deletions from the author or an admin, name/topic/pins only
 * from admins (roles come from the membership log, passed in as `isAdmin`).
 *
 * Yjs gives a document a single clientID. Local writes set it to the writing
 * device's id for the length of one transaction (Yjs reads it when it creates
 * items) and park it outside the device id space otherwise; see IDLE_CLIENT_ID.
 *
 * Indexes over the reactions, deletes, pins and meta maps are kept up to date
 * by observers, so a read for one message never scans other messages.
 */
import * as Y from 'yjs'
import { CorruptStorageError, DecodeError, InvalidArgumentError } from '@murmur/protocol'
import { Emitter } from '../events.ts'
import { IDLE_CLIENT_ID, yjsClientId } from './client-id.ts'
import { checkUpdate } from './validate.ts'
import {
  READ_KEY,
  ROOTS,
  isMetaField,
  parseReactionKey,
  reactionKey,
  readEdit,
  readMarker,
  readMeta,
  readTs,
} from './layout.ts'
import type { MetaField, Root } from './layout.ts'
import type {
  Deletion,
  Edit,
  IsAdmin,
  MetaValue,
  Pin,
  ReadMarker,
  SharedState,
  StateAuthor,
  StateChange,
  StateChangeKind,
  UserSnapshot,
} from './types.ts'

export interface SharedStateOptions {
  /** Clock for the timestamps of local writes, ms since the epoch. Default Date.now. */
  readonly now?: () => number
  /** Receives what an onChange listener throws. Default: rethrown in a microtask. */
  readonly onListenerError?: (err: unknown) => void
}

/** A Yjs v1 update with no structs and an empty delete set. */
const EMPTY_UPDATE: readonly number[] = [0, 0]

/** True for the update a local write returns when it changed nothing. */
export function isEmptyUpdate(update: Uint8Array): boolean {
  return update.length === 2 && update[0] === 0 && update[1] === 0
}

export function createSharedState(options: SharedStateOptions = {}): SharedState {
  return new DocPerUserState(options)
}

interface UserDoc {
  readonly doc: Y.Doc
  readonly maps: Readonly<Record<Root, Y.Map<unknown>>>
}

/** messageId → user → value; inner maps are removed when they empty. */
type Index<V> = Map<string, Map<string, V>>

const LOCAL = Symbol('local write')

class DocPerUserState implements SharedState {
  readonly #docs = new Map<string, UserDoc>()
  /** messageId → emoji → users */
  readonly #reactions = new Map<string, Map<string, Set<string>>>()
  readonly #deletes: Index<number> = new Map()
  readonly #pins: Index<number> = new Map()
  /** field → user → value */
  readonly #meta: Index<{ value: string; ts: number }> = new Map()
  readonly #changes = new Map<string, StateChange>()
  #quiet = false
  readonly #events: Emitter<{ change: StateChange }>
  readonly #now: () => number

  constructor(options: SharedStateOptions) {
    this.#now = options.now ?? Date.now
    this.#events = new Emitter(
      options.onListenerError ??
        ((err) =>
          queueMicrotask(() => {
            throw err
          })),
    )
  }

  apply(update: Uint8Array, author: StateAuthor, userDevices: readonly Uint8Array[]): void {
    checkUpdate(update, author.device, userDevices)
    const { doc } = this.#doc(author.user)
    try {
      Y.applyUpdate(doc, update)
    } catch (err) {
      throw new DecodeError('state update could not be applied', { cause: err })
    } finally {
      this.#flush()
    }
  }

  react(author: StateAuthor, messageId: string, emoji: string, on: boolean): Uint8Array {
    checkId(messageId, 'messageId')
    checkId(emoji, 'emoji')
    const key = reactionKey(messageId, emoji)
    return this.#write(author, ({ reactions }) => {
      if (on && reactions.get(key) !== true) reactions.set(key, true)
      if (!on && reactions.has(key)) reactions.delete(key)
    })
  }

  edit(author: StateAuthor, messageId: string, text: string): Uint8Array {
    checkId(messageId, 'messageId')
    return this.#write(author, ({ edits }) => {
      const prev = readEdit(edits.get(messageId))
      if (prev?.text === text) return
      edits.set(messageId, { text, ts: this.#after(prev?.ts) })
    })
  }

  deleteMessage(author: StateAuthor, messageId: string): Uint8Array {
    checkId(messageId, 'messageId')
    return this.#write(author, ({ deletes }) => {
      if (readTs(deletes.get(messageId)) === undefined) deletes.set(messageId, this.#now())
    })
  }

  setMeta(author: StateAuthor, field: MetaField, value: string): Uint8Array {
    if (!isMetaField(field)) throw new InvalidArgumentError(`unknown meta field ${String(field)}`)
    // Later than every value seen from anyone, so the newest write wins despite skewed clocks.
    let latest: number | undefined
    for (const v of this.#meta.get(field)?.values() ?? []) latest = Math.max(latest ?? v.ts, v.ts)
    const ts = this.#after(latest)
    return this.#write(author, ({ meta }) => meta.set(field, { value, ts }))
  }

  pin(author: StateAuthor, messageId: string, on: boolean): Uint8Array {
    checkId(messageId, 'messageId')
    return this.#write(author, ({ pins }) => {
      if (on && readTs(pins.get(messageId)) === undefined) pins.set(messageId, this.#now())
      if (!on && pins.has(messageId)) pins.delete(messageId)
    })
  }

  markRead(author: StateAuthor, messageId: string, ts: number): Uint8Array {
    checkId(messageId, 'messageId')
    if (!Number.isFinite(ts))
      throw new InvalidArgumentError('read marker ts must be a finite number')
    return this.#write(author, ({ read }) => {
      const prev = readMarker(read.get(READ_KEY))
      if (prev && (prev.ts > ts || (prev.ts === ts && prev.messageId >= messageId))) return
      read.set(READ_KEY, { messageId, ts })
    })
  }

  reactionsOf(messageId: string): Map<string, string[]> {
    const out = new Map<string, string[]>()
    const byEmoji = this.#reactions.get(messageId)
    if (byEmoji === undefined) return out
    for (const emoji of [...byEmoji.keys()].sort()) {
      out.set(emoji, [...(byEmoji.get(emoji) as Set<string>)].sort())
    }
    return out
  }

  editOf(messageId: string, messageAuthor: string): Edit | undefined {
    return readEdit(this.#docs.get(messageAuthor)?.maps.edits.get(messageId))
  }

  deletionOf(messageId: string, messageAuthor: string, isAdmin: IsAdmin): Deletion | undefined {
    const by: string[] = []
    let ts = Infinity
    for (const [user, at] of this.#deletes.get(messageId) ?? []) {
      if (user !== messageAuthor && !isAdmin(user)) continue
      by.push(user)
      ts = Math.min(ts, at)
    }
    return by.length === 0 ? undefined : { by: by.sort(), ts }
  }

  isDeleted(messageId: string, messageAuthor: string, isAdmin: IsAdmin): boolean {
    return this.deletionOf(messageId, messageAuthor, isAdmin) !== undefined
  }

  name(isAdmin: IsAdmin): string | undefined {
    return this.metaOf('name', isAdmin)?.value
  }

  topic(isAdmin: IsAdmin): string | undefined {
    return this.metaOf('topic', isAdmin)?.value
  }

  metaOf(field: MetaField, isAdmin: IsAdmin): MetaValue | undefined {
    let best: MetaValue | undefined
    for (const [user, v] of this.#meta.get(field) ?? []) {
      if (!isAdmin(user)) continue
      if (best === undefined || v.ts > best.ts || (v.ts === best.ts && user > best.by)) {
        best = { value: v.value, ts: v.ts, by: user }
      }
    }
    return best
  }

  pinned(isAdmin: IsAdmin): Pin[] {
    const out: Pin[] = []
    for (const [messageId, byUser] of this.#pins) {
      const by = [...byUser.keys()].filter(isAdmin).sort()
      if (by.length === 0) continue
      out.push({ messageId, ts: Math.max(...by.map((u) => byUser.get(u) as number)), by })
    }
    return out.sort((a, b) => b.ts - a.ts || compare(a.messageId, b.messageId))
  }

  readMarkerOf(user: string): ReadMarker | undefined {
    return readMarker(this.#docs.get(user)?.maps.read.get(READ_KEY))
  }

  readMarkers(): Map<string, ReadMarker> {
    const out = new Map<string, ReadMarker>()
    for (const user of [...this.#docs.keys()].sort()) {
      const marker = this.readMarkerOf(user)
      if (marker) out.set(user, marker)
    }
    return out
  }

  snapshot(): UserSnapshot[] {
    return [...this.#docs.keys()]
      .sort()
      .map((user) => ({ user, update: this.snapshotOf(user) as Uint8Array }))
  }

  snapshotOf(user: string): Uint8Array | undefined {
    const d = this.#docs.get(user)
    return d && Y.encodeStateAsUpdate(d.doc)
  }

  load(user: string, update: Uint8Array): void {
    const { doc } = this.#doc(user)
    this.#quiet = true
    try {
      Y.applyUpdate(doc, update)
    } catch (err) {
      throw new CorruptStorageError(`stored state of user ${user} could not be read`, {
        cause: err,
      })
    } finally {
      this.#quiet = false
      this.#changes.clear()
    }
  }

  stateVector(user: string): Uint8Array | undefined {
    const d = this.#docs.get(user)
    return d && Y.encodeStateVector(d.doc)
  }

  onChange(listener: (change: StateChange) => void): () => void {
    return this.#events.on('change', listener)
  }

  /** A timestamp from the clock, but later than `prev`. */
  #after(prev: number | undefined): number {
    const now = this.#now()
    return prev !== undefined && prev >= now ? prev + 1 : now
  }

  #write(author: StateAuthor, change: (maps: UserDoc['maps']) => void): Uint8Array {
    const { doc, maps } = this.#doc(author.user)
    let update: Uint8Array | undefined
    const capture = (u: Uint8Array, origin: unknown): void => {
      if (origin === LOCAL) update = u
    }
    doc.on('update', capture)
    doc.clientID = yjsClientId(author.device)
    try {
      doc.transact(() => change(maps), LOCAL)
    } finally {
      doc.clientID = IDLE_CLIENT_ID
      doc.off('update', capture)
      this.#flush()
    }
    return update ?? Uint8Array.from(EMPTY_UPDATE)
  }

  #doc(user: string): UserDoc {
    const existing = this.#docs.get(user)
    if (existing) return existing
    const doc = new Y.Doc()
    doc.clientID = IDLE_CLIENT_ID
    const maps = Object.fromEntries(
      ROOTS.map((root) => [root, doc.getMap<unknown>(root)]),
    ) as Record<Root, Y.Map<unknown>>
    const d: UserDoc = { doc, maps }
    this.#docs.set(user, d)
    for (const root of ROOTS) {
      maps[root].observe((event) => {
        for (const key of event.keysChanged) this.#index(root, user, key, maps[root].get(key))
      })
    }
    return d
  }

  /** Brings the indexes in line with the entry `key` of `user`'s `root` map, now `value`. */
  #index(root: Root, user: string, key: string, value: unknown): void {
    switch (root) {
      case 'reactions': {
        const parsed = parseReactionKey(key)
        if (parsed === undefined) return
        const { messageId, emoji } = parsed
        if (value === true) {
          let byEmoji = this.#reactions.get(messageId)
          if (byEmoji === undefined) this.#reactions.set(messageId, (byEmoji = new Map()))
          let users = byEmoji.get(emoji)
          if (users === undefined) byEmoji.set(emoji, (users = new Set()))
          users.add(user)
        } else {
          const byEmoji = this.#reactions.get(messageId)
          const users = byEmoji?.get(emoji)
          if (byEmoji === undefined || users === undefined) return
          users.delete(user)
          if (users.size === 0) byEmoji.delete(emoji)
          if (byEmoji.size === 0) this.#reactions.delete(messageId)
        }
        return this.#changed('reaction', user, messageId)
      }
      case 'edits':
        return this.#changed('edit', user, key)
      case 'deletes':
        put(this.#deletes, key, user, readTs(value))
        return this.#changed('delete', user, key)
      case 'pins':
        put(this.#pins, key, user, readTs(value))
        return this.#changed('pin', user, key)
      case 'meta':
        if (!isMetaField(key)) return
        put(this.#meta, key, user, readMeta(value))
        return this.#changed('meta', user)
      case 'read':
        if (key !== READ_KEY) return
        return this.#changed('read', user, readMarker(value)?.messageId)
    }
  }

  #changed(kind: StateChangeKind, user: string, messageId?: string): void {
    if (this.#quiet) return
    const change: StateChange = messageId === undefined ? { kind, user } : { kind, messageId, user }
    this.#changes.set(`${kind}\u0000${user}\u0000${messageId ?? ''}`, change)
  }

  /** Emits the changes of the transactions just run, once every index is up to date. */
  #flush(): void {
    if (this.#changes.size === 0) return
    const changes = [...this.#changes.values()]
    this.#changes.clear()
    for (const change of changes) this.#events.emit('change', change)
  }
}

function put<V>(index: Index<V>, key: string, user: string, value: V | undefined): void {
  let byUser = index.get(key)
  if (value !== undefined) {
    if (byUser === undefined) index.set(key, (byUser = new Map()))
    byUser.set(user, value)
  } else if (byUser !== undefined) {
    byUser.delete(user)
    if (byUser.size === 0) index.delete(key)
  }
}

function checkId(value: string, what: string): void {
  if (typeof value !== 'string' || value === '' || value.includes('\u0000')) {
    throw new InvalidArgumentError(`${what} must be a non-empty string without NUL characters`)
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
