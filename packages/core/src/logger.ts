/**
 * The logging shape core expects: a debug-style function with an `error`
 * method. libp2p's component loggers fit it, so the composition root passes
 * `defaultLogger().forComponent('murmur:core')`; tests may pass `silentLogger`.
 */

export interface Logger {
  (formatter: string, ...args: unknown[]): void
  error(formatter: string, ...args: unknown[]): void
}

export const silentLogger: Logger = Object.assign(() => undefined, { error: () => undefined })
