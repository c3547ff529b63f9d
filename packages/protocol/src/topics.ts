/**
 * Well-known pubsub topics. Conversation topics are derived from group
 * secrets and never appear here.
 */

import { asTopic } from './ids.ts'
import type { Topic } from './ids.ts'

/** Presence beacons of peers that want to be found by anyone on the same relay. */
export const LOBBY_TOPIC: Topic = asTopic('/murmur/lobby/1')
/** The foundation demo's open chat line. Plaintext by design: it is a connectivity check. */
export const DEMO_CHAT_TOPIC: Topic = asTopic('/murmur/demo-chat/1')
