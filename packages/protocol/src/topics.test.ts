import { describe, expect, it } from 'vitest'
import { DEMO_CHAT_TOPIC, LOBBY_TOPIC } from './topics.ts'

describe('well-known topics', () => {
  // Peers only meet when they agree on these strings: renaming one splits
  // new clients from every deployed one. Bump the trailing version instead.
  it('keep their exact, versioned names', () => {
    expect(LOBBY_TOPIC).toBe('/murmur/lobby/1')
    expect(DEMO_CHAT_TOPIC).toBe('/murmur/demo-chat/1')
  })

  it('are distinct', () => {
    expect(LOBBY_TOPIC).not.toBe(DEMO_CHAT_TOPIC)
  })
})
