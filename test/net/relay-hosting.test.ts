/**
 * Relay topic hosting, in-process: a real relay and Node peers that never look
 * for each other (no discovery topic), so they stay connected only through
 * the relay. Conversation topics are random, as real ones are, so the relay
 * can forward them only because the peers asked it to host them.
 */

import { randomBytes } from 'node:crypto'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { ComponentLogger, PrivateKey } from '@libp2p/interface'
import { defaultLogger } from '@libp2p/logger'
import { peerIdFromString } from '@libp2p/peer-id'
import { createLibp2pNetwork, createRelayNode } from '@murmur/net-libp2p'
import type { Libp2pNetwork, RelayLimits, RelayNode } from '@murmur/net-libp2p'
import type { FramedStream } from '@murmur/core'
import {
  asPeerId,
  asTopic,
  decodeHostReply,
  encodeHostRequest,
  HOST_PROTOCOL,
  LOBBY_TOPIC,
  MAX_HOST_FRAME_BYTES,
} from '@murmur/protocol'
import type { HostReply, HostRequest, PeerIdString, Topic } from '@murmur/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { nextEvent, waitFor } from '../helpers/wait.ts'

const text = (s: string): Uint8Array => new TextEncoder().encode(s)
const str = (b: Uint8Array): string => new TextDecoder().decode(b)
const conversationTopic = (): Topic => asTopic(`/murmur/c/${randomBytes(16).toString('hex')}`)

/** Everything a test starts, stopped after it whatever happened. */
const running: Array<{ stop(): void | Promise<void> }> = []
afterEach(async () => {
  for (const node of running.splice(0).reverse()) await node.stop()
})

async function startRelay(
  options: { limits?: Partial<RelayLimits>; privateKey?: PrivateKey; port?: number } = {},
): Promise<RelayNode> {
  const relay = await createRelayNode({
    privateKey: options.privateKey ?? (await generateKeyPair('Ed25519')),
    listen: [`/ip4/127.0.0.1/tcp/${options.port ?? 0}/ws`],
    topics: [LOBBY_TOPIC],
    ...(options.limits === undefined ? {} : { limits: options.limits }),
  })
  running.push(relay)
  await relay.start()
  return relay
}

const addrOf = (relay: RelayNode): string => relay.getMultiaddrs()[0]!.toString()
const relayId = (relay: RelayNode): PeerIdString => asPeerId(relay.peerId.toString())

/** A peer on `relay` with no discovery topic: it never dials other peers. */
async function startPeer(relayAddr: string, logger?: ComponentLogger): Promise<Libp2pNetwork> {
  const peer = await createLibp2pNetwork({
    relays: [relayAddr],
    relayRetryMs: 200,
    ...(logger === undefined ? {} : { logger }),
  })
  running.push(peer)
  await peer.start()
  await waitFor(() => peer.relays().every((r) => r.state === 'reserved'), 'a relay reservation')
  return peer
}

/** libp2p's logger, with every line of `component` also kept in `lines`. */
function recordingLogger(component: string, lines: string[]): ComponentLogger {
  const base = defaultLogger()
  return {
    forComponent(name) {
      const log = base.forComponent(name)
      if (name !== component) return log
      const record = (formatter: unknown, ...args: unknown[]): void => {
        lines.push([formatter, ...args].map(String).join(' '))
        log(formatter, ...args)
      }
      return Object.assign(record, {
        error: log.error,
        trace: log.trace,
        enabled: log.enabled,
        newScope: log.newScope,
      })
    },
  }
}

/** Whether `peer`'s gossipsub knows `who` is subscribed to `topic`. */
function knowsSubscribed(peer: Libp2pNetwork | RelayNode, who: string, topic: Topic): boolean {
  const pubsub = 'libp2p' in peer ? peer.libp2p.services.pubsub : peer.services.pubsub
  return pubsub.getSubscribers(topic).some((id) => id.toString() === who)
}

/** Sends host requests on one raw stream and collects the relay's answers. */
async function exchange(
  stream: FramedStream,
  frames: ReadonlyArray<HostRequest | Uint8Array>,
): Promise<HostReply[]> {
  const replies: HostReply[] = []
  const incoming = stream.frames()[Symbol.asyncIterator]()
  for (const frame of frames) {
    await stream.send(frame instanceof Uint8Array ? frame : encodeHostRequest(frame))
    const next = await incoming.next()
    if (next.done === true) throw new Error('the relay closed the stream without answering')
    replies.push(decodeHostReply(next.value))
  }
  await incoming.return?.(undefined)
  return replies
}

describe('relay topic hosting', () => {
  it('peers connected only through a relay exchange messages on a topic the relay was asked to host', async () => {
    const relay = await startRelay()
    const a = await startPeer(addrOf(relay))
    const b = await startPeer(addrOf(relay))
    const topic = conversationTopic()
    expect(relay.services.pubsub.getTopics()).not.toContain(topic)

    a.subscribe(topic)
    b.subscribe(topic)
    await waitFor(() => relay.services.host.hostsOf(topic) === 2, 'both peers hosting the topic')
    expect(relay.services.pubsub.getTopics()).toContain(topic)
    // Publishing before the relay's subscription reaches the sender would lose
    // the message (core's sync covers that); wait for it, and for the relay to
    // know the receiver is subscribed.
    await waitFor(() => knowsSubscribed(a, relay.peerId.toString(), topic), 'a to see the relay')
    await waitFor(() => knowsSubscribed(relay, b.peerId, topic), 'the relay to see b')

    // No connection between a and b, direct or relayed: only the relay links them.
    expect(a.libp2p.getConnections(peerIdFromString(b.peerId))).toEqual([])
    expect(a.peers()).toEqual([])

    const received = nextEvent(b, 'message', (m) => m.topic === topic)
    await a.publish(topic, text('through the relay'))
    expect(str((await received).data)).toBe('through the relay')
  })

  it('after its peers unsubscribe and disconnect, the relay keeps a topic for the grace period, then drops it', async () => {
    const relay = await startRelay({ limits: { hostGraceMs: 2_000 } })
    const a = await startPeer(addrOf(relay))
    const b = await startPeer(addrOf(relay))
    const topic = conversationTopic()
    const other = conversationTopic()
    a.subscribe(topic)
    a.subscribe(other)
    b.subscribe(topic)
    await waitFor(() => relay.services.host.hostsOf(topic) === 2, 'both peers hosting the topic')

    a.unsubscribe(topic)
    await waitFor(() => relay.services.host.hostsOf(topic) === 1, 'a to unhost the topic')
    expect(relay.services.pubsub.getTopics()).toContain(topic) // b still hosts it
    b.unsubscribe(topic)
    await waitFor(() => relay.services.host.hostsOf(topic) === 0, 'b to unhost the topic')
    // Nobody hosts it now, but its grace period has only begun.
    expect(relay.services.pubsub.getTopics()).toContain(topic)
    await b.stop()
    // a disconnects while still hosting `other`: disconnecting releases it too.
    await a.stop()
    await waitFor(() => relay.services.host.hostsOf(other) === 0, 'a to be gone')
    expect(relay.services.pubsub.getTopics()).toContain(other)
    expect(relay.services.host.hostedTopics()).toContain(other)

    await waitFor(
      () => !relay.services.pubsub.getTopics().some((t) => t === topic || t === other),
      'the relay to leave both topics after the grace period',
    )
    expect(relay.services.host.hostedTopics()).toEqual([])
    // The topics given at start are never dropped.
    expect(relay.services.pubsub.getTopics()).toContain(LOBBY_TOPIC)
  })

  it('a peer that comes back within the grace period finds its topic still hosted', async () => {
    const relay = await startRelay({ limits: { hostGraceMs: 60_000 } })
    const a = await startPeer(addrOf(relay))
    const topic = conversationTopic()
    a.subscribe(topic)
    await waitFor(() => relay.services.host.hostsOf(topic) === 1, 'a hosting the topic')
    await a.stop()
    await waitFor(() => relay.services.host.hostsOf(topic) === 0, 'a to be gone')
    expect(relay.services.pubsub.getTopics()).toContain(topic)

    const again = await startPeer(addrOf(relay))
    again.subscribe(topic)
    await waitFor(() => relay.services.host.hostsOf(topic) === 1, 'the new peer hosting it')
    expect(relay.services.host.hostedTopics()).toEqual([topic])
  })

  it('refuses requests over the per-peer and relay-wide quotas, whole, and subscribe never throws', async () => {
    const relay = await startRelay({ limits: { maxTopicsPerPeer: 3, maxHostedTopics: 4 } })
    const a = await startPeer(addrOf(relay))
    const b = await startPeer(addrOf(relay))
    const t = Array.from({ length: 6 }, conversationTopic)

    const fromA = await a.openStream(relayId(relay), HOST_PROTOCOL)
    expect(
      await exchange(fromA, [
        { type: 'host', topics: t.slice(0, 4) }, // 4 > 3 per peer
        { type: 'host', topics: t.slice(0, 3) },
        { type: 'host', topics: [t[0]!, t[1]!] }, // already hosted: no change
        { type: 'host', topics: [LOBBY_TOPIC] }, // a permanent topic still counts for the peer
      ]),
    ).toMatchObject([
      { type: 'refused', reason: expect.stringContaining('at most 3 topics per peer') },
      { type: 'ok', hosted: 3 },
      { type: 'ok', hosted: 3 },
      { type: 'refused' },
    ])
    await fromA.close()
    expect(relay.services.host.hostsOf(t[3]!)).toBe(0) // nothing of a refused request applies

    const fromB = await b.openStream(relayId(relay), HOST_PROTOCOL)
    expect(
      await exchange(fromB, [
        { type: 'host', topics: [t[4]!, t[5]!] }, // 3 hosted + 2 > 4 for the relay
        { type: 'host', topics: [t[0]!, t[4]!] }, // t[0] is hosted already: only one more
        { type: 'unhost', topics: [t[0]!, t[5]!] }, // t[5] was never hosted: ignored
      ]),
    ).toMatchObject([
      { type: 'refused', reason: expect.stringContaining('this relay is full') },
      { type: 'ok', hosted: 2 },
      { type: 'ok', hosted: 1 },
    ])
    await fromB.close()
    expect(relay.services.host.hostedTopics().sort()).toEqual([t[0]!, t[1]!, t[2]!, t[4]!].sort())

    // Through the adapter: four subscriptions in one tick are one request, so
    // the relay refuses them together; the refusal is logged, never thrown.
    const log: string[] = []
    const c = await startPeer(addrOf(relay), recordingLogger('murmur:net', log))
    const mine = Array.from({ length: 4 }, conversationTopic)
    for (const topic of mine) expect(() => c.subscribe(topic)).not.toThrow()
    expect(() => c.subscribe(asTopic('not/a/murmur/topic'))).not.toThrow()
    await waitFor(
      () => log.some((line) => line.includes('refused') && line.includes('at most 3 topics')),
      'the refusal in the log',
    )
    expect(mine.map((topic) => relay.services.host.hostsOf(topic))).toEqual([0, 0, 0, 0])
    expect(
      log.some((line) => line.includes('cannot host') && line.includes('not/a/murmur/topic')),
    ).toBe(true)
    // The peer carries on: a topic within the quota is hosted.
    c.subscribe(t[0]!)
    await waitFor(() => relay.services.host.hostsOf(t[0]!) === 2, 'c hosting a topic as well')
  })

  it('a topic in its grace period gives way when the relay is full', async () => {
    const relay = await startRelay({ limits: { maxHostedTopics: 2, hostGraceMs: 60_000 } })
    const a = await startPeer(addrOf(relay))
    const [t1, t2, t3] = [conversationTopic(), conversationTopic(), conversationTopic()]
    const stream = await a.openStream(relayId(relay), HOST_PROTOCOL)
    expect(
      await exchange(stream, [
        { type: 'host', topics: [t1, t2] },
        { type: 'unhost', topics: [t1] },
        { type: 'host', topics: [t3] },
      ]),
    ).toMatchObject([
      { type: 'ok', hosted: 2 },
      { type: 'ok', hosted: 1 },
      { type: 'ok', hosted: 2 },
    ])
    await stream.close()
    expect(relay.services.host.hostedTopics().sort()).toEqual([t2, t3].sort())
    expect(relay.services.pubsub.getTopics()).not.toContain(t1)
  })

  it('a stream that carries a malformed frame is aborted, and the relay keeps working', async () => {
    const relay = await startRelay()
    const a = await startPeer(addrOf(relay))
    const malformed: Array<[string, Uint8Array]> = [
      ['an unknown frame type', Uint8Array.of(9, 0)],
      ['a topic outside /murmur/', encodeRaw(1, ['/elsewhere/x'])],
      ['a reply sent as a request', Uint8Array.of(3, 1)],
      ['trailing bytes', Uint8Array.of(...encodeHostRequest({ type: 'host', topics: [] }), 0)],
      ['a frame over the size limit', new Uint8Array(MAX_HOST_FRAME_BYTES + 1)],
    ]
    for (const [what, bad] of malformed) {
      const stream = await a.openStream(relayId(relay), HOST_PROTOCOL)
      await stream.send(bad)
      const answers: Uint8Array[] = []
      const read = async (): Promise<void> => {
        for await (const frame of stream.frames()) answers.push(frame)
      }
      await expect(read(), what).rejects.toThrow()
      expect(answers, what).toEqual([])
    }

    // The same peer, on a new stream, and the peer's own hosting still work.
    const topic = conversationTopic()
    const again = await a.openStream(relayId(relay), HOST_PROTOCOL)
    expect(await exchange(again, [{ type: 'host', topics: [topic] }])).toEqual([
      { type: 'ok', hosted: 1 },
    ])
    await again.close()
    const other = conversationTopic()
    a.subscribe(other)
    await waitFor(() => relay.services.host.hostsOf(other) === 1, 'a hosting through its adapter')
  })

  it('a relay hosting more topics than one gossipsub RPC holds serves peers that join later, telling them only of their own topics', async () => {
    const relay = await startRelay({ limits: { maxTopicsPerPeer: 1000 } })
    // Past 512 topics, gossipsub would announce them in one RPC that no Murmur peer accepts.
    const filler = await startPeer(addrOf(relay))
    const many = Array.from({ length: 600 }, conversationTopic)
    for (const topic of many) filler.subscribe(topic)
    await waitFor(() => relay.services.host.hostedTopics().length === 600, '600 hosted topics')
    // The filler's own 600 subscriptions reached the relay too, in several RPCs.
    await waitFor(() => knowsSubscribed(relay, filler.peerId, many.at(-1)!), 'the relay to see all')

    const a = await startPeer(addrOf(relay))
    const b = await startPeer(addrOf(relay))
    const topic = many.at(-1)!
    a.subscribe(topic)
    b.subscribe(topic)
    await waitFor(() => relay.services.host.hostsOf(topic) === 3, 'a and b hosting the topic too')
    await waitFor(() => knowsSubscribed(a, relay.peerId.toString(), topic), 'a to see the relay')
    await waitFor(() => knowsSubscribed(relay, b.peerId, topic), 'the relay to see b')
    const received = nextEvent(b, 'message', (m) => m.topic === topic)
    await a.publish(topic, text('among many topics'))
    expect(str((await received).data)).toBe('among many topics')

    // a was told of the relay's permanent topics and of its own, not of the filler's.
    expect(knowsSubscribed(a, relay.peerId.toString(), LOBBY_TOPIC)).toBe(true)
    expect(many.slice(0, -1).some((t) => knowsSubscribed(a, relay.peerId.toString(), t))).toBe(
      false,
    )
  })

  it('when its relay restarts, a peer hosts its topics again on reconnecting', async () => {
    const privateKey = await generateKeyPair('Ed25519')
    const first = await startRelay({ privateKey })
    const port = Number(
      first
        .getMultiaddrs()[0]!
        .getComponents()
        .find((c) => c.name === 'tcp')?.value,
    )
    const a = await startPeer(addrOf(first))
    const b = await startPeer(addrOf(first))
    const topic = conversationTopic()
    a.subscribe(topic)
    b.subscribe(topic)
    await waitFor(() => first.services.host.hostsOf(topic) === 2, 'both hosting on the first relay')

    await first.stop()
    const second = await startRelay({ privateKey, port })
    expect(second.services.pubsub.getTopics()).not.toContain(topic)
    await waitFor(() => second.services.host.hostsOf(topic) === 2, 'both hosting again', 30_000)
    await waitFor(() => knowsSubscribed(a, second.peerId.toString(), topic), 'a to see the relay')
    await waitFor(() => knowsSubscribed(second, b.peerId, topic), 'the relay to see b')
    const received = nextEvent(b, 'message', (m) => m.topic === topic)
    await a.publish(topic, text('after the restart'))
    expect(str((await received).data)).toBe('after the restart')
  })
})

/** A host request written by hand, so it can break the rules the encoder enforces. */
function encodeRaw(tag: number, topics: readonly string[]): Uint8Array {
  const parts = [tag, topics.length]
  for (const topic of topics) {
    const bytes = new TextEncoder().encode(topic)
    parts.push(bytes.length, ...bytes)
  }
  return Uint8Array.from(parts)
}
