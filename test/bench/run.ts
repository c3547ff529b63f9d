/**
 * `npm run bench [-- --quick] [-- --only B1,B6] [-- --profile]`
 *
 * Runs the benchmark rows (b01-….ts … b11-….ts) one after another, each
 * against its raw baseline measured in the same run, writes
 * results/latest.json (rows not run this time keep their previous entry) and
 * results/latest.md, and prints the table. Every worker process and relay a
 * row starts is stopped after it, whether it passed, failed or timed out,
 * and the run always exits.
 *
 *   --quick    small sizes and few iterations (a smoke run of under 3 minutes)
 *   --only     comma-separated row ids
 *   --profile  run the workers that do a row's work with --cpu-prof, and list
 *              their top frames (profiles in results/profiles/)
 *   --strict   exit 1 when a row crashed or timed out (what `npm test` runs
 *              with --quick as a smoke run); missed goals never fail a run
 */

import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { cpus, loadavg, platform, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { startRelayProcess } from '../helpers/relay-process.ts'
import type { RelayProcess } from '../helpers/relay-process.ts'
import { buildDatasets } from './lib/dataset.ts'
import type { Datasets } from './lib/dataset.ts'
import { markdownTable } from './lib/format.ts'
import { spawnWorker } from './lib/proc.ts'
import { topFrames } from './lib/profile.ts'
import type { Spawned, SpawnOptions } from './lib/proc.ts'
import type { BenchContext, BenchRow, MachineInfo, RowReport } from './lib/types.ts'

const ROWS = [
  'b01-latency.ts',
  'b02-connect.ts',
  'b03-fanout.ts',
  'b04-throughput.ts',
  'b05-wire-bytes.ts',
  'b06-store-writes.ts',
  'b07-open-history.ts',
  'b08-yjs-state.ts',
  'b09-client-start.ts',
  'b10-history-sync.ts',
  'b11-memory.ts',
]

const RESULTS = join(import.meta.dirname, 'results')

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    profile: { type: 'boolean', default: false },
    strict: { type: 'boolean', default: false },
  },
})
const quick = values.quick === true
const only = values.only?.split(',').map((s) => s.trim().toUpperCase())

function machine(): MachineInfo {
  const list = cpus()
  return {
    cpus: list.length,
    model: list[0]?.model ?? 'unknown',
    memGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: platform(),
    load: loadavg().map((l) => Math.round(l * 100) / 100),
  }
}

const live = new Set<Spawned>()
const relays = new Set<RelayProcess>()

async function stopAll(): Promise<void> {
  await Promise.all([...live].map((w) => w.stop(5_000)))
  live.clear()
  await Promise.all(
    [...relays].map((r) =>
      r.stop().catch((err: unknown) => console.error(`relay stop: ${String(err)}`)),
    ),
  )
  relays.clear()
}

let interrupted = false
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) process.exit(130)
    interrupted = true
    console.error(`\n${signal}: stopping workers…`)
    void stopAll().then(() => process.exit(130))
  })
}

async function main(): Promise<number> {
  const runDir = await mkdtemp(join(tmpdir(), 'murmur-bench-'))
  const profileDir = join(RESULTS, 'profiles')
  if (values.profile === true) await mkdir(profileDir, { recursive: true })
  const spawn = async (script: string, options: SpawnOptions = {}): Promise<Spawned> => {
    const worker = await spawnWorker(script, options)
    live.add(worker)
    void worker.exited.then(() => live.delete(worker))
    return worker
  }
  let datasets: Promise<Datasets> | undefined
  // 1k in the full run too: below 1024 envelopes a new member's sync still fits one frame (see README).
  const datasetSizes = quick ? [1_000, 2_000] : [1_000, 10_000, 100_000]
  const log = (message: string): void => console.error(message)

  const selected: BenchRow[] = []
  for (const file of ROWS) {
    // b07-… is row B7: select before importing, so a row's imports cost only when it runs.
    const id = `B${Number(file.slice(1, 3))}`
    if (only !== undefined && !only.includes(id)) continue
    const row = (await import(`./${file}`)) as BenchRow
    if (row.id !== id) throw new Error(`${file} exports id ${row.id}, expected ${id}`)
    selected.push(row)
  }
  if (selected.length === 0) {
    console.error(`no rows match --only ${values.only ?? ''}`)
    return 2
  }
  const started = performance.now()
  const reports: RowReport[] = []
  try {
    for (const row of selected) {
      if (interrupted) break
      const tmp = await mkdtemp(join(runDir, `${row.id}-`))
      const mine = new Set<Spawned>()
      const myRelays = new Set<RelayProcess>()
      const ctx: BenchContext = {
        quick,
        profile: values.profile === true,
        profileDir,
        tmp,
        profileArgs: (name) =>
          values.profile === true
            ? [
                '--cpu-prof',
                `--cpu-prof-dir=${join(profileDir, row.id)}`,
                `--cpu-prof-name=${name}.cpuprofile`,
              ]
            : [],
        log: (m) => log(`  ${row.id}: ${m}`),
        async spawn(script, options = {}) {
          const w = await spawn(script, options)
          mine.add(w)
          return w
        },
        async stopAll() {
          await Promise.all([...mine].map((w) => w.stop(5_000)))
          mine.clear()
          for (const r of myRelays) {
            relays.delete(r)
            await r.stop().catch((err: unknown) => log(`  relay stop: ${String(err)}`))
          }
          myRelays.clear()
        },
        async relay() {
          const r = await startRelayProcess({ dataDir: await mkdtemp(join(tmp, 'relay-')) })
          relays.add(r)
          myRelays.add(r)
          return r
        },
        datasets() {
          datasets ??= buildDatasets(spawn, join(runDir, 'datasets'), datasetSizes, log).then(
            (d) => {
              log(
                `  datasets ${datasetSizes.join(', ')} built in ${(d.totalMs / 1000).toFixed(1)} s`,
              )
              return d
            },
          )
          return datasets
        },
      }
      log(`${row.id} ${row.what}`)
      const t0 = performance.now()
      const limitMs = quick ? 240_000 : 40 * 60_000
      let timer: ReturnType<typeof setTimeout> | undefined
      let outcome
      try {
        outcome = await Promise.race([
          row.run(ctx),
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`timed out after ${limitMs / 1000} s`)),
              limitMs,
            )
          }),
        ])
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err)
        log(`  ${row.id} failed: ${err instanceof Error ? (err.stack ?? message) : message}`)
        outcome = {
          measures: [],
          notes: [],
          na: `failed: ${message.split('\n')[0]?.slice(0, 300)}`,
        }
      } finally {
        clearTimeout(timer)
        await Promise.all([...mine].map((w) => w.stop(5_000)))
        for (const r of myRelays) {
          relays.delete(r)
          await r.stop().catch((err: unknown) => log(`  relay stop: ${String(err)}`))
        }
        await rm(tmp, { recursive: true, force: true })
      }
      const notes = [...outcome.notes, ...(await profileNotes(join(profileDir, row.id)))]
      const measures = outcome.measures
      const mets = measures.map((m) => m.met).filter((m): m is boolean => typeof m === 'boolean')
      const report: RowReport = {
        id: row.id,
        what: row.what,
        goal: row.goal,
        met: outcome.na !== undefined || mets.length === 0 ? null : mets.every(Boolean),
        measures,
        figures: Object.fromEntries(measures.map((m) => [m.label, m.figure])),
        baselines: Object.fromEntries(measures.map((m) => [m.label, m.baseline])),
        ratios: Object.fromEntries(measures.map((m) => [m.label, m.ratio])),
        notes,
        ...(outcome.na === undefined ? {} : { na: outcome.na }),
        seconds: Math.round((performance.now() - t0) / 100) / 10,
        date: new Date().toISOString(),
        machine: machine(),
      }
      reports.push(report)
      console.error(markdownTable([report]).split('\n').slice(2).join('\n'))
    }
  } finally {
    await stopAll()
    await rm(runDir, { recursive: true, force: true })
  }
  const seconds = (performance.now() - started) / 1000

  // Rows not run this time keep their previous entry.
  const file = join(RESULTS, quick ? 'latest-quick.json' : 'latest.json')
  await mkdir(RESULTS, { recursive: true })
  let previous: RowReport[]
  try {
    previous = (JSON.parse(await readFile(file, 'utf8')) as { rows: RowReport[] }).rows
  } catch {
    previous = [] // no earlier results
  }
  const byId = new Map(previous.map((r) => [r.id, r]))
  for (const r of reports) byId.set(r.id, r)
  const order = (id: string): number => Number(id.slice(1))
  const rows = [...byId.values()].sort((a, b) => order(a.id) - order(b.id))
  const table = markdownTable(rows)
  await writeFile(
    file,
    `${JSON.stringify({ quick, lastRun: { rows: reports.map((r) => r.id), seconds: Math.round(seconds) }, machine: machine(), rows }, null, 2)}\n`,
  )
  await writeFile(file.replace(/\.json$/, '.md'), `${table}\n`)
  console.log(`\n${table}\n`)
  console.log(
    `${reports.length} row(s) in ${seconds.toFixed(0)} s${quick ? ' (quick)' : ''}; results in ${file}`,
  )
  const crashed = reports.filter((r) => r.na?.startsWith('failed:') === true)
  if (crashed.length > 0) {
    console.log(`crashed or timed out: ${crashed.map((r) => `${r.id} (${r.na})`).join('; ')}`)
  }
  return values.strict === true && crashed.length > 0 ? 1 : 0
}

/** Top frames of each profile a row's workers wrote (with --profile). */
async function profileNotes(dir: string): Promise<string[]> {
  if (values.profile !== true) return []
  let files: string[]
  try {
    files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'))
  } catch {
    return [] // this row profiled nothing
  }
  return files.map((f) => {
    const { total, self } = topFrames(join(dir, f), 8)
    const list = (frames: typeof self): string =>
      frames.map((x) => `${x.frame} (self ${x.selfPct}%, total ${x.totalPct}%)`).join('; ')
    return `profile ${f}: top self: ${list(self)}. Top inclusive: ${list(total)}`
  })
}

main().then(
  (code) => process.exit(code),
  async (err: unknown) => {
    console.error(err)
    await stopAll()
    process.exit(1)
  },
)
