// A helper module: folders and files starting with _ are never routes, only imported.
export const LANGS = ['en', 'fr', 'de'] as const
export type Lang = (typeof LANGS)[number]

const WORDS: Record<Lang, string> = { en: 'Hello', fr: 'Bonjour', de: 'Hallo' }

export function greeting(lang: Lang, name: string): string {
  return `${WORDS[lang]}, ${name}!`
}
