/**
 * Runs `murmur client` as a real child process and talks JSON lines to it,
 * the way a bot or script would. Always call stop(): it sends `quit`, waits
 * for the process to exit (SIGKILL after a grace period) and removes the data
 * directory if this helper made it.
 */

import { spawn } from 'node:child_process'
import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { MURMUR_BIN } from './relay-process.ts'

export interface ClientReady {
  readonly event: 'ready'
  readonly userId: string
  readonly deviceId: string
  readonly peerId: string
}

export type ClientEvent = { readonly event: string } & Readonly<Record<string, unknown>>

export interface ErrorReply {
  readonly id: unknown
  readonly ok: false
  readonly error: { readonly name: string; readonly message: string; readonly argument?: string }
}

/** A failed request, rejected from request(); `name` is the client's error name. */
export class ClientRequestError extends Error {
  readonly argument: string | undefined
  constructor(cmd: string, error: ErrorReply['error']) {
    super(`${cmd}: ${error.message}`)
    this.name = error.name
    this.argument = error.argument
  }
}

export interface ClientProcess {
  readonly ready: ClientReady
  readonly dataDir: string
  readonly child: ChildProcessWithoutNullStreams
  /** Resolves with the exit code once the process exits. */
  readonly exited: Promise<number | null>
  /** Sends a command and resolves with its `result`, or rejects with a ClientRequestError. */
  request<T = Record<string, unknown>>(
    cmd: string,
    args?: Record<string, unknown>,
    timeoutMs?: number,
  ): Promise<T>
  /** Writes one raw line to stdin (a newline is added). */
  sendRaw(line: string): void
  /** The next reply that answers no request of ours (e.g. id null for bad JSON). */
  nextStrayReply(timeoutMs?: number): Promise<Record<string, unknown>>
  /**
   * The oldest event named `name` matching `match` not yet taken by an earlier
   * call, waiting for it if it has not arrived; earlier events count too.
   */
  nextEvent(
    name: string,
    match?: (event: ClientEvent) => boolean,
    timeoutMs?: number,
  ): Promise<ClientEvent>
  /** Every line the process printed on stdout so far. */
  stdoutLines(): readonly string[]
  /** Everything the process wrote to stderr so far. */
  stderr(): string
  /** Sends quit, waits for the exit (kills after a grace period); resolves with the exit code. */
  stop(): Promise<number | null>
}

export interface ClientProcessOptions {
  readonly relays: readonly string[]
  readonly name?: string
  /** Kept after stop() when given; otherwise a temporary directory is made and removed. */
  readonly dataDir?: string
  readonly env?: NodeJS.ProcessEnv
}

interface Waiter<T> {
  readonly accept: (value: T) => boolean
  readonly resolve: (value: T) => void
}

export async function startClientProcess(options: ClientProcessOptions): Promise<ClientProcess> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'murmur-client-')))
  const ownsDir = options.dataDir === undefined
  const args = [MURMUR_BIN, 'client', '--data', dataDir]
  for (const relay of options.relays) args.push('--relay', relay)
  if (options.name !== undefined) args.push('--name', options.name)
  const child = spawn(process.execPath, args, {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: options.env ?? process.env,
  })
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  // A write after the child closed its stdin must not fail the test run.
  child.stdin.on('error', () => undefined)
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)))

  const lines: string[] = []
  const pending = new Map<number, (reply: Record<string, unknown>) => void>()
  const events: ClientEvent[] = []
  const eventWaiters = new Set<Waiter<ClientEvent>>()
  const strays: Array<Record<string, unknown>> = []
  const strayWaiters = new Set<Waiter<Record<string, unknown>>>()
  let onReady: ((ready: ClientReady) => void) | undefined
  let nextId = 1

  const deliver = <T>(value: T, waiters: Set<Waiter<T>>, queue: T[]): void => {
    for (const waiter of waiters) {
      if (waiter.accept(value)) {
        waiters.delete(waiter)
        waiter.resolve(value)
        return
      }
    }
    queue.push(value)
  }

  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line)
    let value: Record<string, unknown>
    try {
      value = JSON.parse(line) as Record<string, unknown>
    } catch {
      return // recorded in lines(); the contract test checks every line is JSON
    }
    if (value.event === 'ready' && onReady !== undefined) {
      onReady(value as unknown as ClientReady)
      onReady = undefined
    } else if (typeof value.event === 'string') {
      deliver(value as ClientEvent, eventWaiters, events)
    } else {
      const answer = typeof value.id === 'number' ? pending.get(value.id) : undefined
      if (answer !== undefined) {
        pending.delete(value.id as number)
        answer(value)
      } else {
        deliver(value, strayWaiters, strays)
      }
    }
  })

  const take = <T>(
    waiters: Set<Waiter<T>>,
    queue: T[],
    accept: (value: T) => boolean,
    timeoutMs: number,
    what: string,
  ): Promise<T> => {
    const i = queue.findIndex(accept)
    if (i >= 0) return Promise.resolve(queue.splice(i, 1)[0]!)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(waiter)
        reject(new Error(`no ${what} within ${timeoutMs} ms; stderr:\n${stderr}`))
      }, timeoutMs)
      const waiter: Waiter<T> = {
        accept,
        resolve: (value) => {
          clearTimeout(timer)
          resolve(value)
        },
      }
      waiters.add(waiter)
    })
  }

  const ready = await new Promise<ClientReady>((done, fail) => {
    const timer = setTimeout(
      () => fail(new Error(`client not ready in 30 s; stderr: ${stderr}`)),
      30_000,
    )
    onReady = (value) => {
      clearTimeout(timer)
      done(value)
    }
    void exited.then((code) => {
      clearTimeout(timer)
      fail(new Error(`client exited with ${code} before ready; stderr: ${stderr}`))
    })
  })

  const writeLine = (line: string): void => {
    child.stdin.write(`${line}\n`)
  }

  const client: ClientProcess = {
    ready,
    dataDir,
    child,
    exited,
    request<T>(cmd: string, args: Record<string, unknown> = {}, timeoutMs = 60_000): Promise<T> {
      const id = nextId++
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id)
          reject(new Error(`no reply to ${cmd} within ${timeoutMs} ms; stderr:\n${stderr}`))
        }, timeoutMs)
        pending.set(id, (reply) => {
          clearTimeout(timer)
          if (reply.ok === true) resolve(reply.result as T)
          else reject(new ClientRequestError(cmd, (reply as unknown as ErrorReply).error))
        })
        void exited.then((code) => {
          if (!pending.delete(id)) return
          clearTimeout(timer)
          reject(
            new Error(`client exited with ${code} before answering ${cmd}; stderr:\n${stderr}`),
          )
        })
        writeLine(JSON.stringify({ ...args, id, cmd }))
      })
    },
    sendRaw: writeLine,
    nextStrayReply(timeoutMs = 10_000) {
      return take(strayWaiters, strays, () => true, timeoutMs, 'stray reply')
    },
    nextEvent(name, match = () => true, timeoutMs = 30_000) {
      return take(
        eventWaiters,
        events,
        (e) => e.event === name && match(e),
        timeoutMs,
        `${name} event`,
      )
    },
    stdoutLines: () => lines,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        if (child.stdin.writable) writeLine(JSON.stringify({ id: 'stop', cmd: 'quit' }))
        else child.kill('SIGTERM')
        const kill = setTimeout(() => child.kill('SIGKILL'), 15_000)
        await exited
        clearTimeout(kill)
      }
      if (ownsDir) await rm(dataDir, { recursive: true, force: true })
      if (child.exitCode === null)
        throw new Error(`client ended by ${child.signalCode}; stderr: ${stderr}`)
      return child.exitCode
    },
  }
  return client
}
