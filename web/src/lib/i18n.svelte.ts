/**
 * English and Russian strings. The language is picked from the browser and
 * can be switched; the choice is remembered on this device.
 */

const en = {
  title: 'Murmur',
  tagline:
    'Peer-to-peer, end-to-end encrypted messaging. No account, no server that owns anything.',
  connectingNetwork: 'Starting your peer…',
  you: 'You',
  relays: 'Relays',
  peers: 'Peers',
  noPeers: 'No other peers yet. Open this page in another tab or on another device.',
  relayReserved: 'connected, reachable through it',
  relayConnected: 'connected',
  relayConnecting: 'connecting…',
  relayUnreachable: 'unreachable',
  direct: 'direct WebRTC',
  relayed: 'relayed',
  directOther: 'direct',
  demoChat: 'Connectivity check',
  demoNote: 'This line is not encrypted: it only shows that peers reach each other.',
  message: 'Message',
  send: 'Send',
  noMessages: 'Nothing said yet.',
  language: 'Language',
  failed: 'Murmur could not start',
  retry: 'Try again',
  offline: 'You are offline. Messages will go out when the connection is back.',
  tooLong: 'That line is too long to send.',
} as const

export type Strings = { readonly [K in keyof typeof en]: string }

const ru: Strings = {
  title: 'Murmur',
  tagline:
    'Сквозное шифрование, прямые соединения между устройствами. Без аккаунта и без сервера-владельца.',
  connectingNetwork: 'Запускаем ваш узел…',
  you: 'Вы',
  relays: 'Ретрансляторы',
  peers: 'Собеседники',
  noPeers:
    'Других узлов пока нет. Откройте эту страницу в другой вкладке или на другом устройстве.',
  relayReserved: 'подключено, через него вас можно найти',
  relayConnected: 'подключено',
  relayConnecting: 'подключение…',
  relayUnreachable: 'недоступен',
  direct: 'напрямую, WebRTC',
  relayed: 'через ретранслятор',
  directOther: 'напрямую',
  demoChat: 'Проверка связи',
  demoNote: 'Эта строка не шифруется: она лишь показывает, что узлы видят друг друга.',
  message: 'Сообщение',
  send: 'Отправить',
  noMessages: 'Пока тихо.',
  language: 'Язык',
  failed: 'Murmur не удалось запустить',
  retry: 'Повторить',
  offline: 'Нет подключения к сети. Сообщения уйдут, когда связь вернётся.',
  tooLong: 'Строка слишком длинная.',
}

export const LANGUAGES = { en: 'English', ru: 'Русский' } as const
export type Language = keyof typeof LANGUAGES
const TABLES: Record<Language, Strings> = { en, ru }
const STORAGE_KEY = 'murmur.language'

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
}

export const i18n = new I18n()
