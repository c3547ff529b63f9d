/**
 * Topic hosting, peer side: asks each relay we are connected to to host the
 * topics we are subscribed to (`/murmur/host/1.0.0`; the relay side is
 * host.ts), so that peers that reach each other only through a relay still
 * exchange pubsub messages.
 *
 * Subscriptions and unsubscriptions made in the same tick go out together, as
 * one request per kind per relay (more only past MAX_HOST_TOPICS_PER_FRAME).
 * Each new connection to a relay gets our whole list, since a relay forgets a
 * peer's topics when the peer disconnects. Requests to one relay are sent one
 * at a time, in order, each on a short stream that waits for the relay's
 * answer. A failure or a refusal is logged and mended by the next connection
 * to that relay; nothing here throws to the caller.
 */

import type { Libp2p, Logger } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import {
  DecodeError,
  decodeHostReply,
  encodeHostRequest,
  HOST_PROTOCOL,
  isHostableTopic,
  MAX_HOST_FRAME_BYTES,
  MAX_HOST_TOPICS_PER_FRAME,
  TimeoutError,
} from '@murmur/protocol'
import type { HostRequest, PeerIdString, Topic } from '@murmur/protocol'
import { framedStream } from './framed.ts'

/** How long one exchange with a relay may take, stream opening included. */
const HOST_TIMEOUT = 10_000

export interface HostClient {
  start(): void
  /** Forgets every topic and relay, and drops what has not been sent. */
  stop(): void
  host(topic: Topic): void
  unhost(topic: Topic): void
  /** A new connection to `relay` opened: it gets our whole list. */
  relayConnected(relay: PeerIdString): void
  /** We hold no connection to `relay` any more. */
  relayDisconnected(relay: PeerIdString): void
}

export function hostClient(libp2p: Libp2p, log: Logger): HostClient {
  return new Client(libp2p, log)
}

class Client implements HostClient {
  readonly #libp2p: Libp2p
  readonly #log: Logger
  readonly #topics = new Set<Topic>()
  /** Changes not yet sent, by topic: the last one wins. */
  readonly #pending = new Map<Topic, HostRequest['type']>()
  readonly #relays = new Set<PeerIdString>()
  /** The tail of each relay's queue of exchanges. */
  readonly #queues = new Map<PeerIdString, Promise<void>>()
  #flushTimer: ReturnType<typeof setTimeout> | undefined
  #running = false

  constructor(libp2p: Libp2p, log: Logger) {
    this.#libp2p = libp2p
    this.#log = log
  }

  start(): void {
    this.#running = true
  }

  stop(): void {
    this.#running = false
    clearTimeout(this.#flushTimer)
    this.#flushTimer = undefined
    this.#topics.clear()
    this.#pending.clear()
    this.#relays.clear()
  }

  host(topic: Topic): void {
    if (!isHostableTopic(topic)) {
      this.#log('relays cannot host %s: not a /murmur/ topic of at most 128 bytes', topic)
      return
    }
    if (this.#topics.has(topic)) return
    this.#topics.add(topic)
    this.#change(topic, 'host')
  }

  unhost(topic: Topic): void {
    if (this.#topics.delete(topic)) this.#change(topic, 'unhost')
  }

  relayConnected(relay: PeerIdString): void {
    if (!this.#running) return
    this.#relays.add(relay)
    this.#enqueue(relay, requests('host', [...this.#topics]))
  }

  relayDisconnected(relay: PeerIdString): void {
    this.#relays.delete(relay)
  }

  #change(topic: Topic, type: HostRequest['type']): void {
    this.#pending.set(topic, type)
    if (this.#flushTimer === undefined && this.#running) {
      this.#flushTimer = setTimeout(() => this.#flush(), 0)
    }
  }

  #flush(): void {
    this.#flushTimer = undefined
    const host: Topic[] = []
    const unhost: Topic[] = []
    for (const [topic, type] of this.#pending) (type === 'host' ? host : unhost).push(topic)
    this.#pending.clear()
    // Unhost first: it frees quota on the relay for what follows.
    const batch = [...requests('unhost', unhost), ...requests('host', host)]
    for (const relay of this.#relays) this.#enqueue(relay, batch)
  }

  #enqueue(relay: PeerIdString, batch: readonly HostRequest[]): void {
    if (batch.length === 0) return
    const tail = (this.#queues.get(relay) ?? Promise.resolve())
      .then(() => this.#exchange(relay, batch))
      .catch((err: unknown) => {
        if (this.#running) this.#log('relay %s did not take our topics - %e', relay, err)
      })
      .finally(() => {
        if (this.#queues.get(relay) === tail) this.#queues.delete(relay)
      })
    this.#queues.set(relay, tail)
  }

  /** Sends `batch` to `relay` on one stream, one request and its answer at a time. */
  async #exchange(relay: PeerIdString, batch: readonly HostRequest[]): Promise<void> {
    // Disconnected meanwhile: the next connection sends everything anyway.
    if (!this.#running || !this.#relays.has(relay)) return
    const conn = this.#libp2p
      .getConnections(peerIdFromString(relay))
      .find((c) => c.status === 'open' && c.limits === undefined)
    if (conn === undefined) return
    const signal = AbortSignal.timeout(HOST_TIMEOUT)
    const stream = framedStream(
      await conn.newStream(HOST_PROTOCOL, { signal }),
      relay,
      MAX_HOST_FRAME_BYTES,
    )
    const onTimeout = (): void =>
      stream.abort(new TimeoutError(`relay ${relay} did not answer within ${HOST_TIMEOUT} ms`))
    signal.addEventListener('abort', onTimeout)
    const replies = stream.frames()[Symbol.asyncIterator]()
    try {
      for (const request of batch) {
        await stream.send(encodeHostRequest(request))
        const next = await replies.next()
        if (next.done === true) {
          throw new DecodeError('the relay closed the host stream without answering')
        }
        const reply = decodeHostReply(next.value)
        if (reply.type === 'refused') {
          this.#log(
            'relay %s refused to %s %d topics - %s',
            relay,
            request.type,
            request.topics.length,
            reply.reason,
          )
        } else {
          this.#log.trace('relay %s now hosts %d of our topics', relay, reply.hosted)
        }
      }
      await stream.close()
    } catch (err) {
      stream.abort(err instanceof Error ? err : new Error(String(err)))
      throw err
    } finally {
      signal.removeEventListener('abort', onTimeout)
      await replies.return?.(undefined)
    }
  }
}

/** `topics` as requests of at most MAX_HOST_TOPICS_PER_FRAME topics each. */
function requests(type: HostRequest['type'], topics: readonly Topic[]): HostRequest[] {
  const out: HostRequest[] = []
  for (let i = 0; i < topics.length; i += MAX_HOST_TOPICS_PER_FRAME) {
    out.push({ type, topics: topics.slice(i, i + MAX_HOST_TOPICS_PER_FRAME) })
  }
  return out
}
