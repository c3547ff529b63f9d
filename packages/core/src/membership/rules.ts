/**
 * Who may do what, judged against the membership at an op's parents. Each
 * check returns why an action is refused, or undefined when it is allowed; the
 * evaluator records the reason and the public can* helpers ask the same checks.
 */
import type { ConversationKind, ConversationSettings, Role } from '@murmur/protocol'
import { JOIN, MERGE } from './member.ts'
import type { MembershipView } from './member.ts'
import type { OpInfo } from './parse.ts'
import type { CtrlNode } from './types.ts'

export interface Authority {
  readonly kind: ConversationKind | undefined
  readonly settings: ConversationSettings | undefined
  role(user: string): Role | undefined
}

/** May `actor` admit someone new with `role`? (Pair and self limits are checked separately.) */
export function admitDenial(a: Authority, actor: string, role: Role): string | undefined {
  const mine = a.role(actor)
  if (mine === undefined) return 'the author is not a member'
  if (role === 'owner') return 'ownership cannot be given by an add'
  switch (a.kind) {
    case 'self':
      return 'nobody else can join saved messages'
    case 'dm':
      if (mine !== 'owner') return 'only the owner of a dm can add its other person'
      if (role !== 'member') return 'a dm has no admins'
      return undefined
    case 'channel':
    case 'group':
    case undefined:
      if (role === 'admin' && mine !== 'owner') return 'only the owner can add admins'
      if (mine === 'owner' || mine === 'admin') return undefined
      if (a.kind === 'group' && a.settings?.membersCanInvite === true) return undefined
      return a.kind === 'channel'
        ? 'only owners and admins can add people to a channel'
        : 'members cannot add people unless the group lets members invite'
  }
}

export function removeDenial(a: Authority, actor: string, target: string): string | undefined {
  const mine = a.role(actor)
  const theirs = a.role(target)
  if (mine === undefined) return 'the author is not a member'
  if (a.kind === 'dm' || a.kind === 'self')
    return `nobody is removed from a ${a.kind}; leave instead`
  if (actor === target) return 'to remove yourself, leave'
  if (theirs === undefined) return 'the target is not a member'
  if (mine === 'owner') return undefined
  if (mine === 'admin' && theirs === 'member') return undefined
  if (mine === 'admin') return 'admins can remove members, not admins or the owner'
  return 'only owners and admins can remove people'
}

export function setRoleDenial(
  a: Authority,
  actor: string,
  target: string,
  role: Role,
): string | undefined {
  const mine = a.role(actor)
  const theirs = a.role(target)
  if (mine === undefined) return 'the author is not a member'
  if (a.kind === 'dm' || a.kind === 'self') return `a ${a.kind} has no roles to change`
  if (role === 'owner') return 'ownership passes only when the owner leaves'
  if (actor === target) return 'nobody can change their own role'
  if (theirs === undefined) return 'the target is not a member'
  if (theirs === 'owner') return "the owner's role cannot be changed"
  if (mine === 'owner') return undefined
  if (mine === 'admin' && theirs === 'member' && role === 'admin') return undefined
  if (mine === 'admin') return 'admins can promote members but not demote'
  return 'only owners and admins can change roles'
}

export function settingsDenial(a: Authority, actor: string): string | undefined {
  const mine = a.role(actor)
  if (mine === undefined) return 'the author is not a member'
  if (mine === 'owner' || mine === 'admin') return undefined
  return 'only owners and admins can change settings'
}

export function viewAuthority(v: MembershipView): Authority {
  return { kind: v.kind, settings: v.settings, role: (u) => v.member(u)?.role }
}

/** The two people of a dm: its creator and the first person it admitted. */
export interface DmPair {
  creator: string | undefined
  partner: string | undefined
}

export type Verdict =
  | { readonly ok: true; readonly addKind?: typeof JOIN | typeof MERGE }
  | { readonly ok: false; readonly reason: string }

const deny = (reason: string): Verdict => ({ ok: false, reason })
const OK: Verdict = { ok: true }

/** Judges a non-create op against `f`, the membership view at its parents. */
export function authorize(f: MembershipView, node: CtrlNode, info: OpInfo, pair: DmPair): Verdict {
  if (!f.created) return deny("the op does not descend from the conversation's create")
  const author = node.authorUser
  const member = f.member(author)
  if (member === undefined) return deny('the author is not a member at its parents')
  if (!member.deviceKeys.has(node.authorDevice)) {
    return deny("the signing device is not one of the author's devices at its parents")
  }
  if (info.error !== undefined) return deny(info.error)
  const a = viewAuthority(f)
  const op = node.op
  let why: string | undefined
  switch (op.type) {
    case 'create':
      return deny('a conversation has one create')
    case 'add': {
      const target = info.target!
      if (f.member(target) !== undefined) {
        // Adding a member again only adds devices: their own, or by someone who may add.
        if (target === author || f.kind === 'group' || f.kind === 'channel') {
          why = target === author ? undefined : admitDenial(a, author, 'member')
        } else why = `only the person themselves adds devices in a ${f.kind}`
        return why === undefined ? { ok: true, addKind: MERGE } : deny(why)
      }
      why = admitDenial(a, author, op.role)
      if (why === undefined && f.kind === 'dm') {
        const inPair = pair.partner === undefined || target === pair.partner
        if (!inPair && target !== pair.creator) why = 'a dm is between two people'
      }
      return why === undefined ? { ok: true, addKind: JOIN } : deny(why)
    }
    case 'remove':
      why = removeDenial(a, author, info.target!)
      break
    case 'setRole':
      why = setRoleDenial(a, author, info.target!, op.role)
      break
    case 'leave':
      return OK
    case 'settings':
      why = settingsDenial(a, author)
      break
  }
  return why === undefined ? OK : deny(why)
}

/** Judges the root create. */
export function authorizeCreate(node: CtrlNode, info: OpInfo): Verdict {
  if (node.op.type !== 'create') return deny('only a create may have no parents')
  if (info.error !== undefined) return deny(info.error)
  if (info.target !== node.authorUser) return deny('the create must name its author as owner')
  if (!info.devices!.some((d) => d.key === node.authorDevice)) {
    return deny("the signing device is not one of the owner's devices")
  }
  return OK
}
