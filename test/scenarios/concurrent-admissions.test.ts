/**
 * Two members who joined after the founder each admit someone while they
 * cannot see each other; each starts an epoch on admitting, sealed to the
 * members it knows (it holds no epoch it was a member at, so it cannot send
 * with any it has). Once they meet again, every member — both newcomers
 * included — must read what anyone sends next: a sender whose epochs all
 * miss a current member rotates to one sealed to everyone (epochs.ts,
 * `sendable`). Before that rule, a sender kept using the newest epoch, which
 * one newcomer never received, and that newcomer lost every message after.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { group, scenario, texts } from '../helpers/scenario.ts'
import type { Scenario } from '../helpers/scenario.ts'
import { waitFor } from '../helpers/wait.ts'

describe('admissions made concurrently by different members', () => {
  let s: Scenario | undefined

  afterEach(async () => {
    await s?.close()
  })

  it('every newcomer reads what the founder and the admitters send afterwards', async () => {
    s = scenario(907)
    const founder = await s.user('Founder')
    const ann = await s.user('Ann')
    const ben = await s.user('Ben')
    const cid = await group(founder, [ann, ben])
    // Cut Ann, Ben and the founder off from each other; one newcomer reaches only Ann, the other only Ben.
    s.partition(founder, [ann, ben])
    s.partition(ann, [ben])
    const cat = await s.user('Cat', { connect: [ann] })
    const dan = await s.user('Dan', { connect: [ben] })
    const link = founder.messenger.invite(cid)
    await Promise.all([
      cat.messenger.join(link, { timeoutMs: 10_000 }),
      dan.messenger.join(link, { timeoutMs: 10_000 }),
    ])
    s.link(s.users)
    const everyone = [founder, ann, ben, cat, dan]
    await waitFor(
      () => everyone.every((u) => u.messenger.members(cid).length === 5),
      'all five see five members',
    )
    await founder.messenger.send(cid, 'from the founder, to all five')
    await ann.messenger.send(cid, 'from Ann, to all five')
    await ben.messenger.send(cid, 'from Ben, to all five')
    for (const u of everyone) {
      await waitFor(async () => {
        const seen = await texts(u, cid)
        return [
          'from the founder, to all five',
          'from Ann, to all five',
          'from Ben, to all five',
        ].every((t) => seen.includes(t))
      }, `${u.name} reads all three`)
    }
    expect(await texts(cat, cid)).toContain('from the founder, to all five')
  }, 60_000)
})
