// The part of better-sqlite3's API fnhost uses (the package ships no types, and @types/better-sqlite3
// would be one more dependency for six signatures).
declare module 'better-sqlite3' {
  interface Statement<P extends unknown[] = unknown[], R = unknown> {
    run(...params: P): { changes: number }
    get(...params: P): R | undefined
    all(...params: P): R[]
  }
  interface Transaction<F extends (...args: never[]) => unknown> {
    (...args: Parameters<F>): ReturnType<F>
    immediate(...args: Parameters<F>): ReturnType<F>
  }
  interface Database {
    prepare<P extends unknown[] = unknown[], R = unknown>(sql: string): Statement<P, R>
    transaction<F extends (...args: never[]) => unknown>(fn: F): Transaction<F>
    pragma(source: string): unknown
    exec(source: string): this
    close(): this
  }
  interface Options {
    /** Busy timeout in ms. */
    timeout?: number
  }
  const Database: new (filename: string, options?: Options) => Database
  export default Database
}
