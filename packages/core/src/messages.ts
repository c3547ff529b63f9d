/**
 * A conversation's messages as this device indexes them: the stored message
 * record and its keys (by time, and by id), and what a conversation list
 * shows without a scan — the newest message and the unread count.
 */

import { labelledHash, Labels, toBase64url, toHex } from '@murmur/crypto'
import type { MessageId, MsgPayload } from '@murmur/protocol'
import { decodeMessage, encodeMessage, keys } from './records.ts'
import type { MessageRecord } from './records.ts'
import type { BatchOp, StorageAdapter } from './storage.ts'

/** Unread counts stop here (a UI shows "999+"): counting further would cost a scan. */
export const UNREAD_CAP = 999

export function messageId(envelope: Uint8Array): MessageId {
  return toBase64url(labelledHash(Labels.envelope, envelope).subarray(0, 16)) as MessageId
}

export function messageRecord(
  envelope: Uint8Array,
  payload: MsgPayload,
  author: string,
  device: string,
  ts: number,
  tag: string,
  seq: number,
): MessageRecord {
  return {
    messageId: messageId(envelope),
    author,
    authorDevice: device,
    ts,
    text: payload.text,
    replyTo: payload.replyTo,
    mentions: (payload.mentions ?? []).map(toHex),
    senderTag: tag,
    seq,
  }
}

export function messageOps(cid: string, record: MessageRecord): BatchOp[] {
  return [
    { type: 'put', key: keys.msg(cid, record.ts, record.messageId), value: encodeMessage(record) },
    {
      type: 'put',
      key: keys.msgId(cid, record.messageId),
      value: new TextEncoder().encode(String(record.ts)),
    },
  ]
}

export interface InboxInit {
  readonly storage: StorageAdapter
  readonly cid: string
  /** Our user id: our own messages are never unread. */
  readonly me: string
  /** The conversation's read marker (a timestamp). */
  readonly lastRead: () => number
}

/** The newest message and the unread count of one conversation. */
export class Inbox {
  readonly #init: InboxInit
  /** The newest message, for list previews. */
  #last: MessageRecord | undefined
  /** Messages from others newer than the read marker, counted up to UNREAD_CAP. */
  #unread = 0

  constructor(init: InboxInit) {
    this.#init = init
  }

  get lastMessage(): MessageRecord | undefined {
    return this.#last
  }

  get unread(): number {
    return this.#unread
  }

  /** Reads the newest stored message. */
  async loadLast(): Promise<void> {
    for await (const [, value] of this.#init.storage.range(keys.msgPrefix(this.#init.cid), {
      reverse: true,
      limit: 1,
    })) {
      this.#last = decodeMessage(value)
    }
  }

  noteLast(record: MessageRecord): void {
    if (this.#last === undefined || record.ts >= this.#last.ts) this.#last = record
  }

  /** A received message was stored: unread if newer than the read marker. */
  arrived(record: MessageRecord): void {
    this.noteLast(record)
    if (record.ts > this.#init.lastRead() && this.#unread < UNREAD_CAP) this.#unread++
  }

  /** Everything is read (we wrote in the conversation). */
  clearUnread(): void {
    this.#unread = 0
  }

  async countUnread(): Promise<void> {
    let unread = 0
    // Past every message at exactly lastRead: ids are base64url, all below U+FFFF.
    const after = keys.msg(this.#init.cid, this.#init.lastRead(), '\uffff')
    for await (const [, value] of this.#init.storage.range(keys.msgPrefix(this.#init.cid), {
      after,
      limit: UNREAD_CAP * 4,
    })) {
      if (decodeMessage(value).author !== this.#init.me) unread++
      if (unread >= UNREAD_CAP) break
    }
    this.#unread = unread
  }
}
