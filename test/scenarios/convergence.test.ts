/**
 * Convergence: whatever order envelopes arrive in, and however often, every
 * device that holds a conversation's secrets ends up seeing the same thing.
 *
 * Four members produce a batch live (messages, reactions, edits, deletes, a
 * promotion, concurrent ops while partitioned, then the removal of one of them
 * racing that member's own ops). A fifth member, Olive, was admitted before the
 * batch and went offline; her storage is the starting point of every replica.
 * Each fast-check run copies it, starts a messenger on the copy and feeds it
 * the whole batch through one sync stream in a random order with duplicates,
 * then compares what that replica shows with what the live members show.
 */

import type { MessengerEvents, StorageAdapter } from '@murmur/core'
import { toHex } from '@murmur/crypto'
import { splitEnvelope } from '@murmur/protocol'
import type { SyncFrame } from '@murmur/protocol'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { routingKeys } from '../../packages/core/src/derive.ts'
import { keys } from '../../packages/core/src/records.ts'
import {
  converged,
  conversationRecord,
  copyStorage,
  group,
  scenario,
  senderTagOf,
  unionOfEnvelopes,
  view,
} from '../helpers/scenario.ts'
import type { ConversationView, Scenario, User } from '../helpers/scenario.ts'
import { waitFor } from '../helpers/wait.ts'
import { hello, syncFeed } from './forge.ts'

interface Batch {
  readonly envelopes: readonly Uint8Array[]
  readonly expected: ConversationView
}

describe('convergence of a conversation fed in any order', () => {
  let s: Scenario
  let cid: string
  let convTag: Uint8Array
  let olive: StorageAdapter
  /** Messages, reactions, edits, deletes, a promotion and concurrent ops; nobody removed. */
  let first: Batch
  /** All of the above, then Dave removed while he keeps writing. */
  let second: Batch
  let aliceTag: string

  beforeAll(async () => {
    s = scenario(101)
    const alice = await s.user('Alice')
    const bob = await s.user('Bob')
    const carol = await s.user('Carol')
    const dave = await s.user('Dave')
    const oliveUser = await s.user('Olive')
    cid = await group(alice, [bob, carol, dave, oliveUser], { name: 'Convergence' })
    await alice.messenger.send(cid, 'before the batch')
    await converged([alice, bob, carol, dave, oliveUser], cid, 'Olive holds the start')
    olive = oliveUser.storage
    await s.stop(oliveUser)
    const record = await conversationRecord(olive, cid)
    convTag = routingKeys(record.routing).convTag
    aliceTag = senderTagOf(alice, record)
    const four = [alice, bob, carol, dave]

    // Phase 1: plain activity, then concurrent ops while everyone is cut off.
    const m1 = await alice.messenger.send(cid, 'one from Alice')
    const m2 = await bob.messenger.send(cid, 'two from Bob')
    const m3 = await carol.messenger.send(cid, 'three from Carol')
    await dave.messenger.send(cid, 'four from Dave')
    await converged(four, cid, 'four messages everywhere')
    for (const u of four) s.partition(u, four)
    await alice.messenger.setRole(cid, bob.messenger.userId, 'admin')
    await alice.messenger.react(cid, m2, '👍')
    await alice.messenger.react(cid, m1, '👍')
    await alice.messenger.react(cid, m1, '👍', false)
    await bob.messenger.edit(cid, m2, 'two from Bob (edited)')
    await bob.messenger.react(cid, m1, '🎉')
    await bob.messenger.send(cid, 'concurrent from Bob', { replyTo: m1 })
    await carol.messenger.react(cid, m2, '👍')
    const m5 = await carol.messenger.send(cid, 'soon gone')
    await carol.messenger.delete(cid, m5)
    await carol.messenger.edit(cid, m3, 'three from Carol (edited)')
    await dave.messenger.react(cid, m2, '❤️')
    await dave.messenger.send(cid, 'concurrent from Dave')
    s.link(four)
    await converged(four, cid, 'the four converge after the partition')
    first = await capture(four, alice)

    // Phase 2: Dave is removed while cut off, and keeps writing.
    s.partition(dave, [alice, bob, carol])
    await alice.messenger.remove(cid, dave.messenger.userId)
    await bob.messenger.send(cid, 'while Dave is away')
    await dave.messenger.send(cid, 'Dave, unaware')
    await dave.messenger.react(cid, m1, '👀')
    s.link(four)
    const three = [alice, bob, carol]
    await waitFor(
      () => dave.messenger.conversations().some((c) => c.ended === 'removed'),
      'Dave learns he was removed',
    )
    const after = await bob.messenger.send(cid, 'after Dave')
    await converged(three, cid, 'the three converge')
    await carol.messenger.react(cid, after, '👍')
    await alice.messenger.delete(cid, m3)
    await converged(three, cid, 'the three converge again')
    second = await capture(four, alice)
  })

  afterAll(async () => {
    await s?.close()
  })

  async function capture(devices: readonly User[], reference: User): Promise<Batch> {
    return {
      envelopes: await unionOfEnvelopes(
        devices.map((u) => u.storage),
        cid,
      ),
      expected: await view(reference.messenger, cid),
    }
  }

  /** Olive's replica, fed `order` (indices into the batch) through one sync stream. */
  async function replay(batch: Batch, order: readonly number[]): Promise<ConversationView> {
    const storage = await copyStorage(olive)
    // Isolated: forget where the other members were seen, or the replica
    // would dial them at start and sync beyond what it is fed.
    for await (const [key] of storage.range(keys.peerPrefix(cid))) await storage.del(key)
    const replica = await s.user('Olive', {
      storage,
      connect: [],
      syncIntervalMs: 60_000,
      presenceIntervalMs: 60_000,
    })
    const feeder = await s.peer([replica])
    const done: MessengerEvents['sync'][] = []
    replica.messenger.on('sync', (e) => {
      if (e.done && e.peerId === feeder.peerId) done.push(e)
    })
    const frames: SyncFrame[] = [hello(convTag)]
    for (let i = 0; i < order.length; i += 16) {
      frames.push({
        type: 'envelopes',
        envelopes: order.slice(i, i + 16).map((j) => batch.envelopes[j] as Uint8Array),
      })
    }
    frames.push({ type: 'done' })
    const { error } = await syncFeed(feeder, replica.network, frames)
    expect(error).toBeUndefined()
    await waitFor(() => done.length === 1, 'the replica finishes the sync')
    const seen = await view(replica.messenger, cid)
    await s.stop(replica)
    await feeder.stop()
    return seen
  }

  /** Every index once, in a random order, with up to `n` duplicates mixed in. */
  function orders(n: number): fc.Arbitrary<number[]> {
    return fc
      .tuple(
        fc.array(fc.nat(), { minLength: n, maxLength: n }),
        fc.array(fc.tuple(fc.nat(n - 1), fc.nat()), { maxLength: n }),
      )
      .map(([keys, dups]) =>
        [...keys.map((k, i) => ({ i, k })), ...dups.map(([i, k]) => ({ i, k }))]
          .sort((a, b) => a.k - b.k || a.i - b.i)
          .map(({ i }) => i),
      )
  }

  it('a replica synced sender by sender, the remover first, still shows the removed member’s earlier messages', async () => {
    // What a member joining after the removal gets when its sync peer lists Alice's log before Dave's.
    const aliceFirst = second.envelopes
      .map((e, i) => ({ i, first: toHex(splitEnvelope(e).header.senderTag) === aliceTag }))
      .sort((a, b) => Number(b.first) - Number(a.first) || a.i - b.i)
      .map(({ i }) => i)
    const seen = await replay(second, aliceFirst)
    expect(seen.history.map((m) => m.text)).toContain('four from Dave')
    expect(seen).toEqual(second.expected)
  })

  it('messages, reactions, edits, deletes, a promotion and concurrent ops converge in any order', async () => {
    expect(first.expected.members.find((m) => m.name === 'Bob')?.role).toBe('admin')
    expect(first.expected.history.some((m) => m.edited)).toBe(true)
    expect(first.expected.history.some((m) => m.deleted)).toBe(true)
    await fc.assert(
      fc.asyncProperty(orders(first.envelopes.length), async (order) => {
        expect(await replay(first, order)).toEqual(first.expected)
      }),
      { numRuns: 20, seed: 7, endOnFailure: true },
    )
  })

  it('a removal racing the removed member’s own ops converges in any order', async () => {
    expect(second.expected.members.map((m) => m.name).sort()).toEqual([
      'Alice',
      'Bob',
      'Carol',
      'Olive',
    ])
    await fc.assert(
      fc.asyncProperty(orders(second.envelopes.length), async (order) => {
        expect(await replay(second, order)).toEqual(second.expected)
      }),
      { numRuns: 20, seed: 8, endOnFailure: true },
    )
  })
})
