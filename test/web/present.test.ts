import { describe, expect, it } from 'vitest'
import type { ConversationSummary, HistoryMessage } from '@murmur/core'
import type { ConversationId, MessageId, PeerIdString, UserId } from '@murmur/protocol'
import type { ConversationKind, Role } from '@murmur/protocol'
import { removeDenial, setRoleDenial } from '../../packages/core/src/membership/rules.ts'
import { browserRelayAddrs } from '../../web/src/lib/config.ts'
import { shell as shellStrings } from '../../web/src/lib/i18n/shell.ts'
import {
  canEditInfo,
  connectivity,
  explainError,
  formatListTime,
  memberActions,
  nameProblem,
  passphraseProblem,
  plural,
  previewOf,
  relayProblem,
  safetyGroups,
  shortId,
  sortMembers,
  topicOf,
} from '../../web/src/lib/present.ts'

const ME = 'a'.repeat(64) as UserId
const ALICE = 'b'.repeat(64) as UserId
const t = shellStrings.en

function message(over: Partial<HistoryMessage> = {}): HistoryMessage {
  return {
    messageId: 'm1' as MessageId,
    author: ALICE,
    authorName: 'Alice',
    text: 'hello there',
    ts: 1_700_000_000_000,
    reactions: {},
    ...over,
  }
}

function summary(over: Partial<ConversationSummary> = {}): ConversationSummary {
  return {
    conversationId: 'c1' as ConversationId,
    kind: 'group',
    name: 'Team',
    topic: '',
    unread: 0,
    ended: undefined,
    ...over,
  }
}

const forms = {
  one: '{count} member',
  few: '{count} members',
  many: '{count} members',
  other: '{count} members',
}
const ru = {
  one: '{count} участник',
  few: '{count} участника',
  many: '{count} участников',
  other: '{count} участника',
}

describe('counts', () => {
  it('read naturally in English', () => {
    expect(plural('en', 1, forms)).toBe('1 member')
    expect(plural('en', 0, forms)).toBe('0 members')
    expect(plural('en', 5, forms)).toBe('5 members')
  })

  it('use the three Russian plural forms', () => {
    expect(plural('ru', 1, ru)).toBe('1 участник')
    expect(plural('ru', 21, ru)).toBe('21 участник')
    expect(plural('ru', 3, ru)).toBe('3 участника')
    expect(plural('ru', 5, ru)).toBe('5 участников')
    expect(plural('ru', 11, ru)).toBe('11 участников')
    expect(plural('ru', 112, ru)).toBe('112 участников')
  })
})

describe('list times', () => {
  const now = new Date(2025, 5, 18, 15, 30).getTime() // a Wednesday afternoon

  it('show the clock for a message from today', () => {
    expect(formatListTime(new Date(2025, 5, 18, 9, 5).getTime(), now, 'en-US')).toBe('9:05 AM')
    expect(formatListTime(new Date(2025, 5, 18, 14, 5).getTime(), now, 'ru')).toBe('14:05')
  })

  it('show the weekday for a message from this week', () => {
    expect(formatListTime(new Date(2025, 5, 16, 23, 0).getTime(), now, 'en')).toBe('Mon')
  })

  it('show the day and month for an older message this year, and the year before that', () => {
    expect(formatListTime(new Date(2025, 0, 2).getTime(), now, 'en-GB')).toBe('2 Jan')
    expect(formatListTime(new Date(2023, 11, 31).getTime(), now, 'en-GB')).toBe('31/12/23')
  })
})

describe('conversation previews', () => {
  it('prefix my own last message with "You:"', () => {
    const p = previewOf(summary({ lastMessage: message({ author: ME }) }), ME, t)
    expect(p).toEqual({ text: 'You: hello there', status: false })
  })

  it('name the author in groups but not in direct chats', () => {
    expect(previewOf(summary({ lastMessage: message() }), ME, t).text).toBe('Alice: hello there')
    expect(previewOf(summary({ kind: 'dm', lastMessage: message() }), ME, t).text).toBe(
      'hello there',
    )
  })

  it('say a deleted message was deleted instead of showing its text', () => {
    const p = previewOf(summary({ lastMessage: message({ deleted: true, text: '' }) }), ME, t)
    expect(p).toEqual({ text: 'Message deleted', status: true })
  })

  it('fold a multi-line message into one line', () => {
    const p = previewOf(summary({ lastMessage: message({ text: 'one\n\ntwo  three' }) }), ME, t)
    expect(p.text).toBe('Alice: one two three')
  })

  it('tell an empty conversation from one I left or was removed from', () => {
    expect(previewOf(summary(), ME, t)).toEqual({ text: 'No messages yet', status: true })
    expect(previewOf(summary({ ended: 'left' }), ME, t).text).toBe('You left')
    expect(previewOf(summary({ ended: 'removed' }), ME, t).text).toBe('You were removed')
  })

  it('show a topic only once core puts one in the summary', () => {
    expect(topicOf(summary())).toBeUndefined()
    expect(topicOf({ ...summary(), topic: 'Weekly sync' } as ConversationSummary)).toBe(
      'Weekly sync',
    )
    expect(topicOf({ ...summary(), topic: '  ' } as ConversationSummary)).toBeUndefined()
  })
})

describe('member actions offered', () => {
  it('let the owner promote members, demote admins and remove anyone else', () => {
    expect(memberActions('group', 'owner', 'member', false)).toEqual({
      promote: true,
      demote: false,
      remove: true,
    })
    expect(memberActions('group', 'owner', 'admin', false)).toEqual({
      promote: false,
      demote: true,
      remove: true,
    })
  })

  it('let an admin promote and remove members but never touch other admins or the owner', () => {
    expect(memberActions('channel', 'admin', 'member', false)).toEqual({
      promote: true,
      demote: false,
      remove: true,
    })
    expect(memberActions('channel', 'admin', 'admin', false)).toEqual({
      promote: false,
      demote: false,
      remove: false,
    })
    expect(memberActions('group', 'admin', 'owner', false).remove).toBe(false)
  })

  it('offer nothing to members, to myself, or in direct chats', () => {
    const none = { promote: false, demote: false, remove: false }
    expect(memberActions('group', 'member', 'member', false)).toEqual(none)
    expect(memberActions('group', 'owner', 'owner', true)).toEqual(none)
    expect(memberActions('dm', 'owner', 'member', false)).toEqual(none)
    expect(memberActions('group', undefined, 'member', false)).toEqual(none)
  })

  it('agree with core’s membership rules for every kind and pair of roles', () => {
    const kinds: ConversationKind[] = ['group', 'channel', 'dm', 'self']
    const roles: Role[] = ['owner', 'admin', 'member']
    for (const kind of kinds) {
      for (const mine of roles) {
        for (const theirs of roles) {
          if (mine === 'owner' && theirs === 'owner') continue // one owner per conversation
          const authority = {
            kind,
            settings: { historyVisible: true, membersCanInvite: kind === 'group' },
            role: (user: string): Role | undefined => (user === 'me' ? mine : theirs),
          }
          const offered = memberActions(kind, mine, theirs, false)
          const label = `${kind}: ${mine} → ${theirs}`
          expect(offered.remove, label).toBe(removeDenial(authority, 'me', 'them') === undefined)
          expect(offered.promote, label).toBe(
            theirs === 'member' && setRoleDenial(authority, 'me', 'them', 'admin') === undefined,
          )
          expect(offered.demote, label).toBe(
            theirs === 'admin' && setRoleDenial(authority, 'me', 'them', 'member') === undefined,
          )
        }
      }
    }
  })

  it('let owners and admins edit the name and topic of groups and channels only', () => {
    expect(canEditInfo('group', 'admin')).toBe(true)
    expect(canEditInfo('channel', 'owner')).toBe(true)
    expect(canEditInfo('group', 'member')).toBe(false)
    expect(canEditInfo('dm', 'owner')).toBe(false)
  })

  it('list the owner first, then admins, then members, by name', () => {
    const sorted = sortMembers([
      { name: 'Zoe', role: 'member' as const },
      { name: 'Bob', role: 'admin' as const },
      { name: 'Amy', role: 'member' as const },
      { name: 'Owen', role: 'owner' as const },
    ])
    expect(sorted.map((m) => m.name)).toEqual(['Owen', 'Bob', 'Amy', 'Zoe'])
  })
})

describe('form checks', () => {
  it('want a name of 1 to 64 characters', () => {
    expect(nameProblem('  ')).toBe('empty')
    expect(nameProblem('x'.repeat(65))).toBe('long')
    expect(nameProblem('🙂'.repeat(64))).toBeUndefined()
    expect(nameProblem(' Design ')).toBeUndefined()
  })

  it('want a backup passphrase of at least 8 characters, typed the same twice', () => {
    expect(passphraseProblem('short', 'short')).toBe('short')
    expect(passphraseProblem('long enough', 'long enougH')).toBe('mismatch')
    expect(passphraseProblem('long enough', 'long enough')).toBeUndefined()
  })

  it('accept the relay addresses the app itself dials, and refuse others', () => {
    const peer = '12D3KooWAMP3AP3g8GQLbSYMoff68snHy9i7Rqx7VXQ5GV8qriSq' as PeerIdString
    const location = { protocol: 'https:', hostname: 'chat.example.org', port: '' } as Location
    const [own] = browserRelayAddrs({ version: 1, relays: [], relayPeerId: peer }, location)
    expect(own).toBeDefined()
    expect(relayProblem(own!, [])).toBeUndefined()
    expect(relayProblem(`/ip4/10.0.0.2/tcp/8787/ws/p2p/${peer}`, [])).toBeUndefined()
    expect(
      relayProblem(`/dns4/r.example.org/tcp/443/tls/sni/r.example.org/ws/p2p/${peer}`, []),
    ).toBeUndefined()
    expect(relayProblem(`/ip4/10.0.0.2/tcp/8788/p2p/${peer}`, [])).toBe('invalid') // TCP: not for browsers
    expect(relayProblem('/ip4/10.0.0.2/tcp/8787/ws', [])).toBe('invalid') // no peer id
    expect(relayProblem('relay.example.org', [])).toBe('invalid')
    expect(relayProblem(` ${own!} `, [own!])).toBe('duplicate')
  })
})

describe('safety numbers', () => {
  it('show as twelve groups of five digits however they are spaced', () => {
    const digits = '0123456789'.repeat(6)
    const groups = safetyGroups(digits.match(/\d{5}/g)!.join(' '))
    expect(groups).toHaveLength(12)
    expect(groups.join('')).toBe(digits)
    expect(safetyGroups(digits)).toEqual(groups)
  })
})

describe('network summary', () => {
  it('is online once any relay holds us, connecting while one tries, offline otherwise', () => {
    expect(connectivity([{ state: 'unreachable' }, { state: 'reserved' }], true)).toBe('online')
    expect(connectivity([{ state: 'connected' }], true)).toBe('online')
    expect(connectivity([{ state: 'connecting' }, { state: 'unreachable' }], true)).toBe(
      'connecting',
    )
    expect(connectivity([{ state: 'unreachable' }], true)).toBe('offline')
    expect(connectivity([], true)).toBe('offline')
  })

  it('is offline whenever the browser is, whatever the relays last said', () => {
    expect(connectivity([{ state: 'reserved' }], false)).toBe('offline')
  })

  it('shortens peer ids but keeps both ends', () => {
    const id = '12D3KooWAMP3AP3g8GQLbSYMoff68snHy9i7Rqx7VXQ5GV8qriSq'
    expect(shortId(id)).toBe('12D3KooW…8qriSq')
    expect(shortId('short')).toBe('short')
  })
})

describe('error explanations', () => {
  class Named extends Error {
    constructor(name: string, message: string) {
      super(message)
      this.name = name
    }
  }

  it('translate the errors people meet, by name', () => {
    const ruStrings = shellStrings.ru
    const err = new Named('JoinTimeoutError', 'no member who can admit you was online')
    expect(explainError(err, t)).toBe(t.errJoinTimeout)
    expect(explainError(err, ruStrings)).toBe(ruStrings.errJoinTimeout)
    expect(explainError(new Named('WrongPassphraseError', 'x'), ruStrings)).toBe(
      ruStrings.errWrongPassphrase,
    )
  })

  it('fall back to the engine’s own sentence for anything else', () => {
    expect(explainError(new Named('SomethingNewError', 'it broke'), t)).toBe('it broke')
    expect(explainError('plain', t)).toBe('plain')
  })
})
