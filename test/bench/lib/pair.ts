/**
 * Two messenger peers, each in its own process, in one group through a
 * `murmur relay` process: A creates the group, B joins by invite, and both
 * wait until they hold a direct WebRTC connection and each sees the other
 * subscribed to the conversation topic.
 */

import { join } from 'node:path'
import type { RelayProcess } from '../../helpers/relay-process.ts'
import { WORKERS } from './dataset.ts'
import type { Spawned } from './proc.ts'
import type { BenchContext } from './types.ts'

export interface PeerInfo {
  readonly peer: number
  readonly peerId: string
  readonly userId?: string
  readonly startedMs: number
  readonly addrs: string[]
}

export interface Pair {
  readonly relay: RelayProcess
  readonly a: Spawned
  readonly b: Spawned
  readonly aInfo: PeerInfo
  readonly bInfo: PeerInfo
  readonly conversationId: string
  readonly topic: string
  readonly joinMs: number
  /** From join() to the last of `expect` messages received. */
  readonly historyMs: number
  readonly joinedEventMs: number | undefined
  readonly firstMessageMs: number | undefined
  /** The later of join() resolving and the history being complete. */
  readonly doneMs: number
}

export const PEER_WORKER = join(WORKERS, 'peer.ts')
/** Workers log Murmur's errors to stderr, where a failing row shows them. */
export const DEBUG_ERRORS = { ...process.env, DEBUG: 'murmur*:error' }

/** The first error line a worker logged that matches `pattern`, if any. */
export function loggedError(worker: Spawned, pattern: RegExp): string | undefined {
  return worker
    .stderr()
    .split('\n')
    .find((line) => pattern.test(line))
    ?.replace(/^\S+ /, '')
}

export async function conversationPair(
  ctx: BenchContext,
  init: Record<string, unknown> = {},
  options: {
    aDataDir?: string
    bDataDir?: string
    expect?: number
    /** Skip waiting for WebRTC both ways and mutual subscriptions after the join. */
    noWait?: boolean
    /** Give up on the join at once when either worker logs an error matching this. */
    abortOn?: RegExp
    /** Added to the names of the CPU profiles (--profile), e.g. the size. */
    profileTag?: string
  } = {},
): Promise<Pair> {
  const relay = await ctx.relay()
  const tag = options.profileTag === undefined ? '' : `-${options.profileTag}`
  const [a, b] = await Promise.all([
    ctx.spawn(PEER_WORKER, { name: 'A', execArgv: ctx.profileArgs(`A${tag}`), env: DEBUG_ERRORS }),
    ctx.spawn(PEER_WORKER, { name: 'B', execArgv: ctx.profileArgs(`B${tag}`), env: DEBUG_ERRORS }),
  ])
  const relays = [relay.wsAddr]
  const aInfo = await a.call<PeerInfo>('init', {
    relays,
    name: 'Ada',
    ...init,
    ...(options.aDataDir === undefined ? {} : { dataDir: options.aDataDir }),
  })
  const bInfo = await b.call<PeerInfo>('init', {
    relays,
    name: 'Bo',
    ...init,
    ...(options.bDataDir === undefined ? {} : { dataDir: options.bDataDir }),
  })
  let conversationId: string
  if (options.aDataDir === undefined) {
    conversationId = (await a.call<{ conversationId: string }>('createGroup', { name: 'Bench' }))
      .conversationId
  } else {
    const { conversations } = await a.call<{ conversations: Array<{ conversationId: string }> }>(
      'conversations',
    )
    conversationId = conversations[0]?.conversationId ?? ''
  }
  const { link } = await a.call<{ link: string }>('invite', { conversationId })
  ctx.log(`peers up (A ${aInfo.peerId.slice(-6)}, B ${bInfo.peerId.slice(-6)}); B joins`)
  const joining = b.call<{
    joinMs: number
    doneMs: number
    historyMs: number
    joinedEventMs?: number
    firstMessageMs?: number
  }>('join', { link, timeoutMs: 120_000, expect: options.expect ?? 0, stallMs: 60_000 }, 3_600_000)
  const pattern = options.abortOn
  let watching: ReturnType<typeof setInterval> | undefined
  const aborted =
    pattern === undefined
      ? new Promise<never>(() => undefined)
      : new Promise<never>((_, reject) => {
          watching = setInterval(() => {
            const line = loggedError(a, pattern) ?? loggedError(b, pattern)
            if (line !== undefined) reject(new Error(line))
          }, 250)
        })
  const joined = await Promise.race([joining, aborted]).finally(() => clearInterval(watching))
  ctx.log(
    `join() resolved in ${joined.joinMs.toFixed(0)} ms ('joined' event ${joined.joinedEventMs?.toFixed(0)} ms, first message ${joined.firstMessageMs?.toFixed(0)} ms, history ${joined.historyMs.toFixed(0)} ms)`,
  )
  const result = {
    relay,
    a,
    b,
    aInfo,
    bInfo,
    conversationId,
    topic: '',
    joinMs: joined.joinMs,
    joinedEventMs: joined.joinedEventMs,
    historyMs: joined.historyMs,
    firstMessageMs: joined.firstMessageMs,
    doneMs: joined.doneMs,
  }
  if (options.noWait === true) return result
  await Promise.all([
    a.call('waitDirect', { peerId: bInfo.peerId }),
    b.call('waitDirect', { peerId: aInfo.peerId }),
  ])
  const { topic } = await a.call<{ topic: string }>('waitSubscribers', {
    conversationId,
    peerIds: [bInfo.peerId],
  })
  await b.call('waitSubscribers', { topic, peerIds: [aInfo.peerId] })
  return { ...result, topic }
}
