/**
 * Who is in one conversation, as this device computes it: the ctrl ops it
 * holds, which users' certificates name which devices, and the membership
 * evaluated from them — now, and at the parents of each epoch.
 */

import {
  decodeDeviceCertificate,
  labelledHash,
  Labels,
  toHex,
  verifyDeviceCertificate,
  verifyWithLabel,
} from '@murmur/crypto'
import { decodeCtrlPayload } from '@murmur/protocol'
import type { CtrlOp, MemberRecord, Role } from '@murmur/protocol'
import type { Logger } from './logger.ts'
import { evaluateMembership, stateAt } from './membership.ts'
import type { CtrlNode, MembershipState } from './membership.ts'
import { decodeCtrl, encodeCtrl, keys } from './records.ts'
import type { EpochRecord, StoredCtrl } from './records.ts'
import type { BatchOp, StorageAdapter } from './storage.ts'

const hex = toHex

/** What applying an envelope did: it may wait (`pending`), or free others that wait. */
export type Applied = 'pending' | { unblocks: boolean; afterCommit?: () => void }

export interface RosterInit {
  readonly cid: string
  /** The create op's hash ('' until known): the one root this device accepts. */
  readonly root: () => string
  readonly log: Logger
  /** Reports a membership change, once what changed it is stored. */
  readonly onChange: (before: MembershipState, after: MembershipState) => void
}

export class Roster {
  readonly #init: RosterInit
  #membership: MembershipState
  readonly #ctrl = new Map<string, StoredCtrl & { node: CtrlNode | undefined }>()
  /**
   * device hex → users whose certificates name it, from any ctrl op seen.
   * Only candidates: who really holds a device is decided by the membership
   * (a forged certificate can name anyone's device).
   */
  readonly #deviceCandidates = new Map<string, string[]>()
  /** epoch id → membership at that epoch's parents, for the current membership. */
  #epochStates = new Map<string, MembershipState>()

  constructor(init: RosterInit) {
    this.#init = init
    this.#membership = evaluateMembership([])
  }

  get membership(): MembershipState {
    return this.#membership
  }

  /** Reads the stored ctrl ops and evaluates them (reporting nothing). */
  async load(storage: StorageAdapter): Promise<void> {
    for await (const [, value] of storage.range(keys.ctrlPrefix(this.#init.cid))) {
      const stored = decodeCtrl(value)
      this.#index(stored)
    }
    this.#evaluate()
  }

  /** Whether a valid op ever removed `user` (they are not let back in by an old invite). */
  wasRemoved(user: string): boolean {
    for (const { node } of this.#ctrl.values()) {
      if (
        node?.op.type === 'remove' &&
        hex(node.op.user) === user &&
        this.#membership.valid.has(node.hash)
      ) {
        return true
      }
    }
    return false
  }

  /** Applies a verified ctrl envelope's payload; adds its record to `ops`. */
  async accept(
    payloadBytes: Uint8Array,
    device: string,
    ts: number,
    ops: BatchOp[],
  ): Promise<Applied> {
    let payload
    try {
      payload = decodeCtrlPayload(payloadBytes)
    } catch (err) {
      this.#init.log('ctrl payload rejected - %s', (err as Error).message)
      return { unblocks: false }
    }
    // Certificates inside the op (the creator's, an added member's) tell us whose devices they are.
    this.#learnDevices(payload.op)
    const authorUser = this.#resolveAuthor(device)
    if (authorUser === undefined) return 'pending'
    const stored: StoredCtrl = {
      hash: ctrlHash(payloadBytes, device, ts),
      authorUser,
      authorDevice: device,
      ts,
      payload: payloadBytes,
    }
    if (this.#ctrl.has(stored.hash)) return { unblocks: false }
    this.#index(stored)
    ops.push({
      type: 'put',
      key: keys.ctrl(this.#init.cid, stored.hash),
      value: encodeCtrl(stored),
    })
    const changes = this.#evaluate()
    return { unblocks: true, afterCommit: changes }
  }

  #learnDevices(op: CtrlOp): void {
    const records: MemberRecord[] =
      op.type === 'create' ? [op.owner] : op.type === 'add' ? [op.member] : []
    for (const member of records) {
      for (const device of member.devices) {
        try {
          const cert = decodeDeviceCertificate(device.certificate)
          if (!verifyDeviceCertificate(cert, member.identity)) continue
          if (
            !verifyWithLabel(
              cert.devicePublicKey,
              Labels.deviceBinding,
              member.identity,
              device.binding,
            )
          ) {
            continue // a certificate for someone else's device: the device never agreed
          }
          const key = hex(cert.devicePublicKey)
          const user = hex(member.identity)
          const users = this.#deviceCandidates.get(key) ?? []
          if (!users.includes(user)) this.#deviceCandidates.set(key, [...users, user])
        } catch {
          continue // a malformed certificate names no device
        }
      }
    }
  }

  #index(stored: StoredCtrl): void {
    let node: CtrlNode | undefined
    try {
      const payload = decodeCtrlPayload(stored.payload)
      this.#learnDevices(payload.op)
      node = {
        hash: stored.hash,
        parents: payload.parents.map(hex),
        authorUser: stored.authorUser,
        authorDevice: stored.authorDevice,
        ts: stored.ts,
        op: payload.op,
      }
    } catch {
      node = undefined // unreadable stored op: ignored, kept for sync
    }
    this.#ctrl.set(stored.hash, { ...stored, node })
  }

  /** The user a device belongs to: its holder in the membership, else the first claimant. */
  #resolveAuthor(device: string): string | undefined {
    return holderOf(this.#membership, device) ?? this.#deviceCandidates.get(device)?.[0]
  }

  #rootOption(): { root?: string } {
    const root = this.#init.root()
    return root === '' ? {} : { root }
  }

  /** The ctrl DAG, each op credited to the user who holds its device now. */
  nodes(): CtrlNode[] {
    const out: CtrlNode[] = []
    for (const { node } of this.#ctrl.values()) {
      if (node === undefined) continue
      const author = this.#resolveAuthor(node.authorDevice) ?? node.authorUser
      out.push(author === node.authorUser ? node : { ...node, authorUser: author })
    }
    return out
  }

  /** The membership at `parents` (ctrl op hashes). */
  stateAt(parents: readonly string[]): MembershipState {
    return stateAt(this.nodes(), parents, this.#rootOption())
  }

  /** Who could write in `epoch`: the membership at its parents (cached per membership). */
  stateOfEpoch(epoch: EpochRecord): MembershipState | undefined {
    if (epoch.parents.length === 0) return undefined
    if (epoch.parents.some((p) => !this.#membership.valid.has(p))) return undefined
    let state = this.#epochStates.get(epoch.epochId)
    if (state === undefined) {
      state = this.stateAt(epoch.parents)
      this.#epochStates.set(epoch.epochId, state)
    }
    return state
  }

  /** Recomputes membership; returns a function that reports what changed. */
  #evaluate(): () => void {
    const before = this.#membership
    // Authorship of an op depends on who holds its device, which depends on
    // the membership: iterate until the two agree (a few rounds at most).
    for (let round = 0; round < 4; round++) {
      const nodes = this.nodes()
      this.#membership = evaluateMembership(nodes, this.#rootOption())
      const settled = nodes.every(
        (n) => (this.#resolveAuthor(n.authorDevice) ?? n.authorUser) === n.authorUser,
      )
      if (settled) break
    }
    this.#epochStates = new Map()
    const after = this.#membership
    return () => this.#init.onChange(before, after)
  }
}

export function isAdminRole(role: Role | undefined): boolean {
  return role === 'owner' || role === 'admin'
}

export function ctrlHash(payload: Uint8Array, device: string, ts: number): string {
  const enc = new TextEncoder()
  const meta = enc.encode(`${device}|${ts}|`)
  const data = new Uint8Array(meta.length + payload.length)
  data.set(meta, 0)
  data.set(payload, meta.length)
  return hex(labelledHash(Labels.ctrlHash, data))
}

/** The member holding `device` in `state`, if any. */
export function holderOf(state: MembershipState, device: string): string | undefined {
  for (const [user, member] of state.members) if (member.deviceKeys.includes(device)) return user
  return undefined
}
