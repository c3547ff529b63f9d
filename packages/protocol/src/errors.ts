/**
 * Typed errors shared by every Murmur package.
 *
 * Each failure has its own class with a stable `name`; callers compare
 * `err.name`, never the message. Messages say what went wrong and, where a
 * person can act, what to do next.
 */

export class MurmurError extends Error {
  override name = 'MurmurError'
}

/** Input bytes could not be decoded: truncated, malformed or of an unknown version. */
export class DecodeError extends MurmurError {
  override name = 'DecodeError'
}

/** Input is larger than the limit for its kind; it was rejected before decoding. */
export class TooLargeError extends MurmurError {
  override name = 'TooLargeError'
  readonly size: number
  readonly limit: number
  constructor(what: string, size: number, limit: number) {
    super(`${what} is ${size} bytes, more than the ${limit}-byte limit`)
    this.size = size
    this.limit = limit
  }
}

/** A caller passed an argument that cannot be used (wrong type, out of range, empty). */
export class InvalidArgumentError extends MurmurError {
  override name = 'InvalidArgumentError'
}

/** An operation was attempted on something that has been stopped or closed. */
export class NotStartedError extends MurmurError {
  override name = 'NotStartedError'
}

/** Stored data could not be read back; it was left in place untouched. */
export class CorruptStorageError extends MurmurError {
  override name = 'CorruptStorageError'
}

/** An operation took longer than it was allowed to. */
export class TimeoutError extends MurmurError {
  override name = 'TimeoutError'
}

/** True when `err` is an Error whose stable name is `name`. */
export function isErrorNamed(err: unknown, name: string): err is Error {
  return err instanceof Error && err.name === name
}
