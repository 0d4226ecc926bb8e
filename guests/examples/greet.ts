// TypeScript with a local import: the helper lives in _lib/ (never a route) and is bundled in.
// Types come from fnhost/types; a thrown error's stack points at this file's own lines.
//   GET /greet?name=Ada&lang=fr -> 200 application/json  {"greeting":"Bonjour, Ada!","lang":"fr"}
//   GET /greet?lang=xx          -> 400 application/json  {"error":"unknown lang xx; try en, fr, de"}
import type { FetchHandler } from 'fnhost/types'
import { greeting, LANGS, type Lang } from './_lib/greeting'

const isLang = (s: string): s is Lang => (LANGS as readonly string[]).includes(s)

export default {
  fetch(request) {
    const query = new URL(request.url).searchParams
    const lang = query.get('lang') ?? 'en'
    if (!isLang(lang))
      return Response.json(
        { error: `unknown lang ${lang}; try ${LANGS.join(', ')}` },
        { status: 400 },
      )
    return Response.json({ greeting: greeting(lang, query.get('name') ?? 'world'), lang })
  },
} satisfies FetchHandler
