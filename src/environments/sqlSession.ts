/**
 * One record's SQLite session (spec §11.9; DECISIONS 9): an in-memory copy of the environment's
 * database (built once from `schema_sql` + `seed_sql`, or read from `db_path`, which is never
 * written), with foreign keys on and one transaction that is rolled back at the end. Calls run
 * inside savepoints; read-only tools run with `PRAGMA query_only`; executors cannot issue
 * transaction control.
 *
 * @module
 */
import { Database, type Statement } from "bun:sqlite";
import { ToolError } from "./environment.ts";

/** SQL values an executor binds: named parameters without their `:`/`@`/`$` prefix. */
export type SqlParams = Record<string, unknown>;

/** The connection an executor receives (`context.db`). */
export interface DatabaseHandle {
  /** All rows of a query, as objects. */
  all(sql: string, params?: SqlParams): Record<string, unknown>[];
  /** The first row, or null. */
  get(sql: string, params?: SqlParams): Record<string, unknown> | null;
  /** Runs a statement; returns the changed row count and last inserted row id. */
  run(sql: string, params?: SqlParams): { changes: number; lastInsertRowid: number };
}

const TRANSACTION_CONTROL =
  /^\s*(?:BEGIN|COMMIT|END|ROLLBACK|SAVEPOINT|RELEASE)\b|PRAGMA\s+query_only/i;
type Binding = Record<string, string | number | bigint | boolean | null | Uint8Array>;

/** Named parameters (`:name`, `@name`, `$name`) of `sql`, outside literals and comments. */
export function sqlParameterNames(sql: string): string[] {
  const stripped = sql
    .replace(/'(?:[^']|'')*'/g, "''")
    .replace(/"(?:[^"]|"")*"/g, '""')
    .replace(/--[^\n]*/g, "")
    .replace(/\/\*[\s\S]*?\*\//g, "");
  const names = new Set<string>();
  for (const m of stripped.matchAll(/[:@$]([A-Za-z_][A-Za-z0-9_]*)/g)) names.add(m[1]);
  return [...names];
}

/** A JSON argument as an SQLite value: booleans as 1/0, lists and maps as JSON text. */
function sqlValue(value: unknown): string | number | bigint | boolean | null | Uint8Array {
  if (value === undefined || value === null) return null;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "object" && !(value instanceof Uint8Array)) return JSON.stringify(value);
  return value as string | number;
}

function binding(sql: string, params: SqlParams): Binding {
  const out: Binding = {};
  for (const name of sqlParameterNames(sql)) out[name] = sqlValue(params[name]);
  return out;
}

/** A per-record session over a copy of `image` (bytes of a serialised database). */
export class SqlSession {
  readonly #db: Database;
  readonly #statements = new Map<string, Statement>();
  #closed = false;
  #savepoint = 0;

  constructor(image: Uint8Array) {
    this.#db = Database.deserialize(image, { strict: true });
    this.#db.run("PRAGMA foreign_keys = ON");
    this.#db.run("BEGIN");
  }

  #statement(sql: string): Statement {
    let stmt = this.#statements.get(sql);
    if (!stmt) {
      stmt = this.#db.query(sql);
      this.#statements.set(sql, stmt);
    }
    return stmt;
  }

  /**
   * Runs a declared `sql:` statement with the call's arguments as named parameters: rows for
   * statements that return columns (SELECT, `RETURNING`), else `{rows_affected,
   * last_insert_rowid}`. @throws {ToolError} with SQLite's message.
   */
  runTool(toolId: string, sql: string, args: SqlParams): unknown {
    try {
      const stmt = this.#statement(sql);
      const bound = binding(sql, args);
      if (stmt.columnNames.length > 0) return stmt.all(bound);
      const result = stmt.run(bound);
      return { rows_affected: result.changes, last_insert_rowid: Number(result.lastInsertRowid) };
    } catch (error) {
      if (error instanceof ToolError) throw error;
      throw new ToolError(`Tool '${toolId}' SQL failed: ${(error as Error).message}`);
    }
  }

  /**
   * The handle given to `toolId`'s executor: queries with transaction control denied; SQLite
   * errors (a write from a read-only tool, a constraint) become tool errors of that call.
   */
  handle(toolId: string): DatabaseHandle {
    const guarded = <T>(sql: string, fn: (stmt: Statement) => T): T => {
      if (TRANSACTION_CONTROL.test(sql)) {
        throw new ToolError(
          "Transaction control is not allowed in tool executors: each record's session " +
            "manages its own transaction",
        );
      }
      try {
        return fn(this.#statement(sql));
      } catch (error) {
        throw new ToolError(`Tool '${toolId}' SQL failed: ${(error as Error).message}`);
      }
    };
    return {
      all: (sql, params = {}) =>
        guarded(sql, (stmt) => stmt.all(binding(sql, params)) as Record<string, unknown>[]),
      get: (sql, params = {}) =>
        guarded(sql, (stmt) => stmt.get(binding(sql, params)) as Record<string, unknown> | null),
      run: (sql, params = {}) =>
        guarded(sql, (stmt) => {
          const r = stmt.run(binding(sql, params));
          return { changes: r.changes, lastInsertRowid: Number(r.lastInsertRowid) };
        }),
    };
  }

  /**
   * Runs `fn` inside a savepoint: kept when it succeeds, undone when it throws (the error is
   * rethrown). With `readOnly`, writes fail with SQLite's read-only error.
   */
  async savepoint<T>(fn: () => Promise<T>, readOnly = false): Promise<T> {
    const name = `synth_sp_${++this.#savepoint}`;
    this.#db.run(`SAVEPOINT ${name}`);
    if (readOnly) this.#db.run("PRAGMA query_only = 1");
    try {
      const value = await fn();
      this.#db.run(`RELEASE ${name}`);
      return value;
    } catch (error) {
      this.#db.run(`ROLLBACK TO ${name}`);
      this.#db.run(`RELEASE ${name}`);
      throw error;
    } finally {
      if (readOnly) this.#db.run("PRAGMA query_only = 0");
    }
  }

  /** Rolls everything back and closes the connection. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      if (this.#db.inTransaction) this.#db.run("ROLLBACK");
    } finally {
      for (const stmt of this.#statements.values()) stmt.finalize();
      this.#db.close();
    }
  }
}
