/**
 * Node check before LevelDB opens a directory. LevelDB treats a directory
 * without a CURRENT file as a new database: it starts empty and deletes the
 * table and log files it finds as "obsolete". A lost CURRENT file would
 * silently wipe every message, so such a directory is refused as corrupt.
 * (Browsers get preflight.browser.ts: IndexedDB has no such files.)
 */

import { readdir } from 'node:fs/promises'
import { corruptStorageError, StorageIOError } from './errors.ts'

const LEVELDB_DATA = /^(?:\d+\.(?:ldb|sst|log)|MANIFEST-\d+)$/

export async function preflight(path: string): Promise<void> {
  let names: string[]
  try {
    names = await readdir(path)
  } catch (err) {
    const code = (err as { code?: unknown }).code
    // Missing: LevelDB creates it. Not a directory: the open reports that.
    if (code === 'ENOENT' || code === 'ENOTDIR') return
    throw new StorageIOError(
      `Could not read the storage directory ${path}: ${(err as Error).message}`,
      { cause: err },
    )
  }
  if (!names.includes('CURRENT') && names.some((name) => LEVELDB_DATA.test(name))) {
    throw corruptStorageError(
      path,
      'its CURRENT file is missing, so LevelDB would start empty and delete the data files',
    )
  }
}
