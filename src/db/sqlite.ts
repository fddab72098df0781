// The SQLite connection as this package declares it: the part of better-sqlite3's API the code uses, written out here
// so that the published declarations never import better-sqlite3's types (a devDependency: a TypeScript project
// checking library declarations would fail on them). openDatabase() returns a real better-sqlite3 Database as this
// type, so the compiler checks that the two stay compatible.

export interface RunResult {
  changes: number;
  lastInsertRowid: number | bigint;
}

export interface ColumnDefinition {
  name: string;
  column: string | null;
  table: string | null;
  database: string | null;
  type: string | null;
}

export interface Statement<BindParameters extends unknown[] = unknown[], Result = unknown> {
  readonly source: string;
  readonly reader: boolean;
  readonly readonly: boolean;
  run(...params: BindParameters): RunResult;
  get(...params: BindParameters): Result | undefined;
  all(...params: BindParameters): Result[];
  iterate(...params: BindParameters): IterableIterator<Result>;
  pluck(toggleState?: boolean): this;
  expand(toggleState?: boolean): this;
  raw(toggleState?: boolean): this;
  bind(...params: BindParameters): this;
  columns(): ColumnDefinition[];
  safeIntegers(toggleState?: boolean): this;
}

type AnyFunction = (...params: never[]) => unknown;
type ArgumentTypes<F extends AnyFunction> = F extends (...params: infer A) => unknown ? A : never;

/** A function wrapped in a transaction; the variants pick the BEGIN mode. */
export interface Transaction<F extends AnyFunction> {
  (...params: ArgumentTypes<F>): ReturnType<F>;
  default(...params: ArgumentTypes<F>): ReturnType<F>;
  deferred(...params: ArgumentTypes<F>): ReturnType<F>;
  immediate(...params: ArgumentTypes<F>): ReturnType<F>;
  exclusive(...params: ArgumentTypes<F>): ReturnType<F>;
}

export interface PragmaOptions {
  simple?: boolean;
}

export interface Db {
  readonly name: string;
  readonly memory: boolean;
  readonly readonly: boolean;
  readonly open: boolean;
  readonly inTransaction: boolean;
  /** Bind parameters are a list, or one value (an object of named parameters). */
  // biome-ignore lint/complexity/noBannedTypes: better-sqlite3's own bound; `object` would refuse a single string
  prepare<BindParameters extends unknown[] | {} = unknown[], Result = unknown>(
    source: string,
  ): BindParameters extends unknown[] ? Statement<BindParameters, Result> : Statement<[BindParameters], Result>;
  transaction<F extends AnyFunction>(fn: F): Transaction<F>;
  exec(source: string): this;
  pragma(source: string, options?: PragmaOptions): unknown;
  close(): this;
}
