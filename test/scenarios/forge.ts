/**
 * What an attacker can do that the API never would: write envelopes as a
 * device whose secrets it holds (a member's own device, or a stranger who
 * learned the routing secret), tamper with them, make junk that passes the
 * clear-header checks, publish on a conversation topic, and play the
 * initiator of a sync stream. Imports core's internals by relative path on
 * purpose: an attacker is not bound by the API, so these tests must not be.
 */

import {
  decrypt,
  encrypt,
  randomBytes,
  receiverChain,
  restoreSenderChain,
  senderChain,
  toHex,
} from '@murmur/crypto'
import type { SenderChain } from '@murmur/crypto'
import { SYNC_PROTOCOL } from '@murmur/core'
import type { NetworkAdapter, StorageAdapter } from '@murmur/core'
import {
  asProtocolId,
  decodeSyncFrame,
  encodeCtrlPayload,
  encodeHeader,
  encodeMsgPayload,
  encodeSyncFrame,
  encodeTopicMessage,
  ENVELOPE_VERSION,
  PADDING_BUCKETS,
  splitEnvelope,
} from '@murmur/protocol'
import type { CtrlOp, EnvelopeKind, SyncFrame } from '@murmur/protocol'
import { createMemoryStorage } from '@murmur/store-level'
import { BASE_EPOCH, deviceSenderTag, routingKeys } from '../../packages/core/src/derive.ts'
import type { RoutingKeys } from '../../packages/core/src/derive.ts'
import { sealEnvelope } from '../../packages/core/src/envelope.ts'
import { loadOrCreateIdentity } from '../../packages/core/src/identity.ts'
import type { LocalIdentity } from '../../packages/core/src/identity.ts'
import { decodeVector, keys } from '../../packages/core/src/records.ts'
import type { ConversationRecord, EpochRecord } from '../../packages/core/src/records.ts'
import { conversationRecord, epochsOf, fromHex } from '../helpers/scenario.ts'

/** Where a device's log stands: the seq and, in `epochId`, the chain index its next envelope takes. */
export async function nextPosition(
  storage: StorageAdapter,
  cid: string,
  tag: string,
  epochId: string,
): Promise<{ seq: number; chainIndex: number }> {
  const vv = await storage.get(keys.vv(cid))
  const seq = (vv === undefined ? 0 : (decodeVector(vv).get(tag)?.contiguous ?? 0)) + 1
  const chain = await storage.get(keys.chain(cid, epochId, 'self'))
  return { seq, chainIndex: chain === undefined ? 0 : restoreSenderChain(chain).nextIndex }
}

// ------------------------------------------------------------------ forging

export interface ForgeOptions {
  readonly seq?: number
  /** Header sender tag (default: the forger's own). */
  readonly senderTag?: Uint8Array
  /** Chain index for epoch-keyed envelopes (default: the forger's next). */
  readonly chainIndex?: number
  readonly ts?: number
  /** 'base' (the conversation base key) or an epoch to key the body with. */
  readonly keying?: 'base' | EpochRecord
  /** Flip one bit of the body's signature, then encrypt the tampered body again. */
  readonly breakSignature?: boolean
}

/**
 * Writes envelopes as a device whose secrets it holds (its identity and, for a
 * member, its stored conversation secrets), bypassing every check the API makes.
 */
export class Forger {
  readonly self: LocalIdentity
  readonly record: ConversationRecord
  readonly keys: RoutingKeys
  readonly tag: Uint8Array
  readonly epochs: readonly EpochRecord[]
  #seq: number
  readonly #chains = new Map<string, SenderChain>()
  readonly #saved: ReadonlyMap<string, Uint8Array>

  private constructor(
    self: LocalIdentity,
    record: ConversationRecord,
    epochs: readonly EpochRecord[],
    seq: number,
    saved: ReadonlyMap<string, Uint8Array>,
  ) {
    this.self = self
    this.record = record
    this.keys = routingKeys(record.routing)
    this.tag = deviceSenderTag(record.routing, self.device.publicKey)
    this.epochs = epochs
    this.#seq = seq
    this.#saved = saved
  }

  /** A member's device, from its storage (close its messenger first: this takes over its log). */
  static async member(storage: StorageAdapter, cid: string): Promise<Forger> {
    const self = await loadOrCreateIdentity(storage, undefined)
    const record = await conversationRecord(storage, cid)
    const epochs = await epochsOf(storage, cid)
    const vv = await storage.get(keys.vv(cid))
    const tag = toHex(deviceSenderTag(record.routing, self.device.publicKey))
    const seq = vv === undefined ? 0 : (decodeVector(vv).get(tag)?.contiguous ?? 0)
    const saved = new Map<string, Uint8Array>()
    for (const epoch of epochs) {
      const chain = await storage.get(keys.chain(cid, epoch.epochId, 'self'))
      if (chain !== undefined) saved.set(epoch.epochId, chain)
    }
    return new Forger(self, record, epochs, seq, saved)
  }

  /** A stranger who learned a conversation's secrets (its record from a member's storage). */
  static async outsider(
    record: ConversationRecord,
    epochs: readonly EpochRecord[] = [],
  ): Promise<Forger> {
    const self = await loadOrCreateIdentity(createMemoryStorage(), 'Mallory')
    return new Forger(self, record, epochs, 0, new Map())
  }

  /**
   * The epoch this device last sent with, or else the newest it holds. (The
   * newest may be one created before this device was a member, handed over
   * with the welcome, under which nobody accepts what it sends.)
   */
  get epoch(): EpochRecord {
    const used = this.epochs.filter((e) => this.#saved.has(e.epochId))
    const newest = [...(used.length > 0 ? used : this.epochs)]
      .sort((a, b) => a.createdAt - b.createdAt)
      .at(-1)
    if (newest === undefined) throw new Error('this forger holds no epoch')
    return newest
  }

  nextSeq(): number {
    return this.#seq + 1
  }

  seal(kind: EnvelopeKind, payload: Uint8Array, options: ForgeOptions = {}): Uint8Array {
    const seq = options.seq ?? ++this.#seq
    const keying = options.keying ?? (kind === 'ctrl' || kind === 'key' ? 'base' : this.epoch)
    const senderTag = options.senderTag ?? this.tag
    let key = this.keys.baseKey
    let epochId: Uint8Array = BASE_EPOCH
    let chainIndex = 0
    if (keying !== 'base') {
      epochId = fromHex(keying.epochId)
      if (options.chainIndex !== undefined || senderTag !== this.tag) {
        // Another sender's chain: any holder of the epoch secret can derive it.
        chainIndex = options.chainIndex ?? 0
        key = receiverChain(keying.secret, senderTag).take(chainIndex)
      } else {
        const next = this.#chain(keying).next()
        key = next.key
        chainIndex = next.index
      }
    }
    const envelope = sealEnvelope({
      convTag: this.keys.convTag,
      senderTag,
      seq,
      epochId,
      chainIndex,
      key,
      kind,
      payload,
      ts: options.ts ?? Date.now(),
      device: this.self.device,
    })
    return options.breakSignature === true ? breakSignature(envelope, key) : envelope
  }

  ctrl(op: CtrlOp, parents: readonly string[], options: ForgeOptions = {}): Uint8Array {
    return this.seal('ctrl', encodeCtrlPayload({ parents: parents.map(fromHex), op }), options)
  }

  msg(text: string, options: ForgeOptions = {}): Uint8Array {
    return this.seal('msg', encodeMsgPayload({ text }), options)
  }

  #chain(epoch: EpochRecord): SenderChain {
    let chain = this.#chains.get(epoch.epochId)
    if (chain === undefined) {
      const saved = this.#saved.get(epoch.epochId)
      chain = saved === undefined ? senderChain(epoch.secret, this.tag) : restoreSenderChain(saved)
      this.#chains.set(epoch.epochId, chain)
    }
    return chain
  }
}

/** Offset of the signature inside a body: kind (1), device (32), ts (8). */
const SIGNATURE_OFFSET = 1 + 32 + 8

/** Re-encrypts the envelope's body with one signature bit flipped (same key, same header). */
export function breakSignature(envelope: Uint8Array, key: Uint8Array): Uint8Array {
  const { headerBytes, ciphertext } = splitEnvelope(envelope)
  const body = decrypt(key, ciphertext, headerBytes)
  body[SIGNATURE_OFFSET + 7] = (body[SIGNATURE_OFFSET + 7] ?? 0) ^ 0x01
  const out = new Uint8Array(headerBytes.length + ciphertext.length)
  out.set(headerBytes, 0)
  out.set(encrypt(key, body, headerBytes), headerBytes.length)
  return out
}

/** Random bytes, any amount (randomBytes stops at 64 KiB). */
export function noise(size: number): Uint8Array {
  const out = new Uint8Array(size)
  for (let at = 0; at < size; at += 65_536) {
    out.set(randomBytes(Math.min(65_536, size - at)), at)
  }
  return out
}

/**
 * A header that passes every check of splitEnvelope (all of it readable by anyone
 * who sees the conversation's traffic), over a body of random bytes.
 */
export function junkEnvelope(
  convTag: Uint8Array,
  senderTag: Uint8Array,
  seq: number,
  options: { epochId?: Uint8Array; bucket?: number } = {},
): Uint8Array {
  const bucket = options.bucket ?? 0
  const header = encodeHeader({
    version: ENVELOPE_VERSION,
    convTag,
    senderTag,
    seq,
    epochId: options.epochId ?? BASE_EPOCH,
    chainIndex: 0,
    bucket,
  })
  const size = (PADDING_BUCKETS[bucket] ?? 256) + 40
  const out = new Uint8Array(header.length + size)
  out.set(header, 0)
  out.set(noise(size), header.length)
  return out
}

/** Publishes envelopes on a conversation's topic as topic messages. */
export async function publishEnvelopes(
  network: NetworkAdapter,
  topic: RoutingKeys['topic'],
  list: readonly Uint8Array[],
): Promise<void> {
  for (const envelope of list) {
    await network.publish(topic, encodeTopicMessage({ type: 'envelope', envelope }))
  }
}

// --------------------------------------------------------------- sync feed

/**
 * Plays the initiator of a sync with `target` from a bare peer: says hello as
 * someone holding nothing, sends `frames` (encoded as given, or raw bytes),
 * and reads what comes back until `done` or the end of the stream.
 */
export async function syncFeed(
  from: NetworkAdapter,
  target: NetworkAdapter,
  frames: readonly (SyncFrame | Uint8Array)[],
): Promise<{ received: SyncFrame[]; error?: Error }> {
  const stream = await from.openStream(target.peerId, asProtocolId(SYNC_PROTOCOL))
  const received: SyncFrame[] = []
  try {
    for (const frame of frames) {
      await stream.send(frame instanceof Uint8Array ? frame : encodeSyncFrame(frame))
    }
    for await (const bytes of stream.frames()) {
      const frame = decodeSyncFrame(bytes)
      received.push(frame)
      if (frame.type === 'done') break
    }
    await stream.close()
    return { received }
  } catch (err) {
    return { received, error: err as Error }
  }
}

export function hello(convTag: Uint8Array, vector = new Map<string, number>()): SyncFrame {
  return { type: 'hello', convTag, vector }
}
