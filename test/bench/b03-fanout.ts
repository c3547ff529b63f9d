/**
 * B3 — group fan-out: one sender and n receivers in one group, every peer a
 * messenger on memory storage, all through one relay process. n = 10 runs
 * one peer per process; n = 30 runs 5 peers per process in 6 processes (two
 * cores cannot host 31 libp2p processes without measuring the scheduler);
 * --quick runs 3 receivers, one per process. All receivers join by invite
 * first, and the sender sends warm-up messages until every receiver has had
 * one (a member of a large group need not hold a link to every other member,
 * so readiness is reachability); then the sender sends M 100-byte messages
 * 100 ms apart and each receiver records when each arrives as a 'message'
 * event (wall clocks of one machine). Reported: p50/p99/max delivery over
 * all (message, receiver) pairs; gossipsub copies received beyond the first
 * per message (duplicates, from the probe on gossipsub's RPC handler); gossipsub bytes
 * read per receiver per message (control traffic and presence included).
 *
 * Baseline: ceil(log n / log D) hops (D = 6, gossipsub's mesh degree) × the
 * one-hop latency measured in the same group, a raw libp2p stream echo / 2
 * between the sender and a receiver it holds a WebRTC connection to.
 */

import { DEBUG_ERRORS, PEER_WORKER } from './lib/pair.ts'
import type { PeerInfo } from './lib/pair.ts'
import type { Spawned } from './lib/proc.ts'
import { ratio, summarize } from './lib/stats.ts'
import type { BenchContext, Measure, RowOutcome } from './lib/types.ts'

export const id = 'B3'
export const what = 'group fan-out: delivery to 10 and 30 receivers'
export const goal = 'p99 ≤ 3× ceil(log n / log 6) × hop latency'

const D = 6

interface Receiver {
  readonly worker: Spawned
  readonly peer: number
  readonly peerId: string
}

interface Probe {
  readonly rpcBytes: number
  readonly topics: Record<string, { msgs: number; distinct: number }>
}

async function group(
  ctx: BenchContext,
  n: number,
  perProcess: number,
  messages: number,
): Promise<{ measures: Measure[]; notes: string[] }> {
  const relay = await ctx.relay()
  const sender = await ctx.spawn(PEER_WORKER, {
    name: 'sender',
    env: DEBUG_ERRORS,
    execArgv: ctx.profileArgs(`sender-${n}`),
  })
  await sender.call<PeerInfo>('init', { relays: [relay.wsAddr], name: 'Sender' })
  const { conversationId } = await sender.call<{ conversationId: string }>('createGroup', {
    name: `Fan-out ${n}`,
  })
  const { link } = await sender.call<{ link: string }>('invite', { conversationId })
  const receivers: Receiver[] = []
  const processes: Spawned[] = []
  for (let i = 0; i < Math.ceil(n / perProcess); i++) {
    processes.push(
      await ctx.spawn(PEER_WORKER, {
        name: `receivers-${i}`,
        env: DEBUG_ERRORS,
        execArgv: i === 0 ? ctx.profileArgs(`receivers-${n}-0`) : [],
      }),
    )
  }
  const t0 = performance.now()
  const joinFailures: string[] = []
  // Join a few at a time: each join is a round of presence, welcome and sync.
  for (let i = 0; i < n; i += 5) {
    const batch = await Promise.allSettled(
      Array.from({ length: Math.min(5, n - i) }, async (_, k) => {
        const worker = processes[Math.floor((i + k) / perProcess)] as Spawned
        const info = await worker.call<PeerInfo>('init', {
          relays: [relay.wsAddr],
          name: `R${i + k}`,
        })
        await worker.call('join', { peer: info.peer, link, timeoutMs: 240_000 }, 300_000)
        receivers.push({ worker, peer: info.peer, peerId: info.peerId })
      }),
    )
    for (const r of batch) {
      if (r.status === 'rejected') {
        joinFailures.push(String((r.reason as Error).message ?? r.reason).split('\n')[0] ?? '')
      }
    }
  }
  // A group too busy to admit most of its joiners has no fan-out worth measuring;
  // a straggler is reported (and fails the goal) but does not void the row.
  if (receivers.length < Math.ceil(n * 0.8)) {
    throw new Error(
      `only ${receivers.length} of ${n} receivers could join (${Math.round((performance.now() - t0) / 1000)} s); first failure: ${joinFailures[0]}`,
    )
  }
  const joinMs = performance.now() - t0
  await sender.call('waitMembers', {
    conversationId,
    count: receivers.length + 1,
    timeoutMs: 120_000,
  })
  const reached = await warmUp(sender, receivers, conversationId)
  await new Promise((r) => setTimeout(r, 3_000)) // a few heartbeats: meshes settle
  ctx.log(
    `${n} receivers joined in ${(joinMs / 1000).toFixed(1)} s; ${reached} reached by a warm-up message`,
  )
  const { topic, count: subscribers } = await sender.call<{ topic: string; count: number }>(
    'subscribers',
    { conversationId },
  )

  for (const r of receivers) await r.worker.call('track', { peer: r.peer, conversationId })
  const before = await Promise.all(
    receivers.map((r) => r.worker.call<Probe>('probe', { peer: r.peer })),
  )
  const sent = await sender.call<{ sendWall: number[] }>(
    'burst',
    { conversationId, count: messages, size: 100, window: 1, gapMs: 100 },
    600_000,
  )
  // Wait until every receiver has every message, or nothing arrives for 10 s.
  let last = -1
  let quietSince = performance.now()
  let arrivals: Array<Record<string, number>>
  for (;;) {
    arrivals = await arrivalsOf(receivers, conversationId)
    const total = arrivals.reduce((sum, a) => sum + Object.keys(a).length, 0)
    if (total >= receivers.length * messages) break
    if (total !== last) {
      last = total
      quietSince = performance.now()
    } else if (performance.now() - quietSince > 10_000) break
    await new Promise((r) => setTimeout(r, 250))
  }
  const after = await Promise.all(
    receivers.map((r) => r.worker.call<Probe>('probe', { peer: r.peer })),
  )
  const latencies: number[] = []
  let missing = 0
  arrivals.forEach((a) => {
    for (let i = 0; i < messages; i++) {
      const at = a[`f|${i}|`]
      if (at === undefined) missing++
      else latencies.push(at - (sent.sendWall[i] ?? 0))
    }
  })
  let copies = 0
  let distinct = 0
  let bytes = 0
  receivers.forEach((_, i) => {
    const b = before[i] as Probe
    const a = after[i] as Probe
    copies += (a.topics[topic]?.msgs ?? 0) - (b.topics[topic]?.msgs ?? 0)
    distinct += (a.topics[topic]?.distinct ?? 0) - (b.topics[topic]?.distinct ?? 0)
    bytes += a.rpcBytes - b.rpcBytes
  })

  // One hop: raw stream echo / 2 between the sender and a receiver it reaches over WebRTC.
  const { peers } = await sender.call<{ peers: Array<{ peerId: string; kind: string }> }>('status')
  const direct = receivers.filter((r) =>
    peers.some((p) => p.peerId === r.peerId && p.kind === 'webrtc'),
  )
  const hopPeer = direct[0]
  const hop =
    hopPeer === undefined
      ? undefined
      : summarize(
          (
            await sender.call<{ oneWay: number[] }>('rawLatency', {
              peerId: hopPeer.peerId,
              size: 100,
              count: 100,
              warmup: 10,
            })
          ).oneWay,
        )
  const hops = Math.ceil(Math.log(n) / Math.log(D))
  const s = summarize(latencies)
  const layout =
    perProcess === 1
      ? `${n} processes`
      : `${Math.ceil(n / perProcess)} processes × ${perProcess} peers`
  const r = ratio(s.p99, hop === undefined ? null : hops * hop.p99)
  const measures: Measure[] = [
    {
      label: `${n} receivers p50`,
      unit: 'ms',
      figure: s.p50,
      baseline: hop === undefined ? null : hops * hop.p50,
      baselineLabel: `${hops} hop(s) × raw p50`,
      ratio: ratio(s.p50, hop === undefined ? null : hops * hop.p50),
    },
    {
      label: `${n} receivers p99`,
      unit: 'ms',
      figure: s.p99,
      baseline: hop === undefined ? null : hops * hop.p99,
      baselineLabel: `${hops} hop(s) × raw p99`,
      ratio: r,
      goal: '≤ 3×',
      met: r === null ? null : r <= 3 && missing === 0 && joinFailures.length === 0,
    },
    { label: `${n} receivers max`, unit: 'ms', figure: s.max, baseline: null, ratio: null },
    {
      label: `${n} receivers duplicates per message per receiver`,
      unit: '',
      figure: distinct === 0 ? null : (copies - distinct) / distinct,
      baseline: null,
      ratio: null,
    },
    {
      label: `${n} receivers gossipsub bytes per message per receiver`,
      unit: 'B',
      figure: bytes / (receivers.length * messages),
      baseline: 354,
      baselineLabel: 'one topic message',
      ratio: bytes / (receivers.length * messages) / 354,
    },
  ]
  const notes = [
    `${n} receivers (${layout}): ${receivers.length} joined in ${(joinMs / 1000).toFixed(0)} s${joinFailures.length === 0 ? '' : ` (${joinFailures.length} did not: ${joinFailures[0]})`}; ${messages} messages 100 ms apart; ${missing} of ${receivers.length * messages} deliveries missing after 10 s quiet`,
    `${reached} of ${n} receivers reached by a warm-up message before the burst; the sender's gossipsub saw ${subscribers} peers subscribed, the relay included (the rest are reached through the relay or other members)`,
    `sender holds WebRTC to ${direct.length} of ${n}; hop (raw stream echo / 2 to one of them): p50 ${hop?.p50.toFixed(2)} ms, p99 ${hop?.p99.toFixed(2)} ms`,
    `gossipsub delivered ${copies} copies of ${distinct} distinct messages to the receivers`,
  ]
  await Promise.all([sender, ...processes].map((w) => w.stop()))
  return { measures, notes }
}

/** What each receiver has recorded since `track`: message key → arrival wall time. */
async function arrivalsOf(
  receivers: readonly Receiver[],
  conversationId: string,
): Promise<Array<Record<string, number>>> {
  return Promise.all(
    receivers.map(
      async (r) =>
        (
          await r.worker.call<{ arrivals: Record<string, number> }>('arrivals', {
            peer: r.peer,
            conversationId,
          })
        ).arrivals,
    ),
  )
}

/**
 * Ready means reachable, not fully connected: a member reaches a large group
 * through the relay and gossipsub's mesh, not a link to every other member.
 * The sender sends a warm-up message every second until each receiver has
 * had one (or two minutes pass) and returns how many have.
 */
async function warmUp(
  sender: Spawned,
  receivers: Receiver[],
  conversationId: string,
): Promise<number> {
  for (const r of receivers) await r.worker.call('track', { peer: r.peer, conversationId })
  const deadline = performance.now() + 120_000
  let reached = 0
  for (let k = 0; performance.now() < deadline; k++) {
    await sender.call('send', { conversationId, text: `w|${k}|` })
    await new Promise((r) => setTimeout(r, 1_000))
    const got = await arrivalsOf(receivers, conversationId)
    reached = got.filter((a) => Object.keys(a).some((key) => key.startsWith('w|'))).length
    if (reached === receivers.length) break
  }
  return reached
}

export async function run(ctx: BenchContext): Promise<RowOutcome> {
  const plans: Array<[number, number]> = ctx.quick
    ? [[3, 1]]
    : [
        [10, 1],
        [30, 5],
      ]
  const messages = ctx.quick ? 20 : 100
  const measures: Measure[] = []
  const notes: string[] = []
  for (const [n, per] of plans) {
    try {
      const out = await group(ctx, n, per, messages)
      measures.push(...out.measures)
      notes.push(...out.notes)
    } catch (err) {
      const why = (err as Error).message.split('\n')[0] ?? 'failed'
      measures.push({
        label: `${n} receivers`,
        unit: 'ms',
        figure: null,
        baseline: null,
        ratio: null,
        na: why,
      })
      await ctx.stopAll()
    }
  }
  return { measures, notes }
}
