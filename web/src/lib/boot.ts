/**
 * The browser composition root: IndexedDB storage (browser-level), the
 * browser libp2p preset, and the messenger on top. Nothing else in web/
 * constructs adapters.
 */

import { createMessenger } from '@murmur/core'
import type { Messenger } from '@murmur/core'
import { createLibp2pNetwork } from '@murmur/net-libp2p'
import type { Libp2pNetwork } from '@murmur/net-libp2p'
import { LOBBY_TOPIC } from '@murmur/protocol'
import type { AppConfig } from '@murmur/protocol'
import { createLevelStorage } from '@murmur/store-level'
import type { StorageAdapter } from '@murmur/core'
import { browserRelayAddrs, loadConfig } from './config.ts'

/** The IndexedDB database holding this browser profile's identity and conversations. */
export const DATABASE_NAME = 'murmur'
const RELAYS_KEY = 'murmur.relays'

export interface Booted {
  readonly config: AppConfig
  readonly relays: readonly string[]
  readonly storage: StorageAdapter
  readonly network: Libp2pNetwork
  readonly messenger: Messenger
}

/** Relays the person added in settings, on top of the serving relay. */
export function savedRelays(): string[] {
  try {
    const value: unknown = JSON.parse(localStorage.getItem(RELAYS_KEY) ?? '[]')
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []
  } catch {
    return [] // unreadable setting: start from none
  }
}

export function saveRelays(relays: readonly string[]): void {
  localStorage.setItem(RELAYS_KEY, JSON.stringify(relays))
}

/** True when this profile already holds an identity (not a first run). */
export async function hasIdentity(storage: StorageAdapter): Promise<boolean> {
  return (await storage.get(['v1', 'self'])) !== undefined
}

export async function openStorage(): Promise<StorageAdapter> {
  return createLevelStorage({ path: DATABASE_NAME })
}

export async function boot(
  storage: StorageAdapter,
  options: { name?: string; restore?: { backup: Uint8Array; passphrase: string } } = {},
): Promise<Booted> {
  const config = await loadConfig()
  const relays = [...new Set([...browserRelayAddrs(config, window.location), ...savedRelays()])]
  const network = await createLibp2pNetwork({ relays, discoveryTopic: LOBBY_TOPIC })
  await network.start()
  try {
    const messenger = await createMessenger({
      storage,
      network,
      relays,
      linkBase: `${window.location.origin}/`,
      ...(options.name === undefined ? {} : { name: options.name }),
      ...(options.restore === undefined ? {} : { restore: options.restore }),
    })
    return { config, relays, storage, network, messenger }
  } catch (err) {
    await network.stop()
    throw err
  }
}
