import { describe, expect, it } from 'vitest'
import { isFunctionFile, routeFromPath, sidecarOf } from '../../host/routing/names.js'
import { Router } from '../../host/routing/router.js'
import { PathError, pathSegments } from '../../host/routing/segments.js'

describe('routeFromPath', () => {
  it.each([
    ['hello.js', '/hello'],
    ['api/users.js', '/api/users'],
    ['index.js', '/'],
    ['api/index.mjs', '/api'],
    ['users/[id].js', '/users/:id'],
    ['users/[id]/posts.cjs', '/users/:id/posts'],
    ['hello.wasm', '/hello'],
  ])('%s -> %s', (file, route) => expect(routeFromPath(file)).toBe(route))
})

describe('isFunctionFile', () => {
  it.each([
    ['hello.js', true],
    ['a/b.mjs', true],
    ['a/b.cjs', true],
    ['a/b.wasm', true],
    ['hello.json', false],
    ['hello.c', false],
    ['_private.js', false],
    ['_lib/x.js', false],
    ['.hidden/x.js', false],
    ['node_modules/x/index.js', false],
  ])('%s -> %s', (file, yes) => expect(isFunctionFile(file)).toBe(yes))

  it('finds the sidecar beside any function file', () => {
    expect(sidecarOf('/f/api/users.js')).toBe('/f/api/users.json')
    expect(sidecarOf('/f/x.wasm')).toBe('/f/x.json')
  })
})

describe('pathSegments', () => {
  it('collapses empty segments and decodes', () => {
    expect(pathSegments('//a///b%20c/')).toEqual(['a', 'b c'])
  })
  it.each(['/a/%2e%2e/b', '/a/%2E/b', '/a/..%2f/b', '/a/%2fetc', '/a/%00', '/a/%zz'])(
    'refuses %s',
    (p) => expect(() => pathSegments(p)).toThrow(PathError),
  )
})

describe('Router', () => {
  const router = new Router<string>([
    ['/', 'index'],
    ['/hello', 'hello'],
    ['/users/:id', 'user'],
    ['/users/me', 'me'],
    ['/api/users', 'api-users'],
    ['/api', 'api'],
  ])
  const match = (p: string) => router.match(pathSegments(p))

  it('matches exact routes and the paths below them', () => {
    expect(match('/hello')?.target).toBe('hello')
    expect(match('/hello/x/y')?.target).toBe('hello')
    expect(match('/hellox')?.target).toBe('index')
  })
  it('prefers the longest match, then literal segments over params', () => {
    expect(match('/api/users/7')?.target).toBe('api-users')
    expect(match('/api/other')?.target).toBe('api')
    expect(match('/users/me')?.target).toBe('me')
    expect(match('/users/7')).toEqual({
      target: 'user',
      pattern: '/users/:id',
      params: { id: '7' },
    })
  })
  it('decodes params', () => {
    expect(match('/users/a%20b')?.params).toEqual({ id: 'a b' })
  })
  it('falls back to the index route, and to nothing without one', () => {
    expect(match('/nothing/here')?.target).toBe('index')
    expect(new Router<string>([['/a', 'a']]).match(['b'])).toBeUndefined()
  })
})
