/**
 * B8 — Yjs state: time, memory and size of N reactions and N edits through
 * SharedState (one Y.Doc per author, every remote update checked against
 * the author's key space, an indexed view), against one raw Y.Doc doing the
 * same map writes with no checks. Time = local writes + a fresh replica
 * applying every update; memory = heap growth of that replica after GC;
 * size = its snapshot. Each kind and size in a fresh process (--expose-gc).
 */

import { join } from 'node:path'
import { WORKERS } from './lib/dataset.ts'
import { ratio } from './lib/stats.ts'
import type { BenchContext, Measure, RowOutcome } from './lib/types.ts'

export const id = 'B8'
export const what = 'Yjs state: reactions and edits, time / memory / size'
export const goal = '≤ 1.5× raw Y.Doc'

interface Result {
  readonly label: string
  readonly writeMs: number
  readonly applyMs: number
  readonly updateBytes: number
  readonly snapshotBytes: number
  readonly heapBytes?: number
}

export async function run(ctx: BenchContext): Promise<RowOutcome> {
  const counts = ctx.quick ? [2_000, 5_000] : [10_000, 100_000]
  const measures: Measure[] = []
  const notes: string[] = [
    'reactions: 50 users × 2 emojis per message (core/src/shared-state/bench.ts); edits: 50 users each re-editing 200 own messages',
  ]
  for (const kind of ['reactions', 'edits'] as const) {
    for (const count of counts) {
      const w = await ctx.spawn(join(WORKERS, 'yjs-state.ts'), {
        name: `yjs-${kind}-${count}`,
        execArgv: ['--expose-gc', ...ctx.profileArgs(`yjs-${kind}-${count}`)],
      })
      const { results } = await w.call<{ results: Result[] }>(kind, { count }, 1_200_000)
      await w.stop()
      const [mine, raw] = results as [Result, Result]
      const n = `${count.toLocaleString('en-US')} ${kind}`
      const t = mine.writeMs + mine.applyMs
      const tb = raw.writeMs + raw.applyMs
      const lines: Array<[string, string, number | null, number | null]> = [
        ['time (write + apply)', 'ms', t, tb],
        [
          'memory (replica heap)',
          'MB',
          (mine.heapBytes ?? NaN) / 1e6,
          (raw.heapBytes ?? NaN) / 1e6,
        ],
        ['size (snapshot)', 'kB', mine.snapshotBytes / 1e3, raw.snapshotBytes / 1e3],
      ]
      for (const [what, unit, figure, baseline] of lines) {
        const r = ratio(figure, baseline)
        measures.push({
          label: `${n}: ${what}`,
          unit,
          figure,
          baseline,
          baselineLabel: 'raw Y.Doc',
          ratio: r,
          goal: '≤ 1.5×',
          met: r === null ? null : r <= 1.5,
        })
      }
      notes.push(
        `${n}: write ${mine.writeMs.toFixed(0)} vs ${raw.writeMs.toFixed(0)} ms, apply ${mine.applyMs.toFixed(0)} vs ${raw.applyMs.toFixed(0)} ms, updates ${(mine.updateBytes / 1e3).toFixed(0)} vs ${(raw.updateBytes / 1e3).toFixed(0)} kB`,
      )
    }
  }
  return { measures, notes }
}
