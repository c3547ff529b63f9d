/**
 * Everything a user has survives closing the app: three users on real
 * LevelDB databases in temporary directories create, join, talk, react and
 * edit; every messenger and database is closed; reopened from the same
 * directories, each user is the same person in the same conversations with
 * the same members and history, and they carry on talking.
 */

import { rm } from 'node:fs/promises'
import { afterEach, describe, expect, it } from 'vitest'
import {
  converged,
  envelopeKeys,
  group,
  scenario,
  tempDir,
  texts,
  view,
} from '../helpers/scenario.ts'
import type { Scenario, User } from '../helpers/scenario.ts'
import { waitFor } from '../helpers/wait.ts'

describe('persistence on LevelDB', () => {
  let s: Scenario
  const dirs: string[] = []

  afterEach(async () => {
    await s?.close()
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true })
  })

  async function snapshot(u: User, cid: string): Promise<unknown> {
    return {
      userId: u.messenger.userId,
      deviceId: u.messenger.deviceId,
      whoami: u.messenger.whoami(),
      conversations: u.messenger.conversations(),
      view: await view(u.messenger, cid),
      envelopes: await envelopeKeys(u.storage, cid),
    }
  }

  it('identity, conversations, members and history are the same after closing and reopening', async () => {
    s = scenario(501)
    for (const name of ['alice', 'bob', 'carol']) dirs.push(await tempDir(`murmur-${name}-`))
    const [aliceDir, bobDir, carolDir] = dirs as [string, string, string]
    let alice = await s.user('Alice', { path: aliceDir })
    let bob = await s.user('Bob', { path: bobDir })
    let carol = await s.user('Carol', { path: carolDir })
    const cid = await group(alice, [bob, carol], { name: 'Kept' })
    const hello = await alice.messenger.send(cid, 'hello')
    await converged([alice, bob, carol], cid, 'everyone has the first message')
    const hi = await bob.messenger.send(cid, 'hi', { replyTo: hello })
    await carol.messenger.send(cid, 'hey')
    await converged([alice, bob, carol], cid, 'three messages everywhere')
    await carol.messenger.react(cid, hello, '🎉')
    await bob.messenger.react(cid, hello, '👍')
    await alice.messenger.edit(cid, hello, 'hello, edited')
    await bob.messenger.delete(cid, hi)
    await alice.messenger.setRole(cid, carol.messenger.userId, 'admin')
    await alice.messenger.setTopic(cid, 'name', 'Kept safe')
    await converged([alice, bob, carol], cid, 'reactions, edit, delete, role and name everywhere')
    // Quiet first: every message confirmed by another member, so no delivery status is in flux.
    for (const u of [alice, bob, carol]) {
      await waitFor(
        async () =>
          (await u.messenger.history(cid)).every(
            (m) => m.author !== u.messenger.userId || m.status === 'delivered',
          ),
        `${u.name}'s messages are delivered`,
      )
    }
    const before = [
      await snapshot(alice, cid),
      await snapshot(bob, cid),
      await snapshot(carol, cid),
    ]
    const seen = before[0] as { view: { name: string; history: { edited: boolean }[] } }
    expect(seen.view.name).toBe('Kept safe')
    expect(seen.view.history[0]?.edited).toBe(true)

    for (const u of [alice, bob, carol]) await s.stop(u)
    expect(s.users).toHaveLength(0)
    alice = await s.user('Alice', { path: aliceDir })
    bob = await s.user('Bob', { path: bobDir })
    carol = await s.user('Carol', { path: carolDir })
    const after = [await snapshot(alice, cid), await snapshot(bob, cid), await snapshot(carol, cid)]
    expect(after).toEqual(before)

    // And they carry on.
    const back = await alice.messenger.send(cid, 'we are back')
    await bob.messenger.send(cid, 'so we are')
    await carol.messenger.react(cid, back, '🙌')
    await expect(bob.messenger.edit(cid, back, 'not yours to edit')).rejects.toMatchObject({
      name: 'NotAllowedError',
    })
    for (const u of [alice, bob, carol]) {
      await waitFor(
        async () => (await texts(u, cid)).includes('so we are'),
        `${u.name} reads on after the restart`,
      )
    }
    await converged([alice, bob, carol], cid, 'everyone converges after the restart')
    const [last] = (await alice.messenger.history(cid, { limit: 2 })).filter(
      (m) => m.text === 'we are back',
    )
    expect(last?.reactions['🙌']).toEqual([carol.messenger.userId])
  })
})
