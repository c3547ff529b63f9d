/**
 * A string table in English and Russian. `ru` must have exactly the keys of
 * `en` (checked by the type and by test/browser/i18n tests); a string may
 * contain `{name}` placeholders filled by `format`.
 */

export type Table<K extends string> = { readonly [P in K]: string }

export function defineStrings<const E extends Record<string, string>>(
  en: E,
  ru: Table<Extract<keyof E, string>>,
): { readonly en: Table<Extract<keyof E, string>>; readonly ru: Table<Extract<keyof E, string>> } {
  return { en, ru }
}

/** Fills `{name}` placeholders. */
export function format(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) =>
    key in values ? String(values[key]) : whole,
  )
}
