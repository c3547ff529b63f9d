/**
 * The commands of `murmur client`, one table entry each: the arguments it
 * takes (checked by schema.ts before it runs) and the Messenger call it makes.
 * Every command resolves to a JSON object, the reply's `result`. `quit` is the
 * session's own (session.ts) and not in this table.
 */

import type { Messenger } from '@murmur/core'
import {
  boolean,
  checkArgs,
  describeSchema,
  integer,
  listOf,
  nonEmpty,
  oneOf,
  optional,
  string,
} from './schema.ts'
import type { ArgsOf, Schema } from './schema.ts'

export interface Command {
  readonly args: Schema
  run(messenger: Messenger, args: Readonly<Record<string, unknown>>): Promise<object> | object
}

function command<S extends Schema>(
  args: S,
  run: (messenger: Messenger, args: ArgsOf<S>) => Promise<object> | object,
): Command {
  return { args, run: (messenger, checked) => run(messenger, checked as ArgsOf<S>) }
}

/** Keys of a request that are not arguments. */
export const ENVELOPE_KEYS: readonly string[] = ['id', 'cmd']

const HISTORY_PAGE_MAX = 500
/** The longest a join may wait in one request; setTimeout's own limit is ~24 days. */
const JOIN_TIMEOUT_MAX = 60 * 60 * 1000
const INVITE_TTL_MAX = 365 * 24 * 60 * 60 * 1000

const conversationId = nonEmpty
const messageId = nonEmpty
const userId = nonEmpty

export const COMMANDS: Readonly<Record<string, Command>> = {
  help: command({}, () => ({
    commands: Object.fromEntries([
      ...Object.entries(COMMANDS).map(([name, c]) => [name, describeSchema(c.args)]),
      ['quit', ''],
    ]),
  })),
  whoami: command({}, (m) => ({ ...m.whoami(), deviceId: m.deviceId, peerId: m.peerId })),
  setName: command({ name: string }, async (m, a) => {
    await m.setName(a.name)
    return {}
  }),
  createGroup: command(
    { name: string, kind: optional(oneOf('group', 'channel')) },
    async (m, a) => ({
      conversationId: await m.createConversation({ name: a.name, kind: a.kind }),
    }),
  ),
  invite: command(
    { conversationId, expiresInMs: optional(integer(1, INVITE_TTL_MAX)) },
    (m, a) => ({ link: m.invite(a.conversationId, { expiresInMs: a.expiresInMs }) }),
  ),
  join: command(
    { link: nonEmpty, timeoutMs: optional(integer(1, JOIN_TIMEOUT_MAX)) },
    async (m, a) => ({
      conversationId: await m.join(a.link, { timeoutMs: a.timeoutMs ?? 30_000 }),
    }),
  ),
  contactLink: command({}, (m) => ({ link: m.contactLink() })),
  addContact: command({ link: nonEmpty }, async (m, a) => ({
    conversationId: await m.addContact(a.link),
  })),
  send: command(
    {
      conversationId,
      text: string,
      replyTo: optional(messageId),
      mentions: optional(listOf(userId, 256)),
    },
    async (m, a) => ({
      messageId: await m.send(a.conversationId, a.text, {
        replyTo: a.replyTo,
        mentions: a.mentions,
      }),
    }),
  ),
  react: command(
    { conversationId, messageId, emoji: nonEmpty, on: optional(boolean) },
    async (m, a) => {
      await m.react(a.conversationId, a.messageId, a.emoji, a.on ?? true)
      return {}
    },
  ),
  edit: command({ conversationId, messageId, text: string }, async (m, a) => {
    await m.edit(a.conversationId, a.messageId, a.text)
    return {}
  }),
  delete: command({ conversationId, messageId }, async (m, a) => {
    await m.delete(a.conversationId, a.messageId)
    return {}
  }),
  history: command(
    {
      conversationId,
      limit: optional(integer(1, HISTORY_PAGE_MAX)),
      before: optional(messageId),
    },
    async (m, a) => ({
      messages: await m.history(a.conversationId, { limit: a.limit, before: a.before }),
    }),
  ),
  conversations: command({}, (m) => ({ conversations: m.conversations() })),
  markRead: command({ conversationId }, async (m, a) => {
    await m.markRead(a.conversationId)
    return {}
  }),
  safetyNumber: command({ userId }, (m, a) => ({ safetyNumber: m.safetyNumber(a.userId) })),
  members: command({ conversationId }, (m, a) => ({ members: m.members(a.conversationId) })),
  remove: command({ conversationId, userId }, async (m, a) => {
    await m.remove(a.conversationId, a.userId)
    return {}
  }),
  promote: command({ conversationId, userId, role: oneOf('admin', 'member') }, async (m, a) => {
    await m.setRole(a.conversationId, a.userId, a.role)
    return {}
  }),
  leave: command({ conversationId }, async (m, a) => {
    await m.leave(a.conversationId)
    return {}
  }),
  status: command({}, (m) => m.status()),
}

/** The command named `name` with its arguments checked, ready to run. */
export function prepare(
  name: string,
  command: Command,
  request: Readonly<Record<string, unknown>>,
): (messenger: Messenger) => Promise<object> | object {
  const args = checkArgs(name, command.args, request, ENVELOPE_KEYS)
  return (messenger) => command.run(messenger, args)
}
