/**
 * What core needs from the network, and nothing more. net-libp2p implements it
 * over libp2p (browser and Node presets); an in-memory implementation lets many
 * peers run in one process for tests. Every implementation runs the compliance
 * suite in `testing/network-compliance.ts`.
 */

import type { PeerIdString, ProtocolId, Topic } from '@murmur/protocol'

/**
 * How we reach a peer:
 * - `webrtc`: a direct WebRTC connection, peer to peer, no relay in the path;
 * - `direct`: another direct transport (TCP, WebSocket) to a peer that is not one of our relays;
 * - `relayed`: through a relay's circuit (limited in time and bytes, used for signalling);
 * - `relay`: the peer *is* one of our relays.
 */
export type ConnectionKind = 'webrtc' | 'direct' | 'relayed' | 'relay'

export interface PeerConnection {
  readonly peerId: PeerIdString
  /** The best connection we currently have to this peer. */
  readonly kind: ConnectionKind
  /** The remote multiaddr of that connection. */
  readonly remoteAddr: string
}

export interface RelayStatus {
  readonly addr: string
  readonly peerId: PeerIdString | undefined
  readonly state: 'connecting' | 'connected' | 'reserved' | 'unreachable'
  /** Why the last attempt failed, for people to read; set when `unreachable`. */
  readonly error?: string
}

export interface PubsubMessage {
  readonly topic: Topic
  readonly data: Uint8Array
}

/** A bidirectional stream of length-prefixed frames to one peer. */
export interface FramedStream {
  readonly remotePeer: PeerIdString
  /** Sends one frame; waits while the transport applies backpressure. */
  send(frame: Uint8Array): Promise<void>
  /** Frames as they arrive; ends when the remote closes its side. */
  frames(): AsyncIterable<Uint8Array>
  /** Closes our side gracefully. */
  close(): Promise<void>
  /** Tears the stream down at once. */
  abort(err: Error): void
}

export type StreamHandler = (stream: FramedStream) => void | Promise<void>

export interface NetworkEvents {
  message: PubsubMessage
  'peer:connect': PeerConnection
  /** The best connection to a known peer changed, e.g. relayed → webrtc. */
  'peer:update': PeerConnection
  'peer:disconnect': { readonly peerId: PeerIdString }
  'relay:change': RelayStatus
}

export interface NetworkAdapter {
  readonly peerId: PeerIdString
  start(): Promise<void>
  stop(): Promise<void>
  subscribe(topic: Topic): void
  unsubscribe(topic: Topic): void
  publish(topic: Topic, data: Uint8Array): Promise<void>
  handle(protocol: ProtocolId, handler: StreamHandler): Promise<void>
  unhandle(protocol: ProtocolId): Promise<void>
  openStream(peer: PeerIdString, protocol: ProtocolId): Promise<FramedStream>
  /** Connects to a peer at the given addresses (a hint, e.g. from presence); resolves once connected. */
  dial(peer: PeerIdString, addrs: readonly string[]): Promise<void>
  /** Peers we hold a connection to, relays excluded. */
  peers(): PeerConnection[]
  relays(): RelayStatus[]
  /** Addresses other peers can dial us at. */
  addresses(): string[]
  on<K extends keyof NetworkEvents>(
    type: K,
    listener: (event: NetworkEvents[K]) => void,
  ): () => void
}
