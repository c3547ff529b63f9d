/**
 * Storage failures that only a storage backend can have. They extend
 * MurmurError and are compared by `name`, like the shared errors in
 * @murmur/protocol (CorruptStorageError, NotStartedError, …).
 */

import { CorruptStorageError, MurmurError } from '@murmur/protocol'

/** The database is held open by another process (or another adapter in this one). */
export class StorageLockedError extends MurmurError {
  override name = 'StorageLockedError'
}

/** The database could not be opened, read or written for a reason other than corruption or a lock. */
export class StorageIOError extends MurmurError {
  override name = 'StorageIOError'
}

/** A CorruptStorageError that says nothing was touched and what the person can do. */
export function corruptStorageError(
  path: string,
  detail: string,
  cause?: unknown,
): CorruptStorageError {
  return new CorruptStorageError(
    `The storage at ${path} is damaged and cannot be read (${detail}). Nothing in it was changed or deleted. ` +
      'Move that directory aside (keep it: it may be repairable) and start again with an empty one; ' +
      'conversations then sync back from your other devices and relays.',
    cause === undefined ? undefined : { cause },
  )
}
