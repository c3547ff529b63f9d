/**
 * Branded identifiers: plain strings at run time, distinct types at compile
 * time, so a peer id can never be passed where a conversation id is expected.
 */

declare const brand: unique symbol
export type Brand<T, B extends string> = T & { readonly [brand]: B }

/** A libp2p peer id in its base58 string form. */
export type PeerIdString = Brand<string, 'PeerId'>
/** A pubsub topic name. */
export type Topic = Brand<string, 'Topic'>
/** A libp2p protocol id such as `/murmur/sync/1.0.0`. */
export type ProtocolId = Brand<string, 'ProtocolId'>
export type ConversationId = Brand<string, 'ConversationId'>
export type UserId = Brand<string, 'UserId'>
export type DeviceId = Brand<string, 'DeviceId'>
export type MessageId = Brand<string, 'MessageId'>

export const asPeerId = (s: string): PeerIdString => s as PeerIdString
export const asTopic = (s: string): Topic => s as Topic
export const asProtocolId = (s: string): ProtocolId => s as ProtocolId
