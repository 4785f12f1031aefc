/**
 * `database` environments (spec §11.9; DECISIONS 9): SQLite through `bun:sqlite`. The database
 * is built once at load (`schema_sql` + `seed_sql`, or a copy of the `db_path` file, which is
 * never modified) and each record gets its own in-memory copy with one transaction that is
 * rolled back at the end (see `sqlSession.ts`). Tools declare an `sql:` statement with named
 * parameters, or an `executor:` module export receiving `context.db`.
 *
 * Load-time checks (ConfigError with key paths): SQL errors in `schema_sql` / `seed_sql` /
 * a tool's `sql` (prepared against the built database), `sql` parameters that are not
 * properties of the tool's `parameters`, executors that cannot be resolved.
 *
 * @module
 */
import { Database } from "bun:sqlite";
import type { EnvironmentParams, ToolParams } from "../config/schema.ts";
import type { BuildContext } from "./buildContext.ts";
import { type BuiltEnvironment, type EnvCall, outcomeOf, ToolError } from "./environment.ts";
import { resolveExecutor, runExecutor, type ToolExecutor } from "./executors.ts";
import { validateAgainst } from "./jsonSchema.ts";
import { sqlParameterNames, SqlSession } from "./sqlSession.ts";

type DatabaseParams = Extract<EnvironmentParams, { env_type: "database" }>;

function image(params: DatabaseParams, ctx: BuildContext): Database | undefined {
  const { db_path, schema_sql, seed_sql } = params.env_kwargs;
  if (db_path) {
    try {
      const file = new Database(db_path, { readonly: true });
      const db = Database.deserialize(file.serialize(), { strict: true });
      file.close();
      return db;
    } catch (error) {
      ctx.problem(
        ["env_kwargs", "db_path"],
        `Cannot open database "${db_path}": ${(error as Error).message}`,
      );
      return undefined;
    }
  }
  const db = new Database(":memory:", { strict: true });
  db.run("PRAGMA foreign_keys = ON");
  for (const [key, sql] of [["schema_sql", schema_sql], ["seed_sql", seed_sql]] as const) {
    if (!sql) continue;
    try {
      db.run(sql);
    } catch (error) {
      ctx.problem(
        ["env_kwargs", key],
        `Cannot run ${key} of environment '${params.id}': ${(error as Error).message}`,
      );
      db.close();
      return undefined;
    }
  }
  return db;
}

function checkSql(tool: ToolParams, j: number, db: Database, ctx: BuildContext) {
  const sql = tool.sql ?? "";
  try {
    const stmt = db.prepare(sql);
    const positional = stmt.paramsCount - sqlParameterNames(sql).length;
    stmt.finalize();
    if (positional > 0) {
      ctx.problem(
        ["tools", j, "sql"],
        `sql of tool '${tool.id}' uses positional parameters: name them after the tool's ` +
          "arguments (:name)",
      );
      return;
    }
  } catch (error) {
    ctx.problem(
      ["tools", j, "sql"],
      `Cannot prepare sql of tool '${tool.id}': ${(error as Error).message}`,
    );
    return;
  }
  const props = tool.parameters.properties;
  const known = props && typeof props === "object" ? Object.keys(props) : [];
  for (const name of sqlParameterNames(sql)) {
    if (!known.includes(name)) {
      ctx.problem(
        ["tools", j, "sql"],
        `SQL parameter ':${name}' of tool '${tool.id}' is not a property of its parameters schema`,
      );
    }
  }
}

/** Builds a database environment, reporting problems to `ctx`. */
export async function buildDatabase(
  params: DatabaseParams,
  ctx: BuildContext,
): Promise<BuiltEnvironment> {
  const db = image(params, ctx);
  const executors = new Map<string, ToolExecutor>();
  for (const [j, tool] of params.tools.entries()) {
    if (tool.sql && tool.executor) {
      ctx.problem(["tools", j], `Tool '${tool.id}' declares both sql and executor: keep one`);
    } else if (tool.sql) {
      if (db) checkSql(tool, j, db, ctx);
    } else if (tool.executor) {
      const fn = await resolveExecutor(tool, ctx.configDir);
      if (typeof fn !== "function") {
        ctx.problem(["tools", j, "executor"], fn.message, fn.unsupported);
      } else executors.set(tool.id, fn);
    }
  }
  const bytes = db?.serialize();
  db?.close();

  const runCall = async (session: SqlSession, { tool, args }: EnvCall): Promise<unknown> => {
    let output: unknown;
    if (tool.sql) output = session.runTool(tool.id, tool.sql, args);
    else {
      const fn = executors.get(tool.id);
      if (!fn) {
        throw new ToolError(`Tool '${tool.id}' not found in environment '${params.id}'`);
      }
      const result = await runExecutor(fn, args, {
        toolId: tool.id,
        envId: params.id,
        db: session.handle(tool.id),
      });
      output = result.output;
    }
    if (tool.output_schema) {
      const bad = validateAgainst(tool.output_schema, output);
      if (bad) throw new ToolError(`Tool '${tool.id}' output failed schema validation: ${bad}`);
    }
    return output;
  };

  return {
    params,
    open() {
      if (!bytes) return Promise.reject(new Error(`Environment '${params.id}' has no database`));
      const session = new SqlSession(bytes);
      return Promise.resolve({
        step: (calls: readonly EnvCall[]) =>
          session.savepoint(async () => {
            const outcomes = [];
            for (const call of calls) {
              outcomes.push(
                await outcomeOf(() =>
                  session.savepoint(() => runCall(session, call), call.tool.read_only)
                ),
              );
            }
            return outcomes;
          }),
        close: () => Promise.resolve(session.close()),
      });
    },
    close: () => Promise.resolve(),
  };
}
