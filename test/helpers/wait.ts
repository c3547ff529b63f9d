/** Polling and event helpers for tests: bounded, with a message saying what never happened. */

import type { NetworkAdapter, NetworkEvents } from '@murmur/core'

export async function waitFor(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
  intervalMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await check()) return
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, intervalMs))
  }
}

export function nextEvent<K extends keyof NetworkEvents>(
  network: NetworkAdapter,
  type: K,
  match: (event: NetworkEvents[K]) => boolean = () => true,
  timeoutMs = 20_000,
): Promise<NetworkEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off()
      reject(new Error(`no ${String(type)} event within ${timeoutMs} ms`))
    }, timeoutMs)
    const off = network.on(type, (event) => {
      if (!match(event)) return
      clearTimeout(timer)
      off()
      resolve(event)
    })
  })
}
