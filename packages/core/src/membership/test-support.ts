/**
 * Helpers for membership tests: people with real device certificates, a small
 * builder for ctrl DAGs, and a canonical serialisation of a state so two
 * evaluations can be compared exactly.
 */
import {
  encodeDeviceCertificate,
  encodeSignedPrekey,
  generateDevice,
  generateIdentity,
  generatePrekey,
  Labels,
  signWithLabel,
  toHex,
} from '@murmur/crypto'
import type {
  ConversationKind,
  ConversationSettings,
  CtrlOp,
  DeviceRecord,
  MemberRecord,
  Role,
} from '@murmur/protocol'
import { evaluateMembership } from './evaluate.ts'
import type { CtrlNode, MembershipState } from './types.ts'

export interface Person {
  readonly name: string
  /** Hex identity key: how the evaluator names users. */
  readonly user: string
  readonly identity: Uint8Array
  /** Hex device keys, one per device. */
  readonly deviceKeys: readonly string[]
  readonly devices: readonly DeviceRecord[]
  /** The member record with all (or the first n) devices. */
  record(deviceCount?: number): MemberRecord
}

export function person(name: string, deviceCount = 1): Person {
  const id = generateIdentity()
  const made = Array.from({ length: deviceCount }, () => generateDevice(id, { now: 1 }))
  const devices = made.map((d) => ({
    certificate: encodeDeviceCertificate(d.certificate),
    prekey: encodeSignedPrekey(generatePrekey(d, { now: 1, id: 1 }).signed),
    binding: signWithLabel(d.secretKey, Labels.deviceBinding, d.certificate.identityPublicKey),
  }))
  return {
    name,
    user: toHex(id.publicKey),
    identity: id.publicKey,
    deviceKeys: made.map((d) => toHex(d.publicKey)),
    devices,
    record: (count = deviceCount) => ({
      identity: id.publicKey,
      name,
      devices: devices.slice(0, count),
    }),
  }
}

export const defaultSettings: ConversationSettings = {
  historyVisible: false,
  membersCanInvite: false,
}

export interface OpOptions {
  /** Defaults to the log's current heads. */
  readonly parents?: readonly string[]
  /** Index of the author's device; defaults to 0. */
  readonly device?: number
  /** Fix the hash, to control the deterministic order of concurrent ops. */
  readonly hash?: string
}

/** Builds ctrl DAGs. Hashes are unique and, unless fixed, pseudo-random but reproducible. */
export interface CtrlLog {
  readonly nodes: CtrlNode[]
  /** Ops that are nobody's parent yet. */
  heads(): string[]
  op(author: Person, op: CtrlOp, options?: OpOptions): string
  create(
    owner: Person,
    options?: OpOptions & {
      kind?: ConversationKind
      settings?: Partial<ConversationSettings>
      name?: string
      deviceCount?: number
    },
  ): string
  add(
    author: Person,
    who: Person,
    options?: OpOptions & { role?: Role; deviceCount?: number },
  ): string
  remove(author: Person, who: Person, options?: OpOptions): string
  setRole(author: Person, who: Person, role: Role, options?: OpOptions): string
  leave(author: Person, options?: OpOptions): string
  settings(author: Person, settings: Partial<ConversationSettings>, options?: OpOptions): string
}

export function ctrlLog(seed = 1): CtrlLog {
  const nodes: CtrlNode[] = []
  let state = seed >>> 0 || 1
  let ts = 0
  const nextHash = (): string => {
    let out = ''
    for (let i = 0; i < 8; i++) {
      state ^= state << 13
      state ^= state >>> 17
      state ^= state << 5
      out += (state >>> 0).toString(16).padStart(8, '0')
    }
    return out
  }
  const heads = (): string[] => {
    const parents = new Set(nodes.flatMap((n) => n.parents))
    return nodes.map((n) => n.hash).filter((h) => !parents.has(h))
  }
  const op = (author: Person, body: CtrlOp, options: OpOptions = {}): string => {
    const hash = options.hash ?? nextHash()
    nodes.push({
      hash,
      parents: options.parents ?? heads(),
      authorUser: author.user,
      authorDevice: author.deviceKeys[options.device ?? 0]!,
      ts: ++ts,
      op: body,
    })
    return hash
  }
  return {
    nodes,
    heads,
    op,
    create: (owner, options = {}) =>
      op(
        owner,
        {
          type: 'create',
          conversationKind: options.kind ?? 'group',
          name: options.name ?? 'test',
          owner: owner.record(options.deviceCount),
          settings: { ...defaultSettings, ...options.settings },
          nonce: new Uint8Array(16),
        },
        { parents: [], ...options },
      ),
    add: (author, who, options = {}) =>
      op(
        author,
        { type: 'add', member: who.record(options.deviceCount), role: options.role ?? 'member' },
        options,
      ),
    remove: (author, who, options) => op(author, { type: 'remove', user: who.identity }, options),
    setRole: (author, who, role, options) =>
      op(author, { type: 'setRole', user: who.identity, role }, options),
    leave: (author, options) => op(author, { type: 'leave' }, options),
    settings: (author, settings, options) =>
      op(author, { type: 'settings', settings: { ...defaultSettings, ...settings } }, options),
  }
}

/** A stable string for a state: maps and sets sorted, bytes as hex. */
export function canonical(state: MembershipState): string {
  const members = [...state.members.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([user, m]) => ({
      user,
      identity: toHex(m.identity),
      name: m.name,
      role: m.role,
      since: m.since,
      devices: m.devices.map((d) => [toHex(d.certificate), toHex(d.prekey)]),
      deviceKeys: m.deviceKeys,
    }))
  return JSON.stringify({
    createHash: state.createHash,
    kind: state.conversationKind,
    name: state.name,
    settings: state.settings,
    members,
    heads: state.heads,
    valid: [...state.valid].sort(),
    rejected: [...state.rejected.entries()].sort(),
    pending: [...state.pending].sort(),
  })
}

/**
 * A long, busy conversation for benchmarks and large tests: owners and admins add,
 * remove, promote and change settings from their own views of the DAG, merging
 * views now and then (a new member starts from their adder's view), so ops race.
 * Most ops are valid; the races make some not.
 */
export function busyConversation(
  opCount: number,
  seed: number,
  pool: readonly Person[],
  syncChance = 0.3,
): CtrlNode[] {
  const log = ctrlLog(seed)
  let r = seed >>> 0 || 1
  const rnd = (): number => {
    r ^= r << 13
    r ^= r >>> 17
    r ^= r << 5
    return (r >>> 0) / 4294967296
  }
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)]!
  const children = new Map<string, string[]>()
  const byHash = new Map<string, CtrlNode>()
  interface View {
    known: Set<string>
    heads: Set<string>
  }
  const views = new Map<string, View>()
  const learn = (view: View, hash: string): void => {
    if (view.known.has(hash)) return
    view.known.add(hash)
    for (const p of byHash.get(hash)!.parents) view.heads.delete(p)
    if (!(children.get(hash) ?? []).some((c) => view.known.has(c))) view.heads.add(hash)
  }
  const record = (hash: string, into: View): void => {
    const node = log.nodes.at(-1)!
    byHash.set(hash, node)
    for (const p of node.parents) children.set(p, [...(children.get(p) ?? []), hash])
    learn(into, hash)
  }
  const roles = new Map<Person, Role>()
  const admittedIn = new Map<Person, string>()
  const owner = pool[0]!
  const first = { known: new Set<string>(), heads: new Set<string>() }
  views.set(owner.user, first)
  record(log.create(owner, { settings: { membersCanInvite: false } }), first)
  roles.set(owner, 'owner')

  while (log.nodes.length < opCount) {
    if (log.nodes.length % 100 === 0) {
      // Now and then everyone learns who is really in, as people would from the app.
      const truth = evaluateMembership(log.nodes).members
      roles.clear()
      for (const p of pool) {
        const m = truth.get(p.user)
        if (m !== undefined) roles.set(p, m.role)
      }
    }
    const members = [...roles.keys()]
    if (members.length === 0) break
    // Mostly owners and admins act; members now and then add a device or leave.
    const staff = members.filter((m) => roles.get(m) !== 'member')
    const actor = rnd() < 0.8 && staff.length > 0 ? pick(staff) : pick(members)
    const view = views.get(actor.user)!
    if (rnd() < syncChance) {
      const other = views.get(pick(members).user)!
      for (const h of other.known) learn(view, h)
    }
    const options = { parents: [...view.heads] }
    const role = roles.get(actor)!
    const outsiders = pool.filter((p) => !roles.has(p))
    const roll = rnd()
    let hash: string
    if (roll > 0.98 && members.length > pool.length / 4) {
      // Owners and admins leave too, handing ownership on.
      hash = log.leave(actor, options)
      roles.delete(actor)
    } else if (role === 'member') {
      if (roll < 0.2 && members.length > pool.length / 4) {
        hash = log.leave(actor, options)
        roles.delete(actor)
      } else {
        hash = log.add(actor, actor, options)
      }
    } else if (roll < 0.45 && outsiders.length > 0) {
      const who = pick(outsiders)
      const as: Role = role === 'owner' && rnd() < 0.2 ? 'admin' : 'member'
      hash = log.add(actor, who, { ...options, role: as })
      roles.set(who, as)
      admittedIn.set(who, hash)
      views.set(who.user, { known: new Set(view.known), heads: new Set(view.heads) })
      record(hash, views.get(who.user)!)
    } else if (roll < 0.7) {
      const seen = (m: Person): boolean => view.known.has(admittedIn.get(m) ?? '')
      const targets = members.filter((m) => roles.get(m) === 'member' && seen(m))
      if (targets.length === 0) continue
      const who = pick(targets)
      hash = log.remove(actor, who, options)
      roles.delete(who)
    } else if (roll < 0.85) {
      const seen = (m: Person): boolean => view.known.has(admittedIn.get(m) ?? '')
      const targets = members.filter((m) => roles.get(m) === 'member' && seen(m))
      if (targets.length === 0) continue
      const who = pick(targets)
      hash = log.setRole(actor, who, 'admin', options)
      roles.set(who, 'admin')
      record(hash, view)
      // The promoted member hears of it from the promoter.
      for (const h of view.known) learn(views.get(who.user)!, h)
      continue
    } else {
      hash = log.settings(actor, { membersCanInvite: rnd() < 0.5 }, options)
    }
    record(hash, view)
  }
  return log.nodes
}
