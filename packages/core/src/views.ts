/**
 * What the messenger API returns and emits (api.ts), made from a
 * conversation and what it stored: messages with their edit, deletion,
 * reactions and status, pages of history, conversation summaries, and the
 * events for a conversation's changes. Also how ids a caller gives are read.
 */

import { InvalidArgumentError } from '@murmur/protocol'
import type { UserId } from '@murmur/protocol'
import type { ConversationSummary, HistoryMessage, MessengerEvents } from './api.ts'
import type { Conversation, ConversationChange } from './conversation.ts'
import { UnknownMessageError } from './errors.ts'
import type { Emitter } from './events.ts'
import { decodeMessage, keys } from './records.ts'
import type { MessageRecord } from './records.ts'
import { isAdminRole } from './roster.ts'
import type { StorageAdapter } from './storage.ts'

const MAX_HISTORY_PAGE = 500

/** A stored message by id (UnknownMessageError if absent). */
export async function findMessage(
  storage: StorageAdapter,
  conv: Conversation,
  messageId: string,
): Promise<MessageRecord> {
  const ts = await storage.get(keys.msgId(conv.id, messageId))
  if (ts !== undefined) {
    const value = await storage.get(
      keys.msg(conv.id, Number(new TextDecoder().decode(ts)), messageId),
    )
    if (value !== undefined) return decodeMessage(value)
  }
  throw new UnknownMessageError(`no message ${messageId} in this conversation`)
}

/** Up to `limit` messages before `before` (or the newest), oldest first. */
export async function historyPage(
  storage: StorageAdapter,
  conv: Conversation,
  me: string,
  options: { limit?: number; before?: string },
): Promise<HistoryMessage[]> {
  const limit = Math.min(Math.max(options.limit ?? 50, 1), MAX_HISTORY_PAGE)
  let before: readonly string[] | undefined
  if (options.before !== undefined) {
    const anchor = await findMessage(storage, conv, options.before)
    before = keys.msg(conv.id, anchor.ts, anchor.messageId)
  }
  const page: MessageRecord[] = []
  for await (const [, value] of storage.range(keys.msgPrefix(conv.id), {
    reverse: true,
    limit,
    ...(before === undefined ? {} : { before }),
  })) {
    page.push(decodeMessage(value))
  }
  page.reverse()
  return page.map((m) => presentMessage(conv, m, me))
}

/** A stored message as the API shows it: with its edit, deletion, reactions and status. */
export function presentMessage(conv: Conversation, m: MessageRecord, me: string): HistoryMessage {
  const isAdmin = (user: string): boolean => isAdminRole(conv.roleOf(user))
  const edit = conv.shared.editOf(m.messageId, m.author)
  const deleted = conv.shared.isDeleted(m.messageId, m.author, isAdmin)
  return {
    messageId: m.messageId,
    author: m.author as UserId,
    authorName: conv.membership.members.get(m.author)?.name ?? '',
    text: deleted ? '' : (edit?.text ?? m.text),
    ts: m.ts,
    ...(m.replyTo === undefined ? {} : { replyTo: m.replyTo }),
    ...(edit === undefined ? {} : { edited: true as const }),
    ...(deleted ? { deleted: true as const } : {}),
    reactions: Object.fromEntries(conv.shared.reactionsOf(m.messageId)),
    ...(m.author === me ? { status: conv.deliveryOf(m.seq) } : {}),
  }
}

export function conversationSummary(conv: Conversation, me: string): ConversationSummary {
  const last = conv.lastMessage
  return {
    conversationId: conv.record.conversationId,
    kind: conv.record.kind,
    name: displayName(conv, me),
    topic: conv.topic,
    unread: conv.unread,
    ended: conv.record.ended,
    ...(last === undefined ? {} : { lastMessage: presentMessage(conv, last, me) }),
  }
}

/** A DM is named after the other person; other kinds by their (admin-set) name. */
function displayName(conv: Conversation, me: string): string {
  if (conv.record.kind !== 'dm') return conv.name
  for (const [user, member] of conv.membership.members) {
    if (user !== me) return member.name
  }
  return conv.name
}

/** Emits the event, if any, that reports `change`. */
export function emitChange(
  events: Emitter<MessengerEvents>,
  conv: Conversation,
  change: ConversationChange,
  me: string,
): void {
  const conversationId = conv.record.conversationId
  switch (change.type) {
    case 'message': {
      const m = change.message
      const name = conv.membership.members.get(m.author)?.name ?? ''
      events.emit('message', {
        conversationId,
        messageId: m.messageId,
        author: m.author as UserId,
        authorName: name,
        text: m.text,
        ts: m.ts,
        ...(m.replyTo === undefined ? {} : { replyTo: m.replyTo }),
        mine: m.author === me,
      })
      return
    }
    case 'member':
      events.emit('member', {
        conversationId,
        userId: change.user as UserId,
        change: change.change,
        ...(change.role === undefined ? {} : { role: change.role }),
      })
      return
    case 'removed':
      events.emit('removed', { conversationId })
      return
    case 'state':
      if (change.kind === 'reaction' && change.messageId !== undefined) {
        events.emit('reaction', {
          conversationId,
          messageId: change.messageId,
          userId: change.user as UserId,
          reactions: Object.fromEntries(conv.shared.reactionsOf(change.messageId)),
        })
      } else if (change.kind === 'edit' && change.messageId !== undefined) {
        const edit = conv.shared.editOf(change.messageId, change.user)
        if (edit !== undefined)
          events.emit('edit', {
            conversationId,
            messageId: change.messageId,
            text: edit.text,
          })
      } else if (change.kind === 'delete' && change.messageId !== undefined) {
        events.emit('delete', {
          conversationId,
          messageId: change.messageId,
          userId: change.user as UserId,
        })
      }
      return
    case 'delivered':
      events.emit('delivery', { conversationId, upToSeq: change.upToSeq })
      return
  }
}

/** Reads a hex id a caller gave (a user id); InvalidArgumentError if it is none. */
export function fromHex(value: string): Uint8Array {
  if (!/^([0-9a-f]{2})+$/.test(value)) throw new InvalidArgumentError(`"${value}" is not a user id`)
  const out = new Uint8Array(value.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(value.slice(i * 2, i * 2 + 2), 16)
  return out
}
