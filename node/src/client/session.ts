/**
 * The JSON-lines protocol of `murmur client`. Stdin carries one request per
 * line, `{"id": 1, "cmd": "send", ...args}`; stdout carries one JSON object
 * per line and nothing else:
 *
 *   {"event":"ready","userId":…,"deviceId":…,"peerId":…}    first, once
 *   {"id":1,"ok":true,"result":{…}}                          a reply
 *   {"id":1,"ok":false,"error":{"name":…,"message":…}}       a failed request
 *   {"event":"message",…}                                    a messenger event
 *
 * Requests run concurrently (a join waiting for an admin does not hold up a
 * whoami), so replies come in completion order and are matched by id. A
 * request that cannot be read at all is answered with id null.
 */

import type { Logger, Messenger, MessengerEvents } from '@murmur/core'
import { MurmurError, TooLargeError } from '@murmur/protocol'
import type { Writable } from 'node:stream'
import { COMMANDS, ENVELOPE_KEYS, prepare } from './commands.ts'
import { boundedLines } from './lines.ts'
import type { Line } from './lines.ts'
import { ArgumentError, checkArgs } from './schema.ts'

export const MAX_LINE_BYTES = 1024 * 1024

export const FORWARDED_EVENTS = [
  'message',
  'edit',
  'delete',
  'reaction',
  'member',
  'joined',
  'removed',
  'sync',
] as const satisfies ReadonlyArray<keyof MessengerEvents>

/** A line that is not a JSON request object (or has no usable id or cmd). */
export class BadRequestError extends MurmurError {
  override name = 'BadRequestError'
}

export class UnknownCommandError extends MurmurError {
  override name = 'UnknownCommandError'
}

/** The client stopped before this request finished; it may or may not have taken effect. */
export class ClientClosedError extends MurmurError {
  override name = 'ClientClosedError'
}

export type RequestId = string | number | null

export type EndReason =
  | { readonly kind: 'quit'; readonly id: RequestId }
  | { readonly kind: 'eof' }
  | { readonly kind: 'output-closed' }

export interface SessionInit {
  readonly messenger: Messenger
  readonly input: AsyncIterable<Uint8Array>
  readonly output: Writable
  readonly log: Logger
}

export interface Session {
  /** Resolves when a `quit` arrives, the input ends, or the output is gone. */
  readonly ended: Promise<EndReason>
  /**
   * Stops reading and forwarding events, gives requests in flight up to
   * `graceMs` to finish, and answers the rest with ClientClosedError.
   */
  drain(graceMs: number): Promise<void>
  reply(id: RequestId, result: object): void
  replyError(id: RequestId, err: unknown): void
  /** Resolves once everything written so far has been handed to the OS. */
  flush(): Promise<void>
}

interface InFlight {
  readonly id: RequestId
  task: Promise<unknown>
  abandoned: boolean
}

/** Writes the ready line, then serves requests from `input` until the session ends. */
export function startSession(init: SessionInit): Session {
  const { messenger, output, log } = init
  const inFlight = new Set<InFlight>()
  let stopped = false
  let outputClosed = false
  let end: (reason: EndReason) => void = () => undefined
  const ended = new Promise<EndReason>((resolve) => {
    end = (reason) => {
      stopped = true
      resolve(reason)
    }
  })

  const writeLine = (value: object): void => {
    if (outputClosed) return
    output.write(`${JSON.stringify(value)}\n`)
  }

  const reply = (id: RequestId, result: object): void => {
    try {
      writeLine({ id, ok: true, result })
    } catch (err) {
      // A result that cannot be encoded is the client's bug; the caller still gets an answer.
      replyError(id, err)
    }
  }

  const replyError = (id: RequestId, err: unknown): void => {
    if (!(err instanceof MurmurError)) log.error('request %s failed - %e', JSON.stringify(id), err)
    writeLine({ id, ok: false, error: errorBody(err) })
  }

  output.on('error', (err: Error) => {
    outputClosed = true
    log.error('output closed - %s', err.message)
    end({ kind: 'output-closed' })
  })

  writeLine({
    event: 'ready',
    userId: messenger.userId,
    deviceId: messenger.deviceId,
    peerId: messenger.peerId,
  })

  const unsubscribe = FORWARDED_EVENTS.map((type) =>
    messenger.on(type, (payload) => {
      try {
        writeLine({ event: type, ...payload })
      } catch (err) {
        log.error('%s event not forwarded - %e', type, err)
      }
    }),
  )

  const run = (id: RequestId, call: () => Promise<object> | object): void => {
    const entry: InFlight = { id, abandoned: false, task: Promise.resolve() }
    inFlight.add(entry)
    // Deferred a tick, so a command that throws at once still finds its entry.
    entry.task = Promise.resolve()
      .then(call)
      .then(
        (result) => {
          if (!entry.abandoned) reply(id, result)
        },
        (err: unknown) => {
          if (!entry.abandoned) replyError(id, err)
        },
      )
      .finally(() => inFlight.delete(entry))
  }

  const handle = (line: Line): void => {
    if ('tooLong' in line) {
      replyError(null, new TooLargeError('a request line', line.tooLong, MAX_LINE_BYTES))
      return
    }
    if (line.text.trim() === '') return
    let request: unknown
    try {
      request = JSON.parse(line.text)
    } catch (err) {
      replyError(
        null,
        new BadRequestError(
          `a request must be one JSON object per line - ${(err as Error).message}`,
        ),
      )
      return
    }
    if (typeof request !== 'object' || request === null || Array.isArray(request)) {
      replyError(
        null,
        new BadRequestError('a request must be a JSON object: {"id":1,"cmd":"whoami"}'),
      )
      return
    }
    const fields = request as Record<string, unknown>
    const id = fields.id ?? null
    if (id !== null && typeof id !== 'string' && typeof id !== 'number') {
      replyError(null, new BadRequestError('"id" must be a string or a number'))
      return
    }
    const name = fields.cmd
    if (typeof name !== 'string') {
      replyError(id, new BadRequestError('a request needs "cmd", the command name (try "help")'))
      return
    }
    try {
      if (name === 'quit') {
        checkArgs('quit', {}, fields, ENVELOPE_KEYS)
        end({ kind: 'quit', id })
        return
      }
      const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined
      if (command === undefined) {
        throw new UnknownCommandError(`unknown command "${name}"; "help" lists the commands`)
      }
      const call = prepare(name, command, fields)
      run(id, () => call(messenger))
    } catch (err) {
      replyError(id, err)
    }
  }

  void (async () => {
    try {
      for await (const line of boundedLines(init.input, MAX_LINE_BYTES)) {
        if (stopped) break
        handle(line)
        if (stopped) break
      }
      end({ kind: 'eof' })
    } catch (err) {
      log.error('input failed - %e', err)
      end({ kind: 'eof' })
    }
  })()

  return {
    ended,
    reply,
    replyError,
    async drain(graceMs) {
      stopped = true
      for (const off of unsubscribe) off()
      if (inFlight.size > 0) {
        let timer: ReturnType<typeof setTimeout> | undefined
        await Promise.race([
          Promise.all([...inFlight].map((e) => e.task)),
          new Promise((resolve) => (timer = setTimeout(resolve, graceMs))),
        ])
        clearTimeout(timer)
      }
      for (const entry of inFlight) {
        entry.abandoned = true
        replyError(
          entry.id,
          new ClientClosedError(
            'the client stopped before this request finished; check its effect after a restart',
          ),
        )
      }
    },
    flush() {
      if (outputClosed) return Promise.resolve()
      return new Promise((resolve) => output.write('', () => resolve()))
    },
  }
}

function errorBody(err: unknown): { name: string; message: string; argument?: string } {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) }
  return {
    name: err.name,
    message: err.message,
    ...(err instanceof ArgumentError ? { argument: err.argument } : {}),
  }
}
