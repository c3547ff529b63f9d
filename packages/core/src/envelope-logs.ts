/**
 * The per-device envelope logs of one conversation as this device holds
 * them: the version vector (per sender tag, the contiguous seq held and the
 * highest seen), the stored envelopes it describes, and the envelopes parked
 * in `pending` until they can be processed.
 */

import { constantTimeEqual } from '@murmur/crypto'
import {
  decodeBody,
  encodeBody,
  MAX_ENVELOPE_BYTES,
  Reader,
  splitEnvelope,
  Writer,
} from '@murmur/protocol'
import type { OpenedEnvelope } from './envelope.ts'
import type { Logger } from './logger.ts'
import { decodeVector, encodeVector, keys } from './records.ts'
import type { Vector } from './records.ts'
import type { BatchOp, Key, StorageAdapter } from './storage.ts'

/** An envelope waiting for its epoch key or its author's admission. */
export interface Parked {
  readonly bytes: Uint8Array
  /** Set when it was already decrypted (its chain key is spent). */
  readonly opened: OpenedEnvelope | undefined
}

const MAX_CANDIDATES_PER_POSITION = 4
const MAX_PENDING_PER_SENDER = 1_000
const MAX_PENDING = 10_000

export interface EnvelopeLogsInit {
  readonly cid: string
  readonly storage: StorageAdapter
  readonly log: Logger
  /** Writes and reads as the write run under way sees them (see CommitQueue). */
  readonly io: {
    store(ops: readonly BatchOp[]): Promise<void>
    read(key: Key): Promise<Uint8Array | undefined>
  }
}

export class EnvelopeLogs {
  readonly #init: EnvelopeLogsInit
  readonly #vector: Vector
  readonly #pending = new Map<string, Parked>()

  constructor(init: EnvelopeLogsInit, vector: Vector) {
    this.#init = init
    this.#vector = vector
  }

  static async loadVector(storage: StorageAdapter, cid: string): Promise<Vector> {
    const vv = await storage.get(keys.vv(cid))
    return vv === undefined ? new Map() : decodeVector(vv)
  }

  async loadPending(): Promise<void> {
    for await (const [key, value] of this.#init.storage.range(keys.pendingPrefix(this.#init.cid))) {
      const parked = decodeParked(value)
      if (parked !== undefined) this.#pending.set(key.slice(3).join('/'), parked)
    }
  }

  /** The contiguous seq held of `tag`'s log. */
  contiguous(tag: string): number {
    return this.#vector.get(tag)?.contiguous ?? 0
  }

  /** Whether the envelope at `tag`/`seq` is held already (a different one there is logged). */
  async holds(tag: string, seq: number, bytes: Uint8Array): Promise<boolean> {
    const held = this.#vector.get(tag)
    // At or below the contiguous mark we hold it already, and above the
    // highest position seen we cannot: only a gap needs a storage read.
    if (seq <= (held?.contiguous ?? 0)) return true
    if (seq <= (held?.highest ?? 0)) {
      const existing = await this.#init.io.read(keys.env(this.#init.cid, tag, seq))
      if (existing !== undefined) {
        if (!constantTimeEqual(existing, bytes)) {
          this.#init.log('conflicting envelope for %s/%d ignored', tag, seq)
        }
        return true
      }
    }
    return false
  }

  isParked(tag: string, seq: number, candidate: string): boolean {
    return this.#pending.has(pendingId(tag, seq, candidate))
  }

  /** Records that an authenticated envelope exists at `seq` of `tag`'s log. */
  noteSeen(tag: string, seq: number): void {
    const entry = this.#vector.get(tag) ?? { contiguous: 0, highest: 0 }
    if (seq > entry.highest) this.#vector.set(tag, { ...entry, highest: seq })
  }

  /**
   * Parks an envelope until its key or its author's admission arrives.
   * Several candidates may claim one log position (junk with a copied header
   * must not block the real envelope), within bounds per position, per sender
   * and in all.
   */
  async park(
    tag: string,
    seq: number,
    candidate: string,
    parked: Parked,
    ops: BatchOp[],
  ): Promise<'pending' | 'rejected'> {
    const id = pendingId(tag, seq, candidate)
    const known = this.#pending.get(id)
    if (known !== undefined && (known.opened !== undefined || parked.opened === undefined)) {
      return 'pending'
    }
    if (known === undefined) {
      const position = pendingId(tag, seq, '')
      let atPosition = 0
      let ofSender = 0
      for (const key of this.#pending.keys()) {
        if (key.startsWith(position)) atPosition++
        if (key.startsWith(`${tag}/`)) ofSender++
      }
      if (
        atPosition >= MAX_CANDIDATES_PER_POSITION ||
        ofSender >= MAX_PENDING_PER_SENDER ||
        this.#pending.size >= MAX_PENDING
      ) {
        this.#init.log('pending envelope for %s/%d dropped: too many waiting', tag, seq)
        return 'rejected'
      }
    }
    this.#pending.set(id, parked)
    await this.#init.io.store([
      ...ops,
      {
        type: 'put',
        key: keys.pending(this.#init.cid, tag, seq, candidate),
        value: encodeParked(parked),
      },
    ])
    return 'pending'
  }

  /** Stores an accepted envelope with `ops`, advances the vector, settles its position. */
  async commit(tag: string, seq: number, bytes: Uint8Array, ops: BatchOp[]): Promise<void> {
    const entry = this.#vector.get(tag) ?? { contiguous: 0, highest: 0 }
    const highest = Math.max(entry.highest, seq)
    let contiguous = entry.contiguous
    if (seq === contiguous + 1) {
      contiguous = seq
      // Envelopes that arrived ahead of this one close the gap now (none is
      // stored above `highest`, which is persisted with every envelope).
      while (
        contiguous < highest &&
        (await this.#init.io.read(keys.env(this.#init.cid, tag, contiguous + 1))) !== undefined
      ) {
        contiguous++
      }
    }
    this.#vector.set(tag, { contiguous, highest })
    // Every candidate for this position is settled now.
    const position = pendingId(tag, seq, '')
    const settled: BatchOp[] = []
    for (const id of [...this.#pending.keys()]) {
      if (!id.startsWith(position)) continue
      this.#pending.delete(id)
      settled.push({
        type: 'del',
        key: keys.pending(this.#init.cid, tag, seq, id.slice(position.length)),
      })
    }
    await this.#init.io.store([
      ...ops,
      { type: 'put', key: keys.env(this.#init.cid, tag, seq), value: bytes },
      { type: 'put', key: keys.vv(this.#init.cid), value: encodeVector(this.#vector) },
      ...settled,
    ])
  }

  /** The parked envelopes, by id, as they are now. */
  parked(): [string, Parked][] {
    return [...this.#pending]
  }

  get parkedCount(): number {
    return this.#pending.size
  }

  /** Drops a parked envelope that was settled otherwise than by commit. */
  async unpark(id: string): Promise<void> {
    if (this.#pending.delete(id)) {
      const [tag = '', seq = '0', candidate = ''] = id.split('/')
      await this.#init.io.store([
        { type: 'del', key: keys.pending(this.#init.cid, tag, Number(seq), candidate) },
      ])
    }
  }

  /** senderTag hex → highest contiguous seq held. */
  syncVector(): Map<string, number> {
    const out = new Map<string, number>()
    for (const [tag, { contiguous }] of this.#vector) if (contiguous > 0) out.set(tag, contiguous)
    return out
  }

  /** Envelopes that someone holding `theirs` lacks, per sender in seq order. */
  async *envelopesMissingFrom(theirs: ReadonlyMap<string, number>): AsyncGenerator<Uint8Array> {
    for (const [tag, { contiguous }] of this.#vector) {
      const have = theirs.get(tag) ?? 0
      if (contiguous <= have) continue
      for await (const [key, value] of this.#init.storage.range(
        keys.envPrefix(this.#init.cid, tag),
      )) {
        const seq = Number(key[4])
        if (seq > have) yield value
      }
    }
  }

  /** Envelopes we know exist (from their seq) but do not hold, plus those waiting on keys. */
  get missing(): number {
    let missing = 0
    for (const { contiguous, highest } of this.#vector.values())
      missing += Math.max(0, highest - contiguous)
    return missing + this.#pending.size
  }
}

/** `tag/seq/candidate`; with candidate '' it is the prefix of every candidate at that position. */
const pendingId = (tag: string, seq: number, candidate: string): string =>
  `${tag}/${String(seq).padStart(10, '0')}/${candidate}`

// Stored form: u8 version=1 | bytes envelope | u8 opened | [bytes header-less body plaintext]
function encodeParked(parked: Parked): Uint8Array {
  const w = new Writer()
    .byte(1)
    .bytes(parked.bytes)
    .byte(parked.opened === undefined ? 0 : 1)
  if (parked.opened !== undefined) w.bytes(encodeBody(parked.opened.body).plaintext)
  return w.finish()
}

function decodeParked(value: Uint8Array): Parked | undefined {
  try {
    const r = new Reader(value, 'parked envelope')
    r.byte()
    const bytes = r.bytes(MAX_ENVELOPE_BYTES)
    if (r.byte() === 0) return { bytes, opened: undefined }
    const body = decodeBody(r.bytes(MAX_ENVELOPE_BYTES))
    return { bytes, opened: { header: splitEnvelope(bytes).header, body } }
  } catch {
    return undefined // unreadable: dropped; sync will bring the envelope again
  }
}
