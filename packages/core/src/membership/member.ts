/**
 * What the rules need to know about membership at some set of ops, however it
 * was computed: by folding the ops in order (fold.ts, the reference) or by
 * asking each user's own ops on demand (ledger.ts, the fast path).
 */
import type { ConversationKind, ConversationSettings, Role } from '@murmur/protocol'
import type { DeviceEntry } from './parse.ts'

export interface Member {
  readonly identity: Uint8Array
  readonly name: string
  readonly role: Role
  readonly devices: readonly DeviceEntry[]
  readonly deviceKeys: ReadonlySet<string>
  /** Position seniority counts from (see MemberState.since). */
  readonly since: number
  /** Position of the add that admitted them (or the create). */
  readonly joined: number
}

export interface MembershipView {
  /** Whether the conversation's create is among the ops. */
  readonly created: boolean
  readonly kind: ConversationKind | undefined
  readonly settings: ConversationSettings | undefined
  member(user: string): Member | undefined
}

/** How a valid add was meant at its parents: admitting someone, or adding devices. */
export const JOIN = 1
export const MERGE = 2

const RANK: Record<Role, number> = { owner: 0, admin: 1, member: 2 }

/** Owner, then admins by when they became admin, then members by when they were added. */
export function compareSeniority(
  a: { readonly role: Role; readonly since: number },
  b: { readonly role: Role; readonly since: number },
): number {
  return RANK[a.role] - RANK[b.role] || a.since - b.since
}

export function seniorityOrder(
  members: ReadonlyMap<string, { readonly role: Role; readonly since: number }>,
): string[] {
  return [...members.entries()]
    .sort(([ua, a], [ub, b]) => compareSeniority(a, b) || (ua < ub ? -1 : ua > ub ? 1 : 0))
    .map(([user]) => user)
}
