import { describe, expect, it } from 'vitest'
import { encodeBeacon } from './beacon.ts'
import { encodeDemoLine, MAX_DEMO_LINE as DEMO_LINE_MODULE_MAX } from './demo-line.ts'
import { encodeFrame } from './frames.ts'
import { asPeerId } from './ids.ts'
import {
  MAX_BEACON,
  MAX_BEACON_ADDRS,
  MAX_CONFIG,
  MAX_DEMO_LINE,
  MAX_DEMO_LINE_MESSAGE,
  MAX_PUBSUB_MESSAGE,
  MAX_STREAM_FRAME,
} from './limits.ts'
import { MAX_TOPIC_MESSAGE_BYTES } from './wire/limits.ts'

describe('size limits', () => {
  it('keep their documented values', () => {
    expect(MAX_PUBSUB_MESSAGE).toBe(257 * 1024)
    // The largest envelope, wrapped as a topic message, still fits one pubsub message.
    expect(MAX_TOPIC_MESSAGE_BYTES).toBeLessThanOrEqual(MAX_PUBSUB_MESSAGE)
    expect(MAX_STREAM_FRAME).toBe(1024 * 1024)
    expect(MAX_BEACON).toBe(4 * 1024)
    expect(MAX_BEACON_ADDRS).toBe(16)
    expect(MAX_CONFIG).toBe(16 * 1024)
    expect(MAX_DEMO_LINE).toBe(2000)
    expect(MAX_DEMO_LINE_MESSAGE).toBe(2141)
  })

  it('still export MAX_DEMO_LINE from demo-line.ts, where callers first found it', () => {
    expect(DEMO_LINE_MODULE_MAX).toBe(MAX_DEMO_LINE)
  })

  it('let the largest beacon and the largest demo line fit in one pubsub message', () => {
    expect(MAX_BEACON).toBeLessThanOrEqual(MAX_PUBSUB_MESSAGE)
    const longestLine = encodeDemoLine({
      from: asPeerId('p'.repeat(128)),
      text: 'x'.repeat(MAX_DEMO_LINE),
      sentAt: Number.MAX_SAFE_INTEGER,
    })
    expect(longestLine.length).toBe(MAX_DEMO_LINE_MESSAGE)
    expect(MAX_DEMO_LINE_MESSAGE).toBeLessThanOrEqual(MAX_PUBSUB_MESSAGE)
  })

  it('let a full pubsub message travel in one stream frame', () => {
    expect(MAX_PUBSUB_MESSAGE).toBeLessThanOrEqual(MAX_STREAM_FRAME)
    expect(() => encodeFrame(new Uint8Array(MAX_PUBSUB_MESSAGE))).not.toThrow()
  })

  it('leave room in a beacon for the most addresses it may list', () => {
    // A WebRTC-over-circuit address is about 160 bytes; 16 of them plus a peer id fit.
    const relay = `12D3KooW${'r'.repeat(44)}`
    const peer = asPeerId(`12D3KooW${'p'.repeat(44)}`)
    const addrs = Array.from(
      { length: MAX_BEACON_ADDRS },
      (_, i) => `/ip4/192.168.100.${i}/tcp/4001/ws/p2p/${relay}/p2p-circuit/webrtc/p2p/${peer}`,
    )
    expect(addrs[0]!.length).toBeGreaterThan(150)
    const beacon = encodeBeacon({ peerId: peer, addrs, sentAt: Date.now() })
    expect(beacon.length).toBeLessThanOrEqual(MAX_BEACON)
  })
})
