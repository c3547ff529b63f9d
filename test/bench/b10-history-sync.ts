/**
 * B10 — a new member's history sync over WebRTC: a member process holding
 * N messages (a copy of the run's dataset, LevelDB) and a new member process
 * (LevelDB in a temp dir) that joins by invite; time from join() to the Nth
 * 'message' event in the new member (the welcome and admission included).
 *
 * Baseline: the same bytes (N envelopes) pushed over a raw libp2p stream on
 * the same WebRTC connection, plus N XChaCha20-Poly1305 openings of the same
 * body size in the receiving process (no signature checks, no storage).
 */

import { AEAD_OVERHEAD } from '@murmur/crypto'
import { bodyBucket, ENVELOPE_HEADER_BYTES, PADDING_BUCKETS } from '@murmur/protocol'
import { cp } from 'node:fs/promises'
import { join } from 'node:path'
import { conversationPair } from './lib/pair.ts'
import { ratio } from './lib/stats.ts'
import type { BenchContext, Measure, RowOutcome } from './lib/types.ts'

export const id = 'B10'
export const what = 'new member history sync over WebRTC (join → history complete)'
export const goal = '≤ 2× raw transfer + decrypt; 10k in ≤ 2 s'

export async function run(ctx: BenchContext): Promise<RowOutcome> {
  const data = await ctx.datasets()
  const measures: Measure[] = []
  const notes: string[] = []
  // Dataset texts are ~100 B: msg payload 103 B → one body bucket.
  const body = PADDING_BUCKETS[bodyBucket(103)] as number
  const envelope = ENVELOPE_HEADER_BYTES + body + AEAD_OVERHEAD
  for (const size of data.sizes) {
    const dir = join(ctx.tmp, `h${size}`)
    await cp(data.dirOf(size), dir, { recursive: true })
    const label = `${size.toLocaleString('en-US')} messages`
    let pair
    try {
      pair = await conversationPair(
        ctx,
        {},
        {
          aDataDir: join(dir, 'db'),
          bDataDir: join(ctx.tmp, `new-${size}`),
          expect: size,
          noWait: true,
          profileTag: String(size),
          abortOn: /handler for \/murmur\/sync\S* failed|sync of .* failed/,
        },
      )
    } catch (err) {
      const why = (err as Error).message.split('\n')[0] ?? ''
      measures.push({
        label,
        unit: 'ms',
        figure: null,
        baseline: null,
        ratio: null,
        na: `sync failed: ${why.replace(/^.*failed - /, '')}`,
        goal: size === 10_000 ? '≤ 2× and ≤ 2 s' : '≤ 2×',
        met: null,
      })
      notes.push(`${size}: ${why}`)
      await ctx.stopAll()
      continue
    }
    const bytes = size * envelope
    const transfer = await pair.a.call<{ ms: number }>(
      'rawTransfer',
      { peerId: pair.bInfo.peerId, bytes, addrs: pair.bInfo.addrs },
      600_000,
    )
    const decrypt = await pair.b.call<{ ms: number }>('rawDecrypt', { count: size, size: body })
    const baseline = transfer.ms + decrypt.ms
    const r = ratio(pair.historyMs, baseline)
    const small = size <= 10_000
    measures.push({
      label,
      unit: 'ms',
      figure: pair.historyMs,
      baseline,
      baselineLabel: 'raw stream + XChaCha20',
      ratio: r,
      goal: size === 10_000 ? '≤ 2× and ≤ 2 s' : '≤ 2×',
      met: r === null ? null : r <= 2 && (!small || size !== 10_000 || pair.historyMs <= 2_000),
    })
    notes.push(
      `${size}: 'joined' event at ${pair.joinedEventMs?.toFixed(0)} ms, history complete at ${pair.historyMs.toFixed(0)} ms (first message at ${pair.firstMessageMs?.toFixed(0)} ms: ${((size * 1000) / (pair.historyMs - (pair.firstMessageMs ?? 0))).toFixed(0)} msg/s while syncing), join() resolved at ${pair.joinMs.toFixed(0)} ms; baseline ${(bytes / 1e6).toFixed(1)} MB in ${transfer.ms.toFixed(0)} ms + decrypt ${decrypt.ms.toFixed(0)} ms`,
    )
    await Promise.all([pair.a.stop(), pair.b.stop()])
  }
  return { measures, notes }
}
