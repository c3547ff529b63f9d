/**
 * Worker side of lib/proc.ts: answers commands from the parent over IPC and
 * exits cleanly on `quit` or when the parent goes away, so no worker outlives
 * a run.
 */

export type Handler = (args: Record<string, unknown>) => unknown

export interface Served {
  emit(event: string, payload?: Record<string, unknown>): void
}

export function serve(
  handlers: Readonly<Record<string, Handler>>,
  options: { cleanup?: () => Promise<void>; ready?: Record<string, unknown> } = {},
): Served {
  if (process.send === undefined) {
    process.stderr.write('this is a benchmark worker: run it through test/bench/run.ts\n')
    process.exit(2)
  }
  const send = (message: object): void => {
    if (process.connected) process.send?.(message)
  }
  let quitting = false
  const quit = async (code: number): Promise<never> => {
    if (!quitting) {
      quitting = true
      const timer = setTimeout(() => process.exit(code), 10_000)
      try {
        await options.cleanup?.()
      } catch (err) {
        process.stderr.write(`cleanup failed: ${String(err)}\n`)
      }
      clearTimeout(timer)
    }
    process.disconnect?.()
    process.exit(code)
  }
  process.on('disconnect', () => void quit(0))
  process.on('message', (raw: unknown) => {
    const { id, cmd, args } = raw as { id: number; cmd: string; args: Record<string, unknown> }
    if (cmd === 'quit') {
      void quit(0)
      return
    }
    const handler = Object.hasOwn(handlers, cmd) ? handlers[cmd] : undefined
    if (handler === undefined) {
      send({ id, ok: false, error: { name: 'UnknownCommand', message: `no command ${cmd}` } })
      return
    }
    Promise.resolve()
      .then(() => handler(args ?? {}))
      .then(
        (result) => send({ id, ok: true, result: result ?? {} }),
        (err: unknown) => {
          const e = err instanceof Error ? err : new Error(String(err))
          send({ id, ok: false, error: { name: e.name, message: e.message, stack: e.stack } })
        },
      )
  })
  send({ event: 'ready', pid: process.pid, uptimeMs: performance.now(), ...options.ready })
  return { emit: (event, payload = {}) => send({ event, ...payload }) }
}

/** Wall-clock time in ms with sub-ms resolution, comparable across processes on one machine. */
export function wallNow(): number {
  return performance.timeOrigin + performance.now()
}
