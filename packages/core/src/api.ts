/**
 * What the messenger API returns and emits: plain data, ready for a UI, the
 * JSON-lines client or a bot.
 */

import type { ConnectionKind } from './network.ts'
import type {
  ConversationId,
  ConversationKind,
  MessageId,
  PeerIdString,
  Role,
  UserId,
} from '@murmur/protocol'

export interface HistoryMessage {
  readonly messageId: MessageId
  readonly author: UserId
  readonly authorName: string
  readonly text: string
  readonly ts: number
  readonly replyTo?: string
  readonly edited?: true
  readonly deleted?: true
  /** emoji → user ids who reacted with it */
  readonly reactions: Readonly<Record<string, readonly string[]>>
  /** Our own messages only: not out yet, published, or held by another member. */
  readonly status?: 'pending' | 'sent' | 'delivered'
}

export interface ConversationSummary {
  readonly conversationId: ConversationId
  readonly kind: ConversationKind
  readonly name: string
  /** Set by admins; '' when none. */
  readonly topic: string
  readonly unread: number
  /** Set when you were removed or left: the conversation is read-only. */
  readonly ended: 'removed' | 'left' | undefined
  /** The newest message, for previews (edits and deletions applied). */
  readonly lastMessage?: HistoryMessage
}

export interface MemberSummary {
  readonly userId: UserId
  readonly name: string
  readonly role: Role
}

export interface StatusReport {
  readonly peers: ReadonlyArray<{ readonly peerId: PeerIdString; readonly kind: ConnectionKind }>
  readonly relays: ReadonlyArray<{ readonly addr: string; readonly state: string }>
  readonly conversations: ReadonlyArray<{
    readonly conversationId: ConversationId
    readonly missing: number
  }>
}

export interface MessengerEvents {
  message: {
    readonly conversationId: ConversationId
    readonly messageId: MessageId
    readonly author: UserId
    readonly authorName: string
    readonly text: string
    readonly ts: number
    readonly replyTo?: string
    readonly mine: boolean
  }
  edit: {
    readonly conversationId: ConversationId
    readonly messageId: string
    readonly text: string
  }
  delete: {
    readonly conversationId: ConversationId
    readonly messageId: string
    readonly userId: UserId
  }
  reaction: {
    readonly conversationId: ConversationId
    readonly messageId: string
    readonly userId: UserId
    readonly reactions: Readonly<Record<string, readonly string[]>>
  }
  member: {
    readonly conversationId: ConversationId
    readonly userId: UserId
    readonly change: 'added' | 'removed' | 'role'
    readonly role?: Role
  }
  joined: { readonly conversationId: ConversationId; readonly name: string }
  /** A member confirmed holding our envelopes up to this seq: statuses changed. */
  delivery: { readonly conversationId: ConversationId; readonly upToSeq: number }
  removed: { readonly conversationId: ConversationId }
  sync: {
    readonly conversationId: ConversationId
    readonly received: number
    readonly missing: number
    readonly done: boolean
    readonly peerId?: PeerIdString
  }
}
