/**
 * Unread counts: messages from others after the read marker count; writing
 * in a conversation reads it (as in every messenger), and the marker
 * survives a restart.
 */
import { rm } from 'node:fs/promises'
import { afterEach, describe, expect, it } from 'vitest'
import { group, scenario, tempDir } from '../helpers/scenario.ts'
import type { Scenario, User } from '../helpers/scenario.ts'
import { waitFor } from '../helpers/wait.ts'

describe('unread counts', () => {
  let s: Scenario | undefined
  const dirs: string[] = []

  afterEach(async () => {
    await s?.close()
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true })
  })

  const unread = (u: User, cid: string): number | undefined =>
    u.messenger.conversations().find((c) => c.conversationId === cid)?.unread

  it('count others’ messages, reset when the user writes, and survive a restart', async () => {
    s = scenario(611)
    const bobDir = await tempDir('murmur-bob-')
    dirs.push(bobDir)
    const alice = await s.user('Alice')
    let bob = await s.user('Bob', { path: bobDir })
    const cid = await group(alice, [bob])
    for (const text of ['one', 'two', 'three']) await alice.messenger.send(cid, text)
    await waitFor(() => unread(bob, cid) === 3, 'Bob has three unread')
    expect(unread(alice, cid)).toBe(0)

    await bob.messenger.send(cid, 'read them')
    expect(unread(bob, cid)).toBe(0)
    await waitFor(() => unread(alice, cid) === 1, 'Bob’s reply is unread for Alice')

    await new Promise((r) => setTimeout(r, 5)) // a later timestamp than Bob's message
    await alice.messenger.send(cid, 'four')
    await waitFor(() => unread(bob, cid) === 1, 'one new message for Bob')

    bob = await s.restart(bob)
    await waitFor(() => unread(bob, cid) === 1, 'Bob still has one unread after a restart')
  })
})
