/**
 * `murmur client` pieces in process: the bounded line reader, the argument
 * tables, and the JSON-lines session against a stand-in messenger (the real
 * one, as a child process, is covered by test/net/client-contract.test.ts).
 */

import type { Messenger, MessengerEvents } from '@murmur/core'
import { Emitter, silentLogger, UnknownConversationError } from '@murmur/core'
import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { COMMANDS, prepare } from './client/commands.ts'
import { boundedLines } from './client/lines.ts'
import type { Line } from './client/lines.ts'
import { checkArgs, integer, nonEmpty, optional, string } from './client/schema.ts'
import { startSession } from './client/session.ts'
import type { Session } from './client/session.ts'

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)

async function collect(chunks: Uint8Array[], max: number): Promise<Line[]> {
  const out: Line[] = []
  for await (const line of boundedLines(
    (async function* () {
      yield* chunks
    })(),
    max,
  )) {
    out.push(line)
  }
  return out
}

describe('boundedLines', () => {
  it('splits on newlines across chunks, drops a trailing CR, and keeps a last unterminated line', async () => {
    expect(await collect([bytes('{"a":1}\r\n{"b"'), bytes(':2}\n\n{"c":3}')], 100)).toEqual([
      { text: '{"a":1}' },
      { text: '{"b":2}' },
      { text: '' },
      { text: '{"c":3}' },
    ])
  })

  it('decodes a multi-byte character split between chunks', async () => {
    const euro = bytes('"€"\n')
    expect(await collect([euro.subarray(0, 2), euro.subarray(2)], 100)).toEqual([{ text: '"€"' }])
  })

  it('reports a line over the limit with its size and reads on after it', async () => {
    const long = 'x'.repeat(25)
    expect(await collect([bytes(long.slice(0, 10)), bytes(`${long.slice(10)}\nok\n`)], 16)).toEqual(
      [{ tooLong: 25 }, { text: 'ok' }],
    )
  })
})

describe('checkArgs', () => {
  const schema = { conversationId: nonEmpty, text: string, limit: optional(integer(1, 500)) }

  it('returns only the declared arguments, treating null as left out', () => {
    expect(
      checkArgs('x', schema, { id: 1, cmd: 'x', conversationId: 'c', text: '', limit: null }, [
        'id',
        'cmd',
      ]),
    ).toEqual({ conversationId: 'c', text: '' })
  })

  it.each([
    [{ text: 'hi' }, 'conversationId', /needs "conversationId"/],
    [{ conversationId: 'c', text: 7 }, 'text', /"text" must be a string, got 7/],
    [{ conversationId: 'c', text: '', limit: 0 }, 'limit', /from 1 to 500/],
    [{ conversationId: '', text: '' }, 'conversationId', /non-empty/],
    [{ conversationId: 'c', text: '', colour: 'red' }, 'colour', /has no argument "colour"/],
  ])('refuses %j naming %s', (request, argument, message) => {
    expect(() => checkArgs('x', schema, request, [])).toThrow(
      expect.objectContaining({
        name: 'InvalidArgumentError',
        argument,
        message: expect.stringMatching(message),
      }),
    )
  })

  it('has a schema for every command that the messenger can take', () => {
    for (const [name, command] of Object.entries(COMMANDS)) {
      expect(
        Object.values(command.args).every((f) => typeof f.accepts === 'function'),
        name,
      ).toBe(true)
    }
    expect(() =>
      prepare('promote', COMMANDS.promote!, { conversationId: 'c', userId: 'u', role: 'owner' }),
    ).toThrow(expect.objectContaining({ argument: 'role' }))
  })
})

/** Just enough of a Messenger for the session: events, whoami, and a join that waits. */
function fakeMessenger(): {
  messenger: Messenger
  events: Emitter<MessengerEvents>
  admit: (conversationId: string) => void
} {
  const events = new Emitter<MessengerEvents>(() => undefined)
  let admit: (conversationId: string) => void = () => undefined
  const messenger = {
    userId: 'u1',
    deviceId: 'd1',
    peerId: 'p1',
    whoami: () => ({ userId: 'u1', name: 'Ada' }),
    join: () => new Promise((resolve) => (admit = resolve)),
    send: () => {
      throw new UnknownConversationError('no conversation c; list them with "conversations"')
    },
    history: async () => {
      throw new TypeError('boom')
    },
    on: <K extends keyof MessengerEvents>(type: K, listener: (e: MessengerEvents[K]) => void) =>
      events.on(type, listener),
  } as unknown as Messenger
  return { messenger, events, admit: (cid) => admit(cid) }
}

function harness(): {
  session: Session
  input: PassThrough
  lines: () => Array<Record<string, unknown>>
  next: () => Promise<Record<string, unknown>>
  fake: ReturnType<typeof fakeMessenger>
} {
  const fake = fakeMessenger()
  const input = new PassThrough()
  const output = new PassThrough()
  const seen: Array<Record<string, unknown>> = []
  let buffered = ''
  let wake: (() => void) | undefined
  output.on('data', (d: Buffer) => {
    buffered += d.toString()
    const parts = buffered.split('\n')
    buffered = parts.pop()!
    for (const part of parts) seen.push(JSON.parse(part) as Record<string, unknown>)
    wake?.()
  })
  let read = 0
  const next = async (): Promise<Record<string, unknown>> => {
    while (read >= seen.length) await new Promise<void>((r) => (wake = r))
    return seen[read++]!
  }
  const session = startSession({ messenger: fake.messenger, input, output, log: silentLogger })
  return { session, input, lines: () => seen, next, fake }
}

describe('the JSON-lines session', () => {
  it('answers a quick command while a join is still waiting, each reply with its id', async () => {
    const { input, next, fake, session } = harness()
    expect(await next()).toEqual({ event: 'ready', userId: 'u1', deviceId: 'd1', peerId: 'p1' })
    input.write('{"id":"j","cmd":"join","link":"murmur:#join=x"}\n{"id":"w","cmd":"whoami"}\n')
    expect(await next()).toEqual({
      id: 'w',
      ok: true,
      result: { userId: 'u1', name: 'Ada', deviceId: 'd1', peerId: 'p1' },
    })
    fake.admit('c1')
    expect(await next()).toEqual({ id: 'j', ok: true, result: { conversationId: 'c1' } })
    input.write('{"id":9,"cmd":"quit"}\n')
    expect(await session.ended).toEqual({ kind: 'quit', id: 9 })
  })

  it('forwards messenger errors by name, including unexpected ones', async () => {
    const { input, next } = harness()
    await next()
    input.write('{"id":1,"cmd":"send","conversationId":"c","text":"hi"}\n')
    expect(await next()).toMatchObject({
      id: 1,
      ok: false,
      error: { name: 'UnknownConversationError' },
    })
    input.write('{"id":2,"cmd":"history","conversationId":"c"}\n')
    expect(await next()).toEqual({
      id: 2,
      ok: false,
      error: { name: 'TypeError', message: 'boom' },
    })
  })

  it('forwards events as {"event": name, ...payload}', async () => {
    const { next, fake } = harness()
    await next()
    fake.events.emit('removed', { conversationId: 'c1' as never })
    expect(await next()).toEqual({ event: 'removed', conversationId: 'c1' })
  })

  it('answers what is still running at shutdown with ClientClosedError, and ends on end of input', async () => {
    const { input, next, session } = harness()
    await next()
    input.write('{"id":"j","cmd":"join","link":"murmur:#join=x"}\n')
    input.end()
    expect(await session.ended).toEqual({ kind: 'eof' })
    await session.drain(10)
    expect(await next()).toMatchObject({ id: 'j', ok: false, error: { name: 'ClientClosedError' } })
  })
})
