/**
 * Runs `murmur relay --json` as a real child process, as a user would, and
 * waits for its ready line. Always call stop(): it sends SIGTERM and waits for
 * the process to exit (SIGKILL after a grace period).
 */

import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'

export const MURMUR_BIN = resolve(import.meta.dirname, '..', '..', 'node', 'bin', 'murmur.js')

export interface RelayReady {
  readonly event: 'ready'
  readonly http: string
  readonly multiaddrs: string[]
  readonly peerId: string
}

export interface RelayProcess extends RelayReady {
  readonly dataDir: string
  readonly child: ChildProcess
  /** The relay's WebSocket multiaddr (through its HTTP port). */
  readonly wsAddr: string
  /** Everything the process wrote to stderr so far. */
  stderr(): string
  stop(): Promise<number | null>
}

export interface RunResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs `murmur ARGS…` to completion (bounded by timeoutMs). */
export function runMurmur(args: string[], timeoutMs = 30_000): Promise<RunResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [MURMUR_BIN, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      fail(
        new Error(
          `murmur ${args.join(' ')} did not exit within ${timeoutMs} ms; stderr: ${stderr}`,
        ),
      )
    }, timeoutMs)
    child.on('exit', (code) => {
      clearTimeout(timer)
      done({ code, stdout, stderr })
    })
  })
}

export async function startRelayProcess(
  options: { dataDir?: string; port?: number; extraArgs?: string[] } = {},
): Promise<RelayProcess> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'murmur-relay-')))
  const ownsDir = options.dataDir === undefined
  const args = [
    MURMUR_BIN,
    'relay',
    '--json',
    '--port',
    String(options.port ?? 0),
    '--data',
    dataDir,
  ]
  const child = spawn(process.execPath, [...args, ...(options.extraArgs ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)))
  const ready = await new Promise<RelayReady>((done, fail) => {
    const lines = createInterface({ input: child.stdout })
    const timer = setTimeout(
      () => fail(new Error(`relay not ready in 30 s; stderr: ${stderr}`)),
      30_000,
    )
    lines.once('line', (line) => {
      clearTimeout(timer)
      try {
        done(JSON.parse(line) as RelayReady)
      } catch {
        fail(new Error(`relay printed a line that is not JSON: ${line}`))
      }
    })
    void exited.then((code) => {
      clearTimeout(timer)
      fail(new Error(`relay exited with ${code} before ready; stderr: ${stderr}`))
    })
  })
  const wsAddr = ready.multiaddrs.find((a) => a.includes('/ws/'))
  if (wsAddr === undefined)
    throw new Error(`relay announced no WebSocket address: ${ready.multiaddrs.join(' ')}`)
  return {
    ...ready,
    dataDir,
    child,
    wsAddr,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM')
        const kill = setTimeout(() => child.kill('SIGKILL'), 10_000)
        await exited
        clearTimeout(kill)
      }
      if (ownsDir) await rm(dataDir, { recursive: true, force: true })
      if (child.exitCode === null)
        throw new Error(`relay ended by ${child.signalCode}; stderr: ${stderr}`)
      return child.exitCode
    },
  }
}
