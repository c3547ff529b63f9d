/**
 * Gossipsub as Murmur runs it: no libp2p-level signatures (StrictNoSign: every
 * Murmur payload carries its own signature inside its encryption, and a
 * libp2p signature would tie messages to a PeerId), content-addressed message
 * ids (the same envelope is one message however many times it is published),
 * and decode limits on everything a remote peer sends us (the library's
 * defaults are unlimited).
 */

import { gossipsub, StrictNoSign } from '@libp2p/gossipsub'
import type { GossipSub, GossipsubOpts } from '@libp2p/gossipsub'
import { MAX_PUBSUB_MESSAGE } from '@murmur/protocol'
import { sha256 } from '@noble/hashes/sha2.js'

export type { GossipSub }

/** Headroom for gossipsub's own RPC framing around one message. */
const RPC_OVERHEAD = 16 * 1024

export function gossipOptions(overrides: Partial<GossipsubOpts> = {}): Partial<GossipsubOpts> {
  return {
    globalSignaturePolicy: StrictNoSign,
    msgIdFn: (msg) => sha256(msg.data),
    emitSelf: false,
    allowPublishToZeroTopicPeers: true,
    ignoreDuplicatePublishError: true,
    maxInboundDataLength: MAX_PUBSUB_MESSAGE + RPC_OVERHEAD,
    decodeRpcLimits: {
      maxSubscriptions: 512,
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

export function murmurGossipsub(
  overrides: Partial<GossipsubOpts> = {},
): ReturnType<typeof gossipsub> {
  return gossipsub(gossipOptions(overrides))
}
