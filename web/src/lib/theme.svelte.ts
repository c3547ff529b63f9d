/**
 * Light, dark or the system's choice. The resolved theme is written to
 * `data-theme` on <html> (app.css keys its colours on it) and the choice is
 * remembered on this device.
 */

export type ThemeChoice = 'light' | 'dark' | 'system'
export type ResolvedTheme = 'light' | 'dark'

const STORAGE_KEY = 'murmur.theme'
const DARK_QUERY = '(prefers-color-scheme: dark)'

function savedChoice(): ThemeChoice {
  const saved = globalThis.localStorage?.getItem(STORAGE_KEY)
  return saved === 'light' || saved === 'dark' ? saved : 'system'
}

class Theme {
  #choice = $state<ThemeChoice>(savedChoice())
  #systemDark = $state(globalThis.matchMedia?.(DARK_QUERY).matches ?? false)

  get choice(): ThemeChoice {
    return this.#choice
  }

  set choice(value: ThemeChoice) {
    this.#choice = value
    globalThis.localStorage?.setItem(STORAGE_KEY, value)
    this.#apply()
  }

  get resolved(): ResolvedTheme {
    if (this.#choice !== 'system') return this.#choice
    return this.#systemDark ? 'dark' : 'light'
  }

  /** Applies the theme now and follows the system's setting while the choice is "system". */
  start(): () => void {
    const query = globalThis.matchMedia?.(DARK_QUERY)
    const onChange = (e: MediaQueryListEvent): void => {
      this.#systemDark = e.matches
      this.#apply()
    }
    query?.addEventListener('change', onChange)
    this.#apply()
    return () => query?.removeEventListener('change', onChange)
  }

  #apply(): void {
    const root = document.documentElement
    root.dataset.theme = this.resolved
    root.style.colorScheme = this.resolved
  }
}

export const theme = new Theme()
