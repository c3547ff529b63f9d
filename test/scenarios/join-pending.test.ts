/**
 * A join needs an online member who may admit people. In a channel only
 * admins may; while the only admin is away, a plain member sees the request
 * but cannot admit, the joiner's `join` times out with JoinTimeoutError, and
 * the request stays open: it completes by itself once the admin is back.
 */

import { afterEach, describe, expect, it } from 'vitest'
import { entries, events, group, scenario, texts } from '../helpers/scenario.ts'
import type { Scenario } from '../helpers/scenario.ts'
import { waitFor } from '../helpers/wait.ts'

describe('a join while no admin is online', () => {
  let s: Scenario

  afterEach(async () => {
    await s?.close()
  })

  it('times out, stays pending, and completes once the admin comes back', async () => {
    s = scenario(701)
    const alice = await s.user('Alice')
    const bob = await s.user('Bob')
    const cid = await group(alice, [bob], { name: 'Announcements', kind: 'channel' })
    const link = alice.messenger.invite(cid)
    await s.stop(alice)

    const carol = await s.user('Carol')
    await s.hub.settle()
    const joined = events(carol, 'joined')
    const timeoutMs = 1_500
    const started = Date.now()
    await expect(carol.messenger.join(link, { timeoutMs })).rejects.toMatchObject({
      name: 'JoinTimeoutError',
    })
    expect(Date.now() - started).toBeGreaterThanOrEqual(timeoutMs - 50)
    // Bob, a plain member, heard the request and could not admit Carol.
    expect(
      bob.messenger
        .members(cid)
        .map((m) => m.name)
        .sort(),
    ).toEqual(['Alice', 'Bob'])
    expect(carol.messenger.conversations()).toEqual([])
    expect(await entries(carol.storage, ['v1', 'join'])).toHaveLength(1)

    // Alice comes back online (same storage, new peer); Carol's standing request reaches her.
    const back = await s.user('Alice', { storage: alice.storage })
    await waitFor(() => joined.length === 1, 'Carol joins once Alice is back', 20_000)
    expect(joined[0]?.conversationId).toBe(cid)
    for (const u of [back, bob, carol]) {
      await waitFor(
        () => u.messenger.members(cid).some((m) => m.userId === carol.messenger.userId),
        `${u.name} sees Carol as a member`,
      )
    }
    expect(await entries(carol.storage, ['v1', 'join'])).toHaveLength(0)
    await back.messenger.send(cid, 'welcome, Carol')
    await waitFor(
      async () => (await texts(carol, cid)).includes('welcome, Carol'),
      'Carol reads the channel',
    )
  })
})
