/**
 * Errors the messenger API raises. Stable names; messages say what to do.
 */

import { MurmurError } from '@murmur/protocol'

export class UnknownConversationError extends MurmurError {
  override name = 'UnknownConversationError'
}

export class UnknownMessageError extends MurmurError {
  override name = 'UnknownMessageError'
}

/** The caller's role does not allow this (posting in a channel, removing an admin, …). */
export class NotAllowedError extends MurmurError {
  override name = 'NotAllowedError'
}

/** The caller is no longer a member (removed, or left). */
export class NotMemberError extends MurmurError {
  override name = 'NotMemberError'
}

/** No member who may admit people answered in time; the request stays pending. */
export class JoinTimeoutError extends MurmurError {
  override name = 'JoinTimeoutError'
}

/** An invite link whose validity ended. */
export class InviteExpiredError extends MurmurError {
  override name = 'InviteExpiredError'
}

/** Something received failed verification (signature, tag binding, authority). */
export class VerificationError extends MurmurError {
  override name = 'VerificationError'
}
