/**
 * Conversation membership, computed by every device from the signed ctrl DAG
 * with the same deterministic rules, so no server decides who is in a group.
 * Pure: a function of the set of ops, whatever order they arrived in.
 */
export { evaluateMembership, stateAt } from './membership/evaluate.ts'
export { ctrlDag } from './membership/dag.ts'
export type { CtrlDag } from './membership/dag.ts'
export {
  canAdd,
  canChangeSettings,
  canPost,
  canRemove,
  canSetRole,
  memberDevices,
  seniority,
} from './membership/queries.ts'
export type { MemberDevice } from './membership/queries.ts'
export type { CtrlNode, EvaluateOptions, MemberState, MembershipState } from './membership/types.ts'
