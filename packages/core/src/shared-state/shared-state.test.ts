import { describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { isErrorNamed } from '@murmur/protocol'
import { createSharedState, isEmptyUpdate, yjsClientId } from './index.ts'
import type { SharedState, StateAuthor, StateChange } from './index.ts'
import { adminsAre, deliver, person } from './fixtures.ts'
import type { Sent } from './fixtures.ts'

const alice = person('alice', 2)
const bob = person('bob', 2)
const carol = person('carol')
const people = [alice, bob, carol]
const nobodyIsAdmin = adminsAre()

/** A replica that writes locally and records what it would send. */
function replica(now?: () => number): {
  state: SharedState
  sent: Sent[]
  write: (author: StateAuthor, w: (s: SharedState) => Uint8Array) => Uint8Array
} {
  const state = createSharedState(now ? { now } : {})
  const sent: Sent[] = []
  return {
    state,
    sent,
    write: (author, w) => {
      const update = w(state)
      sent.push({ update, author })
      return update
    },
  }
}

describe('reactions', () => {
  it('reactions from several users merge into one view per message', () => {
    const a = replica()
    const b = replica()
    a.write(alice.device(), (s) => s.react(alice.device(), 'm1', '👍', true))
    b.write(bob.device(), (s) => s.react(bob.device(), 'm1', '👍', true))
    b.write(bob.device(), (s) => s.react(bob.device(), 'm1', '🎉', true))
    b.write(bob.device(), (s) => s.react(bob.device(), 'm2', '👀', true))

    const c = createSharedState()
    deliver(c, [...b.sent, ...a.sent], people)
    expect(c.reactionsOf('m1')).toEqual(
      new Map([
        ['🎉', ['bob']],
        ['👍', ['alice', 'bob']],
      ]),
    )
    expect(c.reactionsOf('m2')).toEqual(new Map([['👀', ['bob']]]))
    expect(c.reactionsOf('m3')).toEqual(new Map())
  })

  it("un-reacting removes only that user's reaction", () => {
    const a = replica()
    const c = createSharedState()
    a.write(alice.device(), (s) => s.react(alice.device(), 'm1', '👍', true))
    a.write(bob.device(), (s) => s.react(bob.device(), 'm1', '👍', true))
    a.write(alice.device(), (s) => s.react(alice.device(), 'm1', '👍', false))
    deliver(c, a.sent, people)
    expect(c.reactionsOf('m1')).toEqual(new Map([['👍', ['bob']]]))
    a.write(bob.device(), (s) => s.react(bob.device(), 'm1', '👍', false))
    deliver(c, a.sent.slice(-1), people)
    expect(c.reactionsOf('m1')).toEqual(new Map())
  })

  it("a user's second device can take back a reaction made on the first", () => {
    const phone = replica()
    const laptop = createSharedState()
    const watcher = createSharedState()
    const put = phone.write(bob.device(0), (s) => s.react(bob.device(0), 'm1', '❤️', true))
    deliver(laptop, phone.sent, people)
    const take = laptop.react(bob.device(1), 'm1', '❤️', false)
    deliver(watcher, [{ update: put, author: bob.device(0) }], people)
    deliver(watcher, [{ update: take, author: bob.device(1) }], people)
    expect(watcher.reactionsOf('m1')).toEqual(new Map())
  })

  it('a write that changes nothing returns an empty update', () => {
    const s = createSharedState()
    expect(isEmptyUpdate(s.react(alice.device(), 'm1', '👍', false))).toBe(true)
    expect(isEmptyUpdate(s.react(alice.device(), 'm1', '👍', true))).toBe(false)
    expect(isEmptyUpdate(s.react(alice.device(), 'm1', '👍', true))).toBe(true)
    // An empty update is still a valid one.
    s.apply(s.react(alice.device(), 'm1', '👍', true), alice.device(), alice.devices)
  })

  it('a message id or emoji that cannot form a key is refused', () => {
    const s = createSharedState()
    for (const [id, emoji] of [
      ['', '👍'],
      ['m1', ''],
      ['m\u00001', '👍'],
    ] as const) {
      expect(() => s.react(alice.device(), id, emoji, true)).toThrow(
        expect.objectContaining({ name: 'InvalidArgumentError' }),
      )
    }
  })
})

describe('edits', () => {
  it('concurrent edits by two devices of the same user converge to one', () => {
    const phone = replica(() => 1000)
    const laptop = replica(() => 1000)
    phone.write(alice.device(0), (s) => s.edit(alice.device(0), 'm1', 'from the phone'))
    laptop.write(alice.device(1), (s) => s.edit(alice.device(1), 'm1', 'from the laptop'))
    deliver(phone.state, laptop.sent, people)
    deliver(laptop.state, phone.sent, people)
    const onPhone = phone.state.editOf('m1', 'alice')
    expect(onPhone).toBeDefined()
    expect(laptop.state.editOf('m1', 'alice')).toEqual(onPhone)
    expect(['from the phone', 'from the laptop']).toContain(onPhone?.text)
  })

  it("an edit written in another user's document does not change the message", () => {
    const mallory = replica()
    const c = createSharedState()
    mallory.write(bob.device(), (s) => s.edit(bob.device(), 'by-alice', 'bob was here'))
    deliver(c, mallory.sent, people)
    expect(c.editOf('by-alice', 'alice')).toBeUndefined()
    const a = replica()
    a.write(alice.device(), (s) => s.edit(alice.device(), 'by-alice', 'fixed typo'))
    deliver(c, a.sent, people)
    expect(c.editOf('by-alice', 'alice')?.text).toBe('fixed typo')
  })

  it('a later edit gets a later timestamp even when the clock goes back', () => {
    let t = 5000
    const s = createSharedState({ now: () => t })
    s.edit(alice.device(), 'm1', 'one')
    t = 100
    s.edit(alice.device(), 'm1', 'two')
    expect(s.editOf('m1', 'alice')).toEqual({ text: 'two', ts: 5001 })
  })
})

describe('deletions', () => {
  it("the author's own deletion counts", () => {
    const s = createSharedState({ now: () => 42 })
    s.deleteMessage(carol.device(), 'by-carol')
    expect(s.deletionOf('by-carol', 'carol', nobodyIsAdmin)).toEqual({ by: ['carol'], ts: 42 })
  })

  it("an admin's deletion counts; a member's deletion of someone else's message does not", () => {
    const w = replica(() => 7)
    const c = createSharedState()
    w.write(bob.device(), (s) => s.deleteMessage(bob.device(), 'by-carol'))
    deliver(c, w.sent, people)
    expect(c.isDeleted('by-carol', 'carol', adminsAre('alice'))).toBe(false)
    w.write(alice.device(), (s) => s.deleteMessage(alice.device(), 'by-carol'))
    deliver(c, w.sent.slice(-1), people)
    expect(c.deletionOf('by-carol', 'carol', adminsAre('alice'))).toEqual({
      by: ['alice'],
      ts: 7,
    })
  })

  it('a deletion counts only while its writer is admin', () => {
    const s = createSharedState()
    s.deleteMessage(bob.device(), 'by-carol')
    expect(s.deletionOf('by-carol', 'carol', adminsAre('bob'))?.by).toEqual(['bob'])
    expect(s.deletionOf('by-carol', 'carol', adminsAre('alice'))).toBeUndefined()
  })
})

describe('name and topic', () => {
  it('the name is last-writer-wins among admins', () => {
    let t = 100
    const a = replica(() => t)
    const b = replica(() => t)
    a.write(alice.device(), (s) => s.setMeta(alice.device(), 'name', 'Book club'))
    t = 200
    b.write(bob.device(), (s) => s.setMeta(bob.device(), 'name', 'Bike club'))
    const c = createSharedState()
    deliver(c, [...b.sent, ...a.sent], people)
    expect(c.metaOf('name', adminsAre('alice', 'bob'))).toEqual({
      value: 'Bike club',
      ts: 200,
      by: 'bob',
    })
    expect(c.name(adminsAre('alice', 'bob'))).toBe('Bike club')
    expect(c.name(adminsAre('alice'))).toBe('Book club')
    expect(c.topic(adminsAre('alice', 'bob'))).toBeUndefined()
  })

  it('a name set by a non-admin is ignored', () => {
    const s = createSharedState({ now: () => 100 })
    s.setMeta(alice.device(), 'name', 'Official')
    s.setMeta(carol.device(), 'name', 'Hijacked')
    expect(s.metaOf('name', adminsAre('alice'))?.value).toBe('Official')
    expect(s.metaOf('name', nobodyIsAdmin)).toBeUndefined()
  })

  it('a name set after seeing another wins even when the setter clock is behind', () => {
    const a = replica(() => 9000)
    const b = replica(() => 10)
    a.write(alice.device(), (s) => s.setMeta(alice.device(), 'topic', 'old'))
    deliver(b.state, a.sent, people)
    b.write(bob.device(), (s) => s.setMeta(bob.device(), 'topic', 'new'))
    deliver(a.state, b.sent, people)
    expect(a.state.metaOf('topic', adminsAre('alice', 'bob'))).toEqual({
      value: 'new',
      ts: 9001,
      by: 'bob',
    })
  })

  it('equal timestamps are broken by user', () => {
    const s = createSharedState({ now: () => 5 })
    s.setMeta(bob.device(), 'name', 'B')
    const t = createSharedState({ now: () => 5 })
    t.setMeta(alice.device(), 'name', 'A')
    for (const snap of t.snapshot()) s.load(snap.user, snap.update)
    expect(s.metaOf('name', adminsAre('alice', 'bob'))).toEqual({ value: 'B', ts: 5, by: 'bob' })
  })
})

describe('pins and read markers', () => {
  it('messages pinned by any admin are listed latest first; members’ pins are not', () => {
    let t = 1
    const s = createSharedState({ now: () => t++ })
    s.pin(alice.device(), 'm1', true)
    s.pin(bob.device(), 'm2', true)
    s.pin(carol.device(), 'm3', true)
    s.pin(alice.device(), 'm2', true)
    expect(s.pinned(adminsAre('alice', 'bob'))).toEqual([
      { messageId: 'm2', ts: 4, by: ['alice', 'bob'] },
      { messageId: 'm1', ts: 1, by: ['alice'] },
    ])
    s.pin(alice.device(), 'm2', false)
    expect(s.pinned(adminsAre('alice')).map((p) => p.messageId)).toEqual(['m1'])
    expect(s.pinned(adminsAre('alice', 'bob')).map((p) => p.messageId)).toEqual(['m2', 'm1'])
  })

  it('read markers are per user and only move forward', () => {
    const s = createSharedState()
    s.markRead(alice.device(0), 'm5', 500)
    expect(isEmptyUpdate(s.markRead(alice.device(1), 'm3', 300))).toBe(true)
    s.markRead(bob.device(), 'm2', 200)
    expect(s.readMarkerOf('alice')).toEqual({ messageId: 'm5', ts: 500 })
    expect(s.readMarkers()).toEqual(
      new Map([
        ['alice', { messageId: 'm5', ts: 500 }],
        ['bob', { messageId: 'm2', ts: 200 }],
      ]),
    )
    expect(s.readMarkerOf('carol')).toBeUndefined()
  })
})

describe('documents', () => {
  it("local writes carry the writing device's Yjs client id", () => {
    const s = createSharedState()
    const fromPhone = Y.decodeUpdate(s.react(alice.device(0), 'm1', '👍', true))
    const fromLaptop = Y.decodeUpdate(s.edit(alice.device(1), 'm1', 'hi'))
    expect(fromPhone.structs.map((x) => x.id.client)).toEqual([yjsClientId(alice.devices[0]!)])
    expect(fromLaptop.structs.map((x) => x.id.client)).toEqual([yjsClientId(alice.devices[1]!)])
  })

  it('a client id is the first 6 bytes of sha256 of the device key', () => {
    // sha256("abc") = ba7816bf8f01cfea…
    expect(yjsClientId(new TextEncoder().encode('abc'))).toBe(0xba7816bf8f01)
  })

  it("two tabs of one device see each other's writes without a client-id clash", () => {
    const log = vi.spyOn(console, 'log')
    const tab1 = createSharedState()
    const first = tab1.react(alice.device(), 'm1', '👍', true)
    const tab2 = createSharedState()
    tab2.apply(first, alice.device(), alice.devices)
    const second = tab2.react(alice.device(), 'm2', '👍', true)
    tab1.apply(second, alice.device(), alice.devices)
    tab1.apply(first, alice.device(), alice.devices)
    expect(tab1.reactionsOf('m2')).toEqual(new Map([['👍', ['alice']]]))
    const third = Y.decodeUpdate(tab1.react(alice.device(), 'm3', '👍', true))
    expect(third.structs.map((x) => [x.id.client, x.id.clock])).toEqual([
      [yjsClientId(alice.devices[0]!), 2],
    ])
    // Yjs prints a warning and switches to a random client id when it sees one clash.
    expect(log).not.toHaveBeenCalled()
    log.mockRestore()
  })

  it('entries of the wrong shape are ignored by the view', () => {
    // Bob writes his own document by hand, with a valid client id but nonsense values.
    const raw = new Y.Doc()
    raw.clientID = yjsClientId(bob.devices[0]!)
    raw.transact(() => {
      const r = raw.getMap('reactions')
      r.set('no-separator', true)
      r.set('m1\u0000', true)
      r.set('m1\u0000👍\u0000x', true)
      r.set('m1\u0000🎉', 'yes')
      r.set('m1\u0000👀', true)
      raw.getMap('edits').set('m1', 'just a string')
      raw.getMap('edits').set('m2', { text: 3, ts: 1 })
      raw.getMap('edits').set('m3', new Y.Map())
      raw.getMap('deletes').set('m1', 'now')
      raw.getMap('meta').set('name', { value: 'x', ts: Number.NaN })
      raw.getMap('meta').set('avatar', { value: 'x', ts: 1 })
      raw.getMap('pins').set('m1', null)
      raw.getMap('read').set('upTo', { messageId: '', ts: 1 })
      raw.getArray('other').push([1, 2, 3])
    })
    const s = createSharedState()
    s.apply(Y.encodeStateAsUpdate(raw), bob.device(), bob.devices)
    const everyone = adminsAre('alice', 'bob', 'carol')
    expect(s.reactionsOf('m1')).toEqual(new Map([['👀', ['bob']]]))
    expect(s.editOf('m1', 'bob')).toBeUndefined()
    expect(s.editOf('m2', 'bob')).toBeUndefined()
    expect(s.editOf('m3', 'bob')).toBeUndefined()
    expect(s.deletionOf('m1', 'bob', everyone)).toBeUndefined()
    expect(s.metaOf('name', everyone)).toBeUndefined()
    expect(s.pinned(everyone)).toEqual([])
    expect(s.readMarkerOf('bob')).toBeUndefined()
  })
})

describe('change events', () => {
  it('reports each changed message once the view already shows the change', () => {
    const s = createSharedState()
    const seen: Array<StateChange & { view: string[] | undefined }> = []
    const off = s.onChange((change) =>
      seen.push({ ...change, view: s.reactionsOf(change.messageId ?? '').get('👍') }),
    )
    const w = replica()
    w.write(bob.device(), (x) => x.react(bob.device(), 'm1', '👍', true))
    w.write(alice.device(), (x) => x.setMeta(alice.device(), 'name', 'n'))
    deliver(s, w.sent, people)
    s.markRead(carol.device(), 'm9', 9)
    expect(seen).toEqual([
      { kind: 'reaction', messageId: 'm1', user: 'bob', view: ['bob'] },
      { kind: 'meta', user: 'alice', view: undefined },
      { kind: 'read', messageId: 'm9', user: 'carol', view: undefined },
    ])
    off()
    s.react(bob.device(), 'm1', '👍', false)
    expect(seen).toHaveLength(3)
  })

  it('a listener that throws reaches onListenerError and the write still completes', () => {
    const errors: unknown[] = []
    const s = createSharedState({ onListenerError: (err) => errors.push(err) })
    s.onChange(() => {
      throw new Error('listener bug')
    })
    const update = s.edit(alice.device(), 'm1', 'x')
    expect(isEmptyUpdate(update)).toBe(false)
    expect(s.editOf('m1', 'alice')?.text).toBe('x')
    expect(errors).toHaveLength(1)
  })
})

describe('snapshot and load', () => {
  it('a snapshot loaded into a fresh state gives the same view and accepts later updates', () => {
    let t = 1
    const s = createSharedState({ now: () => t++ })
    s.react(alice.device(), 'm1', '👍', true)
    s.react(bob.device(1), 'm1', '👍', true)
    s.edit(alice.device(), 'm1', 'edited')
    s.deleteMessage(bob.device(), 'm2')
    s.setMeta(alice.device(), 'topic', 'plans')
    s.pin(alice.device(), 'm1', true)
    s.markRead(carol.device(), 'm1', 10)

    const loaded = createSharedState()
    const events: StateChange[] = []
    loaded.onChange((c) => events.push(c))
    for (const { user, update } of s.snapshot()) loaded.load(user, update)
    expect(events).toEqual([])
    const admins = adminsAre('alice')
    for (const x of [s, loaded]) {
      expect(x.reactionsOf('m1')).toEqual(new Map([['👍', ['alice', 'bob']]]))
      expect(x.editOf('m1', 'alice')?.text).toBe('edited')
      expect(x.deletionOf('m2', 'bob', admins)?.by).toEqual(['bob'])
      expect(x.metaOf('topic', admins)?.value).toBe('plans')
      expect(x.pinned(admins).map((p) => p.messageId)).toEqual(['m1'])
      expect(x.readMarkerOf('carol')).toEqual({ messageId: 'm1', ts: 10 })
    }
    expect(loaded.snapshot()).toEqual(s.snapshot())
    expect(loaded.stateVector('alice')).toEqual(s.stateVector('alice'))
    expect(loaded.stateVector('dave')).toBeUndefined()
    expect(loaded.snapshotOf('bob')).toEqual(s.snapshotOf('bob'))
    expect(loaded.snapshotOf('dave')).toBeUndefined()

    // Bob's other device takes back the reaction his first device made before the snapshot.
    const take = createSharedState()
    for (const { user, update } of s.snapshot()) take.load(user, update)
    deliver(
      loaded,
      [{ update: take.react(bob.device(0), 'm1', '👍', false), author: bob.device(0) }],
      people,
    )
    expect(loaded.reactionsOf('m1')).toEqual(new Map([['👍', ['alice']]]))
  })

  it('stored state that cannot be read is reported as CorruptStorageError', () => {
    const s = createSharedState()
    let caught: unknown
    try {
      s.load('alice', new Uint8Array([0xff, 0xff, 0xff]))
    } catch (err) {
      caught = err
    }
    expect(isErrorNamed(caught, 'CorruptStorageError')).toBe(true)
  })
})
