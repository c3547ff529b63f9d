/**
 * The public shape of a conversation's mutable state (reactions, edits,
 * deletions, name and topic, pins, read markers). See state.ts for how it is
 * kept: one Yjs document per author user.
 */
import type { MetaField } from './layout.ts'

export type { MetaField }

/** The device writing or having signed an update, and the user it belongs to. */
export interface StateAuthor {
  /** The user's identity key, hex. */
  readonly user: string
  /** The device's Ed25519 public key. */
  readonly device: Uint8Array
}

export type StateChangeKind = 'reaction' | 'edit' | 'delete' | 'meta' | 'pin' | 'read'

/** Something in `user`'s document changed; re-read the view for `messageId` (or the meta). */
export interface StateChange {
  readonly kind: StateChangeKind
  readonly messageId?: string
  readonly user: string
}

/** Whether a user currently holds the admin or owner role, from the membership log. */
export type IsAdmin = (user: string) => boolean

export interface Edit {
  readonly text: string
  readonly ts: number
}

export interface Deletion {
  /** Sorted users whose deletion counts. */
  readonly by: readonly string[]
  /** The earliest counting deletion. */
  readonly ts: number
}

export interface MetaValue {
  readonly value: string
  readonly ts: number
  readonly by: string
}

export interface Pin {
  readonly messageId: string
  /** The latest pin among admins. */
  readonly ts: number
  readonly by: readonly string[]
}

export interface ReadMarker {
  readonly messageId: string
  readonly ts: number
}

export interface UserSnapshot {
  readonly user: string
  readonly update: Uint8Array
}

export interface SharedState {
  /**
   * Applies a verified `state` envelope's Yjs update to its author's document.
   * `userDevices` are the author user's devices, including former ones: another
   * device of the same user may overwrite or remove their entries.
   * Throws DecodeError or ForeignStateError and changes nothing when refused.
   */
  apply(update: Uint8Array, author: StateAuthor, userDevices: readonly Uint8Array[]): void

  // Local writes. Each returns the Yjs update to sign and send; a write that
  // changes nothing returns an empty update (see isEmptyUpdate).
  react(author: StateAuthor, messageId: string, emoji: string, on: boolean): Uint8Array
  edit(author: StateAuthor, messageId: string, text: string): Uint8Array
  deleteMessage(author: StateAuthor, messageId: string): Uint8Array
  setMeta(author: StateAuthor, field: MetaField, value: string): Uint8Array
  pin(author: StateAuthor, messageId: string, on: boolean): Uint8Array
  /** Moves the author's read marker forward; a marker at or past `ts` is left alone. */
  markRead(author: StateAuthor, messageId: string, ts: number): Uint8Array

  // The merged view.
  /** Emoji (sorted) → users who reacted with it (sorted), over all users' documents. */
  reactionsOf(messageId: string): Map<string, string[]>
  /** The edit in the message author's own document; edits written by anyone else do not count. */
  editOf(messageId: string, messageAuthor: string): Edit | undefined
  /** Set when the message author or a current admin deleted the message. */
  deletionOf(messageId: string, messageAuthor: string, isAdmin: IsAdmin): Deletion | undefined
  isDeleted(messageId: string, messageAuthor: string, isAdmin: IsAdmin): boolean
  /** The value with the greatest (ts, user) among current admins. */
  metaOf(field: MetaField, isAdmin: IsAdmin): MetaValue | undefined
  /** metaOf('name', isAdmin)?.value */
  name(isAdmin: IsAdmin): string | undefined
  /** metaOf('topic', isAdmin)?.value */
  topic(isAdmin: IsAdmin): string | undefined
  /** Messages pinned by any current admin, latest first. */
  pinned(isAdmin: IsAdmin): Pin[]
  readMarkerOf(user: string): ReadMarker | undefined
  /** User → read marker, for every user that has one. */
  readMarkers(): Map<string, ReadMarker>

  // Persistence.
  /** One full Yjs update per user document, sorted by user; compacts the history. */
  snapshot(): UserSnapshot[]
  /** One user's document as a single update (what to store for that user), if there is one. */
  snapshotOf(user: string): Uint8Array | undefined
  /** Applies trusted local data (from snapshot or stored updates) without checks. */
  load(user: string, update: Uint8Array): void
  /** The Yjs state vector of a user's document, or undefined if there is none. */
  stateVector(user: string): Uint8Array | undefined

  /** Called after every apply and local write that changed a document; not on load. */
  onChange(listener: (change: StateChange) => void): () => void
}
