/**
 * B6 — store write rate, in messages per second. One message is the batch
 * of puts one messenger.send() writes (captured from the engine: message
 * record, id index, envelope, outbox copy, version vector, sender chain).
 * Batches of 1, 100 and 1000 messages go through createLevelStorage's
 * batch() and, as the baseline, through classic-level's batch() with the
 * same encoded keys and same-size random values. Separately,
 * messenger.send() end to end (seal, sign, store; no-op network) against
 * the raw one-message batch. Each in a fresh worker process and database.
 */

import { join } from 'node:path'
import { WORKERS } from './lib/dataset.ts'
import { ratio } from './lib/stats.ts'
import type { BenchContext, Measure, RowOutcome } from './lib/types.ts'

export const id = 'B6'
export const what = 'store write rate (messages/s), batches of 1, 100, 1000'
export const goal = '≥ 0.5× raw classic-level batch'

export async function run(ctx: BenchContext): Promise<RowOutcome> {
  const worker = await ctx.spawn(join(WORKERS, 'store-writes.ts'), {
    name: 'store',
    execArgv: ctx.profileArgs('store'),
  })
  const shape = await worker.call<{ ops: number; keys: string[]; sizes: number[] }>('shape')
  const notes = [
    `one message = ${shape.ops} puts (${shape.keys.join(', ')}), values ${shape.sizes.join(' + ')} B = ${shape.sizes.reduce((a, b) => a + b, 0)} B`,
  ]
  const measures: Measure[] = []
  const plan: Array<[number, number]> = ctx.quick
    ? [
        [1, 300],
        [100, 3_000],
        [1000, 5_000],
      ]
    : [
        [1, 3_000],
        [100, 30_000],
        [1000, 50_000],
      ]
  let rawOne: number | null = null
  for (const [per, total] of plan) {
    // Alternate twice and keep each side's best: the first pass also warms up the JIT.
    const raw = { perSecond: 0 }
    const adapter = { perSecond: 0 }
    for (let pass = 0; pass < 2; pass++) {
      const r = await worker.call<{ perSecond: number }>(
        'raw',
        { per, total, dir: join(ctx.tmp, `raw-${per}-${pass}`) },
        600_000,
      )
      const a = await worker.call<{ perSecond: number }>(
        'adapter',
        { per, total, dir: join(ctx.tmp, `adapter-${per}-${pass}`) },
        600_000,
      )
      raw.perSecond = Math.max(raw.perSecond, r.perSecond)
      adapter.perSecond = Math.max(adapter.perSecond, a.perSecond)
    }
    if (per === 1) rawOne = raw.perSecond
    const r = ratio(adapter.perSecond, raw.perSecond)
    measures.push({
      label: `StorageAdapter batch of ${per}`,
      unit: 'msg/s',
      figure: adapter.perSecond,
      baseline: raw.perSecond,
      baselineLabel: 'classic-level',
      ratio: r,
      goal: '≥ 0.5×',
      met: r === null ? null : r >= 0.5,
    })
    notes.push(`batch of ${per}: ${total} messages, best of 2 alternating passes`)
  }
  const sends = ctx.quick ? 150 : 2_000
  const send = await worker.call<{ perSecond: number }>(
    'send',
    {
      total: sends,
      dir: join(ctx.tmp, 'send'),
    },
    600_000,
  )
  const r = ratio(send.perSecond, rawOne)
  measures.push({
    label: 'messenger.send() end to end',
    unit: 'msg/s',
    figure: send.perSecond,
    baseline: rawOne,
    baselineLabel: 'classic-level, batch of 1',
    ratio: r,
    goal: '≥ 0.5×',
    met: r === null ? null : r >= 0.5,
  })
  notes.push(`send(): ${sends} sequential 100 B messages on LevelDB, no-op network`)
  return { measures, notes }
}
