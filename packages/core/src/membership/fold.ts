/**
 * Membership as a fold of valid ops in the deterministic order: the rules'
 * plain statement, kept as the reference the fast path (ledger.ts) is tested
 * against. Effects are applied defensively because a fold can place an op after
 * concurrent ops its author never saw: a removal of someone already gone does
 * nothing, a role change never resurrects, and a re-add concurrent with a
 * departure of the same user loses to it (remove wins).
 */
import type { ConversationKind, ConversationSettings, CtrlOp } from '@murmur/protocol'
import { JOIN, seniorityOrder } from './member.ts'
import type { Member, MembershipView } from './member.ts'
import type { DeviceEntry, OpInfo } from './parse.ts'
import type { CtrlNode } from './types.ts'

export interface Fold {
  created: boolean
  kind: ConversationKind | undefined
  name: string | undefined
  settings: ConversationSettings | undefined
  members: Map<string, Member>
  /** User → positions of their departures (removals and leaves) folded so far. */
  departures: Map<string, readonly number[]>
}

export interface FoldContext {
  readonly order: readonly CtrlNode[]
  readonly info: readonly OpInfo[]
  /** JOIN or MERGE for each valid add. */
  readonly addKind: Uint8Array
  /** Is position a in the causal past of position b? */
  readonly isBefore: (a: number, b: number) => boolean
}

export function emptyFold(): Fold {
  return {
    created: false,
    kind: undefined,
    name: undefined,
    settings: undefined,
    members: new Map(),
    departures: new Map(),
  }
}

export function cloneFold(f: Fold): Fold {
  return { ...f, members: new Map(f.members), departures: new Map(f.departures) }
}

/** Applies the valid op at position i. */
export function applyOp(f: Fold, i: number, ctx: FoldContext): void {
  const node = ctx.order[i]!
  const info = ctx.info[i]!
  const op: CtrlOp = node.op
  switch (op.type) {
    case 'create':
      f.created = true
      f.kind = op.conversationKind
      f.name = op.name
      f.settings = op.settings
      f.members.set(node.authorUser, {
        identity: op.owner.identity,
        name: op.owner.name,
        role: 'owner',
        devices: info.devices!,
        deviceKeys: new Set(info.devices!.map((d) => d.key)),
        since: i,
        joined: i,
      })
      return
    case 'add': {
      const user = info.target!
      const existing = f.members.get(user)
      if (existing !== undefined) {
        f.members.set(user, withDevices(existing, info.devices!))
        return
      }
      if (ctx.addKind[i] !== JOIN) return
      const departedConcurrently = (f.departures.get(user) ?? []).some((d) => !ctx.isBefore(d, i))
      if (departedConcurrently) return
      f.members.set(user, {
        identity: op.member.identity,
        name: op.member.name,
        role: op.role,
        devices: info.devices!,
        deviceKeys: new Set(info.devices!.map((d) => d.key)),
        since: i,
        joined: i,
      })
      return
    }
    case 'remove':
      depart(f, info.target!, i)
      return
    case 'leave':
      depart(f, node.authorUser, i)
      return
    case 'setRole': {
      const user = info.target!
      const m = f.members.get(user)
      if (m === undefined || m.role === 'owner' || m.role === op.role || op.role === 'owner') return
      const since = op.role === 'admin' ? i : m.joined
      f.members.set(user, { ...m, role: op.role, since })
      return
    }
    case 'settings':
      f.settings = op.settings
      return
  }
}

function withDevices(m: Member, devices: readonly DeviceEntry[]): Member {
  const known = new Set(m.devices.map((d) => d.cert))
  const fresh = devices.filter((d) => !known.has(d.cert))
  if (fresh.length === 0) return m
  const all = [...m.devices, ...fresh]
  return { ...m, devices: all, deviceKeys: new Set(all.map((d) => d.key)) }
}

function depart(f: Fold, user: string, i: number): void {
  f.departures.set(user, [...(f.departures.get(user) ?? []), i])
  const m = f.members.get(user)
  if (m === undefined) return
  f.members.delete(user)
  if (m.role === 'owner') passOwnership(f, i)
}

/** The most senior admin, else the most senior member, becomes owner. */
function passOwnership(f: Fold, i: number): void {
  const heir = seniorityOrder(f.members)[0]
  if (heir === undefined) return
  const m = f.members.get(heir)!
  f.members.set(heir, { ...m, role: 'owner', since: i })
}

export function foldView(f: Fold): MembershipView {
  return {
    created: f.created,
    kind: f.kind,
    settings: f.settings,
    member: (user) => f.members.get(user),
  }
}
