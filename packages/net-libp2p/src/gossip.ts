/**
 * Gossipsub as Murmur runs it: no libp2p-level signatures (StrictNoSign: every
 * Murmur payload carries its own signature inside its encryption, and a
 * libp2p signature would tie messages to a PeerId), content-addressed message
 * ids (the same envelope is one message however many times it is published),
 * and decode limits on everything a remote peer sends us (the library's
 * defaults are unlimited).
 *
 * Subscription announcements are ours to shape. Gossipsub tells every peer
 * about every topic it is subscribed to, all of them in one RPC when a peer
 * connects; a node with more topics than the receiver's decode limit
 * (MAX_SUBSCRIPTIONS_PER_RPC) would have that whole RPC dropped, and the
 * receiver would learn none of its subscriptions. So announcements go out in
 * RPCs of at most MAX_SUBSCRIPTIONS_PER_RPC topics and
 * MAX_SUBSCRIPTION_CHARS_PER_RPC characters of topic names, and a node may filter what each peer
 * is told (a relay tells a peer only about the topics that peer asked it to
 * host, see host.ts). This wraps gossipsub's private `sendSubscriptions`, the
 * one method every announcement goes through; `murmurGossipsub` fails at
 * construction if a new gossipsub release renames it.
 *
 * Peer scoring's IP colocation penalty (P6) is off. By default every peer
 * sharing an IP address with more than 10 others scores -5 × surplus²: at 15
 * peers on one address all of them are graylisted (below -80, every RPC they
 * send is ignored). In Murmur nearly every peer shares an address: a relay
 * sees every browser through node/'s loopback WebSocket forwarder (or its TLS
 * proxy), and a peer sees every member it dialed through a relay at that
 * relay's address (the `/p2p-circuit/webrtc` address a WebRTC connection
 * reports). That is what stopped groups at 10 members on one relay: with the
 * 16th peer the relay ignored everyone, join requests included. Topics are
 * secret and every payload is signed and encrypted, so the Sybil defence P6
 * offers an open network buys nothing here.
 */

import { gossipsub, StrictNoSign } from '@libp2p/gossipsub'
import type { GossipSub, GossipSubComponents, GossipsubOpts } from '@libp2p/gossipsub'
import { MAX_PUBSUB_MESSAGE } from '@murmur/protocol'
import { sha256 } from '@noble/hashes/sha2.js'

export type { GossipSub }

/** Headroom for gossipsub's own RPC framing around one message. */
const RPC_OVERHEAD = 16 * 1024
/** Most subscriptions in one RPC we send or accept. */
export const MAX_SUBSCRIPTIONS_PER_RPC = 512
/** Most topic characters in one announcement RPC (≤ 192 KiB of UTF-8, under the inbound limit). */
const MAX_SUBSCRIPTION_CHARS_PER_RPC = 64 * 1024

export function gossipOptions(overrides: Partial<GossipsubOpts> = {}): Partial<GossipsubOpts> {
  return {
    globalSignaturePolicy: StrictNoSign,
    msgIdFn: (msg) => sha256(msg.data),
    emitSelf: false,
    allowPublishToZeroTopicPeers: true,
    ignoreDuplicatePublishError: true,
    // See the module comment: shared addresses are the norm here.
    scoreParams: { IPColocationFactorWeight: 0 },
    maxInboundDataLength: MAX_PUBSUB_MESSAGE + RPC_OVERHEAD,
    decodeRpcLimits: {
      maxSubscriptions: MAX_SUBSCRIPTIONS_PER_RPC,
      maxMessages: 64,
      maxIhaveMessageIDs: 2000,
      maxIwantMessageIDs: 2000,
      maxIdontwantMessageIDs: 2000,
      maxControlMessages: 64,
      maxPeerInfos: 16,
    },
    ...overrides,
  }
}

/** Which of `topics` peer `peerId` may be told about. */
export type AnnouncementFilter = (peerId: string, topics: readonly string[]) => string[]

type SendSubscriptions = (toPeer: string, topics: string[], subscribe: boolean) => void

interface Announcer {
  readonly send: SendSubscriptions
  filter: AnnouncementFilter | undefined
}

const announcers = new WeakMap<GossipSub, Announcer>()

export function murmurGossipsub(
  overrides: Partial<GossipsubOpts> = {},
): (components: GossipSubComponents) => GossipSub {
  const create = gossipsub(gossipOptions(overrides))
  return (components) => {
    const pubsub = create(components)
    const internals = pubsub as unknown as { sendSubscriptions?: SendSubscriptions }
    const original = internals.sendSubscriptions
    if (typeof original !== 'function') {
      throw new Error('@libp2p/gossipsub has no sendSubscriptions any more: update gossip.ts')
    }
    const announcer: Announcer = { send: original.bind(pubsub), filter: undefined }
    announcers.set(pubsub, announcer)
    internals.sendSubscriptions = (toPeer, topics, subscribe) => {
      const told = announcer.filter === undefined ? topics : announcer.filter(toPeer, topics)
      for (const chunk of chunks(told)) announcer.send(toPeer, chunk, subscribe)
    }
    return pubsub
  }
}

/** From now on, `pubsub` tells each peer only about the topics `filter` lets through. */
export function filterAnnouncements(pubsub: GossipSub, filter: AnnouncementFilter): void {
  announcerOf(pubsub).filter = filter
}

/** Tells `peerId` now that we are subscribed to `topics` (filtered as above). */
export function announceSubscriptions(
  pubsub: GossipSub,
  peerId: string,
  topics: readonly string[],
): void {
  const internals = pubsub as unknown as { sendSubscriptions: SendSubscriptions }
  announcerOf(pubsub) // made by murmurGossipsub, so the call below is the wrapped one
  internals.sendSubscriptions(peerId, [...topics], true)
}

function announcerOf(pubsub: GossipSub): Announcer {
  const announcer = announcers.get(pubsub)
  if (announcer === undefined) throw new Error('this gossipsub was not made by murmurGossipsub')
  return announcer
}

function* chunks(topics: readonly string[]): Generator<string[]> {
  let chunk: string[] = []
  let chars = 0
  for (const topic of topics) {
    if (
      chunk.length === MAX_SUBSCRIPTIONS_PER_RPC ||
      (chunk.length > 0 && chars + topic.length > MAX_SUBSCRIPTION_CHARS_PER_RPC)
    ) {
      yield chunk
      chunk = []
      chars = 0
    }
    chunk.push(topic)
    chars += topic.length
  }
  if (chunk.length > 0) yield chunk
}
