/**
 * A community relay: helps peers meet and never reads their traffic.
 *
 * - circuit relay v2 server, with limits sized for what a relay circuit is for
 *   in Murmur: signalling a direct WebRTC upgrade (a few KiB), not carrying a
 *   conversation;
 * - gossipsub member of the topics it hosts, so peers connected only to the
 *   relay still exchange pubsub messages through it: the permanent `topics`
 *   given at start, and whatever its connected peers ask it to host over
 *   `/murmur/host/1.0.0` (host.ts), within `maxTopicsPerPeer` and
 *   `maxHostedTopics`, each kept for `hostGraceMs` after its last host leaves;
 * - identify and ping.
 *
 * The relay listens on TCP and WebSockets. Serving the web app over HTTP on the
 * same port is the job of node/ (the composition root), which forwards
 * WebSocket upgrades to the listener here.
 */

import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { circuitRelayServer } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import type { ComponentLogger, Libp2p, PrivateKey } from '@libp2p/interface'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { webSockets } from '@libp2p/websockets'
import type { Topic } from '@murmur/protocol'
import { createLibp2p } from 'libp2p'
import { murmurGossipsub } from './gossip.ts'
import type { GossipSub } from './gossip.ts'
import { topicHost } from './host.ts'
import type { TopicHost } from './host.ts'

export interface RelayLimits {
  /** Peers that may hold a reservation at once. */
  readonly maxReservations: number
  /** How long a reservation lasts before the peer must renew it. */
  readonly reservationTtlMs: number
  /** How long one relayed circuit may stay open. */
  readonly circuitDurationMs: number
  /** How many bytes one relayed circuit may carry in each direction. */
  readonly circuitDataBytes: number
  /** Open connections the relay accepts in total. */
  readonly maxConnections: number
  /** Topics one peer may ask the relay to host. */
  readonly maxTopicsPerPeer: number
  /** Topics the relay hosts for all its peers together, grace periods included. */
  readonly maxHostedTopics: number
  /** How long a topic stays subscribed after the last peer hosting it leaves. */
  readonly hostGraceMs: number
}

export const DEFAULT_RELAY_LIMITS: RelayLimits = {
  maxReservations: 512,
  reservationTtlMs: 60 * 60 * 1000,
  circuitDurationMs: 2 * 60 * 1000,
  circuitDataBytes: 256 * 1024,
  maxConnections: 1024,
  maxTopicsPerPeer: 512,
  maxHostedTopics: 20_000,
  hostGraceMs: 10 * 60 * 1000,
}

export interface RelayInit {
  readonly privateKey: PrivateKey
  /** Multiaddrs to listen on, e.g. `/ip4/127.0.0.1/tcp/0/ws`. */
  readonly listen: readonly string[]
  /** Multiaddrs to advertise instead of the listen addresses (e.g. the public HTTP port). */
  readonly announce?: readonly string[]
  /** Topics the relay joins for good so that it forwards them; peers add others for a while. */
  readonly topics?: readonly Topic[]
  readonly limits?: Partial<RelayLimits>
  readonly logger?: ComponentLogger
}

type RelayServices = {
  pubsub: GossipSub
  relay: unknown
  identify: unknown
  ping: unknown
  host: TopicHost
}
export type RelayNode = Libp2p<RelayServices>

export async function createRelayNode(init: RelayInit): Promise<RelayNode> {
  const limits = { ...DEFAULT_RELAY_LIMITS, ...init.limits }
  return createLibp2p<RelayServices>({
    privateKey: init.privateKey,
    ...(init.logger === undefined ? {} : { logger: init.logger }),
    addresses: {
      listen: [...init.listen],
      ...(init.announce === undefined ? {} : { announce: [...init.announce] }),
    },
    transports: [tcp(), webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: {
      maxConnections: limits.maxConnections,
      // WebSocket upgrades arrive through node/'s HTTP server from loopback, so
      // per-address rate limits would count every client as one host.
      inboundConnectionThreshold: 1000,
    },
    connectionGater: { denyDialMultiaddr: () => false },
    services: {
      relay: circuitRelayServer({
        reservations: {
          maxReservations: limits.maxReservations,
          reservationTtl: limits.reservationTtlMs,
          applyDefaultLimit: true,
          defaultDurationLimit: limits.circuitDurationMs,
          defaultDataLimit: BigInt(limits.circuitDataBytes),
        },
      }),
      pubsub: murmurGossipsub({ canRelayMessage: true }),
      identify: identify(),
      ping: ping(),
      // After pubsub: a service sees the services declared before it.
      host: topicHost({
        permanent: init.topics ?? [],
        maxTopicsPerPeer: limits.maxTopicsPerPeer,
        maxHostedTopics: limits.maxHostedTopics,
        graceMs: limits.hostGraceMs,
      }),
    },
  })
}
