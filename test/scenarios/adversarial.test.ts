/**
 * Forged and unauthorised ops are rejected. Each attack is an envelope the
 * API would never write, made from secrets an attacker could really hold
 * (a member's own device, or the routing secret a stranger learned), and
 * published on the conversation topic or fed by sync. After each, the honest
 * members see exactly what they saw before (plus a canary message sent after
 * the attack, which shows the attack envelope was processed first).
 */

import {
  certifyDevice,
  encodeDeviceCertificate,
  encodeSignedPrekey,
  randomBytes,
  toHex,
} from '@murmur/crypto'
import { encodeCtrlPayload, splitEnvelope } from '@murmur/protocol'
import type { CtrlOp, Topic } from '@murmur/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { ctrlHash } from '../../packages/core/src/conversation.ts'
import { routingKeys } from '../../packages/core/src/derive.ts'
import { memberRecord } from '../../packages/core/src/identity.ts'
import { checkUpdate, createSharedState } from '../../packages/core/src/shared-state/index.ts'
import {
  conversationRecord,
  converged,
  ctrlNodes,
  entries,
  envelopeKeys,
  envelopes,
  fromHex,
  group,
  heads,
  scenario,
  senderTagOf,
  texts,
  view,
} from '../helpers/scenario.ts'
import type { ConversationView, Scenario, User } from '../helpers/scenario.ts'
import { waitFor } from '../helpers/wait.ts'
import { Forger, hello, junkEnvelope, nextPosition, publishEnvelopes, syncFeed } from './forge.ts'

interface Setup {
  readonly alice: User
  readonly bob: User
  readonly carol: User
  readonly honest: readonly User[]
  readonly cid: string
  readonly topic: Topic
  /** Bob's first message, which Alice reacted to. */
  readonly first: string
  /** A bare peer linked to every honest member: where forged envelopes come from. */
  publish(...list: Uint8Array[]): Promise<void>
  /** Mallory: a plain member whose messenger is closed, so her device writes only what we forge. */
  readonly mallory: Forger | undefined
  readonly before: ReadonlyMap<User, ConversationView>
}

function thrown(fn: () => unknown): Error | undefined {
  try {
    fn()
  } catch (err) {
    return err as Error
  }
  return undefined
}

function nonce(i: number): Uint8Array {
  const out = new Uint8Array(16)
  new DataView(out.buffer).setUint32(0, i)
  return out
}

describe('forged or unauthorised ops', () => {
  let s: Scenario

  afterEach(async () => {
    await s?.close()
  })

  async function setup(seed: number, withMallory = false): Promise<Setup> {
    s = scenario(seed)
    const alice = await s.user('Alice')
    const bob = await s.user('Bob')
    const carol = await s.user('Carol')
    const malloryUser = withMallory ? await s.user('Mallory') : undefined
    const honest = [alice, bob, carol]
    const cid = await group(
      alice,
      malloryUser === undefined ? [bob, carol] : [bob, carol, malloryUser],
    )
    const first = await bob.messenger.send(cid, 'hello from Bob')
    await converged(s.users, cid, 'everyone has the first message')
    await alice.messenger.react(cid, first, '👍')
    await converged(s.users, cid, 'everyone has the reaction')
    let mallory: Forger | undefined
    if (malloryUser !== undefined) {
      // Mallory sends once as herself, so her forger keys with the epoch her messenger chose.
      await malloryUser.messenger.send(cid, 'hello from Mallory')
      await converged(s.users, cid, 'everyone has Mallory’s message')
      await s.stop(malloryUser)
      mallory = await Forger.member(malloryUser.storage, cid)
    }
    const attacker = await s.peer(honest)
    await s.hub.settle()
    const { topic } = routingKeys((await conversationRecord(alice.storage, cid)).routing)
    const before = new Map<User, ConversationView>()
    for (const u of honest) before.set(u, await view(u.messenger, cid))
    return {
      alice,
      bob,
      carol,
      honest,
      cid,
      topic,
      first,
      mallory,
      before,
      async publish(...list) {
        await publishEnvelopes(attacker, topic, list)
        await s.hub.settle()
      },
    }
  }

  /** Sends a canary after the attack and checks that nothing else changed for anyone honest. */
  async function expectUnchanged(t: Setup, canary = 'canary'): Promise<void> {
    await t.carol.messenger.send(t.cid, canary)
    for (const u of t.honest) {
      await waitFor(
        async () => (await texts(u, t.cid)).includes(canary),
        `${u.name} gets the canary`,
      )
      const now = await view(u.messenger, t.cid)
      const expected = t.before.get(u)
      expect({ ...now, history: now.history.filter((m) => m.text !== canary) }).toEqual(expected)
      expect(u.messenger.conversations().find((c) => c.conversationId === t.cid)?.ended).toBe(
        undefined,
      )
    }
  }

  const roleOf = (u: User, cid: string, who: User): string | undefined =>
    u.messenger.members(cid).find((m) => m.userId === who.messenger.userId)?.role

  it('a ctrl op whose signature was tampered with is rejected; the same op signed properly is not', async () => {
    const t = await setup(301)
    const alice = await Forger.member(t.alice.storage, t.cid)
    const op: CtrlOp = { type: 'setRole', user: fromHex(t.carol.messenger.userId), role: 'admin' }
    const parents = await heads(t.alice.storage, t.cid)
    const seq = alice.nextSeq()
    await t.publish(alice.ctrl(op, parents, { seq, breakSignature: true }))
    await expectUnchanged(t)
    // The control: the very same op, correctly signed, does promote Carol.
    await t.publish(alice.ctrl(op, parents, { seq }))
    for (const u of t.honest) {
      await waitFor(() => roleOf(u, t.cid, t.carol) === 'admin', `${u.name} sees Carol promoted`)
    }
  })

  it('an envelope whose sender tag belongs to another device is rejected and does not block that device', async () => {
    const t = await setup(302, true)
    const mallory = t.mallory as Forger
    const record = await conversationRecord(t.alice.storage, t.cid)
    const aliceTag = senderTagOf(t.alice, record)
    const bobTag = senderTagOf(t.bob, record)
    // Under the base key: a ctrl op in Alice's log position, signed by Mallory.
    const alicePos = await nextPosition(t.alice.storage, t.cid, aliceTag, mallory.epoch.epochId)
    const op: CtrlOp = { type: 'setRole', user: fromHex(t.bob.messenger.userId), role: 'admin' }
    await t.publish(
      mallory.ctrl(op, await heads(t.alice.storage, t.cid), {
        senderTag: fromHex(aliceTag),
        seq: alicePos.seq,
      }),
    )
    // Under the epoch: a message in Bob's log and chain position, signed by Mallory.
    const bobPos = await nextPosition(t.bob.storage, t.cid, bobTag, mallory.epoch.epochId)
    await t.publish(
      mallory.msg('I am Bob, trust me', {
        senderTag: fromHex(bobTag),
        seq: bobPos.seq,
        chainIndex: bobPos.chainIndex,
      }),
    )
    await expectUnchanged(t)
    // Alice's and Bob's own next envelopes, at exactly those positions, still get through.
    await t.alice.messenger.send(t.cid, 'the real Alice')
    await t.bob.messenger.send(t.cid, 'the real Bob')
    for (const u of t.honest) {
      await waitFor(
        async () => (await texts(u, t.cid)).includes('the real Alice'),
        `${u.name} gets Alice's next message`,
        3_000,
      )
      await waitFor(
        async () => (await texts(u, t.cid)).includes('the real Bob'),
        `${u.name} gets Bob's next message, sent at the position Mallory forged`,
        3_000,
      )
      expect(await texts(u, t.cid)).not.toContain('I am Bob, trust me')
    }
  })

  it('a non-member who learned the routing secret cannot post, nor add itself', async () => {
    const t = await setup(303)
    const outsider = await Forger.outsider(await conversationRecord(t.alice.storage, t.cid))
    await t.publish(outsider.msg('hello from outside', { keying: 'base' }))
    await t.publish(
      outsider.ctrl(
        { type: 'add', member: memberRecord(outsider.self), role: 'member' },
        await heads(t.alice.storage, t.cid),
      ),
    )
    await t.publish(outsider.msg('still outside', { keying: 'base' }))
    await expectUnchanged(t)
    await t.alice.messenger.syncNow()
    expect(await texts(t.alice, t.cid)).not.toContain('hello from outside')
  })

  it('a member who is not an admin cannot remove someone or promote itself by writing the op directly', async () => {
    const t = await setup(304, true)
    const mallory = t.mallory as Forger
    const parents = await heads(t.alice.storage, t.cid)
    await t.publish(
      mallory.ctrl({ type: 'remove', user: fromHex(t.carol.messenger.userId) }, parents),
      mallory.ctrl(
        { type: 'setRole', user: mallory.self.identity.publicKey, role: 'admin' },
        parents,
      ),
      mallory.ctrl({ type: 'remove', user: fromHex(t.alice.messenger.userId) }, parents),
    )
    await expectUnchanged(t)
    const stored = await ctrlNodes(t.alice.storage, t.cid)
    expect(
      stored.filter((n) => n.authorUser === toHex(mallory.self.identity.publicKey)),
    ).toHaveLength(3)
  })

  it('a removed member’s concurrent ops are dropped: the add it made while cut off admits nobody', async () => {
    s = scenario(305)
    const alice = await s.user('Alice')
    const bob = await s.user('Bob')
    const carol = await s.user('Carol')
    const dave = await s.user('Dave')
    const cid = await group(alice, [bob, carol, dave])
    await converged(s.users, cid, 'four members')
    const three = [alice, bob, carol]
    s.partition(dave, three)
    await alice.messenger.remove(cid, dave.messenger.userId)
    await waitFor(() => three.every((u) => u.messenger.members(cid).length === 3), 'Dave is out')
    // Dave does not know yet: he invites Eve, admits her, and both write.
    const eve = await s.user('Eve', { connect: [dave] })
    await eve.messenger.join(dave.messenger.invite(cid), { timeoutMs: 10_000 })
    await waitFor(
      () => eve.messenger.members(cid).some((m) => m.userId === eve.messenger.userId),
      'Eve sees herself admitted by Dave',
    )
    await dave.messenger.send(cid, 'Dave, removed but unaware')
    await eve.messenger.send(cid, 'Eve, admitted by Dave')
    s.link([...three, dave, eve])
    const record = await conversationRecord(alice.storage, cid)
    const eveTag = senderTagOf(eve, record)
    for (const u of three) {
      await waitFor(
        async () =>
          (await ctrlNodes(u.storage, cid)).some(
            (n) => n.op.type === 'add' && toHex(n.op.member.identity) === eve.messenger.userId,
          ) &&
          [
            ...(await envelopeKeys(u.storage, cid)),
            // Eve's messages use an epoch whose parents include the dropped
            // add, so they wait in `pending`, never accepted.
            ...(await entries(u.storage, ['v1', 'pending', cid])).map(([k]) =>
              k.slice(3).join('/'),
            ),
          ].some((k) => k.startsWith(eveTag)),
        `${u.name} holds Dave's add of Eve and Eve's message`,
      )
    }
    await waitFor(
      () => dave.messenger.conversations().some((c) => c.ended === 'removed'),
      'Dave learns he was removed',
    )
    await s.hub.settle()
    for (const u of three) {
      expect(
        u.messenger
          .members(cid)
          .map((m) => m.name)
          .sort(),
      ).toEqual(['Alice', 'Bob', 'Carol'])
      const seen = await texts(u, cid)
      expect(seen).not.toContain('Dave, removed but unaware')
      expect(seen).not.toContain('Eve, admitted by Dave')
    }
  })

  it('a Yjs update whose client ids belong to another author is rejected', async () => {
    const t = await setup(306, true)
    const mallory = t.mallory as Forger
    const malloryUser = toHex(mallory.self.identity.publicKey)
    const bobDevice = fromHex(t.bob.messenger.deviceId)
    // Inserting as Bob's device, inside an envelope Mallory signs.
    const asBob = createSharedState().react(
      { user: malloryUser, device: bobDevice },
      t.first,
      '💩',
      true,
    )
    const own = [mallory.self.device.publicKey]
    expect(thrown(() => checkUpdate(asBob, own[0] as Uint8Array, own))?.name).toBe(
      'ForeignStateError',
    )
    // Deleting Alice's reaction: a delete set naming Alice's device.
    const aliceAuthor = {
      user: t.alice.messenger.userId,
      device: fromHex(t.alice.messenger.deviceId),
    }
    const replica = createSharedState()
    replica.load(aliceAuthor.user, replica.react(aliceAuthor, t.first, '👍', true))
    const deletion = replica.react(
      { user: aliceAuthor.user, device: mallory.self.device.publicKey },
      t.first,
      '👍',
      false,
    )
    const refused = thrown(() => checkUpdate(deletion, own[0] as Uint8Array, own))
    expect(refused?.name).toBe('ForeignStateError')
    await t.publish(mallory.seal('state', asBob), mallory.seal('state', deletion))
    await expectUnchanged(t)
    // The control: Mallory reacting as herself is accepted.
    const hers = createSharedState().react(
      { user: malloryUser, device: mallory.self.device.publicKey },
      t.first,
      '🙂',
      true,
    )
    await t.publish(mallory.seal('state', hers))
    for (const u of t.honest) {
      await waitFor(
        async () =>
          (await u.messenger.history(t.cid))[0]?.reactions['🙂']?.includes(malloryUser) === true,
        `${u.name} sees Mallory's own reaction`,
      )
    }
  })

  it('a ctrl op naming another member’s device in a forged certificate does not take that device over', async () => {
    const t = await setup(307)
    const outsider = await Forger.outsider(await conversationRecord(t.alice.storage, t.cid))
    const bobDevice = fromHex(t.bob.messenger.deviceId)
    const bobAdd = (await ctrlNodes(t.alice.storage, t.cid)).find(
      (n) => n.op.type === 'add' && toHex(n.op.member.identity) === t.bob.messenger.userId,
    )
    const bobRecord = bobAdd?.op.type === 'add' ? bobAdd.op.member.devices[0] : undefined
    if (bobRecord === undefined) throw new Error("Bob's add is not in Alice's storage")
    const claim = {
      identity: outsider.self.identity.publicKey,
      name: 'Bob',
      devices: [
        {
          // Signed by the outsider's identity, so it verifies against the outsider's identity.
          certificate: encodeDeviceCertificate(certifyDevice(outsider.self.identity, bobDevice)),
          prekey: encodeSignedPrekey(outsider.self.prekey.signed),
          // Bob's own binding, copied from his member record: it names Bob's
          // identity, so it cannot vouch for the outsider's claim.
          binding: bobRecord.binding,
        },
        ...memberRecord(outsider.self).devices,
      ],
    }
    await t.publish(
      outsider.ctrl(
        { type: 'add', member: claim, role: 'member' },
        await heads(t.alice.storage, t.cid),
      ),
    )
    await expectUnchanged(t)
    await t.bob.messenger.send(t.cid, 'still Bob')
    for (const u of t.honest) {
      await waitFor(
        async () =>
          (await u.messenger.history(t.cid)).some(
            (m) => m.text === 'still Bob' && m.author === t.bob.messenger.userId,
          ),
        `${u.name} gets Bob's next message as Bob's`,
        3_000,
      )
    }
  })

  it('a second create, forged by someone holding the routing secret, does not replace the conversation’s root', async () => {
    const t = await setup(308)
    const outsider = await Forger.outsider(await conversationRecord(t.alice.storage, t.cid))
    const root = (await ctrlNodes(t.alice.storage, t.cid)).find((n) => n.op.type === 'create')
    expect(root).toBeDefined()
    // Grind the nonce until the forged create sorts before the real one (a coin flip per try).
    const ts = Date.now()
    let op: CtrlOp | undefined
    for (let i = 0; op === undefined; i++) {
      const candidate: CtrlOp = {
        type: 'create',
        conversationKind: 'group',
        name: 'Mine now',
        owner: memberRecord(outsider.self),
        settings: { historyVisible: true, membersCanInvite: true },
        nonce: nonce(i),
      }
      const payload = encodeCtrlPayload({ parents: [], op: candidate })
      if (ctrlHash(payload, outsider.self.deviceHex, ts) < (root?.hash ?? '')) op = candidate
    }
    await t.publish(outsider.ctrl(op, [], { ts }))
    for (const u of t.honest) {
      const names = u.messenger
        .members(t.cid)
        .map((m) => `${m.name} (${m.role})`)
        .sort()
      expect(names, `${u.name}'s members`).toEqual([
        'Alice (owner)',
        'Bob (member)',
        'Carol (member)',
      ])
    }
    await expectUnchanged(t)
  })

  it('junk in a member’s next log position, under an epoch nobody knows, does not block that member', async () => {
    // Only what a relay sees in clear headers: the conversation tag, Bob's sender tag, his seq.
    const t = await setup(310)
    const record = await conversationRecord(t.alice.storage, t.cid)
    const bobTag = senderTagOf(t.bob, record)
    const seen = (await envelopes(t.alice.storage, t.cid))
      .map((e) => splitEnvelope(e).header)
      .filter((h) => toHex(h.senderTag) === bobTag)
    const next = Math.max(...seen.map((h) => h.seq)) + 1
    const { convTag } = routingKeys(record.routing)
    await t.publish(
      junkEnvelope(convTag, fromHex(bobTag), next, { epochId: randomBytes(8) }),
      junkEnvelope(convTag, fromHex(bobTag), next + 1, { epochId: randomBytes(8) }),
    )
    await t.bob.messenger.send(t.cid, 'Bob, after the junk')
    await t.bob.messenger.send(t.cid, 'Bob again')
    for (const u of t.honest) {
      await waitFor(
        async () => (await texts(u, t.cid)).includes('Bob again'),
        `${u.name} gets Bob's messages at the positions the junk took`,
        3_000,
      )
      expect(await texts(u, t.cid)).toContain('Bob, after the junk')
    }
  })

  it('replayed envelopes, fed again by sync, change nothing', async () => {
    const t = await setup(309)
    const replayer = await s.peer([t.alice])
    const { convTag } = routingKeys((await conversationRecord(t.alice.storage, t.cid)).routing)
    const all = await envelopes(t.bob.storage, t.cid)
    const { error } = await syncFeed(replayer, t.alice.network, [
      hello(convTag),
      { type: 'envelopes', envelopes: [...all, ...[...all].reverse()] },
      { type: 'done' },
    ])
    expect(error).toBeUndefined()
    await s.hub.settle()
    await expectUnchanged(t)
  })
})
