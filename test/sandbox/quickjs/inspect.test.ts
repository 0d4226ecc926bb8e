import { describe, expect, it } from 'vitest'
import { quickjsDriver } from '../../../host/sandbox/quickjs/driver.js'
import { CONFIG_EVAL_MS } from '../../../host/sandbox/quickjs/inspect.js'
import { codeOnly, moduleKind } from '../../../host/sandbox/quickjs/source.js'
import { scaled } from '../../helpers/time.js'

const inspect = (source: string, file = '/functions/fn.js') =>
  quickjsDriver.inspect(file, new TextEncoder().encode(source))

describe('inspect', () => {
  it('reads `export const config` without running the module', async () => {
    const source = `
      // export const config = { route: '/commented-out' }
      const note = "export const config = { fake: true }"
      export const config = {
        route: ['/a/:id', '/b'],            // comments inside are fine
        env: { BRACES: '{ not } a block', TEMPLATE: \`x\` },
        timeoutMs: 2_000, methods: ['GET'],
      }
      while (true) {}
      export default { fetch() {} }`
    expect(await inspect(source)).toEqual({
      config: {
        route: ['/a/:id', '/b'],
        env: { BRACES: '{ not } a block', TEMPLATE: 'x' },
        timeoutMs: 2000,
        methods: ['GET'],
      },
    })
  })

  it('reads CommonJS module.exports.config and exports.config', async () => {
    expect(
      await inspect(
        `module.exports = async (req, res) => res.send('x')\nmodule.exports.config = { private: true }`,
        '/f/a.cjs',
      ),
    ).toEqual({
      config: { private: true },
    })
    expect(await inspect(`exports.handler = () => 1\nexports.config = { memoryMb: 64 }`)).toEqual({
      config: { memoryMb: 64 },
    })
  })

  it('returns no config when there is none', async () => {
    expect(await inspect(`export default { fetch() { return new Response('') } }`)).toEqual({})
  })

  it('reports syntax errors with line and column, for ESM and CommonJS', async () => {
    await expect(
      inspect(`export default {\n  fetch() {\n    return )\n  }\n}`),
    ).rejects.toMatchObject({
      code: 'FUNCTION_LOAD_FAILED',
      message: expect.stringMatching(/^fn\.js: SyntaxError: .* \(line 3, column \d+\)$/),
    })
    await expect(inspect(`module.exports = {;`, '/f/b.cjs')).rejects.toMatchObject({
      message: expect.stringMatching(/^b\.cjs: SyntaxError: .*\(line 1, column (\d+)\)$/),
    })
  })

  it('accepts every valid module, whatever its loops or bytes', async () => {
    const loops = [
      'for(;;){}',
      'for (;;) {}',
      'for(let i=0;;){}',
      'for (let i = 0; i < 3; i++) {}',
      'while(true){}',
      'do {} while (true)',
      'for (const k in {}) {}',
      'for (const v of []) {}',
      'outer: for (;;) { for (;;) break outer }',
    ]
    for (const loop of loops) {
      const esm = `export default { fetch(){ ${loop} } }`
      expect(await inspect(esm), esm).toEqual({})
      expect(await inspect(`${loop}\nexport default {}`), loop).toEqual({})
      const cjs = `module.exports = { fetch(){ ${loop} } }`
      expect(await inspect(cjs, '/f/a.cjs'), cjs).toEqual({})
    }
    const modules = [
      'export default {}',
      '',
      'export default 1 // no newline at the end',
      '#!/usr/bin/env node\nexport default 1',
      'const a = 1\nexport { a as default }',
      'await 1\nexport default x => x',
      'export default import.meta',
      // The bytes QuickJS once read as a module record: here they made the engine trap.
      'export default 1 //'.padEnd(80, '-') + 'AAAA\u0003\u0000\u0000\u0000' + 'B'.repeat(200),
    ]
    for (const source of modules) expect(await inspect(source), JSON.stringify(source)).toEqual({})
  })

  it('reports a syntax error at its own line, after loops and at the end of the file', async () => {
    await expect(
      inspect(`export default {\n  fetch() {\n    for (;;) {}\n    while (true) }\n  }\n}`),
    ).rejects.toMatchObject({
      code: 'FUNCTION_LOAD_FAILED',
      message: expect.stringMatching(/^fn\.js: SyntaxError: .* \(line 4, column \d+\)$/),
    })
    await expect(
      inspect(`export default {\n  fetch() {\n    for (;;) {}\n  }\n`),
    ).rejects.toMatchObject({
      message: "fn.js: SyntaxError: expecting '}' (line 5, column 1)",
    })
    await expect(inspect('export default x.')).rejects.toMatchObject({
      message: 'fn.js: SyntaxError: expecting field name (line 1, column 18)',
    })
    await expect(inspect('for (;;) {}\nexport default `open')).rejects.toMatchObject({
      message: 'fn.js: SyntaxError: unexpected end of string (line 2, column 16)',
    })
    await expect(inspect('module.exports = () => { for (;;) {', '/f/c.cjs')).rejects.toMatchObject({
      code: 'FUNCTION_LOAD_FAILED',
      message: expect.stringMatching(/^c\.cjs: SyntaxError: /),
    })
  })

  it('evaluates only a literal: anything else is refused quickly', async () => {
    const refused = [
      'export const config = makeConfig()',
      'export const config = { route: compute() }',
      'export const config = { x: (() => { while (true) {} })() }',
      "export const config = { x: 'a'.repeat(1e9) }",
    ]
    for (const source of refused) {
      const started = Date.now()
      await expect(inspect(source + '\nexport default {}'), source).rejects.toMatchObject({
        code: 'FUNCTION_LOAD_FAILED',
      })
      expect(Date.now() - started).toBeLessThan(scaled(CONFIG_EVAL_MS + 1000))
    }
    await expect(
      inspect('export const config = { x: (() => { for (;;) {} })() }\nexport default {}'),
    ).rejects.toThrow(`evaluating it took over ${CONFIG_EVAL_MS} ms`)
  })

  it('reports an import as load would: functions must be bundled', async () => {
    await expect(inspect(`import x from 'dep'\nexport default x`)).rejects.toMatchObject({
      code: 'FUNCTION_LOAD_FAILED',
      message: expect.stringContaining("cannot import 'dep'"),
    })
    await expect(inspect(`export default 1\nexport * from 'late'`)).rejects.toMatchObject({
      message: expect.stringContaining("cannot import 'late'"),
    })
  })

  it('refuses bytes that are not UTF-8', async () => {
    await expect(
      quickjsDriver.inspect('/f/x.js', new Uint8Array([0xff, 0xfe])),
    ).rejects.toMatchObject({
      message: 'x.js is not UTF-8 text',
    })
  })
})

describe('source kind', () => {
  it('tells CommonJS from ESM by extension, then by syntax outside comments and strings', () => {
    expect(moduleKind('a.cjs', 'export default 1')).toBe('cjs')
    expect(moduleKind('a.mjs', 'module.exports = 1')).toBe('esm')
    expect(moduleKind('a.js', 'module.exports = () => {}')).toBe('cjs')
    expect(moduleKind('a.js', 'exports.handler = () => {}')).toBe('cjs')
    expect(moduleKind('a.js', '// export default x\nmodule.exports = 1')).toBe('cjs')
    expect(moduleKind('a.js', 'const s = "import x from y"\nmodule.exports = s')).toBe('cjs')
    expect(moduleKind('a.js', 'import x from "y"\nmodule.exports = x')).toBe('esm')
    expect(moduleKind('a.js', 'export { a as default }')).toBe('esm')
    expect(moduleKind('a.js', 'const x = 1')).toBe('esm')
  })

  it('blanks comments and literals but keeps template expressions and offsets', () => {
    const src = 'a /* b */ "c" `d ${e + `f`} g` // h\nz'
    const code = codeOnly(src)
    expect(code.length).toBe(src.length)
    expect(code).toBe('a         " " `  ${e + ` `}  `     \nz')
  })
})
