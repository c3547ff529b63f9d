/**
 * Reads a V8 .cpuprofile and lists the hottest frames by self time, and the
 * hottest by total (inclusive) time, for the README and the report.
 */

import { readFileSync } from 'node:fs'

interface ProfileNode {
  readonly id: number
  readonly callFrame: { functionName: string; url: string; lineNumber: number }
  readonly children?: readonly number[]
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[]
  readonly samples: readonly number[]
  readonly timeDeltas: readonly number[]
}

export interface Frame {
  readonly frame: string
  readonly selfPct: number
  readonly totalPct: number
}

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame
  const file = url
    .replace(/^file:\/\//, '')
    .replace(/^.*\/node_modules\//, '')
    .replace(/^.*\/work\/main\//, '')
  return `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`
}

/** Top `count` frames by self time (and their inclusive share), idle and GC shown as such. */
export function topFrames(path: string, count = 12): { self: Frame[]; total: Frame[] } {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const selfTime = new Map<number, number>()
  let all = 0
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0
    selfTime.set(id, (selfTime.get(id) ?? 0) + dt)
    all += dt
  })
  const selfByLabel = new Map<string, number>()
  const totalByLabel = new Map<string, number>()
  for (const [id, t] of selfTime) {
    const node = byId.get(id)
    if (node === undefined) continue
    const own = label(node)
    selfByLabel.set(own, (selfByLabel.get(own) ?? 0) + t)
    const seen = new Set<string>()
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur)
      if (n === undefined) break
      const l = label(n)
      if (seen.has(l)) continue
      seen.add(l)
      totalByLabel.set(l, (totalByLabel.get(l) ?? 0) + t)
    }
  }
  const pct = (t: number): number => Math.round((1000 * t) / all) / 10
  const self = [...selfByLabel]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([frame, t]) => ({ frame, selfPct: pct(t), totalPct: pct(totalByLabel.get(frame) ?? t) }))
  const total = [...totalByLabel]
    .filter(([frame]) => !/^\(root\)|^\(program\)|^\(idle\)/.test(frame))
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([frame, t]) => ({ frame, selfPct: pct(selfByLabel.get(frame) ?? 0), totalPct: pct(t) }))
  return { self, total }
}
