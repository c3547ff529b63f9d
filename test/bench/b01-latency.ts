/**
 * B1 — one-to-one delivery latency, Node ↔ Node over direct WebRTC on
 * loopback. Two peer processes in one group (via a relay process); A sends
 * "p|…" with messenger.send(), B's 'message' listener echoes it with
 * send(), and A times send() → its 'message' event for the echo. One way =
 * round trip / 2, so no clock is compared across processes.
 *
 * Baseline: the same round trips as raw bytes of the same size on a libp2p
 * stream opened on the very same WebRTC connection (echo protocol in the
 * worker), also halved.
 */

import { cryptoFloor } from './lib/crypto-floor.ts'
import { conversationPair } from './lib/pair.ts'
import { ratio, summarize } from './lib/stats.ts'
import type { BenchContext, Measure, RowOutcome } from './lib/types.ts'

export const id = 'B1'
export const what = 'one-to-one delivery latency, Node↔Node, direct WebRTC on loopback'
export const goal = 'p50 ≤ 3× raw stream; p99 ≤ 25 ms'

export async function run(ctx: BenchContext): Promise<RowOutcome> {
  const count = ctx.quick ? 40 : 400
  const warmup = ctx.quick ? 5 : 30
  const pair = await conversationPair(ctx)
  const { a, b, conversationId, bInfo } = pair
  await b.call('echo', { conversationId })
  const measures: Measure[] = []
  const notes: string[] = [
    `${count} round trips per size after ${warmup} warm-up, 5 ms apart; one way = RTT/2 measured in A`,
  ]
  for (const size of [100, 1024]) {
    const label = size === 100 ? '100 B' : '1 KB'
    const m = await a.call<{ oneWay: number[]; sendMs: number[] }>(
      'latency',
      { conversationId, size, count, warmup },
      600_000,
    )
    const raw = await a.call<{ oneWay: number[] }>('rawLatency', {
      peerId: bInfo.peerId,
      size,
      count,
      warmup,
    })
    const s = summarize(m.oneWay)
    const r = summarize(raw.oneWay)
    const send = summarize(m.sendMs)
    const p50Ratio = ratio(s.p50, r.p50)
    measures.push(
      {
        label: `${label} p50`,
        unit: 'ms',
        figure: s.p50,
        baseline: r.p50,
        baselineLabel: 'raw stream',
        ratio: p50Ratio,
        goal: '≤ 3×',
        met: p50Ratio === null ? null : p50Ratio <= 3,
      },
      {
        label: `${label} p99`,
        unit: 'ms',
        figure: s.p99,
        baseline: r.p99,
        baselineLabel: 'raw stream',
        ratio: ratio(s.p99, r.p99),
        goal: '≤ 25 ms',
        met: s.p99 <= 25,
      },
    )
    notes.push(
      `${label}: max ${s.max.toFixed(2)} ms (raw ${r.max.toFixed(2)} ms); send() itself p50 ${send.p50.toFixed(2)} ms, p99 ${send.p99.toFixed(2)} ms`,
    )
  }
  // The peers are stopped first, so the floor is measured on a quiet process.
  await ctx.stopAll()
  const floor = cryptoFloor()
  const mine = floor.engineSignMs + floor.engineVerifyMs
  const native = floor.nativeSignMs + floor.nativeVerifyMs
  measures.push({
    label: 'Ed25519 sign + verify, one message (in-process floor)',
    unit: 'ms',
    figure: mine,
    baseline: native,
    baselineLabel: 'node:crypto Ed25519',
    ratio: ratio(mine, native),
  })
  notes.push(
    `Ed25519 per 300 B message: engine (node:crypto + strict checks) sign ${floor.engineSignMs.toFixed(3)} ms, verify ${floor.engineVerifyMs.toFixed(3)} ms; bare node:crypto sign ${floor.nativeSignMs.toFixed(3)} ms, verify ${floor.nativeVerifyMs.toFixed(3)} ms; browser backend (@noble, cached keys) sign ${floor.browserSignMs.toFixed(2)} ms, verify ${floor.browserVerifyMs.toFixed(2)} ms. A round trip pays 2 signs + 2 verifies.`,
  )
  return { measures, notes }
}
