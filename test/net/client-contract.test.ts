/**
 * The contract of `murmur client`, driven as a child process the way bots and
 * scripts use it: JSON lines in, JSON lines out, typed errors, a clean quit,
 * an identity that survives restarts, and two clients talking through a relay.
 */

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startClientProcess } from '../helpers/client-process.ts'
import type { ClientProcess } from '../helpers/client-process.ts'
import { startRelayProcess } from '../helpers/relay-process.ts'
import type { RelayProcess } from '../helpers/relay-process.ts'

let relay: RelayProcess

beforeAll(async () => {
  relay = await startRelayProcess()
})

afterAll(async () => {
  await relay?.stop()
})

function isJsonObject(line: string): boolean {
  try {
    const value: unknown = JSON.parse(line)
    return typeof value === 'object' && value !== null && !Array.isArray(value)
  } catch {
    return false
  }
}

describe('one running client', () => {
  let client: ClientProcess

  beforeAll(async () => {
    client = await startClientProcess({ relays: [relay.wsAddr], name: 'Ada' })
  })

  afterAll(async () => {
    await client?.stop()
  })

  it('prints a ready line with its user, device and peer ids before anything else', () => {
    const first = JSON.parse(client.stdoutLines()[0]!) as Record<string, unknown>
    expect(first).toEqual({
      event: 'ready',
      userId: expect.stringMatching(/^[0-9a-f]{64}$/),
      deviceId: expect.stringMatching(/^[0-9a-f]+$/),
      peerId: expect.stringMatching(/^12D3KooW/),
    })
  })

  it('answers whoami with the name from --name, and setName changes it', async () => {
    expect(await client.request('whoami')).toMatchObject({
      userId: client.ready.userId,
      name: 'Ada',
    })
    expect(await client.request('setName', { name: 'Ada L.' })).toEqual({})
    expect(await client.request('whoami')).toMatchObject({ name: 'Ada L.' })
  })

  it('refuses an unknown command with UnknownCommandError and keeps answering', async () => {
    await expect(client.request('fly')).rejects.toMatchObject({ name: 'UnknownCommandError' })
    expect(await client.request('whoami')).toMatchObject({ userId: client.ready.userId })
  })

  it('answers a line that is not JSON with BadRequestError and id null', async () => {
    client.sendRaw('{"id": 1, "cmd": "whoami"')
    expect(await client.nextStrayReply()).toMatchObject({
      id: null,
      ok: false,
      error: { name: 'BadRequestError' },
    })
    client.sendRaw('[1, 2, 3]')
    expect(await client.nextStrayReply()).toMatchObject({
      id: null,
      ok: false,
      error: { name: 'BadRequestError' },
    })
    expect(await client.request('whoami')).toMatchObject({ userId: client.ready.userId })
  })

  it('names a missing argument in an InvalidArgumentError', async () => {
    await expect(client.request('send', { text: 'hi' })).rejects.toMatchObject({
      name: 'InvalidArgumentError',
      argument: 'conversationId',
    })
  })

  it('names a mistyped or unknown argument in an InvalidArgumentError', async () => {
    await expect(client.request('setName', { name: 42 })).rejects.toMatchObject({
      name: 'InvalidArgumentError',
      argument: 'name',
    })
    await expect(client.request('createGroup', { name: 'Team', kind: 'dm' })).rejects.toMatchObject(
      { name: 'InvalidArgumentError', argument: 'kind' },
    )
    await expect(client.request('whoami', { verbose: true })).rejects.toMatchObject({
      name: 'InvalidArgumentError',
      argument: 'verbose',
    })
    expect(await client.request('whoami')).toMatchObject({ userId: client.ready.userId })
  })

  it('forwards an error the messenger throws with its name and message', async () => {
    await expect(
      client.request('send', { conversationId: 'no-such-conversation', text: 'hi' }),
    ).rejects.toMatchObject({ name: 'UnknownConversationError' })
  })

  it('refuses a line over 1 MiB with TooLargeError and keeps answering', async () => {
    client.sendRaw(JSON.stringify({ id: 'big', cmd: 'setName', name: 'x'.repeat(1_100_000) }))
    expect(await client.nextStrayReply()).toMatchObject({
      id: null,
      ok: false,
      error: { name: 'TooLargeError' },
    })
    expect(await client.request('whoami')).toMatchObject({ name: 'Ada L.' })
  })

  it('creates a group and lists it with its members', async () => {
    const { conversationId } = await client.request<{ conversationId: string }>('createGroup', {
      name: 'Team',
    })
    const { conversations } = await client.request<{ conversations: unknown[] }>('conversations')
    expect(conversations).toContainEqual(
      expect.objectContaining({ conversationId, kind: 'group', name: 'Team', unread: 0 }),
    )
    expect(await client.request('members', { conversationId })).toEqual({
      members: [expect.objectContaining({ userId: client.ready.userId, role: expect.any(String) })],
    })
    expect(await client.request('invite', { conversationId })).toEqual({
      link: expect.stringMatching(/^murmur:#join=/),
    })
  })
})

describe('client lifecycle', () => {
  it('exits 0 on quit after answering it, and printed nothing but JSON objects', async () => {
    const client = await startClientProcess({ relays: [relay.wsAddr], name: 'Bo' })
    await client.request('whoami')
    await expect(client.request('quit')).resolves.toEqual({})
    expect(await client.exited).toBe(0)
    expect(client.stdoutLines().length).toBeGreaterThanOrEqual(3)
    expect(client.stdoutLines().filter((line) => !isJsonObject(line))).toEqual([])
    await client.stop()
  })

  it('exits 0 when its input ends, and on SIGTERM', async () => {
    const eof = await startClientProcess({ relays: [relay.wsAddr] })
    eof.child.stdin.end()
    expect(await eof.exited).toBe(0)
    await eof.stop()
    const term = await startClientProcess({ relays: [relay.wsAddr] })
    term.child.kill('SIGTERM')
    expect(await term.exited).toBe(0)
    expect(term.stdoutLines().filter((line) => !isJsonObject(line))).toEqual([])
    await term.stop()
  })

  it('keeps its user id and peer id when restarted with the same --data', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'murmur-client-restart-'))
    try {
      const first = await startClientProcess({ relays: [relay.wsAddr], name: 'Cy', dataDir })
      expect(await first.stop()).toBe(0)
      const second = await startClientProcess({ relays: [relay.wsAddr], dataDir })
      expect(second.ready.userId).toBe(first.ready.userId)
      expect(second.ready.peerId).toBe(first.ready.peerId)
      expect(await second.request('whoami')).toMatchObject({ name: 'Cy' })
      expect(await second.stop()).toBe(0)
    } finally {
      await rm(dataDir, { recursive: true, force: true })
    }
  })
})

describe('two clients through a relay', () => {
  it('a join nobody can admit times out with JoinTimeoutError without holding up other commands', async () => {
    const host = await startClientProcess({ relays: [relay.wsAddr], name: 'Host' })
    const { conversationId } = await host.request<{ conversationId: string }>('createGroup', {
      name: 'Quiet room',
    })
    const { link } = await host.request<{ link: string }>('invite', { conversationId })
    await host.stop()

    const guest = await startClientProcess({ relays: [relay.wsAddr], name: 'Guest' })
    try {
      const order: string[] = []
      const join = guest.request('join', { link, timeoutMs: 3_000 })
      join.catch(() => order.push('join'))
      await guest.request('whoami')
      order.push('whoami')
      await expect(join).rejects.toMatchObject({ name: 'JoinTimeoutError' })
      expect(order).toEqual(['whoami', 'join'])
    } finally {
      await guest.stop()
    }
  })

  it('a second client joins a group by invite, and each receives what the other sends', async () => {
    const alice = await startClientProcess({ relays: [relay.wsAddr], name: 'Alice' })
    const bob = await startClientProcess({ relays: [relay.wsAddr], name: 'Bob' })
    try {
      const { conversationId } = await alice.request<{ conversationId: string }>('createGroup', {
        name: 'Lunch',
      })
      const { link } = await alice.request<{ link: string }>('invite', { conversationId })
      expect(await bob.request('join', { link, timeoutMs: 45_000 }, 50_000)).toEqual({
        conversationId,
      })
      await bob.nextEvent('joined', (e) => e.conversationId === conversationId)
      await alice.nextEvent('member', (e) => e.userId === bob.ready.userId && e.change === 'added')

      const { messageId } = await alice.request<{ messageId: string }>('send', {
        conversationId,
        text: 'noon at the usual place?',
      })
      expect(
        await bob.nextEvent('message', (e) => e.messageId === messageId, 30_000),
      ).toMatchObject({
        event: 'message',
        conversationId,
        author: alice.ready.userId,
        authorName: 'Alice',
        text: 'noon at the usual place?',
        mine: false,
      })

      const reply = await bob.request<{ messageId: string }>('send', {
        conversationId,
        text: 'yes',
        replyTo: messageId,
      })
      expect(
        await alice.nextEvent('message', (e) => e.messageId === reply.messageId, 30_000),
      ).toMatchObject({ author: bob.ready.userId, text: 'yes', replyTo: messageId })

      const { messages } = await bob.request<{ messages: Array<{ text: string }> }>('history', {
        conversationId,
      })
      expect(messages.map((m) => m.text)).toEqual(['noon at the usual place?', 'yes'])
    } finally {
      await Promise.all([alice.stop(), bob.stop()])
    }
  })
})
