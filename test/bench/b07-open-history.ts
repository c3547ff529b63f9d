/**
 * B7 — opening a conversation of N messages cold: a new process opens the
 * LevelDB with createMessenger and calls history(limit 50); the figure is
 * that process's own clock when the page is ready (from process start,
 * Node start-up included). The datasets are written through the real engine
 * once per run (lib/dataset.ts). Baseline: a new process that imports
 * `level`, opens the same database and reads the 50 newest message entries.
 * "Cold" is the process; the OS page cache is warm (the median of several
 * opens is reported).
 */

import { encodeKey } from '@murmur/store-level'
import { cp } from 'node:fs/promises'
import { join } from 'node:path'
import { WORKERS } from './lib/dataset.ts'
import { median, ratio } from './lib/stats.ts'
import type { BenchContext, Measure, RowOutcome } from './lib/types.ts'

export const id = 'B7'
export const what = 'open a conversation cold: process start → last 50 messages ready'
export const goal = '≤ 300 ms at 100k'

interface Opened {
  readonly readyMs: number
  readonly count: number
  readonly steps: Record<string, number>
}

export async function run(ctx: BenchContext): Promise<RowOutcome> {
  const data = await ctx.datasets()
  const reps = ctx.quick ? 2 : 5
  const measures: Measure[] = []
  const notes: string[] = [
    `datasets built through the engine in ${(data.totalMs / 1000).toFixed(1)} s (${data.stages.map((s) => `${s.size} by ${(s.ms / 1000).toFixed(1)} s`).join(', ')})`,
    `median of ${reps} cold processes each; OS page cache warm`,
  ]
  const prefix = encodeKey(['v1', 'msg', data.conversationId])
  const gte = Buffer.from(prefix).toString('hex')
  const lt = Buffer.from([...prefix, 0xff]).toString('hex')
  for (const size of data.sizes) {
    const dir = join(ctx.tmp, `h${size}`)
    await cp(data.dirOf(size), dir, { recursive: true })
    const db = join(dir, 'db')
    const open = async (mode: string, args: string[]): Promise<Opened> => {
      const w = await ctx.spawn(join(WORKERS, 'open-history.ts'), {
        name: `open-${mode}-${size}`,
        args: [mode, db, ...args],
        execArgv: ctx.profileArgs(`open-${mode}-${size}`),
      })
      await w.stop()
      return w.ready as unknown as Opened
    }
    const mine: Opened[] = []
    const raw: Opened[] = []
    for (let i = 0; i < reps; i++) {
      mine.push(await open('messenger', []))
      raw.push(await open('raw', [gte, lt]))
    }
    if (mine.some((o) => o.count !== 50) || raw.some((o) => o.count !== 50)) {
      throw new Error(
        `expected 50 messages, got ${mine.map((o) => o.count)} / ${raw.map((o) => o.count)}`,
      )
    }
    const figure = median(mine.map((o) => o.readyMs))
    const baseline = median(raw.map((o) => o.readyMs))
    const atGoalSize = size >= 100_000
    measures.push({
      label: `${size.toLocaleString('en-US')} messages`,
      unit: 'ms',
      figure,
      baseline,
      baselineLabel: 'raw level open + 50 reads',
      ratio: ratio(figure, baseline),
      ...(atGoalSize ? { goal: '≤ 300 ms', met: figure <= 300 } : {}),
    })
    const steps = (o: Opened): string =>
      Object.entries(o.steps)
        .map(([k, v]) => `${k} ${v.toFixed(0)}`)
        .join(', ')
    const mid = (list: Opened[]): Opened =>
      [...list].sort((x, y) => x.readyMs - y.readyMs)[Math.floor(list.length / 2)] as Opened
    notes.push(`${size}: messenger ${steps(mid(mine))} ms; raw ${steps(mid(raw))} ms`)
  }
  return { measures, notes }
}
