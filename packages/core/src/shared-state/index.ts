/**
 * A conversation's mutable state: reactions, edits, deletions, name and topic,
 * pins and read markers, merged from one Yjs document per author user.
 */
export { createSharedState, isEmptyUpdate } from './state.ts'
export type { SharedStateOptions } from './state.ts'
export { yjsClientId } from './client-id.ts'
export { ForeignStateError, checkUpdate } from './validate.ts'
export type {
  SharedState,
  StateAuthor,
  StateChange,
  StateChangeKind,
  IsAdmin,
  Edit,
  Deletion,
  MetaValue,
  MetaField,
  Pin,
  ReadMarker,
  UserSnapshot,
} from './types.ts'
