import { describe, expect, it } from 'vitest'
import { asPeerId, asProtocolId, asTopic } from './ids.ts'
import type { PeerIdString, Topic } from './ids.ts'

describe('branded ids', () => {
  it('are the plain strings they were made from at run time', () => {
    const peer = asPeerId('12D3KooWpeer')
    expect(peer).toBe('12D3KooWpeer')
    expect(typeof peer).toBe('string')
    expect(asTopic('/murmur/lobby/1')).toBe('/murmur/lobby/1')
    expect(asProtocolId('/murmur/sync/1.0.0')).toBe('/murmur/sync/1.0.0')
  })

  it('cannot be passed where a different kind of id is expected (checked by tsc)', () => {
    const peer: PeerIdString = asPeerId('12D3KooWpeer')
    // @ts-expect-error a peer id is not a topic
    const topic: Topic = peer
    // @ts-expect-error a plain string is not a peer id until it goes through asPeerId
    const fromString: PeerIdString = 'not branded'
    const widened: string = peer // but every id is still usable as a string
    expect([topic, fromString, widened]).toHaveLength(3)
  })
})
