/**
 * Invite and contact links. The secret part lives in the URL fragment, which
 * browsers never send to a server: `${base}#join=${payload}` for an invite,
 * `${base}#contact=${payload}` for a contact. The payload is strict unpadded
 * base64url of (v1):
 *
 *   u8      version = 1
 *   u8      kind: invite = 1, contact = 2
 *   invite:  32 door secret, 32 invite secret, 32 inviter device, 64 grant,
 *            varint expiresAt (ms since the epoch), relays,
 *            string conversation name (≤ MAX_NAME_BYTES), string inviter name (≤ MAX_NAME_BYTES)
 *   contact: MemberRecord (records.ts), 32 door secret, relays
 *   relays:  varint count ≤ MAX_RELAYS_IN_LINK, string multiaddr (≤ MAX_RELAY_ADDR_BYTES), repeated
 *
 * The payload is at most MAX_LINK_PAYLOAD_BYTES and a link as typed at most
 * MAX_LINK_CHARS. Parsing accepts a whole URL or the bare payload, and every
 * failure is an InvalidLinkError whose message tells a person what to do.
 */

import { Writer } from '../bytes.ts'
import type { Reader } from '../bytes.ts'
import { DecodeError, InvalidArgumentError, MurmurError } from '../errors.ts'
import { fromBase64url, toBase64url } from './base64url.ts'
import {
  readFixed,
  readList,
  readString,
  readUint,
  sized,
  whole,
  writeFixed,
  writeList,
  writeString,
  writeUint,
} from './codec.ts'
import * as L from './limits.ts'
import { readMemberRecord, writeMemberRecord } from './records.ts'
import { KEY_BYTES, SIGNATURE_BYTES } from './types.ts'
import type { ContactLink, InviteLink } from './types.ts'

export const LINK_VERSION = 1

/** Why a link was refused: it is damaged, it is the other kind, or a newer Murmur made it. */
export type InvalidLinkReason = 'damaged' | 'wrong-kind' | 'unsupported-version'

export class InvalidLinkError extends MurmurError {
  override name = 'InvalidLinkError'
  readonly reason: InvalidLinkReason
  constructor(message: string, reason: InvalidLinkReason, options?: ErrorOptions) {
    super(message, options)
    this.reason = reason
  }
}

/**
 * Versions up to this read as "made by a newer Murmur"; anything higher is
 * more likely text that only happens to be base64url (e.g. a cut-off "http").
 */
const LAST_PLAUSIBLE_VERSION = 15

type LinkKind = 'invite' | 'contact'
const KIND_TAGS: Readonly<Record<LinkKind, number>> = { invite: 1, contact: 2 }
const FRAGMENTS: Readonly<Record<LinkKind, string>> = { invite: 'join=', contact: 'contact=' }

export function encodeInviteLink(link: InviteLink): string {
  const w = start(link.version, 'invite')
  writeFixed(w, link.door, KEY_BYTES, 'door secret')
  writeFixed(w, link.inviteSecret, KEY_BYTES, 'invite secret')
  writeFixed(w, link.inviterDevice, KEY_BYTES, 'inviter device')
  writeFixed(w, link.grant, SIGNATURE_BYTES, 'invite grant')
  writeUint(w, link.expiresAt, 'invite expiry')
  writeRelays(w, link.relays)
  writeString(w, link.conversationName, L.MAX_NAME_BYTES, 'conversation name')
  writeString(w, link.inviterName, L.MAX_NAME_BYTES, 'inviter name')
  return toBase64url(sized(w, L.MAX_LINK_PAYLOAD_BYTES, 'invite link'))
}

export function inviteLinkUrl(base: string, link: InviteLink): string {
  return url(base, 'invite', encodeInviteLink(link))
}

/** Reads an invite from a whole URL (`…#join=…`) or its bare payload. */
export function parseInviteLink(input: string): InviteLink {
  return parse(input, 'invite', (r) => {
    const door = readFixed(r, KEY_BYTES)
    const inviteSecret = readFixed(r, KEY_BYTES)
    const inviterDevice = readFixed(r, KEY_BYTES)
    const grant = readFixed(r, SIGNATURE_BYTES)
    const expiresAt = readUint(r, 'invite expiry')
    const relays = readRelays(r)
    const conversationName = readString(r, L.MAX_NAME_BYTES, 'conversation name')
    const inviterName = readString(r, L.MAX_NAME_BYTES, 'inviter name')
    const version = LINK_VERSION
    return {
      version,
      door,
      inviteSecret,
      inviterDevice,
      grant,
      expiresAt,
      relays,
      conversationName,
      inviterName,
    }
  })
}

/** True once `now` (ms since the epoch) has reached the invite's expiry. */
export function isExpired(link: Pick<InviteLink, 'expiresAt'>, now: number): boolean {
  return now >= link.expiresAt
}

export function encodeContactLink(link: ContactLink): string {
  const w = start(link.version, 'contact')
  writeMemberRecord(w, link.member)
  writeFixed(w, link.door, KEY_BYTES, 'door secret')
  writeRelays(w, link.relays)
  return toBase64url(sized(w, L.MAX_LINK_PAYLOAD_BYTES, 'contact link'))
}

export function contactLinkUrl(base: string, link: ContactLink): string {
  return url(base, 'contact', encodeContactLink(link))
}

/** Reads a contact link from a whole URL (`…#contact=…`) or its bare payload. */
export function parseContactLink(input: string): ContactLink {
  return parse(input, 'contact', (r) => {
    const member = readMemberRecord(r)
    const door = readFixed(r, KEY_BYTES)
    return { version: LINK_VERSION, member, door, relays: readRelays(r) }
  })
}

function start(version: number, kind: LinkKind): Writer {
  if (version !== LINK_VERSION)
    throw new InvalidArgumentError(`link version must be ${LINK_VERSION}`)
  return new Writer().byte(LINK_VERSION).byte(KIND_TAGS[kind])
}

function writeRelays(w: Writer, relays: readonly string[]): void {
  writeList(w, relays, L.MAX_RELAYS_IN_LINK, 'relays in a link', (a) =>
    writeString(w, a, L.MAX_RELAY_ADDR_BYTES, 'relay address'),
  )
}

function readRelays(r: Reader): string[] {
  return readList(r, L.MAX_RELAYS_IN_LINK, 'relays in a link', () =>
    readString(r, L.MAX_RELAY_ADDR_BYTES, 'relay address'),
  )
}

function url(base: string, kind: LinkKind, payload: string): string {
  if (typeof base !== 'string' || base.includes('#')) {
    throw new InvalidArgumentError('link base must be a URL without a fragment')
  }
  const out = `${base}#${FRAGMENTS[kind]}${payload}`
  if (out.length > L.MAX_LINK_CHARS) {
    throw new InvalidArgumentError(
      `link would be ${out.length} characters (limit ${L.MAX_LINK_CHARS})`,
    )
  }
  return out
}

function parse<T>(input: string, expected: LinkKind, read: (r: Reader) => T): T {
  const damaged = (cause?: unknown): InvalidLinkError =>
    new InvalidLinkError(
      `This ${expected} link is damaged or incomplete; ask for a new one`,
      'damaged',
      cause === undefined ? undefined : { cause },
    )
  if (typeof input !== 'string' || input.length > L.MAX_LINK_CHARS) throw damaged()
  const text = input.trim()
  const hash = text.indexOf('#')
  const fragment = hash < 0 ? text : text.slice(hash + 1)
  let payload = fragment
  for (const kind of ['invite', 'contact'] as const) {
    if (!fragment.startsWith(FRAGMENTS[kind])) continue
    if (kind !== expected) throw wrongKind(expected)
    payload = fragment.slice(FRAGMENTS[kind].length)
  }
  if (hash >= 0 && payload === fragment) throw damaged() // a URL without a Murmur fragment
  let bytes: Uint8Array
  try {
    bytes = fromBase64url(payload)
  } catch (err) {
    throw damaged(err)
  }
  if (bytes.length < 2 || bytes.length > L.MAX_LINK_PAYLOAD_BYTES) throw damaged()
  const [version = 0, kind = 0] = bytes
  if (version > LINK_VERSION && version <= LAST_PLAUSIBLE_VERSION) {
    throw new InvalidLinkError(
      `This ${expected} link was made by a newer version of Murmur; update Murmur and open it again`,
      'unsupported-version',
    )
  }
  if (version !== LINK_VERSION) throw damaged()
  if (kind === KIND_TAGS[expected === 'invite' ? 'contact' : 'invite']) throw wrongKind(expected)
  if (kind !== KIND_TAGS[expected]) throw damaged()
  try {
    return whole(bytes.subarray(2), `${expected} link`, read)
  } catch (err) {
    if (err instanceof DecodeError) throw damaged(err)
    throw err
  }
}

function wrongKind(expected: LinkKind): InvalidLinkError {
  return new InvalidLinkError(
    expected === 'invite'
      ? 'This is a contact link, not an invite: open it to start a conversation with the person who shared it'
      : 'This is an invite to a conversation, not a contact link: open it to join the conversation',
    'wrong-kind',
  )
}
