/**
 * Work the messenger runs that nobody awaits (announcing, syncing, handling a
 * pubsub message) and what must be undone when it closes (listeners, timers).
 */

import type { Logger } from './logger.ts'

export class Background {
  readonly #log: Logger
  readonly #cleanup: Array<() => void> = []
  #closed = false

  constructor(log: Logger) {
    this.#log = log
  }

  get closed(): boolean {
    return this.#closed
  }

  /**
   * Runs work nobody awaits: a failure is logged, never left as an unhandled
   * rejection, and after close() failures are expected (storage is gone) and
   * ignored.
   */
  run(work: Promise<unknown>): void {
    work.catch((err: unknown) => {
      if (!this.#closed) this.#log.error('background task failed - %s', String(err))
    })
  }

  /** Registers something to undo at close (a listener, a timer). */
  onClose(fn: () => void): void {
    this.#cleanup.push(fn)
  }

  /** Runs `task` after `delay` ms, unless closed first. */
  after(delay: number, task: () => void): void {
    const timer = setTimeout(task, delay)
    this.onClose(() => clearTimeout(timer))
  }

  /** Runs `task` every `interval` ms until closed. */
  every(interval: number, task: () => void): void {
    const timer = setInterval(task, interval)
    this.onClose(() => clearInterval(timer))
  }

  close(): void {
    this.#closed = true
    for (const fn of this.#cleanup) fn()
  }
}
