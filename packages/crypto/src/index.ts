/**
 * @murmur/crypto: identities, device certificates, prekeys, sealing, group
 * epoch keys and hash chains, backups and safety numbers, built only on
 * @noble primitives. Formats and threat model: ../README.md.
 */
export {
  DecryptError,
  WrongPassphraseError,
  ReplayError,
  SkipLimitError,
  ChainExhaustedError,
} from './errors.ts'
export { Labels } from './labels.ts'
export type { Label } from './labels.ts'
export {
  randomBytes,
  constantTimeEqual,
  toHex,
  fromHex,
  toBase64url,
  fromBase64url,
} from './bytes.ts'
export {
  generateIdentity,
  identityFromSecret,
  generateDevice,
  certifyDevice,
  verifyDeviceCertificate,
  encodeDeviceCertificate,
  decodeDeviceCertificate,
  DEVICE_CERTIFICATE_LENGTH,
} from './identity.ts'
export type {
  SigningKeyPair,
  IdentityKeyPair,
  Device,
  DeviceCertificate,
  TimeOptions,
} from './identity.ts'
export {
  generatePrekey,
  verifyPrekey,
  encodeSignedPrekey,
  decodeSignedPrekey,
  SIGNED_PREKEY_LENGTH,
} from './prekey.ts'
export type { Prekey, SignedPrekey, PrekeyOptions } from './prekey.ts'
export {
  bindPeerId,
  verifyPeerIdBinding,
  encodePeerIdBinding,
  decodePeerIdBinding,
  MAX_PEER_ID_LENGTH,
} from './peer-binding.ts'
export type { PeerIdBinding } from './peer-binding.ts'
export { seal, open, SEAL_OVERHEAD } from './seal.ts'
export { encrypt, decrypt, AEAD_OVERHEAD } from './aead.ts'
export {
  newEpochSecret,
  conversationTag,
  topicId,
  senderTag,
  senderChainKey,
  EPOCH_SECRET_LENGTH,
} from './epoch.ts'
export {
  senderChain,
  receiverChain,
  restoreSenderChain,
  restoreReceiverChain,
  DEFAULT_MAX_SKIP,
  DEFAULT_MAX_STORED_KEYS,
  MAX_CHAIN_INDEX,
} from './chain.ts'
export type { ChainKey, SenderChain, ReceiverChain, ReceiverChainOptions } from './chain.ts'
export { exportBackup, importBackup, DEFAULT_BACKUP_KDF, MAX_BACKUP_PAYLOAD } from './backup.ts'
export type { BackupOptions, BackupKdfParams } from './backup.ts'
export { safetyNumber, SAFETY_NUMBER_ITERATIONS } from './safety-number.ts'
export { signWithLabel, verifyWithLabel, PUBLIC_KEY_LENGTH, SIGNATURE_LENGTH } from './sign.ts'
export { deriveBytes, labelledHash } from './derive.ts'
