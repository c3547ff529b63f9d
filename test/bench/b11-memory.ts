/**
 * B11 — memory and the web app.
 *
 * Idle peer RSS: a peer process holding one group (messenger, memory
 * storage) accepts direct WebRTC connections from 1, then 10, then 30 other
 * peers (bare networks, 10 per connector process, each dialling the
 * target's `/p2p-circuit/webrtc` address through the relay). After each step
 * the target idles 5 s, is garbage-collected, and its RSS is read from /proc
 * (median of 3 reads 1 s apart). Baseline: the same with a target that is
 * the same libp2p node preset (createLibp2pNetwork) without the messenger.
 *
 * Web app: the gzip size of web/dist/assets/*.js (built with `npm run
 * build:web` when missing) and the first load in Chromium (playwright-core,
 * /usr/bin/chromium, the flags of test/helpers/browser.ts) from navigation
 * to the first screen a visitor can use — the name form for a new visitor,
 * or the sidebar showing its own peer id — in a new browser context each
 * time; baseline: the page's own load event.
 */

import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { gzipSync } from 'node:zlib'
import { launchChromium } from '../helpers/browser.ts'
import { DEBUG_ERRORS, PEER_WORKER } from './lib/pair.ts'
import type { PeerInfo } from './lib/pair.ts'
import type { Spawned } from './lib/proc.ts'
import { median, ratio } from './lib/stats.ts'
import type { BenchContext, Measure, RowOutcome } from './lib/types.ts'

export const id = 'B11'
export const what = 'memory (idle peer RSS by connections), web bundle size, first load'
export const goal = 'reported (baselines: bare libp2p node RSS; page load event)'

const ROOT = resolve(import.meta.dirname, '..', '..')
const DIST = join(ROOT, 'web', 'dist')
const LEVELS = [1, 10, 30]
const PER_PROCESS = 10

async function idleRss(target: Spawned, quick: boolean): Promise<number> {
  await new Promise((r) => setTimeout(r, quick ? 2_000 : 5_000))
  const reads: number[] = []
  for (let i = 0; i < 3; i++) {
    await target.call('gc')
    reads.push(target.rssBytes())
    await new Promise((r) => setTimeout(r, 1_000))
  }
  return median(reads) / 1e6
}

/** RSS of a target (with or without messenger) at each connection level, in MB. */
async function rssLevels(
  ctx: BenchContext,
  messenger: boolean,
  levels: readonly number[],
): Promise<Array<{ level: number; mb: number; connections: number }>> {
  const relay = await ctx.relay()
  const target = await ctx.spawn(PEER_WORKER, {
    name: messenger ? 'target' : 'bare-target',
    execArgv: ['--expose-gc'],
    env: DEBUG_ERRORS,
  })
  const info = await target.call<PeerInfo>('init', { relays: [relay.wsAddr], messenger })
  if (messenger) await target.call('createGroup', { name: 'Idle' })
  const { addrs } = await target.call<{ addrs: string[] }>('addresses')
  const webrtc = addrs.filter((a) => a.includes('/p2p-circuit/webrtc'))
  const swarms: Spawned[] = []
  let connected = 0
  const out: Array<{ level: number; mb: number; connections: number }> = []
  for (const level of levels) {
    while (connected < level) {
      const index = Math.floor(connected / PER_PROCESS)
      let swarm = swarms[index]
      if (swarm === undefined) {
        swarm = await ctx.spawn(PEER_WORKER, { name: `swarm-${index}`, env: DEBUG_ERRORS })
        swarms.push(swarm)
      }
      const peer = await swarm.call<PeerInfo>('init', { relays: [relay.wsAddr], messenger: false })
      await swarm.call('dialPeer', { peer: peer.peer, peerId: info.peerId, addrs: webrtc })
      connected++
    }
    const mb = await idleRss(target, ctx.quick)
    const { peers } = await target.call<{ peers: unknown[] }>('status')
    out.push({ level, mb, connections: peers.length })
    ctx.log(
      `${messenger ? 'messenger' : 'bare'} target with ${peers.length} peers: ${mb.toFixed(1)} MB`,
    )
  }
  await Promise.all([target, ...swarms].map((w) => w.stop()))
  return out
}

async function bundle(ctx: BenchContext): Promise<{ raw: number; gzip: number; files: number }> {
  if (!existsSync(join(DIST, 'index.html'))) {
    ctx.log('web/dist missing: npm run build:web')
    await promisify(execFile)('npm', ['run', 'build:web'], { cwd: ROOT, timeout: 300_000 })
  }
  const assets = join(DIST, 'assets')
  const files = (await readdir(assets)).filter((f) => f.endsWith('.js'))
  let raw = 0
  let gzip = 0
  for (const f of files) {
    const bytes = await readFile(join(assets, f))
    raw += bytes.length
    gzip += gzipSync(bytes, { level: 9 }).length
  }
  return { raw, gzip, files: files.length }
}

async function firstLoads(
  ctx: BenchContext,
  reps: number,
): Promise<{ interactive: number[]; load: number[] }> {
  const relay = await ctx.relay()
  const browser = await launchChromium()
  const interactive: number[] = []
  const load: number[] = []
  try {
    for (let i = 0; i < reps; i++) {
      const context = await browser.newContext()
      const page = await context.newPage()
      const t0 = performance.now()
      await page.goto(relay.http, { waitUntil: 'commit' })
      const loaded = page
        .waitForLoadState('load', { timeout: 60_000 })
        .then(() => performance.now() - t0)
      // A new visitor first sees the name form (FirstRun), usable at once while
      // libp2p starts behind it; a returning one sees the sidebar with its peer id.
      await page.waitForFunction(
        () =>
          document.getElementById('first-run-title') !== null ||
          (document.querySelector('[data-testid="own-peer-id"]')?.textContent ?? '').trim() !== '',
        undefined,
        { timeout: 60_000, polling: 'raf' },
      )
      interactive.push(performance.now() - t0)
      load.push(await loaded)
      await context.close()
    }
  } finally {
    await browser.close()
  }
  return { interactive, load }
}

export async function run(ctx: BenchContext): Promise<RowOutcome> {
  const levels = ctx.quick ? [1] : LEVELS
  const measures: Measure[] = []
  const notes: string[] = []
  const mine = await rssLevels(ctx, true, levels)
  const bare = await rssLevels(ctx, false, levels)
  for (const m of mine) {
    const b = bare.find((x) => x.level === m.level)
    measures.push({
      label: `idle peer RSS, ${m.level} connection${m.level === 1 ? '' : 's'}`,
      unit: 'MB',
      figure: m.mb,
      baseline: b?.mb ?? null,
      baselineLabel: 'libp2p node, no messenger',
      ratio: ratio(m.mb, b?.mb),
    })
  }
  notes.push(
    `peers seen by the target: messenger ${mine.map((m) => m.connections).join('/')}, bare ${bare.map((m) => m.connections).join('/')}; connectors are bare libp2p nodes, ${PER_PROCESS} per process`,
  )
  const size = await bundle(ctx)
  measures.push({
    label: 'web bundle, gzip',
    unit: 'kB',
    figure: size.gzip / 1e3,
    baseline: null,
    ratio: null,
  })
  notes.push(`${size.files} JS file(s), ${(size.raw / 1e3).toFixed(0)} kB before gzip -9`)
  try {
    const { interactive, load } = await firstLoads(ctx, ctx.quick ? 1 : 3)
    const figure = median(interactive)
    const baseline = median(load)
    measures.push({
      label: 'first load → first screen interactive (Chromium)',
      unit: 'ms',
      figure,
      baseline,
      baselineLabel: 'page load event',
      ratio: ratio(figure, baseline),
    })
    notes.push(
      `loads: ${interactive.map((t) => t.toFixed(0)).join(', ')} ms; load events ${load.map((t) => t.toFixed(0)).join(', ')} ms`,
    )
  } catch (err) {
    measures.push({
      label: 'first load → first screen interactive (Chromium)',
      unit: 'ms',
      figure: null,
      baseline: null,
      ratio: null,
      na: (err as Error).message.split('\n')[0] ?? 'failed',
    })
  }
  return { measures, notes }
}
