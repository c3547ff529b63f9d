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

/** One user's record from their own ops in `set` below `limit`, ownership handed to them at `grants`. */
function walk(
  ledger: Ledger,
  pass: LedgerPass,
  set: Uint32Array,
  user: string,
  limit: number,
  grants: readonly number[],
): Member | undefined {
  let m: Omit<Member, 'deviceKeys'> | undefined
  const departures: number[] = []
  let g = 0
  const handOverBefore = (pos: number): void => {
    for (; g < grants.length && grants[g]! < pos; g++) {
      if (m !== undefined) m = { ...m, role: 'owner', since: grants[g]! }
    }
  }
  const admit = (e: number, role: Role, record: MemberRecord): Omit<Member, 'deviceKeys'> => ({
    identity: record.identity,
    name: record.name,
    role,
    devices: ledger.info[e]!.devices!,
    since: e,
    joined: e,
  })

  for (const e of ledger.eventsOf.get(user) ?? []) {
    if (e >= limit) break
    if (!hasBit(set, e)) continue
    handOverBefore(e)
    const op = ledger.order[e]!.op
    switch (op.type) {
      case 'create':
        m = admit(e, 'owner', op.owner)
        break
      case 'add':
        if (m !== undefined)
          m = { ...m, devices: mergeDevices(m.devices, ledger.info[e]!.devices!) }
        else if (pass.addKind[e] === JOIN && departures.every((d) => ledger.isBefore(d, e))) {
          m = admit(e, op.role, op.member)
        }
        break
      case 'remove':
      case 'leave':
        departures.push(e)
        m = undefined
        break
      case 'setRole':
        if (m !== undefined && m.role !== 'owner' && op.role !== 'owner' && m.role !== op.role) {
          m = { ...m, role: op.role, since: op.role === 'admin' ? e : m.joined }
        }
        break
      case 'settings':
        break
    }
  }
  handOverBefore(limit)
  return m === undefined ? undefined : { ...m, deviceKeys: new Set(m.devices.map((d) => d.key)) }
}

function mergeDevices(
  have: readonly DeviceEntry[],
  more: readonly DeviceEntry[],
): readonly DeviceEntry[] {
  const known = new Set(have.map((d) => d.cert))
  const fresh = more.filter((d) => !known.has(d.cert))
  return fresh.length === 0 ? have : [...have, ...fresh]
}
