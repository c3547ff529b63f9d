/**
 * Checks a Yjs update against the device that signed it, before any of it
 * touches a document. Each user has a document of their own, so authority
 * comes from the envelope signature: an update may insert only structs of its
 * author device and delete only structs of that user's devices.
 */
import * as Y from 'yjs'
import { DecodeError, MurmurError } from '@murmur/protocol'
import { yjsClientId } from './client-id.ts'

/** A state update writes as a device other than the one that signed it. */
export class ForeignStateError extends MurmurError {
  override name = 'ForeignStateError'
}

/**
 * Throws DecodeError when `update` is not a Yjs (v1) update, ForeignStateError
 * when it inserts a struct of any client but `author`'s or deletes one of a
 * client outside `writers` (the author user's devices).
 */
export function checkUpdate(
  update: Uint8Array,
  author: Uint8Array,
  writers: readonly Uint8Array[],
): void {
  let decoded: ReturnType<typeof Y.decodeUpdate>
  try {
    decoded = Y.decodeUpdate(update)
  } catch (err) {
    throw new DecodeError('state update is not a valid Yjs update', { cause: err })
  }
  const own = yjsClientId(author)
  for (const struct of decoded.structs) {
    if (struct.id.client !== own) {
      throw new ForeignStateError(
        `state update inserts as Yjs client ${struct.id.client}, but its author device is client ${own}`,
      )
    }
  }
  if (decoded.ds.clients.size === 0) return
  const allowed = new Set(writers.map(yjsClientId))
  allowed.add(own)
  for (const client of decoded.ds.clients.keys()) {
    if (!allowed.has(client)) {
      throw new ForeignStateError(
        `state update deletes entries of Yjs client ${client}, which is not a device of its author`,
      )
    }
  }
}
