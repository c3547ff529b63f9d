/**
 * The life of a group among three users in one process: memory storage and
 * the in-memory network, so every step is fast and deterministic enough to
 * assert on exactly.
 */

import { createMessenger } from '@murmur/core'
import type { Messenger, MessengerEvents, NetworkAdapter } from '@murmur/core'
import { createMemoryNetworkHub } from '@murmur/core/testing'
import type { MemoryNetworkHub } from '@murmur/core/testing'
import { createMemoryStorage } from '@murmur/store-level'
import { afterEach, describe, expect, it } from 'vitest'
import { waitFor } from '../helpers/wait.ts'

interface User {
  readonly messenger: Messenger
  readonly network: NetworkAdapter
}

describe('a group of three on the memory network', () => {
  let hub: MemoryNetworkHub
  const users: User[] = []

  afterEach(async () => {
    for (const u of users.splice(0)) await u.messenger.close()
    await hub?.stop()
  })

  async function user(name: string): Promise<User> {
    const network = hub.createPeer()
    await network.start()
    for (const other of users) hub.connect(network, other.network)
    const messenger = await createMessenger({
      storage: createMemoryStorage(),
      network,
      name,
      syncIntervalMs: 500,
      presenceIntervalMs: 200,
      ...(process.env.MURMUR_TEST_LOG === '1'
        ? {
            logger: Object.assign((f: string, ...a: unknown[]) => console.error(name, f, ...a), {
              error: (f: string, ...a: unknown[]) => console.error(name, 'ERROR', f, ...a),
            }),
          }
        : {}),
    })
    const u = { messenger, network }
    users.push(u)
    return u
  }

  function events<K extends keyof MessengerEvents>(u: User, type: K): MessengerEvents[K][] {
    const seen: MessengerEvents[K][] = []
    u.messenger.on(type, (e) => seen.push(e))
    return seen
  }

  it('creates, invites, joins, and every message reaches everyone', async () => {
    hub = createMemoryNetworkHub({ seed: 1 })
    const alice = await user('Alice')
    const bob = await user('Bob')
    const carol = await user('Carol')
    const cid = await alice.messenger.createConversation({ name: 'Friends' })
    const link = alice.messenger.invite(cid)
    expect(link).toContain('#join=')
    const [bobCid, carolCid] = await Promise.all([
      bob.messenger.join(link, { timeoutMs: 10_000 }),
      carol.messenger.join(link, { timeoutMs: 10_000 }),
    ])
    expect(bobCid).toBe(cid)
    expect(carolCid).toBe(cid)
    await waitFor(
      () => [alice, bob, carol].every((u) => u.messenger.members(cid).length === 3),
      'all three see three members',
    )

    const bobMessages = events(bob, 'message')
    const carolMessages = events(carol, 'message')
    const aliceMessages = events(alice, 'message')
    await alice.messenger.send(cid, 'hello from Alice')
    await bob.messenger.send(cid, 'hello from Bob')
    await carol.messenger.send(cid, 'hello from Carol')
    await waitFor(
      () => bobMessages.length >= 2 && carolMessages.length >= 2 && aliceMessages.length >= 2,
      'messages everywhere',
    )
    for (const u of [alice, bob, carol]) {
      await waitFor(
        async () => (await u.messenger.history(cid)).length === 3,
        'three messages in history',
      )
      const texts = (await u.messenger.history(cid)).map((m) => m.text).sort()
      expect(texts).toEqual(['hello from Alice', 'hello from Bob', 'hello from Carol'])
    }
  })

  it('runs the whole life of a group: react, edit, delete, promote, remove', async () => {
    hub = createMemoryNetworkHub({ seed: 2 })
    const alice = await user('Alice')
    const bob = await user('Bob')
    const carol = await user('Carol')
    const cid = await alice.messenger.createConversation({ name: 'Life' })
    const link = alice.messenger.invite(cid)
    await bob.messenger.join(link, { timeoutMs: 10_000 })
    await carol.messenger.join(link, { timeoutMs: 10_000 })
    await waitFor(
      () => [alice, bob, carol].every((u) => u.messenger.members(cid).length === 3),
      'three members',
    )

    const first = await bob.messenger.send(cid, 'first from Bob')
    await waitFor(
      async () => (await carol.messenger.history(cid)).length === 1,
      'carol has the message',
    )
    await carol.messenger.react(cid, first, '👍')
    await alice.messenger.react(cid, first, '👍')
    await bob.messenger.edit(cid, first, 'first from Bob (edited)')
    await waitFor(async () => {
      const [m] = await alice.messenger.history(cid)
      return m?.edited === true && (m.reactions['👍']?.length ?? 0) === 2
    }, 'alice sees the edit and two reactions')
    const [seen] = await carol.messenger.history(cid)
    await waitFor(
      async () => (await carol.messenger.history(cid))[0]?.edited === true,
      'carol sees the edit',
    )
    expect(seen?.reactions['👍']).toHaveLength(2)

    // Only the author edits; a member cannot delete another's message; the owner (an admin) can.
    await expect(carol.messenger.edit(cid, first, 'hijack')).rejects.toMatchObject({
      name: 'NotAllowedError',
    })
    await expect(carol.messenger.delete(cid, first)).rejects.toMatchObject({
      name: 'NotAllowedError',
    })
    const second = await carol.messenger.send(cid, 'second from Carol')
    await waitFor(
      async () => (await alice.messenger.history(cid)).length === 2,
      'alice has two messages',
    )
    await alice.messenger.delete(cid, second)
    await waitFor(
      async () => (await bob.messenger.history(cid))[1]?.deleted === true,
      'bob sees the admin delete',
    )

    // Promote Bob; Bob (now admin) removes Carol.
    await alice.messenger.setRole(cid, bob.messenger.userId, 'admin')
    await waitFor(
      () =>
        bob.messenger.members(cid).find((m) => m.userId === bob.messenger.userId)?.role === 'admin',
      'bob sees himself as admin',
    )
    const removed = events(carol, 'removed')
    await bob.messenger.remove(cid, carol.messenger.userId)
    await waitFor(() => removed.length === 1, 'carol is told she was removed')
    await waitFor(() => alice.messenger.members(cid).length === 2, 'alice sees two members')
    await expect(carol.messenger.send(cid, 'still here?')).rejects.toMatchObject({
      name: 'NotMemberError',
    })

    // What is said after the removal reaches Alice and Bob, and never Carol.
    await alice.messenger.send(cid, 'after Carol left')
    await waitFor(
      async () => (await bob.messenger.history(cid)).some((m) => m.text === 'after Carol left'),
      'bob reads on',
    )
    await hub.settle()
    await carol.messenger.syncNow()
    expect((await carol.messenger.history(cid)).map((m) => m.text)).not.toContain(
      'after Carol left',
    )
  })
})
