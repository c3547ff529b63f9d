import { asProtocolId, asTopic } from '@murmur/protocol'
import type { Topic } from '@murmur/protocol'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { NetworkAdapter, PeerConnection } from '../network.ts'
import { createMemoryNetworkHub } from './memory-network.ts'
import type { MemoryNetworkHub, MemoryNetworkOptions } from './memory-network.ts'
import { networkAdapterCompliance } from './network-compliance.ts'
import type { NetworkHarness } from './network-compliance.ts'

async function memoryHarness(options: MemoryNetworkOptions): Promise<NetworkHarness> {
  const hub = createMemoryNetworkHub(options)
  const peers = [hub.createPeer(), hub.createPeer(), hub.createPeer()] as const
  for (const peer of peers) await peer.start()
  return {
    peers,
    relayIds: [],
    connect: async (a, b) => hub.connect(a, b),
    waitForMesh: async (from, to, topic) => {
      await hub.settle()
      if (!hub.reaches(from, to, topic)) {
        throw new Error(`no path for ${topic} from ${from.peerId} to ${to.peerId}`)
      }
    },
    settle: () => hub.settle(),
    createPeer: async () => hub.createPeer(),
    teardown: () => hub.stop(),
  }
}

networkAdapterCompliance('memory network', () => memoryHarness({ seed: 1 }))
networkAdapterCompliance('memory network with 5 ms latency', () =>
  memoryHarness({ seed: 2, faults: { latencyMs: 5 } }),
)

const TOPIC = asTopic('/murmur/memory-test/1')
const text = (s: string): Uint8Array => new TextEncoder().encode(s)
const str = (b: Uint8Array): string => new TextDecoder().decode(b)

function received(peer: NetworkAdapter, topic: Topic = TOPIC): string[] {
  const got: string[] = []
  peer.on('message', (m) => {
    if (m.topic === topic) got.push(str(m.data))
  })
  return got
}

describe('memory network hub', () => {
  let hub: MemoryNetworkHub

  afterEach(async () => {
    await hub.stop()
    vi.useRealTimers()
  })

  async function started(n: number, options: MemoryNetworkOptions = {}): Promise<NetworkAdapter[]> {
    hub = createMemoryNetworkHub({ seed: 7, ...options })
    const peers = Array.from({ length: n }, () => hub.createPeer())
    for (const peer of peers) await peer.start()
    return peers
  }

  it('reports peers as connected over webrtc, on both sides, and their going away', async () => {
    const [a, b] = (await started(2)) as [NetworkAdapter, NetworkAdapter]
    const atA: PeerConnection[] = []
    const goneAtB: string[] = []
    a.on('peer:connect', (e) => atA.push(e))
    b.on('peer:disconnect', (e) => goneAtB.push(e.peerId))
    hub.connect(a, b)
    expect(atA).toEqual([{ peerId: b.peerId, kind: 'webrtc', remoteAddr: `/memory/${b.peerId}` }])
    expect(b.peers().map((p) => p.kind)).toEqual(['webrtc'])
    expect(hub.isConnected(a, b)).toBe(true)
    hub.disconnect(a, b)
    expect(goneAtB).toEqual([a.peerId])
    expect(a.peers()).toEqual([])
  })

  it('carries a message along a chain of subscribed peers', async () => {
    const [a, b, c] = (await started(3)) as [NetworkAdapter, NetworkAdapter, NetworkAdapter]
    hub.connect(a, b)
    hub.connect(b, c)
    for (const p of [a, b, c]) p.subscribe(TOPIC)
    await hub.settle()
    expect(hub.reaches(a, c, TOPIC)).toBe(true)
    const atC = received(c)
    await a.publish(TOPIC, text('passed along'))
    await hub.settle()
    expect(atC).toEqual(['passed along'])
  })

  it('does not carry a message through a peer that has not subscribed, as gossipsub does not', async () => {
    const [a, b, c] = (await started(3)) as [NetworkAdapter, NetworkAdapter, NetworkAdapter]
    hub.connect(a, b)
    hub.connect(b, c)
    a.subscribe(TOPIC)
    c.subscribe(TOPIC)
    await hub.settle()
    expect(hub.reaches(a, c, TOPIC)).toBe(false)
    const atC = received(c)
    await a.publish(TOPIC, text('stuck at b'))
    await hub.settle()
    expect(atC).toEqual([])
  })

  it('loses a message published before the subscription reached the publisher', async () => {
    const [a, b] = (await started(2)) as [NetworkAdapter, NetworkAdapter]
    hub.connect(a, b)
    b.subscribe(TOPIC)
    const atB = received(b)
    await a.publish(TOPIC, text('too early'))
    await hub.settle()
    await a.publish(TOPIC, text('in time'))
    await hub.settle()
    expect(atB).toEqual(['in time'])
  })

  it('loses what is published while peers are disconnected, and delivers again once they reconnect', async () => {
    const [a, b] = (await started(2)) as [NetworkAdapter, NetworkAdapter]
    hub.connect(a, b)
    b.subscribe(TOPIC)
    await hub.settle()
    const atB = received(b)
    hub.disconnect(a, b)
    await a.publish(TOPIC, text('while apart'))
    hub.connect(a, b)
    await hub.settle()
    await a.publish(TOPIC, text('together again'))
    await hub.settle()
    expect(atB).toEqual(['together again'])
  })

  it('delivers the same bytes again once the seen cache has forgotten them', async () => {
    let now = 1_000
    const [a, b] = (await started(2, { seenTtlMs: 60_000, now: () => now })) as [
      NetworkAdapter,
      NetworkAdapter,
    ]
    hub.connect(a, b)
    b.subscribe(TOPIC)
    await hub.settle()
    const atB = received(b)
    await a.publish(TOPIC, text('again'))
    await hub.settle()
    now += 59_000
    await a.publish(TOPIC, text('again'))
    await hub.settle()
    expect(atB).toEqual(['again'])
    now += 2_000
    await a.publish(TOPIC, text('again'))
    await hub.settle()
    expect(atB).toEqual(['again', 'again'])
  })

  it('refuses to connect a stopped peer, a peer to itself, or a peer of another hub', async () => {
    const [a] = (await started(1)) as [NetworkAdapter]
    const idle = hub.createPeer()
    expect(() => hub.connect(a, idle)).toThrow(expect.objectContaining({ name: 'NotStartedError' }))
    expect(() => hub.connect(a, a)).toThrow(
      expect.objectContaining({ name: 'InvalidArgumentError' }),
    )
    const stranger = createMemoryNetworkHub().createPeer()
    expect(() => hub.connect(a, stranger)).toThrow(
      expect.objectContaining({ name: 'InvalidArgumentError' }),
    )
    expect(() => hub.createPeer({ peerId: a.peerId })).toThrow(
      expect.objectContaining({ name: 'InvalidArgumentError' }),
    )
  })

  it('refuses to open a stream to a peer it is not connected to with PeerUnreachableError', async () => {
    const [a, b] = (await started(2)) as [NetworkAdapter, NetworkAdapter]
    await b.handle(asProtocolId('/p/1'), () => undefined)
    await expect(a.openStream(b.peerId, asProtocolId('/p/1'))).rejects.toMatchObject({
      name: 'PeerUnreachableError',
    })
  })

  it('dials any running peer of the hub by id, unless the hub partitioned them', async () => {
    const [a, b] = (await started(2)) as [NetworkAdapter, NetworkAdapter]
    const idle = hub.createPeer()
    await a.dial(b.peerId, [])
    expect(hub.isConnected(a, b)).toBe(true)
    await expect(a.dial(idle.peerId, idle.addresses())).rejects.toMatchObject({
      name: 'PeerUnreachableError',
    })
    hub.partition(a, b)
    expect(hub.isConnected(a, b)).toBe(false)
    await expect(b.dial(a.peerId, a.addresses())).rejects.toMatchObject({
      name: 'PeerUnreachableError',
    })
    hub.connect(a, b)
    hub.disconnect(a, b)
    await b.dial(a.peerId, a.addresses())
    expect(hub.isConnected(a, b)).toBe(true)
  })

  it('resets the streams on a link when it goes down, on both ends', async () => {
    const [a, b] = (await started(2)) as [NetworkAdapter, NetworkAdapter]
    hub.connect(a, b)
    const handlerSaw: Promise<unknown> = new Promise((resolve) => {
      void b.handle(asProtocolId('/p/1'), async (stream) => {
        try {
          for await (const _frame of stream.frames());
        } catch (err) {
          resolve(err)
        }
      })
    })
    const stream = await a.openStream(b.peerId, asProtocolId('/p/1'))
    const reading = (async () => {
      for await (const _frame of stream.frames());
    })()
    await hub.settle()
    hub.disconnect(a, b)
    await expect(reading).rejects.toMatchObject({ name: 'StreamResetError' })
    expect(await handlerSaw).toMatchObject({ name: 'StreamResetError' })
    await expect(stream.send(text('gone'))).rejects.toMatchObject({ name: 'StreamStateError' })
  })

  it('reports a handler or listener that throws through onError and failures', async () => {
    const seen: string[] = []
    const [a, b] = (await started(2, { onError: (message) => seen.push(message) })) as [
      NetworkAdapter,
      NetworkAdapter,
    ]
    hub.connect(a, b)
    await b.handle(asProtocolId('/p/1'), () => {
      throw new Error('handler fails on purpose')
    })
    b.subscribe(TOPIC)
    b.on('message', () => {
      throw new Error('listener fails on purpose')
    })
    await hub.settle()
    await a.openStream(b.peerId, asProtocolId('/p/1'))
    await a.publish(TOPIC, text('x'))
    await hub.settle()
    expect(seen).toEqual([
      `${b.peerId}: handler for /p/1 failed`,
      `${b.peerId}: event listener failed`,
    ])
    expect(hub.failures.map((f) => (f.error as Error).message)).toEqual([
      'handler fails on purpose',
      'listener fails on purpose',
    ])
  })

  it('forgets subscriptions and listeners on stop, like the libp2p peer, and can start again', async () => {
    const [a, b] = (await started(2)) as [NetworkAdapter, NetworkAdapter]
    const before = received(b)
    b.subscribe(TOPIC)
    await b.stop()
    await b.start()
    hub.connect(a, b)
    await hub.settle()
    expect(hub.reaches(a, b, TOPIC)).toBe(false)
    b.subscribe(TOPIC)
    const after = received(b)
    await hub.settle()
    await a.publish(TOPIC, text('after restart'))
    await hub.settle()
    expect(before).toEqual([])
    expect(after).toEqual(['after restart'])
  })

  describe('faults and time', () => {
    const fakeTimers = (): void => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    }

    it('holds every hop back by latencyMs', async () => {
      fakeTimers()
      const [a, b] = (await started(2, { faults: { latencyMs: 100 } })) as [
        NetworkAdapter,
        NetworkAdapter,
      ]
      hub.connect(a, b)
      b.subscribe(TOPIC)
      await vi.advanceTimersByTimeAsync(100)
      expect(hub.reaches(a, b, TOPIC)).toBe(true)
      const atB = received(b)
      await a.publish(TOPIC, text('slow'))
      await vi.advanceTimersByTimeAsync(99)
      expect(atB).toEqual([])
      await vi.advanceTimersByTimeAsync(1)
      expect(atB).toEqual(['slow'])
    })

    it('leaves no timer running once its peers stop, whatever was in flight', async () => {
      fakeTimers()
      const [a, b] = (await started(2, { faults: { latencyMs: 50 } })) as [
        NetworkAdapter,
        NetworkAdapter,
      ]
      await b.handle(asProtocolId('/p/1'), async (stream) => {
        for await (const frame of stream.frames()) await stream.send(frame)
      })
      hub.connect(a, b)
      b.subscribe(TOPIC)
      await vi.advanceTimersByTimeAsync(50)
      const opening = a.openStream(b.peerId, asProtocolId('/p/1'))
      await vi.advanceTimersByTimeAsync(100)
      const stream = await opening
      await stream.send(text('in flight'))
      await a.publish(TOPIC, text('in flight'))
      a.subscribe(TOPIC)
      expect(vi.getTimerCount()).toBeGreaterThan(0)
      await a.stop()
      await b.stop()
      expect(vi.getTimerCount()).toBe(0)
    })

    it('drops, duplicates and reorders messages the same way for the same seed', async () => {
      fakeTimers()
      const faults = { dropRate: 0.2, duplicateRate: 0.2, reorderRate: 0.3, reorderDelayMs: 5 }
      const run = async (seed: number): Promise<string[]> => {
        const [a, b] = (await started(2, { seed, faults })) as [NetworkAdapter, NetworkAdapter]
        hub.connect(a, b)
        b.subscribe(TOPIC)
        await vi.advanceTimersByTimeAsync(0)
        const atB = received(b)
        for (let i = 0; i < 50; i++) await a.publish(TOPIC, text(String(i)))
        await vi.advanceTimersByTimeAsync(10)
        await hub.stop()
        return atB
      }
      const first = await run(42)
      expect(await run(42)).toEqual(first)
      const sent = Array.from({ length: 50 }, (_, i) => String(i))
      const unique = new Set(first)
      expect(unique.size).toBeLessThan(50)
      expect(first.length).toBeGreaterThan(unique.size)
      expect(first).not.toEqual([...first].sort((x, y) => Number(x) - Number(y)))
      for (const payload of unique) expect(sent).toContain(payload)
      expect(await run(43)).not.toEqual(first)
    })
  })
})
