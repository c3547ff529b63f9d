/**
 * Shared setup for the in-process scenarios: users (a messenger, its storage
 * and a memory-network peer) on one seeded hub, groups made through the real
 * invite flow, a canonical view of what a user sees, and readers of what a
 * device keeps in storage (by core's key layout, records.ts). The attacker's
 * tools live in test/scenarios/forge.ts.
 */

import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { toHex } from '@murmur/crypto'
import { createMessenger } from '@murmur/core'
import type {
  Logger,
  Messenger,
  MessengerEvents,
  MessengerInit,
  NetworkAdapter,
  StorageAdapter,
} from '@murmur/core'
import { createMemoryNetworkHub } from '@murmur/core/testing'
import type { MemoryNetworkHub } from '@murmur/core/testing'
import { decodeCtrlPayload } from '@murmur/protocol'
import { createLevelStorage, createMemoryStorage } from '@murmur/store-level'
import { deviceSenderTag } from '../../packages/core/src/derive.ts'
import { evaluateMembership } from '../../packages/core/src/membership.ts'
import type { CtrlNode } from '../../packages/core/src/membership.ts'
import {
  decodeConversation,
  decodeCtrl,
  decodeEpoch,
  keys,
} from '../../packages/core/src/records.ts'
import type { ConversationRecord, EpochRecord } from '../../packages/core/src/records.ts'
import { waitFor } from './wait.ts'

export interface User {
  readonly name: string
  readonly messenger: Messenger
  readonly network: NetworkAdapter
  readonly storage: StorageAdapter
  /** Set for LevelDB-backed users: where the database lives. */
  readonly path?: string
}

export interface UserOptions {
  /** Storage to start from (default: fresh memory storage). */
  readonly storage?: StorageAdapter
  /** Open (or reopen) a LevelDB at this directory instead. */
  readonly path?: string
  /** Users to link to (default: every running user). */
  readonly connect?: readonly User[]
  readonly syncIntervalMs?: number
  readonly presenceIntervalMs?: number
  readonly logger?: Logger
}

export interface Scenario {
  readonly hub: MemoryNetworkHub
  /** Every user that is running now. */
  readonly users: readonly User[]
  user(name: string, options?: UserOptions): Promise<User>
  /** Closes the messenger and stops its peer; the storage stays open unless it is LevelDB. */
  stop(user: User): Promise<void>
  /** Stops `user` and starts it again on the same storage (reopened, for LevelDB) and a new peer. */
  restart(user: User, options?: Omit<UserOptions, 'storage' | 'path'>): Promise<User>
  /** A bare hub peer, started and linked to `to`: for feeding and attacking. */
  peer(to: readonly User[]): Promise<NetworkAdapter>
  /** Links every pair of the given users (lifting partitions). */
  link(users: readonly User[]): void
  /** Cuts every link between `a` and each of `others`, and keeps them cut. */
  partition(a: User, others: readonly User[]): void
  close(): Promise<void>
}

export function scenario(seed: number): Scenario {
  const hub = createMemoryNetworkHub({ seed })
  const users: User[] = []
  const extra: NetworkAdapter[] = []

  async function user(name: string, options: UserOptions = {}): Promise<User> {
    const network = hub.createPeer()
    await network.start()
    for (const other of options.connect ?? users) hub.connect(network, other.network)
    const storage =
      options.path !== undefined
        ? await createLevelStorage({ path: options.path })
        : (options.storage ?? createMemoryStorage())
    const init: MessengerInit = {
      storage,
      network,
      name,
      syncIntervalMs: options.syncIntervalMs ?? 500,
      presenceIntervalMs: options.presenceIntervalMs ?? 200,
      ...(options.logger === undefined ? {} : { logger: options.logger }),
    }
    const messenger = await createMessenger(init)
    const u: User = {
      name,
      messenger,
      network,
      storage,
      ...(options.path === undefined ? {} : { path: options.path }),
    }
    users.push(u)
    return u
  }

  async function stop(u: User): Promise<void> {
    const i = users.indexOf(u)
    if (i >= 0) users.splice(i, 1)
    await u.messenger.close()
    // Let work the last events started finish before the storage goes away.
    await hub.settle()
    await u.network.stop()
    if (u.path !== undefined) await u.storage.close()
  }

  return {
    hub,
    get users() {
      return users
    },
    user,
    stop,
    async restart(u, options = {}) {
      await stop(u)
      return user(u.name, {
        ...options,
        ...(u.path === undefined ? { storage: u.storage } : { path: u.path }),
      })
    },
    async peer(to) {
      const network = hub.createPeer()
      await network.start()
      for (const u of to) hub.connect(network, u.network)
      extra.push(network)
      return network
    },
    link(list) {
      for (const a of list) for (const b of list) if (a !== b) hub.connect(a.network, b.network)
    },
    partition(a, others) {
      for (const b of others) if (a !== b) hub.partition(a.network, b.network)
    },
    async close() {
      for (const u of users.splice(0)) {
        await u.messenger.close()
        await hub.settle()
        if (u.path !== undefined) await u.storage.close()
      }
      for (const n of extra.splice(0)) await n.stop()
      await hub.stop()
    },
  }
}

/** A logger that keeps every line it is given, formatted loosely (args joined). */
export function recordingLogger(): Logger & { readonly lines: string[] } {
  const lines: string[] = []
  const log = (formatter: string, ...args: unknown[]): void => {
    let i = 0
    lines.push(formatter.replace(/%[a-z]/g, () => String(args[i++])))
  }
  return Object.assign(log, { lines, error: log })
}

/** Collects every event of one type a user's messenger emits from now on. */
export function events<K extends keyof MessengerEvents>(u: User, type: K): MessengerEvents[K][] {
  const seen: MessengerEvents[K][] = []
  u.messenger.on(type, (e) => seen.push(e))
  return seen
}

/** Longest random wait of a member before it admits a joiner (messenger.ts #onJoinRequest), and some. */
export const ADMISSION_DELAY_MS = 350

/** `owner` creates a conversation and every other user joins it by invite, all at once. */
export async function group(
  owner: User,
  others: readonly User[],
  init: { name?: string; kind?: 'group' | 'channel' } = {},
): Promise<string> {
  const cid = await owner.messenger.createConversation({
    name: init.name ?? 'Scenario',
    ...(init.kind === undefined ? {} : { kind: init.kind }),
  })
  const link = owner.messenger.invite(cid)
  await Promise.all(others.map((u) => u.messenger.join(link, { timeoutMs: 10_000 })))
  const everyone = [owner, ...others]
  await waitFor(
    () => everyone.every((u) => u.messenger.members(cid).length === everyone.length),
    `all ${everyone.length} see ${everyone.length} members`,
  )
  // Members that saw a join request wait up to 300 ms before admitting (messenger.ts), then
  // admit whoever is not a member *then*: let those waits end, or a removal made right away
  // is undone by a late admission.
  await new Promise((r) => setTimeout(r, ADMISSION_DELAY_MS))
  await waitFor(
    () => everyone.every((u) => u.messenger.members(cid).length === everyone.length),
    `all ${everyone.length} still see ${everyone.length} members`,
  )
  return cid
}

// ------------------------------------------------------------------- views

export interface MessageView {
  readonly messageId: string
  readonly author: string
  readonly text: string
  readonly ts: number
  readonly replyTo: string | null
  readonly edited: boolean
  readonly deleted: boolean
  readonly reactions: readonly (readonly [string, readonly string[]])[]
}

export interface ConversationView {
  readonly name: string
  readonly members: readonly { userId: string; name: string; role: string }[]
  readonly history: readonly MessageView[]
}

/** What a user sees of a conversation, in a canonical form that compares with toEqual. */
export async function view(m: Messenger, cid: string): Promise<ConversationView> {
  const history = await m.history(cid, { limit: 500 })
  return {
    name: m.conversations().find((c) => c.conversationId === cid)?.name ?? '',
    members: m
      .members(cid)
      .map(({ userId, name, role }) => ({ userId: userId as string, name, role: role as string }))
      .sort((a, b) => (a.userId < b.userId ? -1 : 1)),
    history: history.map((h) => ({
      messageId: h.messageId,
      author: h.author,
      text: h.text,
      ts: h.ts,
      replyTo: h.replyTo ?? null,
      edited: h.edited === true,
      deleted: h.deleted === true,
      reactions: Object.entries(h.reactions)
        .map(([emoji, who]) => [emoji, [...who].sort()] as const)
        .sort((a, b) => (a[0] < b[0] ? -1 : 1)),
    })),
  }
}

export async function texts(u: User, cid: string): Promise<string[]> {
  return (await u.messenger.history(cid, { limit: 500 })).map((m) => m.text)
}

/** Waits until every user sees the same conversation and holds the same envelopes. */
export async function converged(list: readonly User[], cid: string, what: string): Promise<void> {
  await waitFor(async () => {
    const views = await Promise.all(
      list.map(async (u) => JSON.stringify(await view(u.messenger, cid))),
    )
    const envs = await Promise.all(
      list.map(async (u) => (await envelopeKeys(u.storage, cid)).join()),
    )
    return views.every((v) => v === views[0]) && envs.every((e) => e === envs[0])
  }, what)
}

// ------------------------------------------------------------- stored data

export async function entries(
  storage: StorageAdapter,
  prefix: readonly string[],
): Promise<(readonly [readonly string[], Uint8Array])[]> {
  const out: (readonly [readonly string[], Uint8Array])[] = []
  for await (const entry of storage.range(prefix)) out.push(entry)
  return out
}

/** Every envelope a device has accepted in a conversation, in (sender tag, seq) order. */
export async function envelopes(storage: StorageAdapter, cid: string): Promise<Uint8Array[]> {
  return (await entries(storage, keys.envPrefix(cid))).map(([, v]) => v)
}

export async function envelopeKeys(storage: StorageAdapter, cid: string): Promise<string[]> {
  return (await entries(storage, keys.envPrefix(cid))).map(([k]) => k.slice(3).join('/'))
}

/** The union of several devices' envelopes, each once. */
export async function unionOfEnvelopes(
  storages: readonly StorageAdapter[],
  cid: string,
): Promise<Uint8Array[]> {
  const byBytes = new Map<string, Uint8Array>()
  for (const s of storages) for (const e of await envelopes(s, cid)) byBytes.set(toHex(e), e)
  return [...byBytes.values()]
}

export async function conversationRecord(
  storage: StorageAdapter,
  cid: string,
): Promise<ConversationRecord> {
  const bytes = await storage.get(keys.conv(cid))
  if (bytes === undefined) throw new Error(`no conversation ${cid} in this storage`)
  return decodeConversation(bytes)
}

export async function epochsOf(storage: StorageAdapter, cid: string): Promise<EpochRecord[]> {
  return (await entries(storage, keys.epochPrefix(cid))).map(([, v]) => decodeEpoch(v))
}

/** Every stored entry, copied into a fresh memory storage. */
export async function copyStorage(storage: StorageAdapter): Promise<StorageAdapter> {
  const copy = createMemoryStorage()
  const ops = (await entries(storage, ['v1'])).map(([key, value]) => ({
    type: 'put' as const,
    key,
    value,
  }))
  await copy.batch(ops)
  return copy
}

/** The stored ctrl ops of a conversation, as the membership evaluator takes them. */
export async function ctrlNodes(storage: StorageAdapter, cid: string): Promise<CtrlNode[]> {
  return (await entries(storage, keys.ctrlPrefix(cid))).map(([, v]) => {
    const stored = decodeCtrl(v)
    const payload = decodeCtrlPayload(stored.payload)
    return {
      hash: stored.hash,
      parents: payload.parents.map(toHex),
      authorUser: stored.authorUser,
      authorDevice: stored.authorDevice,
      ts: stored.ts,
      op: payload.op,
    }
  })
}

/** The ctrl DAG heads a device holding `storage` would write its next op after. */
export async function heads(storage: StorageAdapter, cid: string): Promise<string[]> {
  return [...evaluateMembership(await ctrlNodes(storage, cid)).heads]
}

/** Hex tag of the device a user runs on, in a conversation. */
export function senderTagOf(u: User, record: ConversationRecord): string {
  return toHex(deviceSenderTag(record.routing, fromHex(u.messenger.deviceId)))
}

export function fromHex(value: string): Uint8Array {
  const out = new Uint8Array(value.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(value.slice(i * 2, i * 2 + 2), 16)
  return out
}

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix))
}
