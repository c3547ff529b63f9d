import { describe, expect, it } from 'vitest'
import {
  CorruptStorageError,
  DecodeError,
  InvalidArgumentError,
  isErrorNamed,
  MurmurError,
  NotStartedError,
  TimeoutError,
  TooLargeError,
} from './errors.ts'

// Every class with the name callers compare against. Changing a name breaks
// every `err.name === …` check in the other packages and in the relay.
const classes: [string, () => MurmurError][] = [
  ['MurmurError', () => new MurmurError('m')],
  ['DecodeError', () => new DecodeError('m')],
  ['TooLargeError', () => new TooLargeError('frame', 2, 1)],
  ['InvalidArgumentError', () => new InvalidArgumentError('m')],
  ['NotStartedError', () => new NotStartedError('m')],
  ['CorruptStorageError', () => new CorruptStorageError('m')],
  ['TimeoutError', () => new TimeoutError('m')],
]

describe('typed errors', () => {
  it.each(classes)('%s has its stable name and is a MurmurError and an Error', (name, make) => {
    const err = make()
    expect(err.name).toBe(name)
    expect(err).toBeInstanceOf(MurmurError)
    expect(err).toBeInstanceOf(Error)
    expect(String(err)).toMatch(new RegExp(`^${name}: `))
    expect(err.stack).toBeTypeOf('string')
  })

  it('no two error classes share a name', () => {
    const names = classes.map(([, make]) => make().name)
    expect(new Set(names).size).toBe(names.length)
  })

  it('keeps the message it was given', () => {
    expect(new DecodeError('beacon is truncated').message).toBe('beacon is truncated')
  })

  it('a TooLargeError carries the size and the limit, and its message states both', () => {
    const err = new TooLargeError('beacon', 5000, 4096)
    expect(err.size).toBe(5000)
    expect(err.limit).toBe(4096)
    expect(err.message).toContain('beacon')
    expect(err.message).toContain('5000')
    expect(err.message).toContain('4096')
  })
})

describe('isErrorNamed', () => {
  it('is true for an error whose name matches', () => {
    expect(isErrorNamed(new DecodeError('x'), 'DecodeError')).toBe(true)
    expect(isErrorNamed(new TooLargeError('x', 2, 1), 'TooLargeError')).toBe(true)
  })

  it('matches by name, so an error from another copy of the package still matches', () => {
    const foreign = new Error('from a second bundle')
    foreign.name = 'DecodeError'
    expect(isErrorNamed(foreign, 'DecodeError')).toBe(true)
  })

  it('compares the exact name, not the class hierarchy', () => {
    expect(isErrorNamed(new DecodeError('x'), 'MurmurError')).toBe(false)
    expect(isErrorNamed(new DecodeError('x'), 'TooLargeError')).toBe(false)
    expect(isErrorNamed(new TypeError('x'), 'DecodeError')).toBe(false)
  })

  it('is false for anything that is not an Error, even with a matching name', () => {
    for (const value of [{ name: 'DecodeError' }, 'DecodeError', null, undefined, 42]) {
      expect(isErrorNamed(value, 'DecodeError')).toBe(false)
    }
  })
})
