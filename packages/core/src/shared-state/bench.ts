/**
 * Micro-benchmark: `count` reactions written, sent, applied, read and
 * snapshotted through SharedState (one doc per user, checked updates, indexed
 * view) and through a raw single Y.Doc doing the same map sets. Returns
 * numbers and prints nothing; the caller reports them. Reactions are spread as
 * 50 users × 2 emojis on count/100 messages.
 */
import * as Y from 'yjs'
import { createSharedState } from './state.ts'
import type { StateAuthor } from './types.ts'

export interface ReactionBenchResult {
  readonly label: string
  readonly count: number
  /** Local writes, each producing the update to send. */
  readonly writeMs: number
  /** Bytes of all those updates together. */
  readonly updateBytes: number
  /** A fresh replica applying every update (checked, for SharedState). */
  readonly applyMs: number
  /** Average time to read the reactions of one message. */
  readonly readOneUs: number
  readonly snapshotBytes: number
  readonly loadMs: number
  /** Heap growth of the applying replica, when a heap probe was given. */
  readonly heapBytes?: number
}

const USERS = 50
const EMOJIS = ['👍', '🎉']

export interface BenchOptions {
  /** Heap in use, e.g. process.memoryUsage().heapUsed; garbage-collects first if gc is exposed. */
  readonly heapUsed?: () => number
}

export function benchReactions(count: number, options: BenchOptions = {}): ReactionBenchResult[] {
  const perMessage = USERS * EMOJIS.length
  const messages = Math.ceil(count / perMessage)
  const authors: StateAuthor[] = Array.from({ length: USERS }, (_, i) => ({
    user: `user-${i}`,
    device: new Uint8Array(32).fill(i + 1),
  }))
  const each = (f: (author: StateAuthor, messageId: string, emoji: string) => void): void => {
    for (let k = 0; k < count; k++) {
      f(
        authors[k % USERS] as StateAuthor,
        `msg-${Math.floor(k / perMessage)}`,
        EMOJIS[Math.floor(k / USERS) % EMOJIS.length] as string,
      )
    }
  }
  const sample = Array.from(
    { length: Math.min(messages, 50) },
    (_, i) => `msg-${Math.floor((i * messages) / Math.min(messages, 50))}`,
  )
  const heap = (): number | undefined => {
    ;(globalThis as { gc?: () => void }).gc?.()
    return options.heapUsed?.()
  }
  const time = <T>(f: () => T): [T, number] => {
    const t0 = performance.now()
    const out = f()
    return [out, performance.now() - t0]
  }

  // SharedState.
  const writer = createSharedState()
  const sent: Array<{ update: Uint8Array; author: StateAuthor }> = []
  const [, writeMs] = time(() =>
    each((author, m, e) => sent.push({ update: writer.react(author, m, e, true), author })),
  )
  const h0 = heap()
  const reader = createSharedState()
  const [, applyMs] = time(() => {
    for (const { update, author } of sent) reader.apply(update, author, [author.device])
  })
  const h1 = heap()
  const [, readMs] = time(() => {
    for (const m of sample) reader.reactionsOf(m)
  })
  const snapshot = reader.snapshot()
  const [, loadMs] = time(() => {
    const loaded = createSharedState()
    for (const { user, update } of snapshot) loaded.load(user, update)
  })
  const shared: ReactionBenchResult = {
    label: 'SharedState (doc per user)',
    count,
    writeMs,
    updateBytes: sent.reduce((n, s) => n + s.update.length, 0),
    applyMs,
    readOneUs: (readMs * 1000) / sample.length,
    snapshotBytes: snapshot.reduce((n, s) => n + s.update.length, 0),
    loadMs,
    ...(h0 !== undefined && h1 !== undefined ? { heapBytes: h1 - h0 } : {}),
  }
  sent.length = 0

  // One raw Y.Doc, keys `${messageId}\0${emoji}\0${user}`, no checks, no index.
  const rawWriter = new Y.Doc()
  const rawSent: Uint8Array[] = []
  rawWriter.on('update', (u: Uint8Array) => rawSent.push(u))
  const rawMap = rawWriter.getMap<boolean>('reactions')
  const [, rawWriteMs] = time(() =>
    each((author, m, e) => {
      rawWriter.clientID = (author.device[0] as number) * 1000
      rawMap.set(`${m}\u0000${e}\u0000${author.user}`, true)
    }),
  )
  const r0 = heap()
  const rawReader = new Y.Doc()
  const [, rawApplyMs] = time(() => {
    for (const u of rawSent) Y.applyUpdate(rawReader, u)
  })
  const r1 = heap()
  const readerMap = rawReader.getMap<boolean>('reactions')
  const [, rawReadMs] = time(() => {
    for (const m of sample) {
      const prefix = `${m}\u0000`
      const found: string[] = []
      for (const key of readerMap.keys()) if (key.startsWith(prefix)) found.push(key)
    }
  })
  const rawSnapshot = Y.encodeStateAsUpdate(rawReader)
  const [, rawLoadMs] = time(() => Y.applyUpdate(new Y.Doc(), rawSnapshot))
  const raw: ReactionBenchResult = {
    label: 'raw Y.Doc (one map)',
    count,
    writeMs: rawWriteMs,
    updateBytes: rawSent.reduce((n, u) => n + u.length, 0),
    applyMs: rawApplyMs,
    readOneUs: (rawReadMs * 1000) / sample.length,
    snapshotBytes: rawSnapshot.length,
    loadMs: rawLoadMs,
    ...(r0 !== undefined && r1 !== undefined ? { heapBytes: r1 - r0 } : {}),
  }
  // Keep both readers alive until after the heap probes.
  if (reader.reactionsOf('msg-0').size < 0 || readerMap.size < 0) return []
  return [shared, raw]
}
