/**
 * Test fixtures: people with devices, and delivery of state updates between
 * replicas the way the engine does it (after checking the envelope signature).
 */
import type { SharedState, StateAuthor } from './types.ts'

export interface Person {
  readonly user: string
  readonly devices: readonly Uint8Array[]
  /** The author handle of this person's `i`th device. */
  readonly device: (i?: number) => StateAuthor
}

let nextKey = 1

/** A user with `deviceCount` devices; device keys are distinct 32-byte strings. */
export function person(user: string, deviceCount = 1): Person {
  const devices = Array.from({ length: deviceCount }, () => new Uint8Array(32).fill(nextKey++))
  return {
    user,
    devices,
    device: (i = 0) => ({ user, device: devices[i] as Uint8Array }),
  }
}

export interface Sent {
  readonly update: Uint8Array
  readonly author: StateAuthor
}

/** Applies `sent` to `to`, with each author's user devices looked up among `people`. */
export function deliver(to: SharedState, sent: readonly Sent[], people: readonly Person[]): void {
  for (const { update, author } of sent) {
    const owner = people.find((p) => p.user === author.user)
    to.apply(update, author, owner?.devices ?? [author.device])
  }
}

export const adminsAre =
  (...users: string[]): ((user: string) => boolean) =>
  (user) =>
    users.includes(user)
