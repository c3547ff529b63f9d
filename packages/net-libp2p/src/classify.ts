/**
 * Tells what kind of path a libp2p connection is, for the UI and for tests:
 * a direct WebRTC connection, another direct transport, a relayed circuit, or
 * the connection to one of our relays.
 */

import type { Connection } from '@libp2p/interface'
import type { ConnectionKind } from '@murmur/core'

const RANK: Record<ConnectionKind, number> = { webrtc: 3, direct: 2, relay: 1, relayed: 0 }

export function classifyConnection(conn: Connection, isRelay: boolean): ConnectionKind {
  if (isRelay) return 'relay'
  const addr = conn.remoteAddr.toString()
  if (conn.limits !== undefined) return 'relayed'
  if (addr.includes('/webrtc')) return 'webrtc'
  if (addr.includes('/p2p-circuit')) return 'relayed'
  return 'direct'
}

/** Picks the best of a peer's open connections. */
export function bestConnection(
  conns: readonly Connection[],
  isRelay: boolean,
): { conn: Connection; kind: ConnectionKind } | undefined {
  let best: { conn: Connection; kind: ConnectionKind } | undefined
  for (const conn of conns) {
    if (conn.status !== 'open') continue
    const kind = classifyConnection(conn, isRelay)
    if (best === undefined || RANK[kind] > RANK[best.kind]) best = { conn, kind }
  }
  return best
}
