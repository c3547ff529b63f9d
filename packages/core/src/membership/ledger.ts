/**
 * Membership at a set of valid ops, answered on demand instead of by folding
 * all of them. In the in-order fold (fold.ts) a user's record changes only
 * through ops about that user, plus ownership handed over when the owner
 * leaves, so one user's state is a walk over their own ops that are in the set:
 *
 *   present  after a join that every earlier departure of theirs precedes
 *            causally (a re-add concurrent with a departure loses);
 *   role     the join's role, then later role changes, unless they own it;
 *   since    join, promotion or handover position; devices merge while present.
 *
 * Ownership is a chain: each owner's first departure after taking over hands
 * it to the most senior member present just before it. Heirs found for a prefix
 * every valid op shares are cached for the pass, so most lookups cost a few bit
 * tests, and a whole pass stays near-linear even in wide DAGs.
 */
import type { ConversationSettings, MemberRecord, Role } from '@murmur/protocol'
import { hasBit } from './bits.ts'
import { compareSeniority, JOIN } from './member.ts'
import type { Member, MembershipView } from './member.ts'
import type { DeviceEntry, OpInfo } from './parse.ts'
import type { CtrlNode } from './types.ts'

/** The ops indexed once per evaluation. */
export interface Ledger {
  readonly order: readonly CtrlNode[]
  readonly info: readonly OpInfo[]
  readonly root: number | undefined
  /** User → positions of the ops about them: create, adds, removals, leaves, role changes. */
  readonly eventsOf: ReadonlyMap<string, readonly number[]>
  readonly settingsOps: readonly number[]
  readonly isBefore: (a: number, b: number) => boolean
}

/** What a pass has decided so far. */
export interface LedgerPass {
  readonly valid: Uint32Array
  readonly addKind: Uint8Array
  /** Owner's departure position → heir, for prefixes every later view shares. */
  readonly heirs: Map<number, string | undefined>
}

export interface LedgerView extends MembershipView {
  members(): Map<string, Member>
}

/**
 * The view at `set` (valid ops only). `complete`: every valid op below this position
 * is in the set, so cached heirs before it apply.
 */
export function viewAt(
  ledger: Ledger,
  pass: LedgerPass,
  set: Uint32Array,
  complete: number,
): LedgerView {
  const { order, root } = ledger
  const created = root !== undefined && hasBit(set, root)
  const create = created ? order[root]!.op : undefined
  const memo = new Map<string, Member | undefined>()
  let grants: Map<string, number[]> | undefined

  const ownerGrants = (): Map<string, number[]> => {
    if (grants !== undefined) return grants
    const chain = new Map<string, number[]>()
    if (created) {
      let owner = order[root!]!.authorUser
      let since = root!
      for (;;) {
        const d = firstDeparture(ledger, set, owner, since)
        if (d === undefined) break
        let heir: string | undefined
        if (d <= complete && pass.heirs.has(d)) heir = pass.heirs.get(d)
        else {
          heir = heirAt(ledger, pass, set, d, owner, chain)
          if (d <= complete) pass.heirs.set(d, heir)
        }
        if (heir === undefined) break
        chain.set(heir, [...(chain.get(heir) ?? []), d])
        owner = heir
        since = d
      }
    }
    return (grants = chain)
  }

  const member = (user: string): Member | undefined => {
    if (!memo.has(user)) {
      memo.set(user, walk(ledger, pass, set, user, Infinity, ownerGrants().get(user) ?? []))
    }
    return memo.get(user)
  }

  return {
    created,
    kind: create?.type === 'create' ? create.conversationKind : undefined,
    settings: created ? latestSettings(ledger, set) : undefined,
    member,
    members: () => {
      const all = new Map<string, Member>()
      for (const user of ledger.eventsOf.keys()) {
        const m = member(user)
        if (m !== undefined) all.set(user, m)
      }
      return all
    },
  }
}

function latestSettings(ledger: Ledger, set: Uint32Array): ConversationSettings | undefined {
  const ops = ledger.settingsOps
  for (let k = ops.length - 1; k >= 0; k--) {
    const op = ledger.order[ops[k]!]!.op
    if (hasBit(set, ops[k]!) && op.type === 'settings') return op.settings
  }
  const create = ledger.order[ledger.root!]!.op
  return create.type === 'create' ? create.settings : undefined
}

function firstDeparture(
  ledger: Ledger,
  set: Uint32Array,
  user: string,
  after: number,
): number | undefined {
  for (const e of ledger.eventsOf.get(user) ?? []) {
    if (e <= after || !hasBit(set, e)) continue
    const type = ledger.order[e]!.op.type
    if (type === 'remove' || type === 'leave') return e
  }
  return undefined
}

/** The most senior member other than the departing owner, just before position d. */
function heirAt(
  ledger: Ledger,
  pass: LedgerPass,
  set: Uint32Array,
  d: number,
  owner: string,
  grants: ReadonlyMap<string, readonly number[]>,
): string | undefined {
  let best: { user: string; m: Member } | undefined
  for (const user of ledger.eventsOf.keys()) {
    if (user === owner) continue
    const m = walk(ledger, pass, set, user, d, grants.get(user) ?? [])
    if (m === undefined) continue
    if (best === undefined || compareSeniority(m, best.m) < 0) best = { user, m }
    else if (compareSeniority(m, best.m) === 0 && user < best.user) best = { user, m }
  }
  return best?.user
}

/** A user's record part-way through their ops. Arrays are replaced, never changed. */
interface Walked {
  present: boolean
  identity: Uint8Array
  name: string
  role: Role
  since: number
  joined: number
  devices: readonly DeviceEntry[]
  departures: readonly number[]
  /** Ownership handovers applied so far. */
  granted: number
}

/** One user's record from their own ops in `set` below `limit`, ownership handed to them at `grants`. */
function walk(
  ledger: Ledger,
  pass: LedgerPass,
  set: Uint32Array,
  user: string,
  limit: number,
  grants: readonly number[],
): Member | undefined {
  const w = blank()
  for (const e of ledger.eventsOf.get(user) ?? []) {
    if (e >= limit) break
    if (hasBit(set, e)) step(ledger, pass, w, e, grants)
  }
  handOver(w, grants, limit)
  if (!w.present) return undefined
  return {
    identity: w.identity,
    name: w.name,
    role: w.role,
    devices: w.devices,
    deviceKeys: new Set(w.devices.map((d) => d.key)),
    since: w.since,
    joined: w.joined,
  }
}

function blank(): Walked {
  return {
    present: false,
    identity: new Uint8Array(0),
    name: '',
    role: 'member',
    since: 0,
    joined: 0,
    devices: [],
    departures: [],
    granted: 0,
  }
}

/** Ownership handed over before position `pos`. */
function handOver(w: Walked, grants: readonly number[], pos: number): void {
  for (; w.granted < grants.length && grants[w.granted]! < pos; w.granted++) {
    if (w.present) {
      w.role = 'owner'
      w.since = grants[w.granted]!
    }
  }
}

/** Folds the user's op at position e into `w`, as fold.ts would. */
function step(
  ledger: Ledger,
  pass: LedgerPass,
  w: Walked,
  e: number,
  grants: readonly number[],
): void {
  handOver(w, grants, e)
  const op = ledger.order[e]!.op
  const admit = (role: Role, record: MemberRecord): void => {
    w.present = true
    w.identity = record.identity
    w.name = record.name
    w.role = role
    w.since = w.joined = e
    w.devices = ledger.info[e]!.devices!
  }
  switch (op.type) {
    case 'create':
      admit('owner', op.owner)
      return
    case 'add':
      if (w.present) w.devices = mergeDevices(w.devices, ledger.info[e]!.devices!)
      else if (pass.addKind[e] === JOIN && w.departures.every((d) => ledger.isBefore(d, e))) {
        admit(op.role, op.member)
      }
      return
    case 'remove':
    case 'leave':
      w.departures = [...w.departures, e]
      w.present = false
      return
    case 'setRole':
      if (w.present && w.role !== 'owner' && op.role !== 'owner' && w.role !== op.role) {
        w.role = op.role
        w.since = op.role === 'admin' ? e : w.joined
      }
      return
    case 'settings':
      return
  }
}

function mergeDevices(
  have: readonly DeviceEntry[],
  more: readonly DeviceEntry[],
): readonly DeviceEntry[] {
  let out: DeviceEntry[] | undefined
  for (const d of more) {
    if (have.some((h) => h.cert === d.cert) || out?.some((h) => h.cert === d.cert)) continue
    ;(out ??= [...have]).push(d)
  }
  return out ?? have
}
