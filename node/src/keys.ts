/**
 * The relay's libp2p key, kept in its data directory so its PeerId (and so
 * every address that clients and invite links hold for it) survives restarts.
 * The file is written atomically and readable only by its owner.
 */

import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { CorruptStorageError } from '@murmur/protocol'
import { readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

export const KEY_FILE = 'relay-key'

export async function loadOrCreateKey(dataDir: string): Promise<PrivateKey> {
  const path = join(dataDir, KEY_FILE)
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
      `the relay key in ${path} is unreadable; restore it from a backup, or delete it to start with a new identity (clients will need the new address)`,
    )
  }
}
