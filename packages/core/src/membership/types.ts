/**
 * Public types of the ctrl DAG evaluator. A CtrlNode is a verified membership
 * op; MembershipState is what every device computes from the same set of them.
 */
import type {
  ConversationKind,
  ConversationSettings,
  CtrlOp,
  DeviceRecord,
  Role,
} from '@murmur/protocol'

/** A ctrl op whose envelope signature and device certificate the caller has checked. */
export interface CtrlNode {
  /** Hex SHA-256 of the op, computed by the caller. Equal hashes mean the same op. */
  readonly hash: string
  /** Hex hashes of the ops this one causally follows. */
  readonly parents: readonly string[]
  /** Hex identity public key of the author. */
  readonly authorUser: string
  /** Hex device public key that signed the op. */
  readonly authorDevice: string
  readonly ts: number
  readonly op: CtrlOp
}

export interface MemberState {
  readonly identity: Uint8Array
  readonly name: string
  readonly role: Role
  /** Deduplicated by certificate bytes, in the order they were added. */
  readonly devices: readonly DeviceRecord[]
  /** Hex device public keys of `devices`. */
  readonly deviceKeys: readonly string[]
  /**
   * Position, in this evaluation's deterministic order, of the op their seniority counts
   * from: the create or the leave that handed them ownership (owner), the add or promotion
   * that made them admin (admin), the add that admitted them (member).
   */
  readonly since: number
}

export interface MembershipState {
  /** Hash of the conversation's create op; undefined while no valid create is known. */
  readonly createHash: string | undefined
  readonly conversationKind: ConversationKind | undefined
  /** The name given at creation (renames live in the conversation's shared state). */
  readonly name: string | undefined
  readonly settings: ConversationSettings | undefined
  /** Hex identity key → member. */
  readonly members: ReadonlyMap<string, MemberState>
  /** Valid ops that are not in the causal past of another valid op, sorted. */
  readonly heads: readonly string[]
  readonly valid: ReadonlySet<string>
  /** Hash → why the op has no effect (unauthorised, malformed, or dropped). */
  readonly rejected: ReadonlyMap<string, string>
  /** Ops whose ancestry is incomplete; evaluated once their parents arrive. */
  readonly pending: ReadonlySet<string>
}

export interface EvaluateOptions {
  /**
   * The hash of the create op that names this conversation. Without it, the parentless
   * create with the lowest hash is the root.
   */
  readonly root?: string
}
