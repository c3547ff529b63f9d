/**
 * `/config.json`: what a relay tells the web app it serves. Format (v1, JSON):
 *
 *   { "version": 1, "relays": ["/ip4/…/tcp/…/ws/p2p/…", …], "relayPeerId": "12D3…" }
 *
 * The app falls back to an address built from its own location when none of
 * the listed addresses is reachable from the browser (e.g. opened by LAN IP).
 */

import { DecodeError, TooLargeError } from './errors.ts'
import type { PeerIdString } from './ids.ts'
import { MAX_CONFIG } from './limits.ts'

export interface AppConfig {
  readonly version: 1
  readonly relays: readonly string[]
  readonly relayPeerId: PeerIdString
}

export function encodeAppConfig(config: AppConfig): string {
  return JSON.stringify(config)
}

export function decodeAppConfig(text: string): AppConfig {
  if (text.length > MAX_CONFIG) throw new TooLargeError('config.json', text.length, MAX_CONFIG)
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new DecodeError('config.json is not valid JSON')
  }
  if (typeof value !== 'object' || value === null)
    throw new DecodeError('config.json is not an object')
  const { version, relays, relayPeerId } = value as Record<string, unknown>
  if (version !== 1)
    throw new DecodeError(`config.json version ${JSON.stringify(version)} is unknown`)
  if (!Array.isArray(relays) || !relays.every((r) => typeof r === 'string' && r.length < 1024)) {
    throw new DecodeError('config.json "relays" must be a list of multiaddr strings')
  }
  if (typeof relayPeerId !== 'string' || relayPeerId.length === 0 || relayPeerId.length > 128) {
    throw new DecodeError('config.json "relayPeerId" must be a peer id')
  }
  return { version, relays: relays as string[], relayPeerId: relayPeerId as PeerIdString }
}
