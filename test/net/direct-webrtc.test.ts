/**
 * In-process: a relay and two Node peers. The peers find each other through
 * the relay, upgrade to a direct WebRTC connection (asserted on the
 * connection itself, not inferred from a delivered message), and exchange a
 * gossipsub message and a direct-stream message over it.
 */

import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromString } from '@libp2p/peer-id'
import { createLibp2pNetwork, createRelayNode } from '@murmur/net-libp2p'
import type { Libp2pNetwork, RelayNode } from '@murmur/net-libp2p'
import { asProtocolId, asTopic, LOBBY_TOPIC } from '@murmur/protocol'
import type { PeerConnection } from '@murmur/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitFor, nextEvent } from '../helpers/wait.ts'

const CHAT = asTopic('/murmur/test-chat/1')
const ECHO = asProtocolId('/murmur/test-echo/1.0.0')
const text = (s: string): Uint8Array => new TextEncoder().encode(s)
const str = (b: Uint8Array): string => new TextDecoder().decode(b)

describe('two Node peers on one relay', () => {
  let relay: RelayNode
  let a: Libp2pNetwork
  let b: Libp2pNetwork

  beforeAll(async () => {
    relay = await createRelayNode({
      privateKey: await generateKeyPair('Ed25519'),
      listen: ['/ip4/127.0.0.1/tcp/0/ws'],
      topics: [LOBBY_TOPIC, CHAT],
    })
    await relay.start()
    const relayAddr = relay.getMultiaddrs()[0]!.toString()
    a = await createLibp2pNetwork({ relays: [relayAddr], discoveryTopic: LOBBY_TOPIC })
    b = await createLibp2pNetwork({ relays: [relayAddr], discoveryTopic: LOBBY_TOPIC })
    await Promise.all([a.start(), b.start()])
  })

  afterAll(async () => {
    await a?.stop()
    await b?.stop()
    await relay?.stop()
  })

  it('each peer holds a reservation on the relay and advertises a /p2p-circuit/webrtc address', async () => {
    for (const peer of [a, b]) {
      await waitFor(() => peer.relays().every((r) => r.state === 'reserved'), 'relay reservation')
      const webrtc = peer.addresses().filter((addr) => addr.includes('/p2p-circuit/webrtc'))
      expect(webrtc.length).toBeGreaterThan(0)
      expect(webrtc[0]).toContain(
        `/p2p/${relay.peerId.toString()}/p2p-circuit/webrtc/p2p/${peer.peerId}`,
      )
    }
  })

  it('the peers upgrade to a direct WebRTC connection', async () => {
    const isDirect = (p: PeerConnection | undefined): boolean => p?.kind === 'webrtc'
    await waitFor(
      () => isDirect(a.peers().find((p) => p.peerId === b.peerId)),
      'a sees b over WebRTC',
      30_000,
    )
    await waitFor(
      () => isDirect(b.peers().find((p) => p.peerId === a.peerId)),
      'b sees a over WebRTC',
      30_000,
    )

    // Look at the libp2p connection itself: a WebRTC transport, unlimited
    // (not a relay circuit), between exactly these two peers.
    const conns = a.libp2p.getConnections(peerIdFromString(b.peerId))
    const direct = conns.filter((c) => c.status === 'open' && c.limits === undefined)
    expect(direct.length).toBeGreaterThan(0)
    expect(direct.some((c) => c.remoteAddr.toString().includes('/webrtc'))).toBe(true)
    expect(direct.every((c) => c.remotePeer.toString() === b.peerId)).toBe(true)
    // Relays are not listed as peers.
    expect(a.peers().map((p) => p.peerId)).not.toContain(relay.peerId.toString())
  })

  it('exchange a gossipsub message', async () => {
    a.subscribe(CHAT)
    b.subscribe(CHAT)
    // Messages published before the subscription exchange are dropped (core
    // covers that gap with sync), so wait until a knows b is subscribed.
    const subscribers = (): string[] => a.libp2p.services.pubsub.getSubscribers(CHAT).map(String)
    await waitFor(() => subscribers().includes(b.peerId), 'b subscribed to the topic, as seen by a')
    const received = nextEvent(b, 'message', (m) => m.topic === CHAT)
    await a.publish(CHAT, text('hello over gossipsub'))
    expect(str((await received).data)).toBe('hello over gossipsub')
  })

  it('exchange frames on a direct protocol stream', async () => {
    await b.handle(ECHO, async (stream) => {
      for await (const frame of stream.frames()) await stream.send(text(`echo: ${str(frame)}`))
      await stream.close()
    })
    const stream = await a.openStream(b.peerId, ECHO)
    expect(stream.remotePeer).toBe(b.peerId)
    await stream.send(text('over the direct stream'))
    const replies: string[] = []
    for await (const frame of stream.frames()) {
      replies.push(str(frame))
      break
    }
    await stream.close()
    expect(replies).toEqual(['echo: over the direct stream'])
  })

  it('a stopped peer refuses to publish with a typed error', async () => {
    const c = await createLibp2pNetwork({ relays: [] })
    await expect(c.publish(CHAT, text('x'))).rejects.toMatchObject({ name: 'NotStartedError' })
  })

  it('an oversized publish is refused before it reaches the network', async () => {
    await expect(a.publish(CHAT, new Uint8Array(300 * 1024))).rejects.toMatchObject({
      name: 'TooLargeError',
    })
  })
})
