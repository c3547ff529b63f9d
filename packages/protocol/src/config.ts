/**
 * `/config.json`: what a relay tells the web app it serves. Format (v1, JSON):
 *
 *   { "version": 1, "relays": ["/ip4/…/tcp/…/ws/p2p/…", …], "relayPeerId": "12D3…" }
 *
 * Each relay address is under 1024 characters, the peer id 1 to 128
 * characters (JavaScript string length), and the whole text at most
 * MAX_CONFIG bytes of UTF-8. The encoder refuses what the decoder would, so a
 * relay cannot serve a config its own web app rejects.
 *
 * The app falls back to an address built from its own location when none of
 * the listed addresses is reachable from the browser (e.g. opened by LAN IP).
 */

import { DecodeError, InvalidArgumentError, TooLargeError } from './errors.ts'
import type { PeerIdString } from './ids.ts'
import { MAX_CONFIG } from './limits.ts'

export interface AppConfig {
  readonly version: 1
  readonly relays: readonly string[]
  readonly relayPeerId: PeerIdString
}

/** Relay addresses must be shorter than this many characters. */
const MAX_RELAY_CHARS = 1024
const MAX_PEER_ID_CHARS = 128

const encoder = new TextEncoder()

const isRelay = (r: unknown): r is string => typeof r === 'string' && r.length < MAX_RELAY_CHARS
const isPeerId = (p: unknown): p is string =>
  typeof p === 'string' && p.length > 0 && p.length <= MAX_PEER_ID_CHARS

export function encodeAppConfig(config: AppConfig): string {
  const { version, relays, relayPeerId } = config
  if (version !== 1) throw new InvalidArgumentError('config.json version must be 1')
  if (!relays.every(isRelay)) {
    throw new InvalidArgumentError(
      `config.json relays must be strings under ${MAX_RELAY_CHARS} characters`,
    )
  }
  if (!isPeerId(relayPeerId)) {
    throw new InvalidArgumentError(
      `config.json relayPeerId must be 1 to ${MAX_PEER_ID_CHARS} characters`,
    )
  }
  // Only the documented fields, in a fixed order.
  const text = JSON.stringify({ version, relays, relayPeerId })
  const size = encoder.encode(text).length
  if (size > MAX_CONFIG) throw new TooLargeError('config.json', size, MAX_CONFIG)
  return text
}

export function decodeAppConfig(text: string): AppConfig {
  const size = encoder.encode(text).length
  if (size > MAX_CONFIG) throw new TooLargeError('config.json', size, MAX_CONFIG)
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
  if (!Array.isArray(relays) || !relays.every(isRelay)) {
    throw new DecodeError('config.json "relays" must be a list of multiaddr strings')
  }
  if (!isPeerId(relayPeerId)) {
    throw new DecodeError('config.json "relayPeerId" must be a peer id')
  }
  return { version, relays, relayPeerId: relayPeerId as PeerIdString }
}
