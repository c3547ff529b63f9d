import { describe, expect, it } from 'vitest'
import {
  canAdd,
  canChangeSettings,
  canPost,
  canRemove,
  canSetRole,
  ctrlDag,
  evaluateMembership,
  memberDevices,
  seniority,
  stateAt,
} from './membership.ts'
import type { CtrlNode, MembershipState } from './membership.ts'
import { canonical, ctrlLog, person } from './membership/test-support.ts'

const alice = person('alice', 2)
const bob = person('bob', 2)
const carol = person('carol')
const dave = person('dave')
const erin = person('erin')

/** Hashes that put concurrent ops in a chosen order (lower first). */
const ordered = (n: number): string => n.toString(16).padStart(64, '0')

const roles = (state: MembershipState): Record<string, string> =>
  Object.fromEntries(
    [...state.members].map(([user, m]) => [
      [alice, bob, carol, dave, erin].find((p) => p.user === user)?.name,
      m.role,
    ]),
  )

function everyOrder(nodes: readonly CtrlNode[]): CtrlNode[][] {
  return [[...nodes], [...nodes].reverse(), [...nodes.slice(3), ...nodes.slice(0, 3)].reverse()]
}

describe('a conversation from create, add and remove', () => {
  it('makes the creator owner of a group with the name, kind and settings it was created with', () => {
    const log = ctrlLog()
    const c = log.create(alice, { name: 'hikers', settings: { historyVisible: true } })
    const s = evaluateMembership(log.nodes)
    expect(s.createHash).toBe(c)
    expect(s.conversationKind).toBe('group')
    expect(s.name).toBe('hikers')
    expect(s.settings).toEqual({ historyVisible: true, membersCanInvite: false })
    expect(roles(s)).toEqual({ alice: 'owner' })
    expect(s.members.get(alice.user)!.deviceKeys).toEqual(alice.deviceKeys)
    expect(s.heads).toEqual([c])
  })

  it('admits the people the owner adds and forgets the ones it removes', () => {
    const log = ctrlLog()
    log.create(alice)
    log.add(alice, bob)
    const addCarol = log.add(alice, carol)
    expect(roles(evaluateMembership(log.nodes))).toEqual({
      alice: 'owner',
      bob: 'member',
      carol: 'member',
    })
    const removeBob = log.remove(alice, bob)
    const s = evaluateMembership(log.nodes)
    expect(roles(s)).toEqual({ alice: 'owner', carol: 'member' })
    expect(s.heads).toEqual([removeBob])
    expect(s.valid.size).toBe(4)
    expect(s.rejected.size).toBe(0)
    expect(ctrlDag(log.nodes).isAncestor(addCarol, removeBob)).toBe(true)
  })

  it('adds only the new devices when someone already in is added again', () => {
    const log = ctrlLog()
    log.create(alice)
    log.add(alice, bob, { deviceCount: 1 })
    log.add(alice, bob, { deviceCount: 2, role: 'admin' })
    const m = evaluateMembership(log.nodes).members.get(bob.user)!
    expect(m.role).toBe('member')
    expect(m.devices).toEqual(bob.devices)
    expect(m.deviceKeys).toEqual(bob.deviceKeys)
  })

  it('lets a member add their own new device, which can then act', () => {
    const log = ctrlLog()
    log.create(alice)
    log.add(alice, bob, { deviceCount: 1 })
    const early = log.leave(bob, { device: 1 })
    log.add(bob, bob, { deviceCount: 2 })
    const late = log.settings(bob, {}, { device: 1 })
    const s = evaluateMembership(log.nodes)
    expect(s.rejected.get(early)).toMatch(/device/)
    expect(s.rejected.get(late)).toMatch(/only owners and admins/)
    expect(s.members.get(bob.user)!.devices).toHaveLength(2)
  })
})

describe('authorisation at an op’s parents', () => {
  it('rejects ops by someone who is not a member at the op’s parents', () => {
    const log = ctrlLog()
    const c = log.create(alice)
    const sneak = log.add(bob, carol, { parents: [c] })
    const s = evaluateMembership(log.nodes)
    expect(s.rejected.get(sneak)).toBe('the author is not a member at its parents')
    expect(s.members.has(carol.user)).toBe(false)
  })

  it('rejects an op signed by a device the author never registered', () => {
    const log = ctrlLog()
    log.create(alice)
    log.add(alice, bob, { deviceCount: 1 })
    const op = log.add(bob, carol, { device: 1 })
    expect(evaluateMembership(log.nodes).rejected.get(op)).toMatch(/signing device/)
  })

  it('rejects an add whose device certificate belongs to someone else or does not parse', () => {
    const log = ctrlLog()
    log.create(alice)
    const forged = log.op(alice, {
      type: 'add',
      member: { identity: carol.identity, name: 'carol', devices: bob.devices },
      role: 'member',
    })
    const garbled = log.op(alice, {
      type: 'add',
      member: {
        identity: dave.identity,
        name: 'dave',
        devices: [
          {
            certificate: new Uint8Array(5),
            prekey: new Uint8Array(0),
            binding: new Uint8Array(64),
          },
        ],
      },
      role: 'member',
    })
    const s = evaluateMembership(log.nodes)
    expect(s.rejected.get(forged)).toBe('a device certificate names another identity')
    expect(s.rejected.get(garbled)).toMatch(/malformed/)
    expect(s.members.size).toBe(1)
  })

  it('lets members add people only when the group lets members invite, and never as admins', () => {
    const log = ctrlLog()
    log.create(alice)
    log.add(alice, bob)
    const refused = log.add(bob, carol)
    log.settings(alice, { membersCanInvite: true })
    const allowed = log.add(bob, carol)
    const asAdmin = log.add(bob, dave, { role: 'admin' })
    const s = evaluateMembership(log.nodes)
    expect(s.rejected.get(refused)).toMatch(/members cannot add people/)
    expect(s.valid.has(allowed)).toBe(true)
    expect(s.rejected.get(asAdmin)).toBe('only the owner can add admins')
    expect(roles(s)).toEqual({ alice: 'owner', bob: 'member', carol: 'member' })
  })

  it('lets the owner add admins, and admins add members but not admins', () => {
    const log = ctrlLog()
    log.create(alice)
    log.add(alice, bob, { role: 'admin' })
    log.add(bob, carol)
    const refused = log.add(bob, dave, { role: 'admin' })
    const owner = log.add(alice, erin, { role: 'owner' })
    const s = evaluateMembership(log.nodes)
    expect(roles(s)).toEqual({ alice: 'owner', bob: 'admin', carol: 'member' })
    expect(s.rejected.get(refused)).toBe('only the owner can add admins')
    expect(s.rejected.get(owner)).toBe('ownership cannot be given by an add')
  })

  it('lets an admin remove members but not admins or the owner', () => {
    const log = ctrlLog()
    log.create(alice)
    log.add(alice, bob, { role: 'admin' })
    log.add(alice, carol, { role: 'admin' })
    log.add(alice, dave)
    const removesDave = log.remove(bob, dave)
    const removesCarol = log.remove(bob, carol)
    const removesAlice = log.remove(bob, alice)
    const removesDaveAgain = log.remove(bob, dave)
    const s = evaluateMembership(log.nodes)
    expect(s.valid.has(removesDave)).toBe(true)
    expect(s.rejected.get(removesCarol)).toBe('admins can remove members, not admins or the owner')
    expect(s.rejected.get(removesAlice)).toBe('admins can remove members, not admins or the owner')
    expect(s.rejected.get(removesDaveAgain)).toBe('the target is not a member')
    expect(roles(s)).toEqual({ alice: 'owner', bob: 'admin', carol: 'admin' })
  })

  it('lets the owner remove anyone but itself, and members nobody', () => {
    const log = ctrlLog()
    log.create(alice)
    log.add(alice, bob, { role: 'admin' })
    log.add(alice, carol)
    log.add(alice, dave)
    const self = log.remove(alice, alice)
    const byMember = log.remove(carol, dave)
    const admin = log.remove(alice, bob)
    const s = evaluateMembership(log.nodes)
    expect(s.rejected.get(self)).toBe('to remove yourself, leave')
    expect(s.rejected.get(byMember)).toBe('only owners and admins can remove people')
    expect(s.valid.has(admin)).toBe(true)
    expect(roles(s)).toEqual({ alice: 'owner', carol: 'member', dave: 'member' })
  })

  it('lets the owner promote and demote, admins only promote, and nobody grant ownership', () => {
    const log = ctrlLog()
    log.create(alice)
    log.add(alice, bob)
    log.add(alice, carol)
    log.add(alice, dave)
    log.setRole(alice, bob, 'admin')
    log.setRole(bob, carol, 'admin')
    const demote = log.setRole(bob, carol, 'member')
    const own = log.setRole(alice, dave, 'owner')
    const selfPromote = log.setRole(dave, dave, 'admin')
    log.setRole(alice, carol, 'member')
    const s = evaluateMembership(log.nodes)
    expect(s.rejected.get(demote)).toBe('admins can promote members but not demote')
    expect(s.rejected.get(own)).toBe('ownership passes only when the owner leaves')
    expect(s.rejected.get(selfPromote)).toBe('nobody can change their own role')
    expect(roles(s)).toEqual({ alice: 'owner', bob: 'admin', carol: 'member', dave: 'member' })
  })

  it('takes settings from owners and admins only, the latest in order winning', () => {
    const log = ctrlLog()
    log.create(alice)
    log.add(alice, bob, { role: 'admin' })
    log.add(alice, carol)
    log.settings(bob, { historyVisible: true })
    const refused = log.settings(carol, { membersCanInvite: true })
    const s = evaluateMembership(log.nodes)
    expect(s.rejected.get(refused)).toBe('only owners and admins can change settings')
    expect(s.settings).toEqual({ historyVisible: true, membersCanInvite: false })
  })

  it('accepts exactly one root: a second create, a create with parents and a parentless op are rejected', () => {
    const log = ctrlLog()
    const c = log.create(alice, { hash: ordered(1) })
    const second = log.create(bob, { hash: ordered(2) })
    const nested = log.op(
      alice,
      { ...log.nodes[0]!.op },
      {
        parents: [c],
      },
    )
    const orphan = log.add(bob, carol, { parents: [] })
    const onSecond = log.add(bob, carol, { parents: [second] })
    const s = evaluateMembership(log.nodes)
    expect(s.createHash).toBe(c)
    expect(s.rejected.get(second)).toBe('a conversation has one create')
    expect(s.rejected.get(nested)).toBe('a create cannot have parents')
    expect(s.rejected.get(orphan)).toBe('only a create may have no parents')
    expect(s.rejected.get(onSecond)).toBe("the op does not descend from the conversation's create")
    expect(roles(s)).toEqual({ alice: 'owner' })
    expect(evaluateMembership(log.nodes, { root: second }).createHash).toBe(second)
  })

  it('rejects a create that does not name its author as owner', () => {
    const log = ctrlLog()
    log.op(alice, createOp(bob), { parents: [] })
    const s = evaluateMembership(log.nodes)
    expect(s.createHash).toBeUndefined()
    expect([...s.rejected.values()]).toEqual(['the create must name its author as owner'])
    expect(s.members.size).toBe(0)
  })
})

function createOp(owner: typeof alice): CtrlNode['op'] {
  return {
    type: 'create',
    conversationKind: 'group',
    name: 'x',
    owner: owner.record(),
    settings: { historyVisible: false, membersCanInvite: false },
    nonce: new Uint8Array(16),
  }
}

describe('ops whose ancestry is incomplete', () => {
  it('wait with their descendants until the missing parents arrive, then count', () => {
    const log = ctrlLog()
    log.create(alice)
    const addBob = log.add(alice, bob)
    const addCarol = log.add(bob, carol, { parents: [addBob] })
    log.settings(alice, { membersCanInvite: true }, { parents: [log.nodes[0]!.hash] })
    const merge = log.add(carol, dave, { parents: log.heads() })
    const withoutAddBob = log.nodes.filter((n) => n.hash !== addBob)
    const partial = evaluateMembership(withoutAddBob)
    expect(partial.pending).toEqual(new Set([addCarol, merge]))
    expect(partial.rejected.size).toBe(0)
    expect(roles(partial)).toEqual({ alice: 'owner' })

    const full = evaluateMembership(log.nodes)
    expect(full.pending.size).toBe(0)
    expect(full.rejected.get(addCarol)).toMatch(/members cannot add/)
    expect(full.rejected.get(merge)).toBe('the author is not a member at its parents')
  })

  it('include an op that names itself as a parent, which can never be evaluated', () => {
    const log = ctrlLog()
    log.create(alice)
    const loop = log.leave(alice, { parents: [ordered(7)], hash: ordered(7) })
    const s = evaluateMembership(log.nodes)
    expect(s.pending).toEqual(new Set([loop]))
    expect(roles(s)).toEqual({ alice: 'owner' })
  })
})

describe('concurrent removals', () => {
  it('drops a removed member’s concurrent add, and everything that depended on it', () => {
    const log = ctrlLog()
    const c = log.create(alice)
    const base = log.add(alice, bob, { role: 'admin' })
    const removal = log.remove(alice, bob, { parents: [base] })
    const addCarol = log.add(bob, carol, { parents: [base] })
    const carolLeaves = log.leave(carol, { parents: [addCarol] })
    const merged = log.settings(alice, { historyVisible: true }, { parents: log.heads() })
    // Without the removal, Carol's add and leave would both count.
    const unremoved = log.nodes.filter((n) => n.hash !== removal && n.hash !== merged)
    expect(evaluateMembership(unremoved).valid.has(carolLeaves)).toBe(true)
    for (const nodes of everyOrder(log.nodes)) {
      const s = evaluateMembership(nodes)
      expect(roles(s)).toEqual({ alice: 'owner' })
      expect(s.rejected.get(addCarol)).toMatch(/its author was removed by/)
      expect(s.rejected.get(carolLeaves)).toBe('the author is not a member at its parents')
      expect([...s.valid].sort()).toEqual([c, base, removal, merged].sort())
      expect(s.heads).toEqual([merged])
    }
  })

  it('lets a member re-added after their removal act again', () => {
    const log = ctrlLog()
    log.create(alice)
    const base = log.add(alice, bob)
    const removal = log.remove(alice, bob, { parents: [base] })
    const concurrent = log.leave(bob, { parents: [base] })
    const readd = log.add(alice, bob, { parents: [removal] })
    const after = log.leave(bob, { parents: [readd, concurrent] })
    const s = evaluateMembership(log.nodes)
    expect(s.rejected.get(concurrent)).toMatch(/its author was removed/)
    expect(s.valid.has(after)).toBe(true)
    expect(roles(s)).toEqual({ alice: 'owner' })
  })

  it('drops what someone did on another device concurrently with leaving', () => {
    // Alice, alone, leaves on one device while adding Bob on the other: nobody is left.
    const log = ctrlLog()
    const c = log.create(alice)
    const leaves = log.leave(alice, { parents: [c] })
    const adds = log.add(alice, bob, { parents: [c], device: 1 })
    log.setRole(alice, bob, 'admin', { parents: [adds], device: 1 })
    for (const nodes of everyOrder(log.nodes)) {
      const s = evaluateMembership(nodes)
      expect(s.members.size).toBe(0)
      expect(s.valid).toEqual(new Set([c, leaves]))
      expect(s.rejected.get(adds)).toMatch(/its author left in/)
    }
  })

  it('lets a removal win over a concurrent re-add of the same person', () => {
    // Alice and Bob both remove Carol; Bob, not knowing of Alice's removal, adds her back.
    const log = ctrlLog()
    log.create(alice)
    log.add(alice, bob, { role: 'admin' })
    const fork = log.add(alice, carol)
    log.remove(alice, carol, { parents: [fork] })
    const bobRemoves = log.remove(bob, carol, { parents: [fork] })
    const readd = log.add(bob, carol, { parents: [bobRemoves] })
    const carolActs = log.leave(carol, { parents: [readd] })
    for (const nodes of everyOrder(log.nodes)) {
      const s = evaluateMembership(nodes)
      expect(roles(s)).toEqual({ alice: 'owner', bob: 'admin' })
      expect(s.valid.has(readd)).toBe(true)
      expect(s.rejected.get(carolActs)).toMatch(/its author was removed/)
    }
  })

  it('lets the owner win over an admin it removes concurrently, in any delivery order', () => {
    const log = ctrlLog()
    log.create(alice)
    log.add(alice, bob, { role: 'admin' })
    const fork = log.add(alice, carol)
    const ownerRemoves = log.remove(alice, bob, { parents: [fork] })
    const adminRemoves = log.remove(bob, carol, { parents: [fork] })
    const adminRemovesOwner = log.remove(bob, alice, { parents: [fork] })
    const adminAdds = log.add(bob, dave, { parents: [fork] })
    for (const nodes of everyOrder(log.nodes)) {
      const s = evaluateMembership(nodes)
      expect(roles(s)).toEqual({ alice: 'owner', carol: 'member' })
      expect(s.valid.has(ownerRemoves)).toBe(true)
      expect(s.rejected.get(adminRemoves)).toMatch(/its author was removed/)
      expect(s.rejected.get(adminRemovesOwner)).toMatch(/its author was removed/)
      expect(s.rejected.get(adminAdds)).toMatch(/its author was removed/)
    }
  })

  it('lets the admin promoted earlier win when two admins remove each other, in any delivery order', () => {
    // Alice promotes Bob and Carol on two devices at once; each, seeing only their own
    // promotion, removes the other. Bob's promotion comes first in the order.
    const log = ctrlLog()
    log.create(alice)
    log.add(alice, bob)
    const fork = log.add(alice, carol)
    const promoteBob = log.setRole(alice, bob, 'admin', { parents: [fork], hash: ordered(1) })
    const promoteCarol = log.setRole(alice, carol, 'admin', {
      parents: [fork],
      device: 1,
      hash: ordered(2),
    })
    const bobRemoves = log.remove(bob, carol, { parents: [promoteBob] })
    const carolRemoves = log.remove(carol, bob, { parents: [promoteCarol] })
    const carolAdds = log.add(carol, dave, { parents: [carolRemoves] })
    for (const nodes of everyOrder(log.nodes)) {
      const s = evaluateMembership(nodes)
      expect(roles(s)).toEqual({ alice: 'owner', bob: 'admin' })
      expect(s.valid.has(bobRemoves)).toBe(true)
      expect(s.rejected.get(carolRemoves)).toMatch(/its author was removed/)
      expect(s.rejected.get(carolAdds)).toMatch(/its author was removed/)
    }

    // With the promotions the other way round, Carol wins.
    const flipped = ctrlLog()
    flipped.create(alice)
    flipped.add(alice, bob)
    const fork2 = flipped.add(alice, carol)
    const pb = flipped.setRole(alice, bob, 'admin', { parents: [fork2], hash: ordered(2) })
    const pc = flipped.setRole(alice, carol, 'admin', { parents: [fork2], hash: ordered(1) })
    flipped.remove(bob, carol, { parents: [pb] })
    flipped.remove(carol, bob, { parents: [pc] })
    expect(roles(evaluateMembership(flipped.nodes))).toEqual({ alice: 'owner', carol: 'admin' })
  })
})

describe('ownership', () => {
  it('passes to the most senior admin when the owner leaves', () => {
    const log = ctrlLog()
    log.create(alice)
    log.add(alice, bob)
    log.add(alice, carol, { role: 'admin' })
    log.add(alice, dave, { role: 'admin' })
    log.setRole(alice, bob, 'admin')
    log.leave(alice)
    const s = evaluateMembership(log.nodes)
    expect(roles(s)).toEqual({ carol: 'owner', dave: 'admin', bob: 'admin' })
    expect(seniority(s)).toEqual([carol.user, dave.user, bob.user])
    const next = log.remove(carol, dave)
    expect(evaluateMembership(log.nodes).valid.has(next)).toBe(true)
  })

  it('passes to the most senior member when there is no admin', () => {
    const log = ctrlLog()
    log.create(alice)
    log.add(alice, bob)
    log.add(alice, carol)
    log.leave(alice)
    const s = evaluateMembership(log.nodes)
    expect(roles(s)).toEqual({ bob: 'owner', carol: 'member' })
  })
})

describe('dms, saved messages and channels', () => {
  it('keeps a dm between its creator and the one person the creator adds', () => {
    const log = ctrlLog()
    const c = log.create(alice, { kind: 'dm' })
    const asAdmin = log.add(alice, bob, { role: 'admin' })
    log.add(alice, bob)
    const third = log.add(alice, carol)
    const byPartner = log.add(bob, carol)
    const removal = log.remove(alice, bob)
    const promote = log.setRole(alice, bob, 'admin')
    const s = evaluateMembership(log.nodes)
    expect(roles(s)).toEqual({ alice: 'owner', bob: 'member' })
    expect(s.rejected.get(asAdmin)).toBe('a dm has no admins')
    expect(s.rejected.get(third)).toBe('a dm is between two people')
    expect(s.rejected.get(byPartner)).toBe('only the owner of a dm can add its other person')
    expect(s.rejected.get(removal)).toBe('nobody is removed from a dm; leave instead')
    expect(s.rejected.get(promote)).toBe('a dm has no roles to change')
    expect(canAdd(s, alice.user)).toBe(false)

    // Two concurrent adds of different people: the first in order is the other person.
    const race = ctrlLog()
    race.create(alice, { kind: 'dm' })
    race.add(alice, bob, { parents: [race.nodes[0]!.hash], hash: ordered(2) })
    const loser = race.add(alice, carol, { parents: [race.nodes[0]!.hash], hash: ordered(3) })
    const raced = evaluateMembership(race.nodes)
    expect(roles(raced)).toEqual({ alice: 'owner', bob: 'member' })
    expect(raced.rejected.get(loser)).toBe('a dm is between two people')
    expect(c).toBeDefined()
  })

  it('lets the other person of a dm leave and be added back', () => {
    const log = ctrlLog()
    log.create(alice, { kind: 'dm' })
    log.add(alice, bob)
    log.leave(bob)
    expect(roles(evaluateMembership(log.nodes))).toEqual({ alice: 'owner' })
    log.add(alice, bob)
    expect(roles(evaluateMembership(log.nodes))).toEqual({ alice: 'owner', bob: 'member' })
  })

  it('admits nobody else to saved messages but the owner’s own devices', () => {
    const log = ctrlLog()
    log.create(alice, { kind: 'self', deviceCount: 1 })
    const other = log.add(alice, bob)
    const ownDevice = log.add(alice, alice, { deviceCount: 2 })
    const s = evaluateMembership(log.nodes)
    expect(s.rejected.get(other)).toBe('nobody else can join saved messages')
    expect(s.valid.has(ownDevice)).toBe(true)
    expect(roles(s)).toEqual({ alice: 'owner' })
    expect(s.members.get(alice.user)!.deviceKeys).toEqual(alice.deviceKeys)
  })

  it('lets only owners and admins post to or add people to a channel', () => {
    const log = ctrlLog()
    log.create(alice, { kind: 'channel', settings: { membersCanInvite: true } })
    log.add(alice, bob, { role: 'admin' })
    log.add(bob, carol)
    const refused = log.add(carol, dave)
    const s = evaluateMembership(log.nodes)
    expect(s.rejected.get(refused)).toBe('only owners and admins can add people to a channel')
    expect([alice, bob, carol, dave].map((p) => canPost(s, p.user))).toEqual([
      true,
      true,
      false,
      false,
    ])
    expect(canAdd(s, carol.user)).toBe(false)
    expect(canAdd(s, bob.user)).toBe(true)
  })
})

describe('questions about a state', () => {
  it('answers who may add, remove, change roles and settings', () => {
    const log = ctrlLog()
    log.create(alice)
    log.add(alice, bob, { role: 'admin' })
    log.add(alice, carol)
    const s = evaluateMembership(log.nodes)
    expect(canPost(s, carol.user)).toBe(true)
    expect(canPost(s, dave.user)).toBe(false)
    expect(canAdd(s, bob.user)).toBe(true)
    expect(canAdd(s, carol.user)).toBe(false)
    expect(canRemove(s, bob.user, carol.user)).toBe(true)
    expect(canRemove(s, bob.user, alice.user)).toBe(false)
    expect(canRemove(s, alice.user, bob.user)).toBe(true)
    expect(canSetRole(s, bob.user, carol.user, 'admin')).toBe(true)
    expect(canSetRole(s, bob.user, carol.user, 'owner')).toBe(false)
    expect(canSetRole(s, alice.user, bob.user, 'member')).toBe(true)
    expect(canChangeSettings(s, bob.user)).toBe(true)
    expect(canChangeSettings(s, carol.user)).toBe(false)
  })

  it('lists every member device, most senior member first', () => {
    const log = ctrlLog()
    log.create(alice)
    log.add(alice, bob, { deviceCount: 1 })
    log.add(alice, carol, { role: 'admin' })
    const s = evaluateMembership(log.nodes)
    expect(seniority(s)).toEqual([alice.user, carol.user, bob.user])
    expect(memberDevices(s).map((d) => [d.user, d.deviceKey])).toEqual([
      [alice.user, alice.deviceKeys[0]],
      [alice.user, alice.deviceKeys[1]],
      [carol.user, carol.deviceKeys[0]],
      [bob.user, bob.deviceKeys[0]],
    ])
    expect(memberDevices(s)[3]!.device).toEqual(bob.devices[0])
  })

  it('gives the membership as of given heads, as its author saw it', () => {
    const log = ctrlLog()
    const c = log.create(alice)
    const addBob = log.add(alice, bob)
    const removeBob = log.remove(alice, bob, { parents: [addBob] })
    const addCarol = log.add(alice, carol, { parents: [addBob], device: 1 })
    const dag = ctrlDag(log.nodes)
    expect(dag.isConcurrent(removeBob, addCarol)).toBe(true)
    expect(dag.isAncestor(c, addCarol)).toBe(true)
    const at = stateAt(log.nodes, [addCarol])
    expect(roles(at)).toEqual({ alice: 'owner', bob: 'member', carol: 'member' })
    expect(canonical(at)).toBe(
      canonical(evaluateMembership(log.nodes.slice(0, 2).concat(log.nodes[3]!))),
    )
    expect(roles(evaluateMembership(log.nodes))).toEqual({ alice: 'owner', carol: 'member' })
  })
})
