/**
 * The receive path of one conversation: an envelope from gossip or sync is
 * checked against the logs we hold, opened with its epoch key, applied by
 * kind (ctrl → membership, key → epochs, msg → messages, state → the
 * author's Yjs doc) and committed — or parked in `pending` when its key or
 * its author's admission has not arrived, and retried whenever the
 * membership or the set of epochs changes.
 */

import { fromHex, toHex } from '@murmur/crypto'
import { decodeMsgPayload, splitEnvelope } from '@murmur/protocol'
import type { MsgPayload } from '@murmur/protocol'
import type { CommitQueue } from './commit-queue.ts'
import type { OpenedEnvelope } from './envelope.ts'
import type { EnvelopeLogs, Parked } from './envelope-logs.ts'
import type { Epochs } from './epochs.ts'
import type { Logger } from './logger.ts'
import { canPost } from './membership.ts'
import { messageId, messageOps, messageRecord } from './messages.ts'
import type { Inbox } from './messages.ts'
import type { MessageRecord } from './records.ts'
import { holderOf } from './roster.ts'
import type { Applied, Roster } from './roster.ts'
import type { SharedState } from './shared-state.ts'
import type { StateLog } from './state-log.ts'
import type { BatchOp } from './storage.ts'

export type IngestResult = 'accepted' | 'duplicate' | 'pending' | 'rejected'

const hex = toHex

export interface IngestInit {
  readonly cid: string
  readonly log: Logger
  readonly queue: CommitQueue
  readonly logs: EnvelopeLogs
  readonly epochs: Epochs
  readonly roster: Roster
  readonly shared: SharedState
  readonly stateLog: StateLog
  readonly inbox: Inbox
  /** A received message was stored. */
  readonly onMessage: (message: MessageRecord) => void
}

export class Ingest {
  readonly #init: IngestInit

  constructor(init: IngestInit) {
    this.#init = init
  }

  /** Takes an envelope from the network (gossip or sync). */
  ingest(bytes: Uint8Array): Promise<IngestResult> {
    return this.#init.queue.grouped(() => this.#ingestOrReject(bytes))
  }

  /**
   * Takes several envelopes (a sync frame) in one go: each is judged as if it
   * came alone, in order. An envelope that throws counts as rejected and
   * does not stop the others.
   */
  ingestFrame(envelopes: readonly Uint8Array[]): Promise<IngestResult[]> {
    return this.#init.queue.grouped(async () => {
      const results: IngestResult[] = []
      for (const bytes of envelopes) results.push(await this.#ingestOrReject(bytes))
      return results
    })
  }

  #ingestOrReject(bytes: Uint8Array): Promise<IngestResult> {
    return this.#ingest(bytes, true).catch((err: unknown) => {
      this.#init.log('envelope rejected - %s', (err as Error).message)
      return 'rejected' as const
    })
  }

  /**
   * `parked` is set when retrying an envelope from `pending`: if it was
   * decrypted before it was parked, its body is reused, because decrypting
   * consumed its chain key.
   */
  async #ingest(bytes: Uint8Array, retryPending: boolean, parked?: Parked): Promise<IngestResult> {
    const { header } = splitEnvelope(bytes)
    const tag = hex(header.senderTag)
    if (await this.#init.logs.holds(tag, header.seq, bytes)) return 'duplicate'
    const candidate = messageId(bytes)
    if (parked === undefined && this.#init.logs.isParked(tag, header.seq, candidate)) {
      return 'pending'
    }
    const ops: BatchOp[] = []
    let opened = parked?.opened
    if (opened === undefined) {
      try {
        const result = await this.#init.epochs.open(bytes)
        if (result === undefined) {
          return this.#init.logs.park(tag, header.seq, candidate, { bytes, opened: undefined }, [])
        }
        opened = result.opened
        if (result.chainUpdate !== undefined) ops.push(result.chainUpdate)
      } catch (err) {
        this.#init.log('envelope %s/%d rejected - %s', tag, header.seq, (err as Error).message)
        return 'rejected'
      }
    }
    // Authenticated: only now does it count as a known position of that log.
    this.#init.logs.noteSeen(tag, header.seq)
    const outcome = await this.#apply(opened, hex(opened.body.device), tag, bytes, ops)
    if (outcome === 'pending') {
      // Keep the decrypted body with the parked envelope, together with the
      // chain state that consumed its key, in one batch.
      const chainOps = ops.filter((op) => op.key[1] === 'chain')
      return this.#init.logs.park(tag, header.seq, candidate, { bytes, opened }, chainOps)
    }
    await this.#init.logs.commit(tag, header.seq, bytes, ops)
    if (outcome.afterCommit !== undefined) this.#init.queue.whenStored(outcome.afterCommit)
    if (outcome.unblocks && retryPending) await this.#retryPending()
    return 'accepted'
  }

  /** Applies a verified envelope; adds its derived records to `ops`. */
  async #apply(
    opened: OpenedEnvelope,
    device: string,
    tag: string,
    bytes: Uint8Array,
    ops: BatchOp[],
  ): Promise<Applied> {
    const { body } = opened
    switch (body.kind) {
      case 'ctrl':
        return this.#init.roster.accept(body.payload, device, body.ts, ops)
      case 'key':
        return this.#init.epochs.accept(body.payload, device, ops)
      case 'msg':
      case 'state': {
        // Judged by the membership the epoch was made for, not by today's:
        // every device then agrees whatever order envelopes arrived in.
        const epoch = this.#init.epochs.get(hex(opened.header.epochId))
        const at = epoch === undefined ? undefined : this.#init.roster.stateOfEpoch(epoch)
        if (at === undefined) return 'pending'
        const user = holderOf(at, device)
        if (user === undefined) {
          this.#init.log('%s from a device that was no member for its epoch dropped', body.kind)
          return { unblocks: false }
        }
        if (body.kind === 'state') {
          // The user's devices then and now: a current device may overwrite a
          // removed one's entries, and every peer must accept that alike.
          const keys = new Set([
            ...(at.members.get(user)?.deviceKeys ?? []),
            ...(this.#init.roster.membership.members.get(user)?.deviceKeys ?? []),
          ])
          const devices = [...keys].map(fromHex)
          try {
            this.#init.shared.apply(body.payload, { user, device: body.device }, devices)
          } catch (err) {
            this.#init.log(
              'state update from %s rejected - %s',
              user.slice(0, 8),
              (err as Error).message,
            )
            return { unblocks: false }
          }
          ops.push(...(await this.#init.stateLog.ops(user, body.payload)))
          return { unblocks: false }
        }
        if (at.conversationKind === 'channel' && !canPost(at, user)) {
          return { unblocks: false }
        }
        let payload: MsgPayload
        try {
          payload = decodeMsgPayload(body.payload)
        } catch (err) {
          this.#init.log('message payload rejected - %s', (err as Error).message)
          return { unblocks: false }
        }
        const record = messageRecord(bytes, payload, user, device, body.ts, tag, opened.header.seq)
        ops.push(...messageOps(this.#init.cid, record))
        return {
          unblocks: false,
          afterCommit: () => {
            this.#init.inbox.arrived(record)
            this.#init.onMessage(record)
          },
        }
      }
    }
  }

  async #retryPending(): Promise<void> {
    // Each pass may unlock more (a key envelope, then the messages it keys).
    for (let pass = 0; pass < 8 && this.#init.logs.parkedCount > 0; pass++) {
      let progressed = false
      for (const [id, parked] of this.#init.logs.parked()) {
        const result = await this.#ingest(parked.bytes, false, parked).catch(
          () => 'rejected' as const,
        )
        if (result === 'pending') continue
        progressed = true
        if (result !== 'accepted') await this.#init.logs.unpark(id)
      }
      if (!progressed) break
    }
  }
}
