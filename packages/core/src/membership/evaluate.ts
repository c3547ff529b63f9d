/**
 * The evaluator. One pass walks the ops in deterministic order and judges each
 * against the membership at its parents: that of the valid ops in its causal
 * past, as the in-order fold would give it (asked of the ledger, ledger.ts).
 * Then each removal (and each leave, a removal of oneself) drops its target's
 * ops that did not precede it, most senior remover first; dropping can
 * unauthorise later ops, so passes repeat until nothing new is dropped. The drop
 * set only grows, so this ends after at most one pass per op (in practice one
 * pass, plus one per removal that raced its target's ops).
 */
import { forEachBit, hasBit, intersects, lowestBit, setBit } from './bits.ts'
import { causalPast, dedupe, indexDag, isBefore } from './dag.ts'
import type { DagIndex } from './dag.ts'
import { applyOp, emptyFold, foldView } from './fold.ts'
import type { FoldContext } from './fold.ts'
import { viewAt } from './ledger.ts'
import type { Ledger, LedgerPass } from './ledger.ts'
import { compareSeniority, JOIN, seniorityOrder } from './member.ts'
import type { Member, MembershipView } from './member.ts'
import { parseOp } from './parse.ts'
import type { OpInfo } from './parse.ts'
import { authorize, authorizeCreate } from './rules.ts'
import type { DmPair, Verdict } from './rules.ts'
import type { CtrlNode, EvaluateOptions, MemberState, MembershipState } from './types.ts'

/** Membership as every device computes it from this set of ops. */
export function evaluateMembership(
  nodes: Iterable<CtrlNode>,
  options: EvaluateOptions = {},
): MembershipState {
  const prepared = prepare(nodes, options)
  return toState(prepared, settle(prepared, false))
}

/**
 * The same evaluation with every op judged against a fold of its causal past built
 * from scratch: the rules' plain statement, slow, and here so tests can check the
 * ledger against it.
 */
export function evaluateByReplay(
  nodes: Iterable<CtrlNode>,
  options: EvaluateOptions = {},
): MembershipState {
  const prepared = prepare(nodes, options)
  return toState(prepared, settle(prepared, true))
}

/**
 * Membership as of `heads`: the evaluation of their causal past alone, which is
 * what the author of an op with these parents computed (e.g. to know whom an
 * epoch key had to be sealed to).
 */
export function stateAt(
  nodes: Iterable<CtrlNode>,
  heads: Iterable<string>,
  options: EvaluateOptions = {},
): MembershipState {
  const byHash = dedupe(nodes)
  const past = causalPast(byHash, heads)
  return evaluateMembership(
    [...past].map((h) => byHash.get(h)!),
    options,
  )
}

interface Prepared {
  readonly dag: DagIndex
  readonly ledger: Ledger
  /** User → positions of the ops they authored. */
  readonly byAuthor: ReadonlyMap<string, readonly number[]>
  /** User → positions of the adds naming them. */
  readonly addsOf: ReadonlyMap<string, readonly number[]>
}

function prepare(nodes: Iterable<CtrlNode>, options: EvaluateOptions): Prepared {
  const dag = indexDag(nodes)
  const certIds = new Map<string, number>()
  const info = dag.order.map((node) => parseOp(node, certIds))
  const byAuthor = new Map<string, number[]>()
  const addsOf = new Map<string, number[]>()
  const eventsOf = new Map<string, number[]>()
  const settingsOps: number[] = []
  let root: number | undefined
  dag.order.forEach((node, i) => {
    const op = node.op
    push(byAuthor, node.authorUser, i)
    if (op.type === 'add') push(addsOf, info[i]!.target!, i)
    if (op.type === 'settings') settingsOps.push(i)
    const subject = op.type === 'create' || op.type === 'leave' ? node.authorUser : info[i]!.target
    if (subject !== undefined) push(eventsOf, subject, i)
    if (op.type !== 'create' || node.parents.length > 0) return
    const pinned = options.root
    const lower = root === undefined || node.hash < dag.order[root]!.hash
    if (pinned === undefined ? lower : pinned === node.hash) root = i
  })
  const ledger: Ledger = {
    order: dag.order,
    info,
    root,
    eventsOf,
    settingsOps,
    isBefore: (a, b) => isBefore(dag, a, b),
  }
  return { dag, ledger, byAuthor, addsOf }
}

/** A valid remove, or a leave (its author removing themselves). */
interface Departure {
  readonly at: number
  readonly target: string
  /** The remover as they stood at the op's parents. */
  readonly author: Member
}

interface Pass {
  readonly ledger: LedgerPass
  readonly valid: Uint32Array
  readonly reasons: ReadonlyMap<number, string>
  readonly departures: readonly Departure[]
  readonly members: ReadonlyMap<string, Member>
  readonly final: MembershipView
  /** The dm pair as known before each position. */
  readonly pairs: readonly DmPair[]
}

/**
 * Judges every op from position `from` on; what `previous` decided before it is kept
 * (nothing new was dropped there, and an op's verdict depends only on its past).
 */
function runPass(
  p: Prepared,
  dropped: ReadonlyMap<number, string>,
  replay: boolean,
  previous?: Pass,
  from = 0,
): Pass {
  const { dag, ledger } = p
  const { order, words, ancestors } = dag
  const n = order.length
  const state: LedgerPass = {
    valid: new Uint32Array(words),
    addKind: new Uint8Array(n),
    heirs: new Map(),
  }
  const { valid } = state
  const reasons = new Map<number, string>()
  const departures: Departure[] = []
  const pair: DmPair = { creator: undefined, partner: undefined }
  if (previous !== undefined) {
    forEachBit(previous.valid, (j) => {
      if (j < from) setBit(valid, j)
    })
    state.addKind.set(previous.ledger.addKind.subarray(0, from))
    for (const [d, heir] of previous.ledger.heirs) if (d <= from) state.heirs.set(d, heir)
    for (const [j, reason] of previous.reasons) if (j < from) reasons.set(j, reason)
    departures.push(...previous.departures.filter((d) => d.at < from))
    Object.assign(pair, previous.pairs[from])
  }
  const pairs: DmPair[] = previous?.pairs.slice(0, from) ?? []
  const ctx: FoldContext = { ...ledger, addKind: state.addKind }

  // Reused for each op: a view is only asked about while its op is judged.
  const past = new Uint32Array(words)
  const missing = new Uint32Array(words)
  /** Membership at the valid ops in i's causal past. */
  const atParents = (i: number): MembershipView => {
    for (let w = 0; w < words; w++) {
      past[w] = ancestors[i * words + w]! & valid[w]!
      missing[w] = valid[w]! & ~ancestors[i * words + w]!
    }
    if (replay) {
      const fold = emptyFold()
      forEachBit(past, (j) => applyOp(fold, j, ctx))
      return foldView(fold)
    }
    const k = lowestBit(missing)
    return viewAt(ledger, state, past, k === -1 ? i : k)
  }

  for (let i = from; i < n; i++) {
    pairs[i] = { ...pair }
    const node = order[i]!
    const view = atParents(i)
    const verdict = judge(p, i, view, dropped.get(i), pair)
    if (verdict.ok) {
      setBit(valid, i)
      noteValid(node, ledger.info[i]!, verdict, view, pair, departures, i)
      if (verdict.addKind !== undefined) state.addKind[i] = verdict.addKind
    } else {
      reasons.set(i, verdict.reason)
    }
  }

  let final: MembershipView
  let members: ReadonlyMap<string, Member>
  if (replay) {
    const fold = emptyFold()
    forEachBit(valid, (j) => applyOp(fold, j, ctx))
    final = foldView(fold)
    members = fold.members
  } else {
    const view = viewAt(ledger, state, valid, n)
    final = view
    members = view.members()
  }
  return { ledger: state, valid, reasons, departures, members, final, pairs }
}

function judge(
  p: Prepared,
  i: number,
  view: MembershipView,
  dropped: string | undefined,
  pair: DmPair,
): Verdict {
  if (dropped !== undefined) return { ok: false, reason: dropped }
  const node = p.dag.order[i]!
  const info = p.ledger.info[i]!
  if (node.parents.length === 0) {
    if (i === p.ledger.root) return authorizeCreate(node, info)
    return {
      ok: false,
      reason:
        node.op.type === 'create'
          ? 'a conversation has one create'
          : 'only a create may have no parents',
    }
  }
  if (node.op.type === 'create') return { ok: false, reason: 'a create cannot have parents' }
  return authorize(view, node, info, pair)
}

function noteValid(
  node: CtrlNode,
  info: OpInfo,
  verdict: Verdict & { ok: true },
  view: MembershipView,
  pair: DmPair,
  departures: Departure[],
  i: number,
): void {
  switch (node.op.type) {
    case 'create':
      pair.creator = node.authorUser
      return
    case 'add':
      if (verdict.addKind === JOIN && view.kind === 'dm' && pair.partner === undefined) {
        if (info.target !== pair.creator) pair.partner = info.target
      }
      return
    case 'remove':
    case 'leave': {
      const target = node.op.type === 'remove' ? info.target! : node.authorUser
      departures.push({ at: i, target, author: view.member(node.authorUser)! })
      return
    }
    default:
      return
  }
}

/** Repeats passes, growing the drop set, until no departure drops anything new. */
function settle(p: Prepared, replay: boolean): Pass {
  const dropped = new Map<number, string>()
  let pass = runPass(p, dropped, replay)
  // Each further round drops at least one more op, so there are at most n of them.
  for (let round = 0; round < p.dag.order.length; round++) {
    // Optimistically apply every departure's drops at once. That holds unless a drop
    // takes away what one of those departures stood on; then try again without the
    // departures that fell, and after a few tries go one departure at a time.
    const before = new Map(dropped)
    const fallen = new Set<number>()
    let next: Pass | undefined
    for (let attempt = 0; attempt < 3 && next === undefined; attempt++) {
      restore(dropped, before)
      const batch = collectDrops(p, pass, dropped, false, fallen)
      if (batch.from === -1) break
      const trial = runPass(p, dropped, replay, pass, batch.from)
      const fell = batch.sources.filter((r) => !hasBit(trial.valid, r))
      if (fell.length === 0) next = trial
      for (const r of fell) fallen.add(r)
    }
    if (next === undefined && fallen.size === 0) break
    if (next === undefined) {
      restore(dropped, before)
      const step = collectDrops(p, pass, dropped, true, new Set())
      next = runPass(p, dropped, replay, pass, step.from)
    }
    pass = next
  }
  return pass
}

function restore(dropped: Map<number, string>, saved: ReadonlyMap<number, string>): void {
  dropped.clear()
  for (const [j, why] of saved) dropped.set(j, why)
}

/**
 * Rule: a valid removal or leave of U drops every op by U outside its causal past, unless
 * a later re-add of U (one that saw the departure) precedes the op. Departures are taken
 * most senior remover first, so a remover removed concurrently by someone more senior
 * loses their removal. With `cautious`, stops before a departure whose past (or whose
 * re-adds') lost an op, since it may no longer stand; departures in `skip` are passed
 * over. Returns the first position dropped anew (or -1) and the departures that dropped
 * something.
 */
function collectDrops(
  p: Prepared,
  pass: Pass,
  dropped: Map<number, string>,
  cautious: boolean,
  skip: ReadonlySet<number>,
): { from: number; sources: number[] } {
  const { dag } = p
  const { words, ancestors, order } = dag
  const before = (a: number, b: number): boolean => isBefore(dag, a, b)
  const fresh = new Uint32Array(words)
  const sources: number[] = []
  const departures = [...pass.departures].sort(
    (a, b) => compareSeniority(a.author, b.author) || a.at - b.at,
  )
  for (const r of departures) {
    if (hasBit(fresh, r.at) || skip.has(r.at)) continue
    const readds = (p.addsOf.get(r.target) ?? []).filter((j) => before(r.at, j))
    if (cautious && sources.length > 0) {
      // Drops made this round may change this removal's validity or its re-adds': re-run first.
      if (intersects(fresh, ancestors, r.at * words)) break
      if (readds.some((j) => hasBit(fresh, j) || intersects(fresh, ancestors, j * words))) break
    }
    const protectors = readds.filter((j) => hasBit(pass.valid, j))
    for (const y of p.byAuthor.get(r.target) ?? []) {
      if (y === r.at || before(y, r.at) || dropped.has(y)) continue
      if (protectors.some((j) => before(j, y))) continue
      const how = order[r.at]!.op.type === 'leave' ? 'left in' : 'was removed by'
      const departure = order[r.at]!.hash.slice(0, 12)
      dropped.set(y, `its author ${how} ${departure}… and the op did not precede that`)
      setBit(fresh, y)
      if (sources.at(-1) !== r.at) sources.push(r.at)
    }
  }
  return { from: lowestBit(fresh), sources }
}

function toState(p: Prepared, pass: Pass): MembershipState {
  const { dag } = p
  const { order, words, ancestors } = dag
  const covered = new Uint32Array(words)
  forEachBit(pass.valid, (j) => {
    for (let w = 0; w < words; w++) covered[w]! |= ancestors[j * words + w]!
  })
  const valid = new Set<string>()
  const heads: string[] = []
  forEachBit(pass.valid, (j) => {
    valid.add(order[j]!.hash)
    if (!hasBit(covered, j)) heads.push(order[j]!.hash)
  })
  const rejected = new Map<string, string>()
  for (const [j, reason] of [...pass.reasons].sort(([a], [b]) => a - b)) {
    rejected.set(order[j]!.hash, reason)
  }
  const f = pass.final
  const members = new Map<string, MemberState>()
  for (const user of seniorityOrder(pass.members)) {
    const m = pass.members.get(user)!
    members.set(user, {
      identity: m.identity,
      name: m.name,
      role: m.role,
      devices: m.devices.map((d) => d.record),
      deviceKeys: m.devices.map((d) => d.key),
      since: m.since,
    })
  }
  const root = p.ledger.root
  const rootValid = root !== undefined && hasBit(pass.valid, root)
  return {
    createHash: rootValid ? order[root]!.hash : undefined,
    conversationKind: f.kind,
    name: rootValid ? createName(order[root]!) : undefined,
    settings: f.settings,
    members,
    heads: heads.sort(),
    valid,
    rejected,
    pending: new Set(dag.pending),
  }
}

function createName(node: CtrlNode): string | undefined {
  return node.op.type === 'create' ? node.op.name : undefined
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key)
  if (list === undefined) map.set(key, [value])
  else list.push(value)
}
