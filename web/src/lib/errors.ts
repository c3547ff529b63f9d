/**
 * Turns an error into a sentence a person can act on. Known errors carry
 * their own message (written for people); the rest get a generic next step.
 */

const HINTS: Record<string, string> = {
  ConfigUnavailableError: 'Check that the relay is running, then reload the page.',
  QuotaExceededError:
    'Your browser storage is full. Free some space (or remove other sites’ data) and try again; nothing was lost.',
  WrongPassphraseError: 'That passphrase does not open this backup. Check it and try again.',
  StorageLockedError: 'Murmur is open in another tab. Close it, then reload this one.',
}

export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err)
  const hint = HINTS[err.name]
  if (err.name === 'QuotaExceededError' || err.name === 'StorageLockedError')
    return hint ?? err.message
  return hint === undefined ? err.message : `${err.message}. ${hint}`
}
