/**
 * The shape of the ctrl DAG, independent of what the ops mean: deduplication,
 * which ops wait for missing ancestry, the deterministic topological order
 * (Kahn's algorithm, ties broken by ascending hash) and each op's causal past
 * as a bitset over positions in that order.
 *
 * Restricting this order to a causally closed subset gives that subset's own
 * order (the smallest ready hash among the subset is also picked first in the
 * whole), so a fold over any op's past in this order is the fold its author's
 * device would compute.
 */
import type { CtrlNode } from './types.ts'

export interface DagIndex {
  /** Evaluable ops in deterministic order. */
  readonly order: readonly CtrlNode[]
  readonly indexOf: ReadonlyMap<string, number>
  /** Distinct parent positions of each op. */
  readonly parents: readonly (readonly number[])[]
  readonly childCount: readonly number[]
  /** Words per bitset. */
  readonly words: number
  /** Causal past of op i (excluding i) at [i * words, (i + 1) * words). */
  readonly ancestors: Uint32Array
  /** Ops with a missing (or cyclic) ancestor, sorted. */
  readonly pending: readonly string[]
}

export function indexDag(nodes: Iterable<CtrlNode>): DagIndex {
  const byHash = dedupe(nodes)
  const parentsOf = new Map<string, string[]>()
  const children = new Map<string, string[]>()
  const missing = new Map<string, number>()
  for (const [hash, node] of byHash) {
    const parents = [...new Set(node.parents)]
    parentsOf.set(hash, parents)
    missing.set(hash, parents.length)
    for (const p of parents) {
      let list = children.get(p)
      if (list === undefined) children.set(p, (list = []))
      list.push(hash)
    }
  }

  const ready = new MinHeap()
  for (const [hash, count] of missing) if (count === 0) ready.push(hash)
  const order: CtrlNode[] = []
  const indexOf = new Map<string, number>()
  for (let hash = ready.pop(); hash !== undefined; hash = ready.pop()) {
    indexOf.set(hash, order.length)
    order.push(byHash.get(hash)!)
    for (const child of children.get(hash) ?? []) {
      const left = missing.get(child)! - 1
      missing.set(child, left)
      if (left === 0) ready.push(child)
    }
  }

  const n = order.length
  const words = Math.max(1, Math.ceil(n / 32))
  const ancestors = new Uint32Array(n * words)
  const parents: number[][] = []
  const childCount: number[] = new Array<number>(n).fill(0)
  for (let i = 0; i < n; i++) {
    const ps = parentsOf.get(order[i]!.hash)!.map((h) => indexOf.get(h)!)
    parents.push(ps)
    const base = i * words
    for (const p of ps) {
      childCount[p]!++
      const pb = p * words
      for (let w = 0; w < words; w++) ancestors[base + w]! |= ancestors[pb + w]!
      ancestors[base + (p >>> 5)]! |= 1 << (p & 31)
    }
  }

  const pending = [...byHash.keys()].filter((h) => !indexOf.has(h)).sort()
  return { order, indexOf, parents, childCount, words, ancestors, pending }
}

/** Is op `a` in the causal past of op `b` (positions)? */
export function isBefore(dag: DagIndex, a: number, b: number): boolean {
  return (dag.ancestors[b * dag.words + (a >>> 5)]! & (1 << (a & 31))) !== 0
}

export function dedupe(nodes: Iterable<CtrlNode>): Map<string, CtrlNode> {
  const byHash = new Map<string, CtrlNode>()
  for (const node of nodes) if (!byHash.has(node.hash)) byHash.set(node.hash, node)
  return byHash
}

/** `heads` and every op reachable from them through parent links that are present. */
export function causalPast(
  byHash: ReadonlyMap<string, CtrlNode>,
  heads: Iterable<string>,
): Set<string> {
  const seen = new Set<string>()
  const stack = [...heads]
  for (let hash = stack.pop(); hash !== undefined; hash = stack.pop()) {
    const node = byHash.get(hash)
    if (node === undefined || seen.has(hash)) continue
    seen.add(hash)
    stack.push(...node.parents)
  }
  return seen
}

export interface CtrlDag {
  /** Hashes of the evaluable ops in deterministic order. */
  readonly order: readonly string[]
  readonly pending: ReadonlySet<string>
  /** True when `ancestor` is in the causal past of `descendant` (not itself). */
  isAncestor(ancestor: string, descendant: string): boolean
  /** True when neither op is in the other's causal past. */
  isConcurrent(a: string, b: string): boolean
  /** `heads` and all their ancestors (including ancestors of pending ops). */
  past(heads: Iterable<string>): Set<string>
}

/** Causality queries over a set of ctrl ops. Unknown or pending hashes are never ordered. */
export function ctrlDag(nodes: Iterable<CtrlNode>): CtrlDag {
  const all = [...nodes]
  const dag = indexDag(all)
  const byHash = dedupe(all)
  const isAncestor = (a: string, b: string): boolean => {
    const ia = dag.indexOf.get(a)
    const ib = dag.indexOf.get(b)
    return ia !== undefined && ib !== undefined && isBefore(dag, ia, ib)
  }
  return {
    order: dag.order.map((n) => n.hash),
    pending: new Set(dag.pending),
    isAncestor,
    isConcurrent: (a, b) =>
      a !== b && dag.indexOf.has(a) && dag.indexOf.has(b) && !isAncestor(a, b) && !isAncestor(b, a),
    past: (heads) => causalPast(byHash, heads),
  }
}

/** Binary min-heap of strings: Kahn's ready set, smallest hash first. */
class MinHeap {
  readonly #items: string[] = []

  push(item: string): void {
    const a = this.#items
    a.push(item)
    let i = a.length - 1
    while (i > 0) {
      const up = (i - 1) >> 1
      if (a[up]! <= item) break
      a[i] = a[up]!
      i = up
    }
    a[i] = item
  }

  pop(): string | undefined {
    const a = this.#items
    const top = a[0]
    const last = a.pop()
    if (top === undefined || last === undefined || a.length === 0) return top
    let i = 0
    for (;;) {
      const l = 2 * i + 1
      if (l >= a.length) break
      const r = l + 1
      const c = r < a.length && a[r]! < a[l]! ? r : l
      if (a[c]! >= last) break
      a[i] = a[c]!
      i = c
    }
    a[i] = last
    return top
  }
}
