import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { decodeAppConfig, encodeAppConfig } from './config.ts'
import type { AppConfig } from './config.ts'
import { MurmurError } from './errors.ts'
import type { TooLargeError } from './errors.ts'
import { asPeerId } from './ids.ts'
import { MAX_CONFIG } from './limits.ts'

function expectThrowsNamed(fn: () => unknown, name: string): Error {
  let caught: unknown
  try {
    fn()
  } catch (err) {
    caught = err
  }
  expect(caught, `expected a ${name}`).toBeInstanceOf(MurmurError)
  expect((caught as Error).name).toBe(name)
  return caught as Error
}

/** Decoding may succeed or fail with a DecodeError or TooLargeError, and nothing else. */
function decodesOrRefuses(text: string): void {
  try {
    decodeAppConfig(text)
  } catch (err) {
    expect(err).toBeInstanceOf(MurmurError)
    expect(['DecodeError', 'TooLargeError']).toContain((err as Error).name)
  }
}

const RELAY = asPeerId('12D3KooWRelayRelayRelayRelayRelayRelayRelayRelayRelay')
const sample: AppConfig = {
  version: 1,
  relays: [
    `/ip4/192.168.1.20/tcp/8080/ws/p2p/${RELAY}`,
    `/dns4/murmur.example/tcp/443/wss/p2p/${RELAY}`,
  ],
  relayPeerId: RELAY,
}

/** Any Unicode scalar value, each UTF-8 length (1 to 4 bytes) equally likely. */
const anyCodePoint: fc.Arbitrary<string> = fc
  .oneof(
    fc.integer({ min: 0, max: 0x7f }),
    fc.integer({ min: 0x80, max: 0x7ff }),
    fc.integer({ min: 0x800, max: 0xd7ff }),
    fc.integer({ min: 0xe000, max: 0xffff }),
    fc.integer({ min: 0x10000, max: 0x10ffff }),
  )
  .map((c) => String.fromCodePoint(c))

const config: fc.Arbitrary<AppConfig> = fc.record({
  version: fc.constant(1 as const),
  relays: fc.array(fc.string({ unit: anyCodePoint, maxLength: 100 }), { maxLength: 10 }),
  relayPeerId: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 128 }).map(asPeerId),
})

const withField = (field: string, value: unknown): string =>
  JSON.stringify({ ...sample, [field]: value })

describe('/config.json', () => {
  it('round-trips a config', () => {
    expect(decodeAppConfig(encodeAppConfig(sample))).toEqual(sample)
  })

  it('round-trips any config within the limits', () => {
    fc.assert(
      fc.property(config, (c) => {
        expect(decodeAppConfig(encodeAppConfig(c))).toEqual(c)
      }),
    )
  })

  it('is plain JSON with the documented fields', () => {
    expect(JSON.parse(encodeAppConfig(sample))).toEqual({
      version: 1,
      relays: sample.relays,
      relayPeerId: RELAY,
    })
  })

  it('accepts an empty relay list: the app then builds an address from its own location', () => {
    expect(decodeAppConfig(withField('relays', [])).relays).toEqual([])
  })

  it('ignores fields it does not know and does not pass them on', () => {
    const decoded = decodeAppConfig(withField('future', { anything: true }))
    expect(decoded).toEqual(sample)
    expect(Object.keys(decoded).sort()).toEqual(['relayPeerId', 'relays', 'version'])
  })

  it('refuses every truncation of a valid config with a DecodeError', () => {
    const text = encodeAppConfig(sample)
    for (let n = 0; n < text.length; n++)
      expectThrowsNamed(() => decodeAppConfig(text.slice(0, n)), 'DecodeError')
  })

  it.each([
    ['version 2', withField('version', 2)],
    ['version 0', withField('version', 0)],
    ['version "1" as a string', withField('version', '1')],
    ['a missing version', JSON.stringify({ relays: [], relayPeerId: RELAY })],
    ['version null', withField('version', null)],
  ])('refuses an unknown version: %s', (_what, text) => {
    expectThrowsNamed(() => decodeAppConfig(text), 'DecodeError')
  })

  it.each([
    ['text that is not JSON', 'relays: none'],
    ['a number', '1'],
    ['a string', '"config"'],
    ['null', 'null'],
    ['a list', '[1]'],
    ['relays that is not a list', withField('relays', '/ip4/1.2.3.4/tcp/1/ws')],
    ['a relay that is not a string', withField('relays', [42])],
    ['a relay of 1024 characters', withField('relays', ['a'.repeat(1024)])],
    ['a missing relayPeerId', JSON.stringify({ version: 1, relays: [] })],
    ['an empty relayPeerId', withField('relayPeerId', '')],
    ['a relayPeerId over 128 characters', withField('relayPeerId', 'p'.repeat(129))],
    ['a relayPeerId that is not a string', withField('relayPeerId', 7)],
  ])('refuses %s with a DecodeError', (_what, text) => {
    expectThrowsNamed(() => decodeAppConfig(text), 'DecodeError')
  })

  it('accepts fields exactly at their limits', () => {
    const decoded = decodeAppConfig(
      JSON.stringify({ version: 1, relays: ['a'.repeat(1023)], relayPeerId: 'p'.repeat(128) }),
    )
    expect(decoded.relays[0]).toHaveLength(1023)
    expect(decoded.relayPeerId).toHaveLength(128)
  })

  it('accepts a config of exactly MAX_CONFIG, and refuses a longer one with a TooLargeError', () => {
    const text = encodeAppConfig(sample)
    const atLimit = text + ' '.repeat(MAX_CONFIG - text.length) // trailing whitespace is valid JSON
    expect(decodeAppConfig(atLimit)).toEqual(sample)
    const err = expectThrowsNamed(
      () => decodeAppConfig(atLimit + ' '),
      'TooLargeError',
    ) as TooLargeError
    expect([err.size, err.limit]).toEqual([MAX_CONFIG + 1, MAX_CONFIG])
  })

  it('measures MAX_CONFIG in UTF-8 bytes, not characters', () => {
    // About 10 000 characters but 20 000 bytes.
    const text = JSON.stringify({
      ...sample,
      relays: Array.from({ length: 10 }, () => 'é'.repeat(1000)),
    })
    expect(text.length).toBeLessThan(MAX_CONFIG)
    const size = new TextEncoder().encode(text).length
    const err = expectThrowsNamed(() => decodeAppConfig(text), 'TooLargeError') as TooLargeError
    expect([err.size, err.limit]).toEqual([size, MAX_CONFIG])
  })

  it('refuses an oversized config before parsing it', () => {
    expectThrowsNamed(() => decodeAppConfig('{'.repeat(MAX_CONFIG + 1)), 'TooLargeError')
  })

  it('a version that cannot even be printed is a DecodeError, not a TypeError', () => {
    // String() on these throws "Cannot convert object to primitive value".
    for (const version of [{ toString: 1 }, [{ toString: 1 }], { toString: {}, valueOf: {} }]) {
      expectThrowsNamed(() => decodeAppConfig(withField('version', version)), 'DecodeError')
    }
  })

  it('arbitrary text only ever decodes or fails with DecodeError or TooLargeError', () => {
    fc.assert(fc.property(fc.string({ unit: anyCodePoint, maxLength: 200 }), decodesOrRefuses), {
      numRuns: 200,
    })
  })

  it('arbitrary JSON only ever decodes or fails with DecodeError or TooLargeError', () => {
    fc.assert(fc.property(fc.json(), decodesOrRefuses), { numRuns: 200 })
  })

  it('JSON objects built from the keys the decoder reads and the ones every object inherits fail only typed', () => {
    const key = fc.constantFrom(
      'version',
      'relays',
      'relayPeerId',
      'toString',
      'valueOf',
      'toJSON',
      '__proto__',
      'constructor',
      'length',
    )
    const { value } = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.constantFrom(1, 0, -1, '1', '', null, true, false),
        fc.string({ maxLength: 10 }),
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(key, tie('value'), { maxKeys: 5 }),
      ),
    }))
    const root = fc.oneof(
      fc.dictionary(key, value, { maxKeys: 5 }),
      fc.record({ version: value, relays: value, relayPeerId: value }, { requiredKeys: [] }),
    )
    fc.assert(
      fc.property(root, (obj) => decodesOrRefuses(JSON.stringify(obj))),
      { numRuns: 200 },
    )
  })

  it('valid configs cut or with characters replaced only decode or fail typed', () => {
    fc.assert(
      fc.property(
        config,
        fc.array(
          fc.tuple(fc.nat(), fc.constantFrom('"', '{', '}', '[', ']', ',', ':', '\\', '0', ' ')),
          {
            maxLength: 3,
          },
        ),
        fc.option(fc.nat()),
        (c, edits, cut) => {
          const chars = [...encodeAppConfig(c)]
          for (const [at, ch] of edits) chars[at % chars.length] = ch
          const text = chars.join('')
          decodesOrRefuses(cut === null ? text : text.slice(0, cut % (text.length + 1)))
        },
      ),
    )
  })

  it.each([
    ['a relay of 1024 characters', { ...sample, relays: ['a'.repeat(1024)] }],
    ['an empty relayPeerId', { ...sample, relayPeerId: asPeerId('') }],
    ['a relayPeerId over 128 characters', { ...sample, relayPeerId: asPeerId('p'.repeat(129)) }],
    ['version 2', { ...sample, version: 2 } as unknown as AppConfig],
  ])('refuses to encode %s with an InvalidArgumentError', (_what, c) => {
    expectThrowsNamed(() => encodeAppConfig(c), 'InvalidArgumentError')
  })

  it('refuses to encode a config over MAX_CONFIG bytes of UTF-8 with a TooLargeError', () => {
    const relays = Array.from({ length: 10 }, () => 'é'.repeat(1000))
    const err = expectThrowsNamed(
      () => encodeAppConfig({ ...sample, relays }),
      'TooLargeError',
    ) as TooLargeError
    expect(err.size).toBeGreaterThan(MAX_CONFIG)
    expect(err.limit).toBe(MAX_CONFIG)
  })

  it('encodes only the documented fields', () => {
    const withExtra = { ...sample, secret: 'not for the browser' } as AppConfig
    expect(Object.keys(JSON.parse(encodeAppConfig(withExtra)))).toEqual([
      'version',
      'relays',
      'relayPeerId',
    ])
  })

  it('whatever encodeAppConfig accepts, decodeAppConfig accepts back', () => {
    const relays = Array.from(
      { length: 40 },
      (_, i) => `/dns4/relay-${i}.example/tcp/443/wss/` + 'x'.repeat(500),
    )
    for (const c of [
      { ...sample, relays },
      { ...sample, relays: ['a'.repeat(1024)] },
    ]) {
      let text: string
      try {
        text = encodeAppConfig(c)
      } catch (err) {
        expect(err).toBeInstanceOf(MurmurError) // refusing to encode is fine
        continue
      }
      expect(decodeAppConfig(text)).toEqual(c)
    }
  })
})
