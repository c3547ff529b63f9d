/**
 * Every string table under web/src/lib/i18n/ (this test finds them itself, so
 * a new table is covered the day it lands): Russian has exactly English's
 * keys, fills only English's placeholders, is actually Russian, and no two tables
 * claim the same key (the merge would silently keep one).
 */

import { readdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

type Table = { en: Record<string, string>; ru: Record<string, string> }

const dir = resolve(import.meta.dirname, '../../web/src/lib/i18n')
const files = readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'define.ts')

async function tables(): Promise<Array<[string, Table]>> {
  const found: Array<[string, Table]> = []
  for (const file of files) {
    const mod = (await import(resolve(dir, file))) as Record<string, unknown>
    for (const [name, value] of Object.entries(mod)) {
      if (typeof value === 'object' && value !== null && 'en' in value && 'ru' in value) {
        found.push([`${file}:${name}`, value as Table])
      }
    }
  }
  return found
}

const placeholders = (s: string): string[] => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!).sort()

// Strings that may stay Latin in Russian: names and symbols, not words.
const LATIN_OK = /^(Murmur|English|Русский|\{[\w]+\}|[\s\p{P}\p{S}\d{}]|\{\w+\})*$/u

const ALLOWED_LATIN = new Set([
  'Murmur',
  'WebRTC',
  'WebSocket',
  'multiaddr',
  'Enter',
  'Shift',
  'Ctrl',
  'Esc',
  'wss',
])

describe('string tables', () => {
  it('are found', async () => {
    expect((await tables()).length).toBeGreaterThanOrEqual(6)
  })

  it('have a Russian string for every English one and nothing more', async () => {
    for (const [name, table] of await tables()) {
      expect(Object.keys(table.ru).sort(), name).toEqual(Object.keys(table.en).sort())
    }
  })

  it('fill only placeholders English has, and leave no string empty', async () => {
    for (const [name, table] of await tables()) {
      for (const key of Object.keys(table.en)) {
        const en = table.en[key]!
        const ru = table.ru[key]!
        expect(en.trim(), `${name}.${key}`).not.toBe('')
        expect(ru.trim(), `${name}.${key}`).not.toBe('')
        // Russian may leave a name out where its case would be wrong, never invent one.
        for (const p of placeholders(ru)) expect(placeholders(en), `${name}.${key}`).toContain(p)
      }
    }
  })

  it('leave no English in the Russian interface', async () => {
    for (const [name, table] of await tables()) {
      for (const [key, ru] of Object.entries(table.ru)) {
        if (LATIN_OK.test(ru)) continue
        expect(ru, `${name}.${key} has no Russian`).toMatch(/\p{Script=Cyrillic}/u)
        // Latin words other than product, protocol and key names mean an untranslated fragment.
        const latin = ru
          .replace(/\{\w+\}/g, '')
          .match(/\b[A-Za-z]{3,}\b/g)
          ?.filter((w) => !ALLOWED_LATIN.has(w))
        expect(latin ?? [], `${name}.${key}`).toEqual([])
      }
    }
  })

  it('never define the same key in two tables', async () => {
    const owner = new Map<string, string>()
    for (const [name, table] of await tables()) {
      for (const key of Object.keys(table.en)) {
        expect(owner.get(key), `${key} is in ${owner.get(key)} and ${name}`).toBeUndefined()
        owner.set(key, name)
      }
    }
  })
})
