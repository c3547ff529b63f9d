/**
 * Topic hosting (`/murmur/host/1.0.0`, a direct stream from a peer to one of
 * its relays): the peer asks the relay to be a gossipsub member of topics the
 * peer is subscribed to, so that peers connected only through that relay still
 * exchange messages on them. The peer sends requests; the relay answers each
 * with exactly one reply, in order. Each frame below is the payload of one
 * length-prefixed stream frame (frames.ts), at most MAX_HOST_FRAME_BYTES; the
 * protocol id carries the version.
 *
 * Request (peer → relay)
 *   u8      type: host = 1, unhost = 2
 *   varint  topic count, ≤ MAX_HOST_TOPICS_PER_FRAME
 *   string  topic, 1 to MAX_HOST_TOPIC_BYTES bytes beginning with `/murmur/`, repeated
 *
 * Reply (relay → peer)
 *   u8      type: ok = 3, refused = 4
 *   ok:      varint hosted: how many topics the relay now hosts for this peer
 *   refused: string reason, ≤ MAX_HOST_REASON_BYTES, for people to read
 *
 * Strings are varint-length-prefixed UTF-8; varints are in their shortest
 * form. Requests and replies use distinct tags, so a frame sent the wrong way
 * is refused rather than misread. The encoders refuse what the decoders would.
 */

import { Reader, Writer } from './bytes.ts'
import { DecodeError, InvalidArgumentError, TooLargeError } from './errors.ts'
import { asProtocolId, asTopic } from './ids.ts'
import type { ProtocolId, Topic } from './ids.ts'

export const HOST_PROTOCOL: ProtocolId = asProtocolId('/murmur/host/1.0.0')

/** Every hostable topic begins with this: a relay hosts Murmur topics only. */
export const HOST_TOPIC_PREFIX = '/murmur/'
/** Longest topic, in UTF-8 bytes. */
export const MAX_HOST_TOPIC_BYTES = 128
/** Most topics in one request; a peer with more sends several. */
export const MAX_HOST_TOPICS_PER_FRAME = 256
/** Longest refusal reason, in UTF-8 bytes. */
export const MAX_HOST_REASON_BYTES = 256
/**
 * Largest request or reply: a type byte, a two-byte count and every topic at
 * its limit behind a two-byte length (33,283 bytes).
 */
export const MAX_HOST_FRAME_BYTES = 1 + 2 + MAX_HOST_TOPICS_PER_FRAME * (2 + MAX_HOST_TOPIC_BYTES)

export type HostRequest =
  | { readonly type: 'host'; readonly topics: readonly Topic[] }
  | { readonly type: 'unhost'; readonly topics: readonly Topic[] }

export type HostReply =
  | { readonly type: 'ok'; readonly hosted: number }
  | { readonly type: 'refused'; readonly reason: string }

const REQUEST_TAGS: Readonly<Record<HostRequest['type'], number>> = { host: 1, unhost: 2 }
const REPLY_TAGS: Readonly<Record<HostReply['type'], number>> = { ok: 3, refused: 4 }

const encoder = new TextEncoder()

/** True when a relay may be asked to host `topic` (prefix and length as above). */
export function isHostableTopic(topic: string): boolean {
  return (
    typeof topic === 'string' &&
    topic.startsWith(HOST_TOPIC_PREFIX) &&
    topic.isWellFormed() &&
    encoder.encode(topic).length <= MAX_HOST_TOPIC_BYTES
  )
}

export function encodeHostRequest(request: HostRequest): Uint8Array {
  const tag = Object.hasOwn(REQUEST_TAGS, request.type) ? REQUEST_TAGS[request.type] : undefined
  if (tag === undefined) {
    throw new InvalidArgumentError(`host request type '${String(request.type)}' is unknown`)
  }
  const { topics } = request
  if (!Array.isArray(topics)) throw new InvalidArgumentError('host request topics must be an array')
  if (topics.length > MAX_HOST_TOPICS_PER_FRAME) {
    throw new InvalidArgumentError(
      `a host request carries at most ${MAX_HOST_TOPICS_PER_FRAME} topics, got ${topics.length}`,
    )
  }
  const w = new Writer().byte(tag).varint(topics.length)
  for (const topic of topics) {
    if (!isHostableTopic(topic)) {
      throw new InvalidArgumentError(
        `topic must begin with ${HOST_TOPIC_PREFIX} and be at most ${MAX_HOST_TOPIC_BYTES} bytes: ${String(topic).slice(0, 64)}`,
      )
    }
    w.string(topic)
  }
  return w.finish()
}

export function decodeHostRequest(data: Uint8Array): HostRequest {
  checkSize(data)
  const r = new Reader(data, 'host request')
  const tag = r.byte()
  const type = tag === REQUEST_TAGS.host ? 'host' : tag === REQUEST_TAGS.unhost ? 'unhost' : null
  if (type === null) throw new DecodeError(`host request type ${tag} is unknown`)
  const count = r.varint()
  if (count > MAX_HOST_TOPICS_PER_FRAME) {
    throw new DecodeError(`host request lists ${count} topics (limit ${MAX_HOST_TOPICS_PER_FRAME})`)
  }
  const topics: Topic[] = []
  for (let i = 0; i < count; i++) {
    const topic = r.string(MAX_HOST_TOPIC_BYTES)
    if (!topic.startsWith(HOST_TOPIC_PREFIX)) {
      throw new DecodeError(`host request topic does not begin with ${HOST_TOPIC_PREFIX}`)
    }
    topics.push(asTopic(topic))
  }
  r.end()
  return { type, topics }
}

export function encodeHostReply(reply: HostReply): Uint8Array {
  if (reply.type === 'ok') {
    if (!Number.isSafeInteger(reply.hosted) || reply.hosted < 0) {
      throw new InvalidArgumentError(
        `hosted must be a non-negative safe integer, got ${reply.hosted}`,
      )
    }
    return new Writer().byte(REPLY_TAGS.ok).varint(reply.hosted).finish()
  }
  if (reply.type === 'refused') {
    if (typeof reply.reason !== 'string' || !reply.reason.isWellFormed()) {
      throw new InvalidArgumentError('refusal reason must be a well-formed string')
    }
    const reason = encoder.encode(reply.reason)
    if (reason.length > MAX_HOST_REASON_BYTES) {
      throw new InvalidArgumentError(
        `refusal reason is ${reason.length} bytes (limit ${MAX_HOST_REASON_BYTES})`,
      )
    }
    return new Writer().byte(REPLY_TAGS.refused).bytes(reason).finish()
  }
  throw new InvalidArgumentError(
    `host reply type '${String((reply as { type: unknown }).type)}' is unknown`,
  )
}

export function decodeHostReply(data: Uint8Array): HostReply {
  checkSize(data)
  const r = new Reader(data, 'host reply')
  const tag = r.byte()
  let reply: HostReply
  if (tag === REPLY_TAGS.ok) reply = { type: 'ok', hosted: r.varint() }
  else if (tag === REPLY_TAGS.refused) {
    reply = { type: 'refused', reason: r.string(MAX_HOST_REASON_BYTES) }
  } else throw new DecodeError(`host reply type ${tag} is unknown`)
  r.end()
  return reply
}

function checkSize(data: Uint8Array): void {
  if (!(data instanceof Uint8Array)) throw new DecodeError('host frame is not a byte array')
  if (data.length > MAX_HOST_FRAME_BYTES) {
    throw new TooLargeError('host frame', data.length, MAX_HOST_FRAME_BYTES)
  }
}
