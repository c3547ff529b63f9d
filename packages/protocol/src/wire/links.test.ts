import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Writer } from '../bytes.ts'
import { MurmurError } from '../errors.ts'
import { fromBase64url, toBase64url } from './base64url.ts'
import * as L from './limits.ts'
import {
  contactLinkUrl,
  encodeContactLink,
  encodeInviteLink,
  inviteLinkUrl,
  isExpired,
  parseContactLink,
  parseInviteLink,
} from './links.ts'
import type { InvalidLinkError } from './links.ts'
import {
  decodeOrRefuse,
  expectThrowsNamed,
  FUZZ_RUNS,
  key,
  memberRecord,
  sameBytes,
  sampleMember,
  shortText,
  signature,
  timestamp,
} from './test-support.ts'
import type { ContactLink, InviteLink } from './types.ts'

const BASE = 'https://murmur.example/app/'
const invite: InviteLink = {
  version: 1,
  door: new Uint8Array(32).fill(1),
  inviteSecret: new Uint8Array(32).fill(2),
  inviterDevice: new Uint8Array(32).fill(3),
  grant: new Uint8Array(64).fill(4),
  expiresAt: 1_800_000_000_000,
  relays: [
    '/dns4/relay.example/tcp/443/wss/p2p/12D3KooWLRPJAA5o6ZpW5dbUgJgJr2chgWtsMeLpzRyXBmhvBeAM',
  ],
  conversationName: 'Weekend hikes 🥾',
  inviterName: 'Ana',
}
const contact: ContactLink = {
  version: 1,
  member: sampleMember(5, 2),
  door: new Uint8Array(32).fill(6),
  relays: [],
}
const invites: fc.Arbitrary<InviteLink> = fc.record({
  version: fc.constant(1 as const),
  door: key,
  inviteSecret: key,
  inviterDevice: key,
  grant: signature,
  expiresAt: timestamp,
  relays: fc.array(shortText, { maxLength: L.MAX_RELAYS_IN_LINK }),
  conversationName: shortText,
  inviterName: shortText,
})
const contacts: fc.Arbitrary<ContactLink> = fc.record({
  version: fc.constant(1 as const),
  member: memberRecord,
  door: key,
  relays: fc.array(shortText, { maxLength: 3 }),
})

function refusedLink(fn: () => unknown, reason = 'damaged'): InvalidLinkError {
  const err = expectThrowsNamed(fn, 'InvalidLinkError') as InvalidLinkError
  expect(err.reason).toBe(reason)
  return err
}

describe('invite links', () => {
  it('round-trip from a full URL and from the bare payload', () => {
    const url = inviteLinkUrl(BASE, invite)
    expect(url.startsWith(`${BASE}#join=`)).toBe(true)
    expect(parseInviteLink(url)).toEqual(invite)
    expect(parseInviteLink(encodeInviteLink(invite))).toEqual(invite)
    fc.assert(
      fc.property(invites, (l) => void expect(parseInviteLink(inviteLinkUrl(BASE, l))).toEqual(l)),
    )
  })

  it('tolerate surrounding whitespace, as pasted', () => {
    expect(parseInviteLink(`  \n${inviteLinkUrl(BASE, invite)}\t `)).toEqual(invite)
  })

  it('tell a person a damaged link is damaged and what to do', () => {
    const url = inviteLinkUrl(BASE, invite)
    const err = refusedLink(() => parseInviteLink(url.slice(0, -10)))
    expect(err.message).toBe('This invite link is damaged or incomplete; ask for a new one')
    expect(err).toBeInstanceOf(MurmurError)
    refusedLink(() => parseInviteLink(url + 'A'))
    refusedLink(() => parseInviteLink(url.replace('#join=', '#join=%')))
    refusedLink(() => parseInviteLink(url.replace('#join=', '#hello=')))
    refusedLink(() => parseInviteLink(BASE))
    refusedLink(() => parseInviteLink(''))
    refusedLink(() => parseInviteLink(`${BASE}#join=`))
    refusedLink(() => parseInviteLink(url.replace(/-|_/, '+')))
    refusedLink(() => parseInviteLink(42 as unknown as string))
  })

  it('refuse every truncation of a link', () => {
    const url = inviteLinkUrl(BASE, invite)
    for (let n = 0; n < url.length; n++) refusedLink(() => parseInviteLink(url.slice(0, n)))
  })

  it('say that a contact link is not an invite', () => {
    const err = refusedLink(() => parseInviteLink(contactLinkUrl(BASE, contact)), 'wrong-kind')
    expect(err.message).toMatch(/contact link, not an invite/)
    refusedLink(() => parseInviteLink(encodeContactLink(contact)), 'wrong-kind')
  })

  it('ask for an update when a newer Murmur made the link', () => {
    const bytes = fromBase64url(encodeInviteLink(invite))
    bytes[0] = 2
    const err = refusedLink(() => parseInviteLink(toBase64url(bytes)), 'unsupported-version')
    expect(err.message).toMatch(/update Murmur/)
    bytes[0] = 0
    refusedLink(() => parseInviteLink(toBase64url(bytes)))
  })

  it('expire at their expiry time', () => {
    expect(isExpired(invite, invite.expiresAt - 1)).toBe(false)
    expect(isExpired(invite, invite.expiresAt)).toBe(true)
    expect(isExpired(invite, invite.expiresAt + 1)).toBe(true)
  })

  it('carry 8 relays and refuse 9', () => {
    const relays = Array.from(
      { length: L.MAX_RELAYS_IN_LINK },
      (_, i) => `/dns4/r${i}.example/tcp/443/wss`,
    )
    expect(parseInviteLink(encodeInviteLink({ ...invite, relays })).relays).toEqual(relays)
    expectThrowsNamed(
      () => encodeInviteLink({ ...invite, relays: [...relays, '/x'] }),
      'InvalidArgumentError',
    )
  })

  it('fit the largest invite under the link limits', () => {
    const largest: InviteLink = {
      ...invite,
      expiresAt: Number.MAX_SAFE_INTEGER,
      relays: Array.from({ length: L.MAX_RELAYS_IN_LINK }, () =>
        'r'.repeat(L.MAX_RELAY_ADDR_BYTES),
      ),
      conversationName: 'c'.repeat(L.MAX_NAME_BYTES),
      inviterName: 'i'.repeat(L.MAX_NAME_BYTES),
    }
    const url = inviteLinkUrl(BASE, largest)
    expect(url.length).toBeLessThanOrEqual(L.MAX_LINK_CHARS)
    expect(parseInviteLink(url)).toEqual(largest)
    expectThrowsNamed(
      () => encodeInviteLink({ ...largest, inviterName: largest.inviterName + 'i' }),
      'TooLargeError',
    )
  })

  it('refuse wrong-size secrets, a base with a fragment, and a link longer than the limit', () => {
    expectThrowsNamed(
      () => encodeInviteLink({ ...invite, inviteSecret: new Uint8Array(64) }),
      'InvalidArgumentError',
    )
    expectThrowsNamed(
      () => encodeInviteLink({ ...invite, version: 2 } as unknown as InviteLink),
      'InvalidArgumentError',
    )
    expectThrowsNamed(() => inviteLinkUrl(`${BASE}#x`, invite), 'InvalidArgumentError')
    expectThrowsNamed(
      () => inviteLinkUrl('h'.repeat(L.MAX_LINK_CHARS), invite),
      'InvalidArgumentError',
    )
    refusedLink(() => parseInviteLink(' '.repeat(L.MAX_LINK_CHARS + 1)))
  })

  it('refuse a payload above the payload limit', () => {
    const w = new Writer()
      .byte(1)
      .byte(1)
      .raw(new Uint8Array(L.MAX_LINK_PAYLOAD_BYTES - 1))
    refusedLink(() => parseInviteLink(toBase64url(w.finish())))
  })
})

describe('contact links', () => {
  it('round-trip from a full URL and from the bare payload', () => {
    const url = contactLinkUrl(BASE, contact)
    expect(url.startsWith(`${BASE}#contact=`)).toBe(true)
    expect(parseContactLink(url)).toEqual(contact)
    expect(parseContactLink(` ${encodeContactLink(contact)} `)).toEqual(contact)
    fc.assert(
      fc.property(
        contacts,
        (l) => void expect(parseContactLink(contactLinkUrl(BASE, l))).toEqual(l),
      ),
    )
  })

  it('say that an invite is not a contact link', () => {
    const err = refusedLink(() => parseContactLink(inviteLinkUrl(BASE, invite)), 'wrong-kind')
    expect(err.message).toMatch(/invite to a conversation, not a contact link/)
    refusedLink(() => parseContactLink(encodeInviteLink(invite)), 'wrong-kind')
  })

  it('tell a person a damaged contact link is damaged', () => {
    const url = contactLinkUrl(BASE, contact)
    const err = refusedLink(() => parseContactLink(url.slice(0, -3)))
    expect(err.message).toBe('This contact link is damaged or incomplete; ask for a new one')
  })

  it('fit a member with 16 devices of today’s sizes', () => {
    const big: ContactLink = {
      ...contact,
      member: { ...sampleMember(7, L.MAX_DEVICES_PER_MEMBER), name: 'n'.repeat(L.MAX_NAME_BYTES) },
      relays: Array.from({ length: 2 }, () => 'r'.repeat(120)),
    }
    const url = contactLinkUrl(BASE, big)
    expect(url.length).toBeLessThanOrEqual(L.MAX_LINK_CHARS)
    expect(parseContactLink(url)).toEqual(big)
  })
})

describe('link parsing under fuzzing', () => {
  const parsers: ((input: string) => unknown)[] = [parseInviteLink, parseContactLink]

  it('fails only with InvalidLinkError on arbitrary text', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 300 }),
        fc.constantFrom('', `${BASE}#join=`, `${BASE}#contact=`),
        (text, prefix) => {
          for (const parse of parsers) decodeOrRefuse(parse, prefix + text, ['InvalidLinkError'])
        },
      ),
      FUZZ_RUNS,
    )
  })

  it('fails only with InvalidLinkError on damaged links, and accepts only canonical ones', () => {
    const links = fc.oneof(invites.map(encodeInviteLink), contacts.map(encodeContactLink))
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/ #'
    fc.assert(
      fc.property(
        links,
        fc.nat(),
        fc.nat({ max: alphabet.length - 1 }),
        fc.boolean(),
        (link, where, c, replace) => {
          const at = where % (link.length + 1)
          const damaged = link.slice(0, at) + alphabet[c] + link.slice(at + (replace ? 1 : 0))
          const parsed = decodeOrRefuse(parseInviteLink, damaged, ['InvalidLinkError'])
          if (parsed) expect(encodeInviteLink(parsed)).toBe(damaged.trim())
          const parsedContact = decodeOrRefuse(parseContactLink, damaged, ['InvalidLinkError'])
          if (parsedContact) expect(encodeContactLink(parsedContact)).toBe(damaged.trim())
        },
      ),
      FUZZ_RUNS,
    )
  })
})

describe('strict base64url', () => {
  it('round-trips any bytes', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 100 }),
        (b) => void expect(sameBytes(fromBase64url(toBase64url(b)), b)).toBe(true),
      ),
    )
    expect(toBase64url(Uint8Array.of(0xfb, 0xff))).toBe('-_8')
  })

  it('refuses padding, the +/ alphabet, impossible lengths and stray bits', () => {
    for (const text of ['AA==', 'A+8', 'A/8', 'A', 'AAAAA', 'AB', 'AAB', 'A A']) {
      expectThrowsNamed(() => fromBase64url(text), 'DecodeError')
    }
  })
})
