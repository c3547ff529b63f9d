/**
 * Our own envelopes on their way out: each stays in the outbox (stored) and
 * is published again until a member's sync vector confirms holding it, which
 * is also what turns a message's status from sent to delivered.
 */

import { encodeTopicMessage, splitEnvelope } from '@murmur/protocol'
import type { Logger } from './logger.ts'
import { keys } from './records.ts'
import type { BatchOp, StorageAdapter } from './storage.ts'

export interface OutboxInit {
  readonly cid: string
  readonly storage: StorageAdapter
  readonly log: Logger
  /** Publishes on the conversation topic. */
  readonly send: (data: Uint8Array) => Promise<void>
  /** A member confirmed our envelopes up to this seq. */
  readonly onDelivered: (upToSeq: number) => void
}

export class Outbox {
  readonly #init: OutboxInit
  /** Our highest seq a member has confirmed holding (from its sync vector). */
  #delivered = 0
  /** Our seqs whose publish failed (no network): shown as pending until delivered. */
  readonly #unpublished = new Set<number>()

  constructor(init: OutboxInit) {
    this.#init = init
  }

  /** Finds what was delivered from what is still out; `written` is our contiguous seq. */
  async load(written: number): Promise<void> {
    // Everything below the oldest unconfirmed envelope was delivered.
    const { storage, cid } = this.#init
    let oldestOut: number | undefined
    for await (const [key] of storage.range(keys.outPrefix(cid), { limit: 1 }))
      oldestOut = Number(key[3])
    this.#delivered = (oldestOut ?? written + 1) - 1
  }

  /** What became of one of our messages: pending (not out yet), sent, or delivered to a member. */
  deliveryOf(seq: number): 'pending' | 'sent' | 'delivered' {
    if (seq <= this.#delivered) return 'delivered'
    return this.#unpublished.has(seq) ? 'pending' : 'sent'
  }

  /** Publishes one of our envelopes; a failure leaves it in the outbox, shown as pending. */
  async publish(envelope: Uint8Array): Promise<void> {
    const { seq } = splitEnvelope(envelope).header
    try {
      await this.#init.send(encodeTopicMessage({ type: 'envelope', envelope }))
      this.#unpublished.delete(seq)
    } catch (err) {
      this.#unpublished.add(seq)
      this.#init.log('publish failed, envelope stays in the outbox - %s', (err as Error).message)
    }
  }

  /** Publishes again what no member has confirmed (a message seen by nobody yet). */
  async republish(): Promise<void> {
    for await (const { envelope } of this.entries()) await this.publish(envelope)
  }

  /** Our envelopes not yet confirmed by anyone. */
  async *entries(): AsyncGenerator<{ seq: number; envelope: Uint8Array }> {
    for await (const [key, value] of this.#init.storage.range(keys.outPrefix(this.#init.cid))) {
      yield { seq: Number(key[3]), envelope: value }
    }
  }

  /** Drops outbox entries a member has confirmed holding. */
  async confirmDelivered(upToSeq: number): Promise<void> {
    if (upToSeq <= this.#delivered) return
    this.#delivered = upToSeq
    this.#init.onDelivered(upToSeq)
    const ops: BatchOp[] = []
    for await (const [key] of this.#init.storage.range(keys.outPrefix(this.#init.cid))) {
      if (Number(key[3]) <= upToSeq) ops.push({ type: 'del', key })
    }
    if (ops.length > 0) await this.#init.storage.batch(ops)
  }
}
