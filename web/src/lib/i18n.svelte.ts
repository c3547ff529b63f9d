/**
 * English and Russian. The language is picked from the browser and can be
 * switched; the choice is remembered on this device. Strings live in
 * per-area tables under ./i18n/ and are merged here.
 */

import { chat } from './i18n/chat.ts'
import { common } from './i18n/common.ts'
import { firstRun } from './i18n/first-run.ts'
import { group } from './i18n/group.ts'
import { network } from './i18n/network.ts'
import { settings } from './i18n/settings.ts'
import { shell } from './i18n/shell.ts'

export { format } from './i18n/define.ts'

const tables = [common, network, shell, firstRun, settings, group, chat] as const

type Merge<T extends readonly { en: object }[]> = T extends readonly [infer H, ...infer R]
  ? (H extends { en: infer E } ? E : never) &
      (R extends readonly { en: object }[] ? Merge<R> : unknown)
  : unknown

export type Strings = Merge<typeof tables>

export const LANGUAGES = { en: 'English', ru: 'Русский' } as const
export type Language = keyof typeof LANGUAGES
const STORAGE_KEY = 'murmur.language'

const TABLES: Record<Language, Strings> = {
  en: Object.assign({}, ...tables.map((t) => t.en)) as Strings,
  ru: Object.assign({}, ...tables.map((t) => t.ru)) as Strings,
}

function initialLanguage(): Language {
  const saved = globalThis.localStorage?.getItem(STORAGE_KEY)
  if (saved === 'en' || saved === 'ru') return saved
  const preferred = globalThis.navigator?.languages ?? []
  return preferred.some((l) => l.toLowerCase().startsWith('ru')) ? 'ru' : 'en'
}

class I18n {
  #language = $state<Language>(initialLanguage())

  get language(): Language {
    return this.#language
  }

  set language(value: Language) {
    this.#language = value
    globalThis.localStorage?.setItem(STORAGE_KEY, value)
    document.documentElement.lang = value
  }

  get t(): Strings {
    return TABLES[this.#language]
  }

  /** Every key of every table, for the "no untranslated strings" test. */
  get all(): Record<Language, Record<string, string>> {
    return TABLES as unknown as Record<Language, Record<string, string>>
  }
}

export const i18n = new I18n()
