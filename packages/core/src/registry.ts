/**
 * The conversations a messenger holds, found by what the network brings: id,
 * conversation tag (sync), topic (pubsub) and door topic (join traffic).
 */

import type { Conversation } from './conversation.ts'
import { doorKeys } from './derive.ts'
import { UnknownConversationError } from './errors.ts'

export class ConversationRegistry {
  readonly #conversations = new Map<string, Conversation>()
  readonly #byTag = new Map<string, Conversation>()
  readonly #byTopic = new Map<string, Conversation>()
  readonly #doors = new Map<string, Conversation>()

  add(conv: Conversation): void {
    this.#conversations.set(conv.id, conv)
    this.#byTag.set(conv.keys.convTagHex, conv)
    this.#byTopic.set(conv.keys.topic, conv)
    this.#doors.set(doorKeys(conv.record.door).topic, conv)
  }

  get(conversationId: string): Conversation | undefined {
    return this.#conversations.get(conversationId)
  }

  /** The conversation, or UnknownConversationError. */
  require(conversationId: string): Conversation {
    const conv = this.#conversations.get(conversationId)
    if (conv === undefined) {
      throw new UnknownConversationError(
        `no conversation ${conversationId}; list them with "conversations"`,
      )
    }
    return conv
  }

  values(): IterableIterator<Conversation> {
    return this.#conversations.values()
  }

  byTag(convTagHex: string): Conversation | undefined {
    return this.#byTag.get(convTagHex)
  }

  byTopic(topic: string): Conversation | undefined {
    return this.#byTopic.get(topic)
  }

  byDoor(doorTopic: string): Conversation | undefined {
    return this.#doors.get(doorTopic)
  }
}
