/** Murmur's conversation wire formats (v1): types, limits and codecs. */
export * from './types.ts'
export * from './limits.ts'
export {
  ROLES,
  CONVERSATION_KINDS,
  encodeMemberRecord,
  decodeMemberRecord,
  encodeDeviceRecord,
  decodeDeviceRecord,
  encodeConversationSettings,
  decodeConversationSettings,
} from './records.ts'
export * from './envelope.ts'
export * from './payloads.ts'
export * from './topic.ts'
export * from './sync.ts'
export * from './door.ts'
export * from './links.ts'
