/**
 * The epochs of one conversation whose secrets this device holds, and the
 * hash chains derived from them: opening a received envelope with the key
 * its header names, our own sender chain, which epoch we may send with, and
 * making a new epoch sealed to every current member device.
 */

import {
  decodeDeviceCertificate,
  decodeSignedPrekey,
  decrypt,
  fromHex,
  newEpochSecret,
  open as openSealed,
  randomBytes,
  receiverChain,
  restoreReceiverChain,
  restoreSenderChain,
  seal,
  senderChain,
  toHex,
  verifyPrekey,
} from '@murmur/crypto'
import type { ReceiverChain, SenderChain } from '@murmur/crypto'
import { decodeKeyPayload, encodeKeyPayload, splitEnvelope } from '@murmur/protocol'
import { isBaseEpoch } from './derive.ts'
import type { RoutingKeys } from './derive.ts'
import { openEnvelope } from './envelope.ts'
import type { OpenedEnvelope } from './envelope.ts'
import type { LocalIdentity } from './identity.ts'
import type { Logger } from './logger.ts'
import { memberDevices } from './membership.ts'
import type { CtrlNode } from './membership.ts'
import { decodeEpoch, encodeEpoch, keys } from './records.ts'
import type { EpochRecord } from './records.ts'
import { holderOf } from './roster.ts'
import type { Roster } from './roster.ts'
import type { BatchOp, Key, StorageAdapter } from './storage.ts'

const hex = toHex

export interface EpochsInit {
  readonly cid: string
  readonly routing: Uint8Array
  readonly keys: RoutingKeys
  readonly myTag: Uint8Array
  readonly self: LocalIdentity
  readonly storage: StorageAdapter
  /** Reads storage as the write run under way sees it. */
  readonly read: (key: Key) => Promise<Uint8Array | undefined>
  readonly roster: Roster
  readonly now: () => number
  readonly log: Logger
}

export class Epochs {
  readonly #init: EpochsInit
  readonly #epochs = new Map<string, EpochRecord>()
  readonly #receivers = new Map<string, ReceiverChain>()
  #sender: { epochId: string; chain: SenderChain } | undefined

  constructor(init: EpochsInit) {
    this.#init = init
  }

  async load(): Promise<void> {
    for await (const [, value] of this.#init.storage.range(keys.epochPrefix(this.#init.cid))) {
      const epoch = decodeEpoch(value)
      this.#epochs.set(epoch.epochId, epoch)
    }
  }

  get(epochId: string): EpochRecord | undefined {
    return this.#epochs.get(epochId)
  }

  /**
   * Holds the epochs a welcome carried (their parents come with their key
   * envelopes, by sync); returns their records to store.
   */
  welcome(secrets: readonly { epochId: Uint8Array; secret: Uint8Array }[]): BatchOp[] {
    const ops: BatchOp[] = []
    for (const { epochId, secret } of secrets) {
      const epoch: EpochRecord = {
        epochId: hex(epochId),
        secret,
        parents: [],
        tainted: false,
        createdAt: this.#init.now(),
      }
      this.#epochs.set(epoch.epochId, epoch)
      ops.push({
        type: 'put',
        key: keys.epoch(this.#init.cid, epoch.epochId),
        value: encodeEpoch(epoch),
      })
    }
    return ops
  }

  /** Every epoch secret we hold (for a welcome), newest last. */
  secrets(): { epochId: Uint8Array; secret: Uint8Array }[] {
    return [...this.#epochs.values()]
      .sort((a, b) => a.createdAt - b.createdAt)
      .map((e) => ({ epochId: fromHex(e.epochId), secret: e.secret }))
  }

  /**
   * Decrypts and verifies an envelope; undefined while we lack its epoch.
   * `chainUpdate` stores the receiver chain that spent its key.
   */
  async open(
    bytes: Uint8Array,
  ): Promise<{ opened: OpenedEnvelope; chainUpdate?: BatchOp } | undefined> {
    const { header } = splitEnvelope(bytes)
    if (isBaseEpoch(header.epochId)) {
      return {
        opened: openEnvelope(this.#init.routing, bytes, (_h, ct, aad) =>
          decrypt(this.#init.keys.baseKey, ct, aad),
        ),
      }
    }
    const epochId = hex(header.epochId)
    const epoch = this.#epochs.get(epochId)
    if (epoch === undefined) return undefined
    const tag = hex(header.senderTag)
    const chain = await this.#receiver(epoch, header.senderTag)
    // The key is spent only once the signature and sender tag check out, so
    // a member who can derive another's chain cannot burn its next key.
    let spend: (() => void) | undefined
    const opened = openEnvelope(this.#init.routing, bytes, (h, ct, aad) => {
      const trial = chain.open(h.chainIndex, ct, aad)
      spend = trial.commit
      return trial.plaintext
    })
    spend?.()
    return {
      opened,
      chainUpdate: {
        type: 'put',
        key: keys.chain(this.#init.cid, epochId, tag),
        value: chain.save(),
      },
    }
  }

  async #receiver(epoch: EpochRecord, tag: Uint8Array): Promise<ReceiverChain> {
    const id = `${epoch.epochId}/${hex(tag)}`
    let chain = this.#receivers.get(id)
    if (chain === undefined) {
      const saved = await this.#init.read(keys.chain(this.#init.cid, epoch.epochId, hex(tag)))
      chain = saved === undefined ? receiverChain(epoch.secret, tag) : restoreReceiverChain(saved)
      this.#receivers.set(id, chain)
    }
    return chain
  }

  /** Our own chain in `epoch`; the caller stores it after each use. */
  async senderChain(epoch: EpochRecord): Promise<SenderChain> {
    if (this.#sender?.epochId === epoch.epochId) return this.#sender.chain
    const saved = await this.#init.storage.get(keys.chain(this.#init.cid, epoch.epochId, 'self'))
    const chain =
      saved === undefined ? senderChain(epoch.secret, this.#init.myTag) : restoreSenderChain(saved)
    this.#sender = { epochId: epoch.epochId, chain }
    return chain
  }

  /**
   * An epoch we may send with: not tainted, and created after every removal
   * and departure (and every addition, when new members must not read
   * history) — so nobody who has left ever held it — and sealed to every
   * device of every current member, so everyone can read what we send. Among
   * several, the newest.
   *
   * Without that last rule, members who joined at the same moment lost every
   * message: a member who joined rotates before it first sends or admits (it
   * holds no epoch it was a member at), sealing the new epoch to the members
   * it knows; others prefer the newest epoch, and a member admitted
   * concurrently, missing from it, could read nothing they sent until the
   * next removal (bench B3: 2–4 of 10 receivers got no message at all).
   * Now a sender whose epochs all miss a current member's device rotates once,
   * on its next send, to an epoch sealed to everyone.
   */
  sendable(): EpochRecord | undefined {
    const membership = this.#init.roster.membership
    const current = [...membership.members.values()].flatMap((m) => m.deviceKeys)
    const nodes = this.#init.roster.nodes()
    const byHash = new Map(nodes.map((n) => [n.hash, n]))
    const shrinking = nodes.filter(
      (n) =>
        membership.valid.has(n.hash) &&
        (n.op.type === 'remove' ||
          n.op.type === 'leave' ||
          (n.op.type === 'add' && !(membership.settings?.historyVisible ?? true))),
    )
    let best: { epoch: EpochRecord; depth: number } | undefined
    for (const epoch of this.#epochs.values()) {
      if (epoch.tainted || epoch.parents.length === 0) continue
      const past = ancestors(byHash, epoch.parents)
      if (shrinking.some((n) => !past.has(n.hash))) continue
      // Receivers judge a message by the membership at its epoch's parents:
      // we must have been a member there, or nobody would accept it.
      const at = this.#init.roster.stateOfEpoch(epoch)
      if (at === undefined || holderOf(at, this.#init.self.deviceHex) === undefined) continue
      const sealedTo = new Set([...at.members.values()].flatMap((m) => m.deviceKeys))
      if (current.some((device) => !sealedTo.has(device))) continue
      const better =
        best === undefined ||
        past.size > best.depth ||
        (past.size === best.depth && epoch.epochId > best.epoch.epochId)
      if (better) best = { epoch, depth: past.size }
    }
    return best?.epoch
  }

  /**
   * Starts a new epoch sealed to every device of every current member, and
   * stores it; returns the payload of the key envelope that announces it.
   */
  async create(): Promise<Uint8Array> {
    const membership = this.#init.roster.membership
    const secret = newEpochSecret()
    const epochId = randomBytes(8)
    const seals: { device: Uint8Array; sealed: Uint8Array }[] = []
    for (const { device } of memberDevices(membership)) {
      try {
        const cert = decodeDeviceCertificate(device.certificate)
        const prekey = decodeSignedPrekey(device.prekey)
        if (!verifyPrekey(prekey, cert.devicePublicKey)) continue
        seals.push({
          device: cert.devicePublicKey,
          sealed: seal(prekey.publicKey, secret, sealAad(this.#init.keys.convTag, epochId)),
        })
      } catch {
        continue // a device whose keys do not verify gets nothing
      }
    }
    const parents = membership.heads.map(fromHex)
    const epoch: EpochRecord = {
      epochId: hex(epochId),
      secret,
      parents: [...membership.heads],
      tainted: false,
      createdAt: this.#init.now(),
    }
    this.#epochs.set(epoch.epochId, epoch)
    await this.#init.storage.put(keys.epoch(this.#init.cid, epoch.epochId), encodeEpoch(epoch))
    return encodeKeyPayload({ epochId, parents, seals })
  }

  /** Applies a verified key envelope's payload; adds the epoch's record to `ops`. */
  async accept(
    payloadBytes: Uint8Array,
    device: string,
    ops: BatchOp[],
  ): Promise<'pending' | { unblocks: boolean }> {
    const payload = decodeKeyPayload(payloadBytes)
    const epochId = hex(payload.epochId)
    const parents = payload.parents.map(hex)
    if (parents.some((p) => !this.#init.roster.membership.valid.has(p))) return 'pending'
    const at = this.#init.roster.stateAt(parents)
    const author = holderOf(at, device)
    if (author === undefined) {
      this.#init.log('key envelope from a non-member dropped')
      return { unblocks: false }
    }
    const expected = new Set(
      memberDevices(at).map(({ device: d }) =>
        hex(decodeDeviceCertificate(d.certificate).devicePublicKey),
      ),
    )
    const sealedTo = payload.seals.map((s) => hex(s.device))
    // An epoch sealed to anyone who was not a member at its parents must never carry our messages.
    const tainted = sealedTo.some((d) => !expected.has(d))
    const known = this.#epochs.get(epochId)
    let secret = known?.secret
    if (secret === undefined) {
      const mine = payload.seals.find((s) => hex(s.device) === this.#init.self.deviceHex)
      if (mine === undefined) return { unblocks: false }
      try {
        secret = openSealed(
          this.#init.self.prekey.privateKey,
          mine.sealed,
          sealAad(this.#init.keys.convTag, payload.epochId),
        )
      } catch (err) {
        this.#init.log('epoch seal did not open - %s', (err as Error).message)
        return { unblocks: false }
      }
    }
    const epoch: EpochRecord = {
      epochId,
      secret,
      parents,
      tainted: tainted || (known?.tainted ?? false),
      createdAt: known?.createdAt ?? this.#init.now(),
    }
    this.#epochs.set(epochId, epoch)
    ops.push({ type: 'put', key: keys.epoch(this.#init.cid, epochId), value: encodeEpoch(epoch) })
    return { unblocks: true }
  }
}

function sealAad(convTag: Uint8Array, epochId: Uint8Array): Uint8Array {
  const out = new Uint8Array(convTag.length + epochId.length)
  out.set(convTag, 0)
  out.set(epochId, convTag.length)
  return out
}

function ancestors(byHash: Map<string, CtrlNode>, heads: readonly string[]): Set<string> {
  const seen = new Set<string>()
  const stack = [...heads]
  while (stack.length > 0) {
    const h = stack.pop() as string
    if (seen.has(h)) continue
    seen.add(h)
    const node = byHash.get(h)
    if (node !== undefined) stack.push(...node.parents)
  }
  return seen
}
