// `npm test`: everything a change must pass, in one command.
//
//   1. provision Chromium (apt-get when /usr/bin/chromium is missing)
//   2. npm run check       type-check: tsc -b + svelte-check          counts as 1 test
//   3. npm run lint        eslint + prettier --check                    counts as 1 test
//   4. npm run build:web   the built app the browser tests load
//   5. vitest run          every test file, JSON report in test/results/vitest.json
//   6. npm run bench -- --quick --strict
//                          the benchmarks' smoke run (~3 min): counts as 1 test, failed
//                          only when a row crashes or times out (never on a missed goal)
//
// Every step runs even when an earlier one failed, with its output streamed. Steps 1
// and 4 are preconditions: they add a failure when they fail and nothing when they pass.
// A vitest file that fails outside any test (import error, failing hook) counts as one
// failure, and so does a vitest run that exits non-zero with no failure in its report
// (unhandled error, crash, no test files). The exit status is non-zero exactly when
// something failed. Progress goes to stderr; the last line on stdout is the summary:
//
//   57 passed, 0 failed[, 3 skipped]
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { constants } from 'node:os'
import path from 'node:path'
import { provisionChromium } from './provision-chromium.ts'

const root = path.resolve(import.meta.dirname, '..')
const vitestReport = path.join(root, 'test', 'results', 'vitest.json')
const vitestEntry = path.join(root, 'node_modules', 'vitest', 'vitest.mjs')
const MINUTE = 60_000
// CI stops the job after 90 minutes, npm install included; the summary must come first.
// Each step is stopped at its own cap or when this budget runs out (at least 1 min each).
const budgetMinutes = Number(process.env.MURMUR_TEST_BUDGET_MIN ?? 80)
const deadline = Date.now() + budgetMinutes * MINUTE

interface Outcome {
  name: string
  passed: number
  failed: number
  skipped: number
  seconds: number
  note: string
}

interface VitestReport {
  numPassedTests: number
  numFailedTests: number
  numPendingTests: number
  numTodoTests: number
  testResults: {
    name: string
    status: string
    message?: string
    assertionResults: { fullName: string; status: string }[]
  }[]
}

const outcomes: Outcome[] = []
let current: ChildProcess | undefined
let interrupted: NodeJS.Signals | undefined

function say(line: string): void {
  process.stderr.write(`[test] ${line}\n`)
}

// Children run in their own process group (so stragglers can be stopped), which also
// means a Ctrl-C at the terminal reaches only this process: pass it on.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    // A second interrupt stops the step at once.
    const force = interrupted !== undefined
    interrupted = signal
    killGroup(current?.pid, force ? 'SIGKILL' : 'SIGTERM')
  })
}

// Node 24 from node_modules first, so `npm`, `tsc`, `vite`, … all run on it.
const env: NodeJS.ProcessEnv = {
  ...process.env,
  PATH: [
    path.dirname(process.execPath),
    path.join(root, 'node_modules', '.bin'),
    process.env.PATH ?? '',
  ].join(path.delimiter),
}

/** Runs a command from the repo root with inherited output; resolves to its exit code. */
function run(command: string, args: string[], capMs: number): Promise<number> {
  const timeoutMs = Math.max(MINUTE, Math.min(capMs, deadline - Date.now()))
  return new Promise((resolve) => {
    say(`$ ${[command === process.execPath ? 'node' : command, ...args].join(' ')}`)
    const child = spawn(command, args, {
      cwd: root,
      env,
      stdio: ['ignore', 'inherit', 'inherit'],
      detached: true,
    })
    current = child
    const timer = setTimeout(() => {
      say(`timed out after ${(timeoutMs / MINUTE).toFixed(1)} min; stopping it`)
      killGroup(child.pid, 'SIGTERM')
      setTimeout(() => killGroup(child.pid, 'SIGKILL'), 10_000).unref()
    }, timeoutMs)
    child.on('error', (err) => {
      clearTimeout(timer)
      say(`could not start ${command}: ${err.message}`)
      current = undefined
      resolve(127)
    })
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      current = undefined
      const status = code ?? 128 + (signal === null ? 0 : constants.signals[signal])
      void stopStragglers(child.pid)
        .catch((err: unknown) => say(`could not look for leftover processes: ${String(err)}`))
        .finally(() => resolve(status))
    })
  })
}

/**
 * Whatever a step leaves behind (a relay, a browser) would keep running and hold stdout
 * open: name it, since a run that leaks processes is a bug, and stop it. Helpers that
 * exit on their own just after the step (vitest's watchdog) get two seconds to do so.
 */
async function stopStragglers(pgid: number | undefined): Promise<void> {
  if (pgid === undefined) return
  let left = liveGroupMembers(pgid)
  for (let waited = 0; left.length > 0 && waited < 2000; waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    left = liveGroupMembers(pgid)
  }
  if (left.length === 0) return
  say(`the step left ${left.length} process(es) running; stopping them:`)
  for (const line of left.slice(0, 10)) say(`  ${line}`)
  killGroup(pgid, 'SIGKILL')
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return
  try {
    process.kill(-pid, signal)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err
  }
}

/** "pid command" of the non-zombie processes in a process group (Linux /proc). */
function liveGroupMembers(pgid: number): string[] {
  let pids: string[]
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name))
  } catch {
    return []
  }
  const members: string[] = []
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      // "pid (comm) state ppid pgrp …"; comm may hold spaces and parentheses.
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      if (Number(pgrp) !== pgid || state === 'Z') continue
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim()
      members.push(`${pid} ${cmdline.slice(0, 160)}`)
    } catch (err) {
      // The process ended while we looked, or is not ours to read: not a straggler of ours.
      const code = (err as NodeJS.ErrnoException).code
      if (code !== 'ENOENT' && code !== 'ESRCH' && code !== 'EACCES') throw err
    }
  }
  return members
}

async function step(
  name: string,
  body: () => Promise<Omit<Outcome, 'name' | 'seconds'>>,
): Promise<void> {
  if (interrupted) return
  say(`── ${name}`)
  const started = performance.now()
  const outcome = await body()
  const seconds = (performance.now() - started) / 1000
  outcomes.push({ name, seconds, ...outcome })
  say(`── ${name}: ${outcome.note} (${seconds.toFixed(1)} s)`)
}

/** A step that counts as one test. */
async function checkStep(name: string, args: string[], timeoutMs: number): Promise<void> {
  await step(name, async () => {
    const code = await run('npm', args, timeoutMs)
    return code === 0
      ? { passed: 1, failed: 0, skipped: 0, note: 'passed' }
      : { passed: 0, failed: 1, skipped: 0, note: `failed (exit ${code})` }
  })
}

/** A precondition: a failure when it fails, nothing when it passes. */
async function setupStep(name: string, body: () => Promise<string | undefined>): Promise<void> {
  await step(name, async () => {
    const problem = await body()
    return problem === undefined
      ? { passed: 0, failed: 0, skipped: 0, note: 'ok' }
      : { passed: 0, failed: 1, skipped: 0, note: `failed: ${problem}` }
  })
}

function readVitestReport(): VitestReport | undefined {
  if (!existsSync(vitestReport)) return undefined
  try {
    return JSON.parse(readFileSync(vitestReport, 'utf8')) as VitestReport
  } catch (err) {
    say(`unreadable ${path.relative(root, vitestReport)}: ${(err as Error).message}`)
    return undefined
  }
}

async function vitestStep(): Promise<void> {
  await step('vitest', async () => {
    rmSync(vitestReport, { force: true })
    const code = await run(
      process.execPath,
      [
        vitestEntry,
        'run',
        '--reporter=default',
        '--reporter=json',
        `--outputFile.json=${path.relative(root, vitestReport)}`,
      ],
      45 * MINUTE,
    )
    const report = readVitestReport()
    if (report === undefined) {
      return { passed: 0, failed: 1, skipped: 0, note: `exit ${code}, no JSON report` }
    }
    const failedNames: string[] = []
    let fileFailures = 0
    for (const file of report.testResults) {
      const where = path.relative(root, file.name)
      const failedTests = file.assertionResults.filter((t) => t.status === 'failed')
      for (const t of failedTests) failedNames.push(`${where} › ${t.fullName}`)
      if (file.status === 'failed' && failedTests.length === 0) {
        fileFailures += 1
        failedNames.push(`${where} (${(file.message ?? 'failed outside a test').split('\n')[0]})`)
      }
    }
    let failed = report.numFailedTests + fileFailures
    if (code !== 0 && failed === 0) {
      failed = 1
      failedNames.push(
        `vitest exited ${code} (unhandled error, no test files, or a crash: see above)`,
      )
    }
    const passed = report.numPassedTests
    const skipped = report.numPendingTests + report.numTodoTests
    for (const name of failedNames.slice(0, 50)) say(`  failed: ${name}`)
    if (failedNames.length > 50) say(`  … and ${failedNames.length - 50} more`)
    return {
      passed,
      failed,
      skipped,
      note: `${passed} passed, ${failed} failed, ${skipped} skipped`,
    }
  })
}

try {
  await setupStep('chromium', async () => {
    try {
      await provisionChromium()
      return undefined
    } catch (err) {
      say((err as Error).message)
      return (err as Error).name
    }
  })
  await checkStep('check', ['run', 'check'], 15 * MINUTE)
  await checkStep('lint', ['run', 'lint'], 10 * MINUTE)
  await setupStep('build:web', async () => {
    const code = await run('npm', ['run', 'build:web'], 10 * MINUTE)
    return code === 0 ? undefined : `exit ${code}`
  })
  await vitestStep()
  await checkStep('bench', ['run', 'bench', '--', '--quick', '--strict'], 10 * MINUTE)
} catch (err) {
  // A bug in this script still ends in a summary line, counted as a failure.
  say(`scripts/test.ts failed: ${(err as Error).stack ?? String(err)}`)
  outcomes.push({ name: 'test.ts', passed: 0, failed: 1, skipped: 0, seconds: 0, note: 'crashed' })
}

if (interrupted) {
  outcomes.push({
    name: 'interrupted',
    passed: 0,
    failed: 1,
    skipped: 0,
    seconds: 0,
    note: interrupted,
  })
}
const total = (key: 'passed' | 'failed' | 'skipped'): number =>
  outcomes.reduce((sum, o) => sum + o[key], 0)
say('── summary')
for (const o of outcomes)
  say(`  ${o.name.padEnd(11)} ${o.seconds.toFixed(1).padStart(7)} s  ${o.note}`)
const passed = total('passed')
const failed = total('failed')
const skipped = total('skipped')
process.stdout.write(
  `${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}\n`,
)
process.exitCode = interrupted ? 130 : failed > 0 ? 1 : 0
