/**
 * B9 — cold start of `murmur client` (node/bin/murmur.js, a real child
 * process) to its `ready` line, with an empty data directory and with the
 * run's 10k and 100k history datasets (one group). The relay is a `murmur
 * relay` process; the client dials it before it is ready. Each start uses a
 * fresh copy of the data (and so a new libp2p key). Baseline: `node -e ''`,
 * spawn to exit. Median of several starts.
 */

import { spawn } from 'node:child_process'
import { cp, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { MURMUR_BIN } from '../helpers/relay-process.ts'
import { median, ratio } from './lib/stats.ts'
import type { BenchContext, Measure, RowOutcome } from './lib/types.ts'

export const id = 'B9'
export const what = '`murmur client` cold start to ready, 0 / 10k / 100k history'
export const goal = 'reported (baseline: node -e "")'

/** Spawns the client, resolves with ms to its ready line, then quits it. */
async function clientStart(dataDir: string, relay: string): Promise<number> {
  const t0 = performance.now()
  const child = spawn(
    process.execPath,
    [MURMUR_BIN, 'client', '--data', dataDir, '--relay', relay],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  )
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  child.stdin.on('error', () => undefined)
  const exited = new Promise<void>((done) => child.once('exit', () => done()))
  try {
    return await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`client not ready in 120 s: ${stderr}`)),
        120_000,
      )
      createInterface({ input: child.stdout }).once('line', (line) => {
        clearTimeout(timer)
        const ms = performance.now() - t0
        if (line.includes('"ready"')) resolve(ms)
        else reject(new Error(`client printed ${line.slice(0, 200)} before ready; ${stderr}`))
      })
      void exited.then(() => reject(new Error(`client exited before ready: ${stderr}`)))
    })
  } finally {
    if (child.exitCode === null) {
      child.stdin.write('{"id":"q","cmd":"quit"}\n')
      const kill = setTimeout(() => child.kill('SIGKILL'), 15_000)
      await exited
      clearTimeout(kill)
    }
  }
}

async function nodeNoop(): Promise<number> {
  const t0 = performance.now()
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' })
  await new Promise((done) => child.once('exit', done))
  return performance.now() - t0
}

export async function run(ctx: BenchContext): Promise<RowOutcome> {
  const data = await ctx.datasets()
  const relay = await ctx.relay()
  const reps = ctx.quick ? 1 : 3
  const noop: number[] = []
  for (let i = 0; i < reps * 2; i++) noop.push(await nodeNoop())
  const baseline = median(noop)
  const measures: Measure[] = []
  const notes: string[] = [`median of ${reps} starts per size; node -e '' median of ${reps * 2}`]
  for (const size of [0, ...data.sizes]) {
    const times: number[] = []
    for (let i = 0; i < reps; i++) {
      const dir = join(ctx.tmp, `client-${size}-${i}`)
      if (size === 0) await mkdir(dir, { recursive: true })
      else await cp(join(data.dirOf(size), 'db'), join(dir, 'db'), { recursive: true })
      times.push(await clientStart(dir, relay.wsAddr))
    }
    const figure = median(times)
    measures.push({
      label: `${size.toLocaleString('en-US')} messages`,
      unit: 'ms',
      figure,
      baseline,
      baselineLabel: "node -e ''",
      ratio: ratio(figure, baseline),
    })
    notes.push(`${size}: ${times.map((t) => t.toFixed(0)).join(', ')} ms`)
  }
  return { measures, notes }
}
