/**
 * The evaluator. One pass walks the ops in deterministic order and judges each
 * against the membership at its parents: the fold of the valid ops in its causal
 * past. Then each removal (and each leave, a removal of oneself) drops its
 * target's ops that did not precede it, most senior remover first; dropping can
 * unauthorise later ops, so passes repeat until nothing new is dropped. The drop
 * set only grows, so this ends after at most one pass per op (in practice one
 * pass, plus one per removal that raced its target's ops).
 *
 * The fold at an op's parents is built cheaply: a single parent hands its own
 * fold to its last child; a merge starts from whichever is closer, a parent's
 * fold or a checkpoint of the running fold, and replays the rest of its past.
 */
import { clearBelow, forEachBit, hasBit, intersects, lowestBit, popcount, setBit } from './bits.ts'
import { causalPast, dedupe, indexDag, isBefore } from './dag.ts'
import type { DagIndex } from './dag.ts'
import { applyOp, cloneFold, compareSeniority, emptyFold, JOIN, seniorityOrder } from './fold.ts'
import type { Fold, FoldContext, Member } from './fold.ts'
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
 * The same evaluation, building every op's fold at its parents from scratch: slow,
 * and here only so tests can check the incremental folds against it.
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
  readonly info: readonly OpInfo[]
  readonly root: number | undefined
  /** User → positions of the ops they authored. */
  readonly byAuthor: ReadonlyMap<string, readonly number[]>
  /** User → positions of the adds naming them. */
  readonly addsOf: ReadonlyMap<string, readonly number[]>
}

function prepare(nodes: Iterable<CtrlNode>, options: EvaluateOptions): Prepared {
  const dag = indexDag(nodes)
  const info = dag.order.map(parseOp)
  const byAuthor = new Map<string, number[]>()
  const addsOf = new Map<string, number[]>()
  let root: number | undefined
  dag.order.forEach((node, i) => {
    push(byAuthor, node.authorUser, i)
    if (node.op.type === 'add') push(addsOf, info[i]!.target!, i)
    if (node.op.type !== 'create' || node.parents.length > 0) return
    const pinned = options.root
    if (
      pinned === undefined
        ? root === undefined || node.hash < dag.order[root]!.hash
        : pinned === node.hash
    ) {
      root = i
    }
  })
  return { dag, info, root, byAuthor, addsOf }
}

/** A valid remove, or a leave (its author removing themselves). */
interface Departure {
  readonly at: number
  readonly target: string
  /** The remover as they stood at the op's parents. */
  readonly author: Member
}

interface Pass {
  readonly valid: Uint32Array
  readonly reasons: ReadonlyMap<number, string>
  readonly departures: readonly Departure[]
  readonly final: Fold
}

/** Every this many positions the running fold is copied, as a base for merges. */
const CHECKPOINT_EVERY = 32

function runPass(p: Prepared, dropped: ReadonlyMap<number, string>, replayAll: boolean): Pass {
  const { dag, info } = p
  const { order, words, ancestors } = dag
  const n = order.length
  const valid = new Uint32Array(words)
  const reasons = new Map<number, string>()
  const departures: Departure[] = []
  const addKind = new Uint8Array(n)
  const ctx: FoldContext = { order, info, addKind, isBefore: (a, b) => isBefore(dag, a, b) }
  const pair: DmPair = { creator: undefined, partner: undefined }
  const running = emptyFold()
  const checkpoints: Fold[] = []
  const closures: (Fold | undefined)[] = new Array<Fold | undefined>(n)
  const uses = dag.childCount.slice()

  /** The fold of a parent, given away to its last child and copied for the others. */
  const take = (parent: number): { fold: Fold; owned: boolean } => {
    const fold = closures[parent]!
    if (--uses[parent]! > 0) return { fold, owned: false }
    closures[parent] = undefined
    return { fold, owned: true }
  }

  const replay = (fold: Fold, extras: Uint32Array): Fold => {
    forEachBit(extras, (j) => applyOp(fold, j, ctx))
    return fold
  }

  const atParents = (i: number): Fold => {
    const parents = dag.parents[i]!
    if (parents.length === 0) return emptyFold()
    if (replayAll) {
      for (const parent of parents) take(parent)
      const past = new Uint32Array(words)
      for (let w = 0; w < words; w++) past[w] = ancestors[i * words + w]! & valid[w]!
      return replay(emptyFold(), past)
    }
    if (parents.length === 1) {
      const { fold, owned } = take(parents[0]!)
      return owned ? fold : cloneFold(fold)
    }
    // past = valid ops in i's causal past; start from the base that leaves least to replay.
    const off = i * words
    const past = new Uint32Array(words)
    for (let w = 0; w < words; w++) past[w] = ancestors[off + w]! & valid[w]!
    const notPast = new Uint32Array(words)
    for (let w = 0; w < words; w++) notPast[w] = valid[w]! & ~ancestors[off + w]!
    const k = lowestBit(notPast)
    const checkpoint = Math.floor((k === -1 ? i : k) / CHECKPOINT_EVERY)
    let best = past.slice()
    clearBelow(best, checkpoint * CHECKPOINT_EVERY)
    let bestCost = popcount(best) + 1
    let base: { fold: Fold; owned: boolean } = { fold: checkpoints[checkpoint]!, owned: false }
    for (const parent of parents) {
      const taken = take(parent)
      const pOff = parent * words
      const extras = new Uint32Array(words)
      for (let w = 0; w < words; w++) extras[w] = past[w]! & ~ancestors[pOff + w]!
      extras[parent >>> 5]! &= ~(1 << (parent & 31))
      const first = lowestBit(extras)
      if (first !== -1 && first < parent) continue
      const cost = popcount(extras) + (taken.owned ? 0 : 1)
      if (cost < bestCost) {
        best = extras
        bestCost = cost
        base = taken
      }
    }
    return replay(base.owned ? base.fold : cloneFold(base.fold), best)
  }

  for (let i = 0; i < n; i++) {
    if (i % CHECKPOINT_EVERY === 0) checkpoints.push(cloneFold(running))
    const node = order[i]!
    const fold = atParents(i)
    const verdict = judge(p, i, fold, dropped.get(i), pair)
    if (verdict.ok) {
      setBit(valid, i)
      noteValid(node, info[i]!, verdict, fold, pair, departures, i)
      if (verdict.addKind !== undefined) addKind[i] = verdict.addKind
      applyOp(running, i, ctx)
      applyOp(fold, i, ctx)
    } else {
      reasons.set(i, verdict.reason)
    }
    if (uses[i]! > 0) closures[i] = fold
  }
  return { valid, reasons, departures, final: running }
}

function judge(
  p: Prepared,
  i: number,
  fold: Fold,
  dropped: string | undefined,
  pair: DmPair,
): Verdict {
  if (dropped !== undefined) return { ok: false, reason: dropped }
  const node = p.dag.order[i]!
  if (node.parents.length === 0) {
    if (i === p.root) return authorizeCreate(node, p.info[i]!)
    return {
      ok: false,
      reason:
        node.op.type === 'create'
          ? 'a conversation has one create'
          : 'only a create may have no parents',
    }
  }
  if (node.op.type === 'create') return { ok: false, reason: 'a create cannot have parents' }
  return authorize(fold, node, p.info[i]!, pair)
}

function noteValid(
  node: CtrlNode,
  info: OpInfo,
  verdict: Verdict & { ok: true },
  fold: Fold,
  pair: DmPair,
  departures: Departure[],
  i: number,
): void {
  switch (node.op.type) {
    case 'create':
      pair.creator = node.authorUser
      return
    case 'add':
      if (verdict.addKind === JOIN && fold.kind === 'dm' && pair.partner === undefined) {
        if (info.target !== pair.creator) pair.partner = info.target
      }
      return
    case 'remove':
    case 'leave': {
      const target = node.op.type === 'remove' ? info.target! : node.authorUser
      departures.push({ at: i, target, author: fold.members.get(node.authorUser)! })
      return
    }
    default:
      return
  }
}

/** Repeats passes, growing the drop set, until no departure drops anything new. */
function settle(p: Prepared, replayAll: boolean): Pass {
  const dropped = new Map<number, string>()
  let pass = runPass(p, dropped, replayAll)
  // Each further round drops at least one more op, so there are at most n of them.
  for (let round = 0; round < p.dag.order.length && collectDrops(p, pass, dropped); round++) {
    pass = runPass(p, dropped, replayAll)
  }
  return pass
}

/**
 * Rule: a valid removal or leave of U drops every op by U outside its causal past, unless
 * a later re-add of U (one that saw the departure) precedes the op. Departures are taken
 * most senior remover first, so a remover removed concurrently by someone more senior
 * loses their removal. Returns whether anything new was dropped.
 */
function collectDrops(p: Prepared, pass: Pass, dropped: Map<number, string>): boolean {
  const { dag } = p
  const { words, ancestors, order } = dag
  const before = (a: number, b: number): boolean => isBefore(dag, a, b)
  const fresh = new Uint32Array(words)
  let grew = false
  const departures = [...pass.departures].sort(
    (a, b) => compareSeniority(a.author, b.author) || a.at - b.at,
  )
  for (const r of departures) {
    if (hasBit(fresh, r.at)) continue
    const readds = (p.addsOf.get(r.target) ?? []).filter((j) => before(r.at, j))
    if (grew) {
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
      grew = true
    }
  }
  return grew
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
  for (const user of seniorityOrder(f.members)) {
    const m = f.members.get(user)!
    members.set(user, {
      identity: m.identity,
      name: m.name,
      role: m.role,
      devices: m.devices.map((d) => d.record),
      deviceKeys: m.devices.map((d) => d.key),
      since: m.since,
    })
  }
  const rootValid = p.root !== undefined && hasBit(pass.valid, p.root)
  return {
    createHash: rootValid ? order[p.root!]!.hash : undefined,
    conversationKind: f.kind,
    name: f.name,
    settings: f.settings,
    members,
    heads: heads.sort(),
    valid,
    rejected,
    pending: new Set(dag.pending),
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key)
  if (list === undefined) map.set(key, [value])
  else list.push(value)
}
