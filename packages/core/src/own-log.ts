/**
 * The log this device appends to in one conversation: each of our envelopes
 * takes the next seq of our sender tag, is keyed with the base key (ctrl,
 * key) or our chain in the epoch we may send with (msg, state; a new epoch
 * is made first when there is none), is committed with the records it
 * derives (a ctrl or key envelope is applied as a received one would be),
 * stays in the outbox, and is published.
 */

import { fromHex } from '@murmur/crypto'
import { decodeMsgPayload } from '@murmur/protocol'
import type { EnvelopeKind } from '@murmur/protocol'
import type { CommitQueue } from './commit-queue.ts'
import { BASE_EPOCH } from './derive.ts'
import type { RoutingKeys } from './derive.ts'
import { sealEnvelope } from './envelope.ts'
import type { EnvelopeLogs } from './envelope-logs.ts'
import type { Epochs } from './epochs.ts'
import type { LocalIdentity } from './identity.ts'
import { messageOps, messageRecord } from './messages.ts'
import type { Inbox } from './messages.ts'
import { keys } from './records.ts'
import type { MessageRecord } from './records.ts'
import { ctrlHash } from './roster.ts'
import type { Roster } from './roster.ts'
import type { StateLog } from './state-log.ts'
import type { BatchOp } from './storage.ts'

export interface OwnLogInit {
  readonly cid: string
  readonly self: LocalIdentity
  readonly now: () => number
  readonly keys: RoutingKeys
  readonly myTag: Uint8Array
  readonly myTagHex: string
  readonly queue: CommitQueue
  readonly logs: EnvelopeLogs
  readonly epochs: Epochs
  readonly roster: Roster
  readonly stateLog: StateLog
  readonly inbox: Inbox
  /** We wrote a message at `ts`: adds what that changes (the read marker) to `ops`. */
  readonly wroteMessage: (ts: number, ops: BatchOp[]) => void
}

export class OwnLog {
  readonly #init: OwnLogInit

  constructor(init: OwnLogInit) {
    this.#init = init
  }

  /** Appends one envelope; runs inside the conversation's serial queue. */
  async append(
    kind: EnvelopeKind,
    payload: Uint8Array,
    keying: 'base' | 'epoch',
  ): Promise<{ record?: MessageRecord; ctrlHash?: string }> {
    const self = this.#init.self
    const ts = Math.max(this.#init.now(), 1)
    const ops: BatchOp[] = []
    let key: Uint8Array
    let epochId: Uint8Array = BASE_EPOCH
    let chainIndex = 0
    if (keying === 'base') {
      key = this.#init.keys.baseKey
    } else {
      let epoch = this.#init.epochs.sendable()
      if (epoch === undefined) {
        await this.rotate()
        epoch = this.#init.epochs.sendable()
        if (epoch === undefined) throw new Error('no epoch to send with after rotation')
      }
      const chain = await this.#init.epochs.senderChain(epoch)
      const next = chain.next()
      key = next.key
      chainIndex = next.index
      epochId = fromHex(epoch.epochId)
      ops.push({
        type: 'put',
        key: keys.chain(this.#init.cid, epoch.epochId, 'self'),
        value: chain.save(),
      })
    }
    // After any rotation above: the key envelope it wrote took the next seq.
    const seq = this.#init.logs.contiguous(this.#init.myTagHex) + 1
    const bytes = sealEnvelope({
      convTag: this.#init.keys.convTag,
      senderTag: this.#init.myTag,
      seq,
      epochId,
      chainIndex,
      key,
      kind,
      payload,
      ts,
      device: self.device,
    })
    let record: MessageRecord | undefined
    let ctrl: string | undefined
    let after: (() => void) | undefined
    if (kind === 'msg') {
      record = messageRecord(
        bytes,
        decodeMsgPayload(payload),
        self.userId,
        self.deviceHex,
        ts,
        this.#init.myTagHex,
        seq,
      )
      ops.push(...messageOps(this.#init.cid, record))
      this.#init.wroteMessage(ts, ops)
    } else if (kind === 'ctrl') {
      const result = await this.#init.roster.accept(payload, self.deviceHex, ts, ops)
      if (result !== 'pending') after = result.afterCommit
      ctrl = ctrlHash(payload, self.deviceHex, ts)
    } else if (kind === 'key') {
      await this.#init.epochs.accept(payload, self.deviceHex, ops)
    } else {
      ops.push(...(await this.#init.stateLog.ops(self.userId, payload)))
    }
    ops.push({ type: 'put', key: keys.out(this.#init.cid, seq), value: bytes })
    await this.#init.logs.commit(this.#init.myTagHex, seq, bytes, ops)
    if (record !== undefined) this.#init.queue.whenStored(() => this.#init.inbox.noteLast(record))
    if (after !== undefined) this.#init.queue.whenStored(after)
    await this.#init.queue.publish(bytes)
    return {
      ...(record === undefined ? {} : { record }),
      ...(ctrl === undefined ? {} : { ctrlHash: ctrl }),
    }
  }

  /** Starts a new epoch sealed to every device of every current member. */
  async rotate(): Promise<void> {
    await this.append('key', await this.#init.epochs.create(), 'base')
  }
}
