/**
 * Worker processes, parent side. A worker is `node <script> …args` with an IPC
 * channel: the parent sends `{id, cmd, args}`, the worker answers `{id, ok,
 * result}` or `{id, ok: false, error}`, and may send `{event, …}` at any time
 * (the first is always `{event: 'ready', …}`). Measurements are taken inside
 * the workers; IPC only carries commands and results, so its own latency
 * never enters a figure unless a row says so.
 */

import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'

export interface SpawnOptions {
  readonly args?: readonly string[]
  /** Node flags, e.g. --cpu-prof or --expose-gc. */
  readonly execArgv?: readonly string[]
  readonly name?: string
  readonly readyTimeoutMs?: number
  readonly env?: NodeJS.ProcessEnv
}

export type WorkerEvent = { readonly event: string } & Readonly<Record<string, unknown>>

export interface Spawned {
  readonly name: string
  readonly pid: number
  /** From the spawn() call to the ready message arriving, in ms. */
  readonly readyMs: number
  readonly ready: WorkerEvent
  readonly exited: Promise<number | null>
  call<T = Record<string, unknown>>(
    cmd: string,
    args?: Record<string, unknown>,
    timeoutMs?: number,
  ): Promise<T>
  nextEvent(
    name: string,
    match?: (event: WorkerEvent) => boolean,
    timeoutMs?: number,
  ): Promise<WorkerEvent>
  /** Resident set size from /proc, in bytes (0 once the process is gone). */
  rssBytes(): number
  stderr(): string
  /** Asks the worker to quit, then kills it after `graceMs`. Never throws. */
  stop(graceMs?: number): Promise<void>
}

interface Reply {
  readonly id: number
  readonly ok: boolean
  readonly result?: unknown
  readonly error?: { name: string; message: string; stack?: string }
}

/** A failure the worker reported, with its name and message. */
export class WorkerError extends Error {
  constructor(worker: string, cmd: string, error: { name: string; message: string }) {
    super(`${worker} ${cmd}: ${error.name}: ${error.message}`)
    this.name = 'WorkerError'
  }
}

export async function spawnWorker(script: string, options: SpawnOptions = {}): Promise<Spawned> {
  const name = options.name ?? script.split('/').at(-1) ?? script
  const started = performance.now()
  const child: ChildProcess = spawn(
    process.execPath,
    [...(options.execArgv ?? []), script, ...(options.args ?? [])],
    { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env: options.env ?? process.env },
  )
  let stderr = ''
  // BENCH_WORKER_STDERR=1 passes workers' stderr through (with DEBUG=murmur*: their logs).
  const passThrough = process.env.BENCH_WORKER_STDERR === '1'
  child.stderr?.on('data', (d: Buffer) => {
    if (passThrough) process.stderr.write(`[${name}] ${d.toString()}`)
    stderr += d.toString()
    if (stderr.length > 64_000) stderr = stderr.slice(-32_000)
  })
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)))
  const pending = new Map<number, (reply: Reply) => void>()
  const events: WorkerEvent[] = []
  const waiters = new Set<{
    accept: (e: WorkerEvent) => boolean
    resolve: (e: WorkerEvent) => void
  }>()
  let nextId = 1
  child.on('message', (raw: unknown) => {
    const message = raw as Partial<Reply> & Partial<WorkerEvent>
    if (typeof message.event === 'string') {
      const event = message as WorkerEvent
      for (const w of waiters) {
        if (w.accept(event)) {
          waiters.delete(w)
          w.resolve(event)
          return
        }
      }
      events.push(event)
      if (events.length > 10_000) events.shift()
    } else if (typeof message.id === 'number') {
      pending.get(message.id)?.(message as Reply)
      pending.delete(message.id)
    }
  })
  void exited.then(() => {
    for (const [, answer] of pending) {
      answer({
        id: -1,
        ok: false,
        error: { name: 'WorkerExited', message: `exited; stderr: ${tail(stderr)}` },
      })
    }
    pending.clear()
  })

  const nextEvent = (
    event: string,
    match: (e: WorkerEvent) => boolean = () => true,
    timeoutMs = 60_000,
  ): Promise<WorkerEvent> => {
    const accept = (e: WorkerEvent): boolean => e.event === event && match(e)
    const i = events.findIndex(accept)
    if (i >= 0) return Promise.resolve(events.splice(i, 1)[0] as WorkerEvent)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(waiter)
        reject(
          new Error(`${name}: no ${event} event within ${timeoutMs} ms; stderr: ${tail(stderr)}`),
        )
      }, timeoutMs)
      const waiter = {
        accept,
        resolve: (e: WorkerEvent) => {
          clearTimeout(timer)
          resolve(e)
        },
      }
      waiters.add(waiter)
      void exited.then((code) => {
        if (!waiters.delete(waiter)) return
        clearTimeout(timer)
        reject(new Error(`${name} exited (${code}) before ${event}; stderr: ${tail(stderr)}`))
      })
    })
  }

  const stop = async (graceMs = 10_000): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return
    try {
      if (child.connected) child.send({ id: 0, cmd: 'quit', args: {} })
      else child.kill('SIGTERM')
    } catch {
      child.kill('SIGTERM') // the channel closed between the check and the send
    }
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs)
    await exited
    clearTimeout(kill)
  }

  let ready: WorkerEvent
  try {
    ready = await nextEvent('ready', () => true, options.readyTimeoutMs ?? 60_000)
  } catch (err) {
    await stop(1_000)
    throw err
  }
  const readyMs = performance.now() - started
  const pid = child.pid ?? -1

  return {
    name,
    pid,
    readyMs,
    ready,
    exited,
    nextEvent,
    stop,
    stderr: () => stderr,
    rssBytes: () => rssOf(pid),
    call<T>(cmd: string, args: Record<string, unknown> = {}, timeoutMs = 120_000): Promise<T> {
      const id = nextId++
      return new Promise<T>((resolve, reject) => {
        if (!child.connected) {
          reject(new Error(`${name} is not running; stderr: ${tail(stderr)}`))
          return
        }
        const timer = setTimeout(() => {
          pending.delete(id)
          reject(
            new Error(`${name} ${cmd}: no answer within ${timeoutMs} ms; stderr: ${tail(stderr)}`),
          )
        }, timeoutMs)
        pending.set(id, (reply) => {
          clearTimeout(timer)
          if (reply.ok) resolve(reply.result as T)
          else reject(new WorkerError(name, cmd, reply.error ?? { name: 'Error', message: '?' }))
        })
        child.send({ id, cmd, args })
      })
    },
  }
}

/** VmRSS of a process, in bytes; 0 when it cannot be read. */
export function rssOf(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1]
    return kb === undefined ? 0 : Number(kb) * 1024
  } catch {
    return 0 // the process is gone
  }
}

function tail(text: string): string {
  return text.length > 2_000 ? `…${text.slice(-2_000)}` : text
}
