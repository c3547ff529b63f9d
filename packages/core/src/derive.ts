/**
 * What each conversation secret gives a member.
 *
 * - The routing secret R (stable for the conversation's life) gives the
 *   pubsub topic, the clear conversation tag, each device's sender tag, the
 *   base key that encrypts `ctrl`, `key` and presence traffic, and the local
 *   conversation id.
 * - An epoch secret gives each sender's hash chain (message keys of `msg` and
 *   `state` envelopes); epochs rotate when membership shrinks.
 * - The door secret D gives the door topic where join requests and welcomes
 *   travel, and the key that hides them from relays.
 *
 * Sender chains are keyed by the sender tag, not the device key, so a
 * receiver can decrypt before it knows who the device is; the body then
 * names the device, whose signature and tag binding are checked.
 */

import {
  conversationTag,
  deriveBytes,
  Labels,
  senderTag,
  toBase64url,
  toHex,
  topicId,
} from '@murmur/crypto'
import { asTopic } from '@murmur/protocol'
import type { ConversationId, Topic } from '@murmur/protocol'

export const EMPTY = new Uint8Array(0)
/** Epoch id of envelopes encrypted under the conversation base key. */
export const BASE_EPOCH = new Uint8Array(8)

export interface RoutingKeys {
  readonly conversationId: ConversationId
  readonly topic: Topic
  readonly convTag: Uint8Array
  readonly convTagHex: string
  readonly baseKey: Uint8Array
}

export function routingKeys(routing: Uint8Array): RoutingKeys {
  const convTag = conversationTag(routing)
  return {
    conversationId: toBase64url(
      deriveBytes(routing, Labels.conversationId, EMPTY, 16),
    ) as ConversationId,
    topic: asTopic(`/murmur/c/${toHex(topicId(routing))}`),
    convTag,
    convTagHex: toHex(convTag),
    baseKey: deriveBytes(routing, Labels.baseKey, EMPTY, 32),
  }
}

/**
 * A small memo for derivations that run per envelope or door message (an
 * HKDF each, ~25 µs): bounded, dropping the oldest entry when full.
 */
function memo<V>(limit: number): (id: string, make: () => V) => V {
  const entries = new Map<string, V>()
  return (id, make) => {
    const hit = entries.get(id)
    if (hit !== undefined) return hit
    const value = make()
    if (entries.size >= limit) entries.delete(entries.keys().next().value as string)
    entries.set(id, value)
    return value
  }
}

const senderTags = memo<Uint8Array>(4096)

export function deviceSenderTag(routing: Uint8Array, device: Uint8Array): Uint8Array {
  return senderTags(`${toHex(routing)}/${toHex(device)}`, () => senderTag(routing, device)).slice()
}

export interface DoorKeys {
  readonly topic: Topic
  readonly key: Uint8Array
}

const doors = memo<DoorKeys>(1024)

export function doorKeys(door: Uint8Array): DoorKeys {
  return doors(toHex(door), () => ({
    topic: asTopic(`/murmur/d/${toHex(deriveBytes(door, Labels.doorTopic, EMPTY, 16))}`),
    key: deriveBytes(door, Labels.doorKey, EMPTY, 32),
  }))
}

export function isBaseEpoch(epochId: Uint8Array): boolean {
  return epochId.every((b) => b === 0)
}
