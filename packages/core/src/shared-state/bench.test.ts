import { describe, expect, it } from 'vitest'
import { benchReactions } from './bench.ts'
import type { ReactionBenchResult } from './bench.ts'

const line = (r: ReactionBenchResult): string =>
  `${r.label}: ${r.count} reactions; write ${r.writeMs.toFixed(0)} ms (${r.updateBytes} B sent), ` +
  `apply ${r.applyMs.toFixed(0)} ms, read one message ${r.readOneUs.toFixed(1)} µs, ` +
  `snapshot ${r.snapshotBytes} B, load ${r.loadMs.toFixed(0)} ms`

// Not a performance assertion: the numbers go out as test annotations. Heap
// growth needs a heap probe, which platform-free core cannot take; run bench.ts
// from Node with `--expose-gc` and `process.memoryUsage` for those.
describe('reaction benchmark (not asserted)', () => {
  it('10k reactions through SharedState and through a raw Y.Doc', async ({ annotate }) => {
    const results = benchReactions(10_000)
    for (const r of results) await annotate(line(r))
    expect(results.map((r) => r.count)).toEqual([10_000, 10_000])
  })
})
