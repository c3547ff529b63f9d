/**
 * B4 — sustained throughput in one conversation between two peer processes
 * on direct WebRTC: A sends N 100-byte messages with messenger.send(), up
 * to 64 in flight (send() is serialised per conversation inside the engine
 * anyway); B records when each arrives as a 'message' event. Rate = messages
 * received / (last arrival − first send), clocks compared on one machine.
 * Loss = sent − received once nothing more arrives for 5 s (periodic sync
 * is set to 10 min so it cannot fill gaps; gap-triggered sync still can, and
 * the gossip probe tells how many came by gossip).
 *
 * Baseline: raw gossipsub publishes of payloads the size of the topic
 * messages Murmur published (measured by the probe), between the same two
 * libp2p nodes, on a topic of their own.
 */

import { ratio } from './lib/stats.ts'
import { conversationPair } from './lib/pair.ts'
import type { Spawned } from './lib/proc.ts'
import type { BenchContext, Measure, RowOutcome } from './lib/types.ts'

export const id = 'B4'
export const what = 'sustained throughput, one conversation, two peers (msg/s, no loss)'
export const goal = '≥ 0.5× raw gossipsub and ≥ 1000 msg/s'

interface Probe {
  readonly topics: Record<
    string,
    { msgs: number; bytes: number; distinct: number; from: Record<string, number> }
  >
}

async function settle(
  receiver: Spawned,
  read: () => Promise<number>,
  expected: number,
  quietMs: number,
): Promise<void> {
  let last = -1
  let since = performance.now()
  for (;;) {
    const n = await read()
    if (n >= expected) return
    if (n !== last) {
      last = n
      since = performance.now()
    } else if (performance.now() - since > quietMs) return
    await new Promise((r) => setTimeout(r, 200))
  }
  void receiver
}

/** "from A 500, from relay 485": the probe's per-sender counts, named. */
export function senders(from: Record<string, number>, names: Record<string, string>): string {
  return Object.entries(from)
    .map(([suffix, n]) => {
      const name = Object.entries(names).find(([, id]) => id.endsWith(suffix))?.[0] ?? `…${suffix}`
      return `from ${name} ${n}`
    })
    .join(', ')
}

export async function run(ctx: BenchContext): Promise<RowOutcome> {
  // At most 1000: a receiver that falls more than 1024 envelopes behind triggers a
  // sync that the engine cannot encode (1024 envelopes per frame), which crashes
  // the sending process today; see the README.
  const count = ctx.quick ? 300 : 1_000
  const pair = await conversationPair(ctx, { syncIntervalMs: 600_000 })
  const { a, b, conversationId, topic, bInfo } = pair
  await b.call('track', { conversationId })
  const before = await b.call<Probe>('probe')
  const sent = await a.call<{ sendWall: number[]; ms: number }>(
    'burst',
    { conversationId, count, size: 100, window: 64 },
    1_200_000,
  )
  const arrivalsOf = async (): Promise<Record<string, number>> =>
    (await b.call<{ arrivals: Record<string, number> }>('arrivals', { conversationId })).arrivals
  await settle(b, async () => Object.keys(await arrivalsOf()).length, count, 5_000)
  const arrivals = Object.values(await arrivalsOf())
  const after = await b.call<Probe>('probe')
  const gossip = (after.topics[topic]?.msgs ?? 0) - (before.topics[topic]?.msgs ?? 0)
  const gossipBytes = (after.topics[topic]?.bytes ?? 0) - (before.topics[topic]?.bytes ?? 0)
  const payload = gossip > 0 ? Math.round(gossipBytes / gossip) : 354
  const first = sent.sendWall[0] ?? 0
  const mine = (arrivals.length * 1000) / (Math.max(...arrivals) - first)

  const rawTopic = '/murmur-bench/raw/1'
  await Promise.all([
    a.call('rawSubscribe', { topic: rawTopic }),
    b.call('rawSubscribe', { topic: rawTopic }),
  ])
  await a.call('waitSubscribers', { topic: rawTopic, peerIds: [bInfo.peerId] })
  const rawSent = await a.call<{ sendWall: number[]; ms: number }>(
    'rawBurst',
    { topic: rawTopic, count, size: payload, window: 64 },
    600_000,
  )
  const rawArrivalsOf = async (): Promise<number[]> =>
    Object.values(
      (await b.call<{ arrivals: Record<string, number> }>('rawArrivals', { topic: rawTopic }))
        .arrivals,
    )
  await settle(b, async () => (await rawArrivalsOf()).length, count, 5_000)
  const rawArrivals = await rawArrivalsOf()
  const rawProbe = (await b.call<Probe>('probe')).topics[rawTopic]
  const raw = (rawArrivals.length * 1000) / (Math.max(...rawArrivals) - (rawSent.sendWall[0] ?? 0))

  const r = ratio(mine, raw)
  const lost = count - arrivals.length
  const rawLost = count - rawArrivals.length
  const measures: Measure[] = [
    {
      label: `${count} × 100 B messages`,
      unit: 'msg/s',
      figure: mine,
      baseline: raw,
      baselineLabel: `raw gossipsub, ${payload} B`,
      ratio: r,
      goal: '≥ 0.5× and ≥ 1000 msg/s, no loss',
      met: r !== null && r >= 0.5 && mine >= 1000 && lost === 0,
    },
  ]
  const notes = [
    `Murmur: ${arrivals.length}/${count} received; gossipsub delivered ${gossip} copies of ${(after.topics[topic]?.distinct ?? 0) - (before.topics[topic]?.distinct ?? 0)} distinct messages (${senders(after.topics[topic]?.from ?? {}, { A: pair.aInfo.peerId, relay: pair.relay.peerId })}); sender busy ${sent.ms.toFixed(0)} ms (${((count * 1000) / sent.ms).toFixed(0)} send()/s)`,
    `raw gossipsub: ${rawArrivals.length}/${count} received, publisher busy ${rawSent.ms.toFixed(0)} ms; loss ${rawLost}; gossipsub delivered ${rawProbe?.msgs ?? 0} copies of ${rawProbe?.distinct ?? 0}`,
  ]
  if (lost > 0) notes.push(`Murmur lost ${lost} messages`)
  return { measures, notes }
}
