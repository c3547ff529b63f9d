/**
 * Transports for a browser peer: WebRTC for direct connections, WebSockets to
 * reach relays, and the circuit relay transport. Browsers cannot listen on TCP.
 */

import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { webRTC } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import type { Libp2pOptions } from 'libp2p'

export function peerTransports(): NonNullable<Libp2pOptions['transports']> {
  return [webSockets(), webRTC(), circuitRelayTransport()]
}
