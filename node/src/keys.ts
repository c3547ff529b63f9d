/**
 * A libp2p key kept in a data directory, so the PeerId (and so every address
 * that clients and invite links hold for the relay, or that peers learnt of a
 * client) survives restarts. The file is written atomically and readable only
 * by its owner. The relay keeps `relay-key`, `murmur client` keeps `peer-key`.
 */

import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { CorruptStorageError } from '@murmur/protocol'
import { readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

export const KEY_FILE = 'relay-key'
export const PEER_KEY_FILE = 'peer-key'

export async function loadOrCreateKey(dataDir: string, file = KEY_FILE): Promise<PrivateKey> {
  const path = join(dataDir, file)
  let bytes: Uint8Array
  try {
    bytes = await readFile(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    const key = await generateKeyPair('Ed25519')
    await writeFile(`${path}.tmp`, privateKeyToProtobuf(key), { mode: 0o600 })
    await rename(`${path}.tmp`, path)
    return key
  }
  try {
    return privateKeyFromProtobuf(bytes)
  } catch {
    throw new CorruptStorageError(
      file === KEY_FILE
        ? `the relay key in ${path} is unreadable; restore it from a backup, or delete it to start with a new identity (clients will need the new address)`
        : `the libp2p key in ${path} is unreadable; restore it from a backup, or delete it to get a new PeerId (your Murmur identity is kept in the database, not in this file)`,
    )
  }
}
