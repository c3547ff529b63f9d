import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { ConversationKind, Role } from '@murmur/protocol'
import { evaluateByReplay, evaluateMembership, stateAt } from './evaluate.ts'
import { busyConversation, canonical, ctrlLog, person } from './test-support.ts'
import type { Person } from './test-support.ts'
import type { CtrlNode } from './types.ts'

const people: Person[] = [
  person('alice', 2),
  person('bob', 2),
  person('carol'),
  person('dave'),
  person('erin'),
  person('frank'),
]

const crowd = [...people, ...Array.from({ length: 40 }, (_, i) => person(`p${i}`))]

function random(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const pick = <T>(rnd: () => number, items: readonly T[]): T =>
  items[Math.floor(rnd() * items.length)]!

function frontier(nodes: readonly CtrlNode[]): string[] {
  const parents = new Set(nodes.flatMap((n) => n.parents))
  return nodes.map((n) => n.hash).filter((h) => !parents.has(h))
}

interface Simulation {
  readonly nodes: CtrlNode[]
  /** What each device had seen at the end: always causally closed. */
  readonly views: CtrlNode[][]
}

/**
 * Devices of simulated people author ops from their own view of the DAG, which
 * they merge from time to time: concurrent branches, removals racing adds and
 * each other, and some ops their authors had no right to make.
 */
function simulate(seed: number, steps: number): Simulation {
  const rnd = random(seed)
  const log = ctrlLog(seed)
  const kind: ConversationKind = pick(rnd, ['group', 'group', 'group', 'channel', 'dm'])
  const devices = people.flatMap((p) => p.deviceKeys.map((_, device) => ({ p, device })))
  const views = devices.map(() => new Map<string, CtrlNode>())
  const creator = people[0]!
  log.create(creator, { kind, settings: { membersCanInvite: rnd() < 0.5 } })
  views[0]!.set(log.nodes[0]!.hash, log.nodes[0]!)

  for (let step = 0; step < steps; step++) {
    const at = Math.floor(rnd() * devices.length)
    const view = views[at]!
    const { p, device } = devices[at]!
    if (view.size === 0 || rnd() < 0.3) {
      for (const [h, n] of pick(rnd, views)) view.set(h, n)
      continue
    }
    const known = [...view.values()]
    const state = evaluateMembership(known)
    const members = [...state.members.keys()].map((u) => people.find((q) => q.user === u)!)
    const outsiders = people.filter((q) => !state.members.has(q.user))
    const other = pick(rnd, people)
    const roll = rnd()
    const role: Role = pick(rnd, ['member', 'member', 'admin'])
    const options = { parents: frontier(known), device }
    let hash: string
    if (roll < 0.35 && outsiders.length > 0) {
      hash = log.add(p, pick(rnd, outsiders), { ...options, role })
    } else if (roll < 0.45) {
      hash = log.add(p, p, { ...options, deviceCount: 1 + device })
    } else if (roll < 0.65 && members.length > 0) {
      hash = log.remove(p, pick(rnd, members), options)
    } else if (roll < 0.8) {
      hash = log.setRole(p, other, role, options)
    } else if (roll < 0.88) {
      hash = log.leave(p, options)
    } else {
      hash = log.settings(
        p,
        { membersCanInvite: rnd() < 0.5, historyVisible: rnd() < 0.5 },
        options,
      )
    }
    view.set(hash, log.nodes.at(-1)!)
  }
  return { nodes: log.nodes, views: views.map((v) => [...v.values()]) }
}

/** A shuffled copy of `nodes` with some of them delivered twice. */
function redeliver(nodes: readonly CtrlNode[], seed: number): CtrlNode[] {
  const rnd = random(seed)
  const out = [...nodes, ...nodes.filter(() => rnd() < 0.2)]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1))
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}

const seeds = fc.integer({ min: 1, max: 2 ** 31 - 1 })

describe('evaluating simulated conversations', () => {
  it('gives the same state for every delivery order and duplication of the ops', () => {
    fc.assert(
      fc.property(seeds, seeds, (seed, order) => {
        const { nodes } = simulate(seed, 40)
        const expected = canonical(evaluateMembership(nodes))
        expect(canonical(evaluateMembership(redeliver(nodes, order)))).toBe(expected)
      }),
      { numRuns: 100 },
    )
  })

  it('judges every op as a fold of its whole causal past would', () => {
    fc.assert(
      fc.property(seeds, (seed) => {
        const { nodes } = simulate(seed, 60)
        expect(canonical(evaluateMembership(nodes))).toBe(canonical(evaluateByReplay(nodes)))
      }),
      { numRuns: 60 },
    )
  })

  it('judges long racing conversations as a fold of each op’s causal past would', () => {
    for (const [seed, sync] of [
      [3, 0.3],
      [4, 0.9],
      [5, 0.05],
    ] as const) {
      const nodes = busyConversation(250, seed, crowd, sync)
      expect(canonical(evaluateMembership(nodes))).toBe(canonical(evaluateByReplay(nodes)))
    }
  })

  it('evaluates a thousand racing ops, judging every one', () => {
    // About 15 ms here (replaying each op's past would take seconds); speed is
    // the benchmarks' business, not a test's, so only the outcome is checked.
    const nodes = busyConversation(1000, 11, crowd, 0.3)
    expect(nodes).toHaveLength(1000)
    const s = evaluateMembership(nodes)
    expect(s.valid.size + s.rejected.size).toBe(nodes.length)
  })

  it('gives, at any device’s heads, the state of exactly what that device had seen', () => {
    fc.assert(
      fc.property(seeds, (seed) => {
        const { nodes, views } = simulate(seed, 40)
        for (const view of views) {
          if (view.length === 0) continue
          expect(canonical(stateAt(nodes, frontier(view)))).toBe(
            canonical(evaluateMembership(view)),
          )
        }
      }),
      { numRuns: 60 },
    )
  })

  it('sorts every op into exactly one of valid, rejected and pending, and keeps one owner', () => {
    fc.assert(
      fc.property(seeds, seeds, (seed, cut) => {
        const { nodes } = simulate(seed, 40)
        const missing = nodes[1 + (cut % (nodes.length - 1))]?.hash
        const subset = nodes.filter((n) => n.hash !== missing)
        for (const s of [evaluateMembership(nodes), evaluateMembership(subset)]) {
          const all = [...s.valid, ...s.rejected.keys(), ...s.pending]
          expect(new Set(all).size).toBe(all.length)
          const owners = [...s.members.values()].filter((m) => m.role === 'owner')
          expect(owners.length).toBe(s.members.size === 0 ? 0 : 1)
          for (const h of s.heads) expect(s.valid.has(h)).toBe(true)
        }
        const partial = evaluateMembership(subset)
        expect(partial.valid.size + partial.rejected.size + partial.pending.size).toBe(
          subset.length,
        )
      }),
      { numRuns: 60 },
    )
  })
})
