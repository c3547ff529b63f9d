/**
 * History datasets for B7, B9 and B10, built once per run through the real
 * engine (workers/build-dataset.ts) in the run's temporary directory:
 * `<root>/h<size>/db` is a LevelDB that one member ("Ada") wrote by sending
 * `size` ~100-byte messages into one group.
 */

import { join } from 'node:path'
import type { Spawned, SpawnOptions } from './proc.ts'

export interface Datasets {
  readonly sizes: readonly number[]
  readonly conversationId: string
  readonly userId: string
  /** Directory holding `db/` for a size. */
  dirOf(size: number): string
  /** ms from the start of the build to each size's copy being ready. */
  readonly stages: ReadonlyArray<{ size: number; ms: number }>
  readonly totalMs: number
}

export const WORKERS = join(import.meta.dirname, '..', 'workers')

export async function buildDatasets(
  spawn: (script: string, options?: SpawnOptions) => Promise<Spawned>,
  root: string,
  sizes: readonly number[],
  log: (message: string) => void,
): Promise<Datasets> {
  const worker = await spawn(join(WORKERS, 'build-dataset.ts'), { name: 'dataset' })
  try {
    const progress = (async () => {
      for (;;) {
        const e = await worker.nextEvent('progress', () => true, 3_600_000).catch(() => undefined)
        if (e === undefined) return
        log(`  dataset: ${String(e.sent)} messages after ${(Number(e.ms) / 1000).toFixed(0)} s`)
      }
    })()
    const built = await worker.call<{
      conversationId: string
      userId: string
      stages: Array<{ size: number; ms: number }>
      totalMs: number
    }>('build', { out: root, sizes: [...sizes] }, 3_600_000)
    void progress
    return { ...built, sizes, dirOf: (size) => join(root, `h${size}`) }
  } finally {
    await worker.stop()
  }
}
