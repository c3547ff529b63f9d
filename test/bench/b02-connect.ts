/**
 * B2 — connection set-up between two members: a member process (B, a copy
 * of a LevelDB in which B already joined the group, and a fresh libp2p key
 * each time) starts while the other member (A) is online. Timed in B from
 * just before network.start() (which dials the relay): the first relayed
 * connection to A, the direct WebRTC connection, and the first completed
 * sync with A. Median of several cold starts.
 *
 * Baselines, from the same starting point in a fresh process with the same
 * network preset and no messenger: dial A's `/p2p-circuit/webrtc` address
 * through the same relay and ping (direct), and dial A's `/p2p-circuit`
 * address and ping over the limited relayed connection (relayed).
 */

import { cp } from 'node:fs/promises'
import { join } from 'node:path'
import { conversationPair, DEBUG_ERRORS, PEER_WORKER } from './lib/pair.ts'
import type { PeerInfo } from './lib/pair.ts'
import { median, ratio } from './lib/stats.ts'
import type { BenchContext, Measure, RowOutcome } from './lib/types.ts'

export const id = 'B2'
export const what = 'connection set-up: start → first sync done (relayed and direct)'
export const goal = '≤ 1.5× raw WebRTC dial + ping via the same relay'

interface Dialled {
  readonly dialMs: number
  readonly pingMs: number
  readonly totalMs: number
  readonly kind: string
}

export async function run(ctx: BenchContext): Promise<RowOutcome> {
  const reps = ctx.quick ? 1 : 5
  const memberDir = join(ctx.tmp, 'member-b')
  const pair = await conversationPair(ctx, {}, { bDataDir: memberDir })
  await pair.b.stop()
  const { a, aInfo, relay } = pair
  const aId = aInfo.peerId
  const marks: Array<Record<string, number>> = []
  for (let i = 0; i < reps; i++) {
    const dir = join(ctx.tmp, `b-${i}`)
    await cp(memberDir, dir, { recursive: true })
    const b = await ctx.spawn(PEER_WORKER, {
      name: `B${i}`,
      env: DEBUG_ERRORS,
      execArgv: ctx.profileArgs(`B${i}`),
    })
    await b.call<PeerInfo>('init', { relays: [relay.wsAddr], dataDir: dir, name: 'Bo' })
    const { timeline } = await b.call<{ timeline: Record<string, number> }>('waitTimeline', {
      key: `sync:${aId}`,
      timeoutMs: 90_000,
    })
    marks.push(timeline)
    await b.stop()
  }
  const { addrs } = await a.call<{ addrs: string[] }>('addresses')
  const webrtcAddrs = addrs.filter((x) => x.includes('/p2p-circuit/webrtc'))
  const circuitAddrs = addrs.filter((x) => x.includes('/p2p-circuit') && !x.includes('/webrtc'))
  const raw = async (targets: string[], name: string): Promise<Dialled[]> => {
    const out: Dialled[] = []
    for (let i = 0; i < reps; i++) {
      const r = await ctx.spawn(PEER_WORKER, { name: `${name}${i}`, env: DEBUG_ERRORS })
      await r.call('init', { relays: [relay.wsAddr], messenger: false })
      out.push(await r.call<Dialled>('rawDial', { addrs: targets }))
      await r.stop()
    }
    return out
  }
  const direct = await raw(webrtcAddrs, 'raw-webrtc-')
  const relayed = await raw(circuitAddrs, 'raw-circuit-')

  const pick = (key: string): number[] =>
    marks.map((m) => m[key]).filter((v): v is number => v !== undefined)
  const sync = median(pick(`sync:${aId}`))
  const webrtc = median(pick(`webrtc:${aId}`))
  const relayedMark = pick(`relayed:${aId}`)
  const reserved = median(pick('relay:reserved'))
  const rawDirect = median(direct.map((d) => d.totalMs))
  const rawRelayed = median(relayed.map((d) => d.totalMs))
  const rSync = ratio(sync, rawDirect)
  const measures: Measure[] = [
    {
      label: 'direct: start → first sync done',
      unit: 'ms',
      figure: sync,
      baseline: rawDirect,
      baselineLabel: 'start → WebRTC dial + ping',
      ratio: rSync,
      goal: '≤ 1.5×',
      met: rSync === null ? null : rSync <= 1.5,
    },
  ]
  if (relayedMark.length > 0) {
    const rel = median(relayedMark)
    const r = ratio(rel, rawRelayed)
    measures.push({
      label: 'relayed: start → relayed connection',
      unit: 'ms',
      figure: rel,
      baseline: rawRelayed,
      baselineLabel: 'start → circuit dial + ping',
      ratio: r,
      goal: '≤ 1.5×',
      met: r === null ? null : r <= 1.5,
    })
  } else {
    measures.push({
      label: 'relayed: start → relayed connection',
      unit: 'ms',
      figure: null,
      baseline: rawRelayed,
      baselineLabel: 'start → circuit dial + ping',
      ratio: null,
      na: 'B never held a relayed connection to A (it went straight to WebRTC); sync runs only on direct connections',
    })
  }
  const notes = [
    `median of ${reps} cold member starts: relay reserved ${reserved.toFixed(0)} ms, WebRTC to A ${webrtc.toFixed(0)} ms, first sync done ${sync.toFixed(0)} ms (sync needs a direct connection: the messenger never syncs over a relayed one)`,
    `raw WebRTC: dial ${median(direct.map((d) => d.dialMs)).toFixed(0)} ms + ping ${median(direct.map((d) => d.pingMs)).toFixed(0)} ms after start (${direct[0]?.kind}); raw circuit: dial ${median(relayed.map((d) => d.dialMs)).toFixed(0)} ms + ping ${median(relayed.map((d) => d.pingMs)).toFixed(0)} ms (${relayed[0]?.kind})`,
    `all marks: ${JSON.stringify(marks.map((m) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k.replace(aId, 'A'), Math.round(v)]))))}`,
  ]
  return { measures, notes }
}
