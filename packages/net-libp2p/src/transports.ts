/**
 * Transports for a Node peer: WebRTC (direct, peer to peer), WebSockets and
 * TCP (to reach relays), and the circuit relay transport (to be reachable
 * through a relay and to signal WebRTC through it). The browser build swaps
 * this module for `transports.browser.ts` through the package's `imports` map.
 */

import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { tcp } from '@libp2p/tcp'
import { webRTC } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import type { Libp2pOptions } from 'libp2p'

export function peerTransports(): NonNullable<Libp2pOptions['transports']> {
  return [tcp(), webSockets(), webRTC(), circuitRelayTransport()]
}
