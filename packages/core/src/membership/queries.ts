/**
 * Questions a client asks of an evaluated state: what may this person do now,
 * who outranks whom, which devices must receive a new epoch key.
 */
import type { DeviceRecord, Role } from '@murmur/protocol'
import { seniorityOrder } from './member.ts'
import { admitDenial, removeDenial, setRoleDenial, settingsDenial } from './rules.ts'
import type { Authority } from './rules.ts'
import type { MembershipState } from './types.ts'

function authority(state: MembershipState): Authority {
  return {
    kind: state.conversationKind,
    settings: state.settings,
    role: (user) => state.members.get(user)?.role,
  }
}

/** Channels take posts from owners and admins only; other kinds from every member. */
export function canPost(state: MembershipState, user: string): boolean {
  const role = state.members.get(user)?.role
  if (role === undefined) return false
  return state.conversationKind !== 'channel' || role !== 'member'
}

/** May `user` admit someone new (as a member)? */
export function canAdd(state: MembershipState, user: string): boolean {
  if (admitDenial(authority(state), user, 'member') !== undefined) return false
  return state.conversationKind !== 'dm' || state.members.size < 2
}

export function canRemove(state: MembershipState, actor: string, target: string): boolean {
  return removeDenial(authority(state), actor, target) === undefined
}

export function canSetRole(
  state: MembershipState,
  actor: string,
  target: string,
  role: Role,
): boolean {
  return setRoleDenial(authority(state), actor, target, role) === undefined
}

export function canChangeSettings(state: MembershipState, user: string): boolean {
  return settingsDenial(authority(state), user) === undefined
}

/** Members, most senior first: the owner, admins by promotion, members by admission. */
export function seniority(state: MembershipState): string[] {
  return seniorityOrder(state.members)
}

export interface MemberDevice {
  readonly user: string
  /** Hex device public key. */
  readonly deviceKey: string
  readonly device: DeviceRecord
}

/** Every device of every member, most senior member first. */
export function memberDevices(state: MembershipState): MemberDevice[] {
  return seniority(state).flatMap((user) => {
    const m = state.members.get(user)!
    return m.devices.map((device, i) => ({ user, deviceKey: m.deviceKeys[i]!, device }))
  })
}
