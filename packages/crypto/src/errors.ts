/**
 * Typed errors raised by @murmur/crypto. Each has a stable `name`; compare
 * `err.name`, never the message. Decoders raise DecodeError / TooLargeError
 * from @murmur/protocol.
 */
import { MurmurError } from '@murmur/protocol'

/**
 * Ciphertext failed authentication: it was tampered with, truncated, sealed
 * to another key, or bound to different associated data.
 */
export class DecryptError extends MurmurError {
  override name = 'DecryptError'
}

/** A backup's passphrase did not unlock it (or the backup body is corrupt). */
export class WrongPassphraseError extends MurmurError {
  override name = 'WrongPassphraseError'
}

/** A message index was already decrypted, or its key was dropped as too old. */
export class ReplayError extends MurmurError {
  override name = 'ReplayError'
  readonly index: number
  constructor(index: number, reason: string) {
    super(`message ${index} cannot be decrypted again: ${reason}`)
    this.index = index
  }
}

/** A message index lies further ahead than the receiver is willing to skip. */
export class SkipLimitError extends MurmurError {
  override name = 'SkipLimitError'
  readonly index: number
  readonly limit: number
  constructor(index: number, next: number, limit: number) {
    super(
      `message ${index} is ${index - next} steps ahead of ${next}; at most ${limit} may be skipped`,
    )
    this.index = index
    this.limit = limit
  }
}

/** A sender chain reached its last index; the group must rotate to a new epoch. */
export class ChainExhaustedError extends MurmurError {
  override name = 'ChainExhaustedError'
}
