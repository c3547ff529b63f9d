/**
 * The whole life of a group, run the way a bot or script would: three
 * `murmur client` processes on one `murmur relay` process, over real libp2p.
 * Create, invite, join, talk, react, edit, delete, promote, remove — every
 * message delivered, the removed member reading nothing new — and all three
 * restarting with their history intact.
 */

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startClientProcess } from '../helpers/client-process.ts'
import type { ClientProcess } from '../helpers/client-process.ts'
import { startRelayProcess } from '../helpers/relay-process.ts'
import type { RelayProcess } from '../helpers/relay-process.ts'
import { waitFor } from '../helpers/wait.ts'

interface Message {
  readonly messageId: string
  readonly author: string
  readonly text: string
  readonly edited?: boolean
  readonly deleted?: boolean
  readonly reactions: Record<string, string[]>
  readonly status?: 'pending' | 'sent' | 'delivered'
}

const RANK = { none: 0, pending: 1, sent: 2, delivered: 3 } as const

function withoutStatus(message: Message): Omit<Message, 'status'> {
  const { status: _status, ...rest } = message
  return rest
}

describe('three clients on one relay', () => {
  let relay: RelayProcess
  let root: string
  const running: ClientProcess[] = []

  beforeAll(async () => {
    relay = await startRelayProcess()
    root = await mkdtemp(join(tmpdir(), 'murmur-three-'))
  })

  afterAll(async () => {
    await Promise.all(running.map((c) => c.stop()))
    await relay?.stop()
    await rm(root, { recursive: true, force: true })
  })

  async function start(name: string): Promise<ClientProcess> {
    const client = await startClientProcess({
      relays: [relay.wsAddr],
      name,
      dataDir: join(root, name),
    })
    running.push(client)
    return client
  }

  async function stop(client: ClientProcess): Promise<void> {
    expect(await client.stop()).toBe(0)
    running.splice(running.indexOf(client), 1)
  }

  async function history(client: ClientProcess, conversationId: string): Promise<Message[]> {
    return (await client.request<{ messages: Message[] }>('history', { conversationId })).messages
  }

  async function until(
    client: ClientProcess,
    conversationId: string,
    what: string,
    check: (messages: Message[]) => boolean,
  ): Promise<void> {
    await waitFor(async () => check(await history(client, conversationId)), what, 45_000, 250)
  }

  it('run create → invite → join → talk → react → edit → delete → promote → remove → restart', async () => {
    let alice = await start('Alice')
    let bob = await start('Bob')
    let carol = await start('Carol')
    const { conversationId: cid } = await alice.request<{ conversationId: string }>('createGroup', {
      name: 'Climbing',
    })
    const { link } = await alice.request<{ link: string }>('invite', { conversationId: cid })
    await Promise.all([
      bob.request('join', { link, timeoutMs: 45_000 }, 50_000),
      carol.request('join', { link, timeoutMs: 45_000 }, 50_000),
    ])
    for (const c of [alice, bob, carol]) {
      await waitFor(
        async () =>
          (await c.request<{ members: unknown[] }>('members', { conversationId: cid })).members
            .length === 3,
        'three members everywhere',
        45_000,
        250,
      )
    }

    // Talk: every message reaches everyone.
    const said: string[] = []
    for (const [client, text] of [
      [alice, 'Saturday at the crag?'],
      [bob, 'I am in'],
      [carol, 'me too'],
    ] as const) {
      await client.request('send', { conversationId: cid, text })
      said.push(text)
    }
    for (const c of [alice, bob, carol]) {
      await until(c, cid, 'all three messages', (m) =>
        said.every((t) => m.some((x) => x.text === t)),
      )
    }
    const first = (await history(bob, cid)).find((m) => m.text === 'Saturday at the crag?')
    expect(first).toBeDefined()
    const firstId = first?.messageId ?? ''

    // React, edit, delete.
    await bob.request('react', { conversationId: cid, messageId: firstId, emoji: '🧗' })
    await carol.request('react', { conversationId: cid, messageId: firstId, emoji: '🧗' })
    await alice.request('edit', {
      conversationId: cid,
      messageId: firstId,
      text: 'Saturday at the crag? 9:00',
    })
    const bobs = (await history(bob, cid)).find((m) => m.text === 'I am in')
    await bob.request('delete', { conversationId: cid, messageId: bobs?.messageId })
    for (const c of [alice, bob, carol]) {
      await until(c, cid, 'the edit, two reactions and the deletion', (m) => {
        const f = m.find((x) => x.messageId === firstId)
        const d = m.find((x) => x.messageId === bobs?.messageId)
        return (
          f?.text === 'Saturday at the crag? 9:00' &&
          f.reactions['🧗']?.length === 2 &&
          d?.deleted === true
        )
      })
    }

    // Promote Bob; Bob removes Carol; Carol reads nothing said afterwards.
    await alice.request('promote', { conversationId: cid, userId: bob.ready.userId, role: 'admin' })
    await waitFor(
      async () =>
        (
          await bob.request<{ members: Array<{ userId: string; role: string }> }>('members', {
            conversationId: cid,
          })
        ).members.find((m) => m.userId === bob.ready.userId)?.role === 'admin',
      'bob is admin in his own view',
      45_000,
      250,
    )
    await bob.request('remove', { conversationId: cid, userId: carol.ready.userId })
    await carol.nextEvent('removed', (e) => e.conversationId === cid, 45_000)
    await alice.request('send', { conversationId: cid, text: 'after Carol left' })
    await until(bob, cid, 'bob reads on', (m) => m.some((x) => x.text === 'after Carol left'))
    await expect(
      carol.request('send', { conversationId: cid, text: 'hello?' }),
    ).rejects.toMatchObject({
      name: 'NotMemberError',
    })
    const carolBefore = await history(carol, cid)
    expect(carolBefore.map((m) => m.text)).not.toContain('after Carol left')

    // Everyone restarts; history is intact.
    const before = new Map<string, Message[]>()
    for (const [name, c] of [
      ['Alice', alice],
      ['Bob', bob],
      ['Carol', carol],
    ] as const) {
      before.set(name, await history(c, cid))
      await stop(c)
    }
    alice = await start('Alice')
    bob = await start('Bob')
    carol = await start('Carol')
    for (const [name, c] of [
      ['Alice', alice],
      ['Bob', bob],
      ['Carol', carol],
    ] as const) {
      // Delivery status is live (a member may confirm receipt while we
      // restart), so it may only move forward; everything else is identical.
      const after = await history(c, cid)
      expect(after.map(withoutStatus)).toEqual(before.get(name)?.map(withoutStatus))
      after.forEach((m, i) => {
        expect(RANK[m.status ?? 'none']).toBeGreaterThanOrEqual(
          RANK[before.get(name)?.[i]?.status ?? 'none'],
        )
      })
    }
    expect((await history(carol, cid)).map((m) => m.text)).not.toContain('after Carol left')
    // And they keep talking after the restart.
    await bob.request('send', { conversationId: cid, text: 'back online' })
    await until(alice, cid, 'a message after the restart', (m) =>
      m.some((x) => x.text === 'back online'),
    )
  }, 240_000)
})
