/**
 * Domain-separation labels. Every signature, KDF and AEAD in this package
 * mixes in exactly one of these, so bytes produced for one purpose are never
 * valid for another. Labels never contain NUL; where a label prefixes other
 * data it is followed by a 0x00 byte, which makes the prefixes unambiguous.
 * Changing a label is a breaking format change.
 */
export const Labels = {
  deviceCertificate: 'murmur/v1/device-cert',
  signedPrekey: 'murmur/v1/prekey',
  peerIdBinding: 'murmur/v1/peer-id-binding',
  seal: 'murmur/v1/seal',
  conversationTag: 'murmur/v1/epoch/conversation-tag',
  topic: 'murmur/v1/epoch/topic',
  senderTag: 'murmur/v1/epoch/sender-tag',
  senderChain: 'murmur/v1/epoch/sender-chain',
  chainMessageKey: 'murmur/v1/chain/message-key',
  chainNext: 'murmur/v1/chain/next',
  backup: 'murmur/v1/backup',
  safetyNumber: 'murmur/v1/safety-number',
  // Conversation layer (used by @murmur/core).
  envelope: 'murmur/v1/envelope',
  presence: 'murmur/v1/presence',
  welcome: 'murmur/v1/welcome',
  inviteGrant: 'murmur/v1/invite-grant',
  inviteProof: 'murmur/v1/invite-proof',
  ctrlHash: 'murmur/v1/ctrl-hash',
  baseKey: 'murmur/v1/conversation/base-key',
  conversationId: 'murmur/v1/conversation/id',
  doorTopic: 'murmur/v1/door/topic',
  doorKey: 'murmur/v1/door/key',
  epochSeal: 'murmur/v1/epoch-seal',
  deviceBinding: 'murmur/v1/device-binding',
} as const

export type Label = (typeof Labels)[keyof typeof Labels]
