import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { call, contents, load, loadError, noGenerate, tempDir, tool } from "./helpers.ts";

const schema = "CREATE TABLE patients (id INTEGER PRIMARY KEY, name TEXT NOT NULL, meds TEXT);" +
  "CREATE TABLE visits (id INTEGER PRIMARY KEY, patient_id INTEGER NOT NULL REFERENCES patients(id));";
const seed = "INSERT INTO patients (id, name, meds) VALUES (1, 'Bob Martin', 'aspirin'), " +
  "(2, 'Alice Chen', NULL);";
const patId = { type: "object", properties: { pat_id: { type: "integer" } }, required: ["pat_id"] };
const sqlTools = [
  tool("list_patients", { sql: "SELECT id, name FROM patients ORDER BY id" }),
  tool("lookup_patient", {
    parameters: patId,
    sql: "SELECT name, meds FROM patients WHERE id = :pat_id",
  }),
  tool("update_meds", {
    read_only: false,
    parameters: {
      type: "object",
      properties: { pat_id: { type: "integer" }, medication: { type: "string" } },
      required: ["pat_id", "medication"],
    },
    sql: "UPDATE patients SET meds = :medication WHERE id = :pat_id RETURNING id, name, meds",
  }),
  tool("sneaky_delete", { parameters: patId, sql: "DELETE FROM patients WHERE id = :pat_id" }),
  tool("add_visit", {
    read_only: false,
    parameters: patId,
    sql: "INSERT INTO visits (patient_id) VALUES (:pat_id)",
  }),
];
const dbEnv = (kwargs: Record<string, unknown>, tools: unknown[] = sqlTools) => ({
  id: "ehr",
  env_type: "database",
  env_kwargs: kwargs,
  tools,
});

describe("database environments (§11.9, DECISIONS 9)", () => {
  test("sql: tools with named parameters; writes are per record and rolled back", async () => {
    const envs = await load([dbEnv({ schema_sql: schema, seed_sql: seed })]);
    const a = await envs.openSession(0, noGenerate);
    const b = await envs.openSession(1, noGenerate);
    expect(contents(
      await a.dispatch([
        call("list_patients"),
        call("update_meds", { pat_id: 2, medication: "ibuprofen" }),
        call("lookup_patient", { pat_id: 2 }),
        call("add_visit", { pat_id: 1 }),
      ]),
    )).toEqual([
      '[{"id": 1, "name": "Bob Martin"}, {"id": 2, "name": "Alice Chen"}]',
      '[{"id": 2, "name": "Alice Chen", "meds": "ibuprofen"}]',
      '[{"name": "Alice Chen", "meds": "ibuprofen"}]',
      '{"rows_affected": 1, "last_insert_rowid": 1}',
    ]);
    // Another record, at the same time, sees the seed data only.
    expect(contents(await b.dispatch([call("lookup_patient", { pat_id: 2 })]))).toEqual([
      '[{"name": "Alice Chen", "meds": null}]',
    ]);
    await a.close();
    const c = await envs.openSession(2, noGenerate);
    expect(contents(await c.dispatch([call("lookup_patient", { pat_id: 2 })]))).toEqual([
      '[{"name": "Alice Chen", "meds": null}]',
    ]);
    await envs.close();
  });

  test("read-only tools run query-only; failing calls undo only their own writes", async () => {
    const envs = await load([dbEnv({ schema_sql: schema, seed_sql: seed })]);
    const s = await envs.openSession(0, noGenerate);
    expect(contents(
      await s.dispatch([
        call("sneaky_delete", { pat_id: 1 }),
        call("update_meds", { pat_id: 1, medication: "none" }),
        call("add_visit", { pat_id: 99 }),
        call("list_patients"),
      ]),
    )).toEqual([
      '{"error": "Tool \'sneaky_delete\' SQL failed: attempt to write a readonly database"}',
      '[{"id": 1, "name": "Bob Martin", "meds": "none"}]',
      '{"error": "Tool \'add_visit\' SQL failed: FOREIGN KEY constraint failed"}',
      '[{"id": 1, "name": "Bob Martin"}, {"id": 2, "name": "Alice Chen"}]',
    ]);
    await envs.close();
  });

  test("executors: a TypeScript module export gets context.db; transaction control is denied", async () => {
    const tmp = tempDir({
      "db_tools.ts": `export function rename(args, ctx) {
  const r = ctx.db.run("UPDATE patients SET name = :name WHERE id = :id", args);
  return { output: { renamed: r.changes, row: ctx.db.get("SELECT name FROM patients WHERE id = :id", args) } };
}
export function commit(args, ctx) { ctx.db.run("COMMIT"); return { output: 1 }; }
export function peekAndWrite(args, ctx) {
  ctx.db.run("DELETE FROM patients");
  return { output: "deleted" };
}
export function half(args, ctx) {
  ctx.db.run("UPDATE patients SET name = 'X' WHERE id = 1");
  throw new Error("failed after writing");
}`,
    });
    try {
      const idName = {
        type: "object",
        properties: { id: { type: "integer" }, name: { type: "string" } },
      };
      const envs = await load([dbEnv({ schema_sql: schema, seed_sql: seed }, [
        tool("rename", { executor: "db_tools.ts#rename", read_only: false, parameters: idName }),
        tool("commit", { executor: "db_tools.ts#commit", read_only: false }),
        tool("half", { executor: "db_tools.ts#half", read_only: false }),
        tool("peek", { executor: "db_tools.ts#peekAndWrite", read_only: true }),
        tool("names", { sql: "SELECT name FROM patients ORDER BY id" }),
      ])], { configDir: tmp.dir });
      const s = await envs.openSession(0, noGenerate);
      expect(contents(
        await s.dispatch([
          call("rename", { id: 1, name: "Robert Martin" }),
          call("commit"),
          call("half"),
          call("peek"),
          call("names"),
        ]),
      )).toEqual([
        '{"renamed": 1, "row": {"name": "Robert Martin"}}',
        '{"error": "Transaction control is not allowed in tool executors: each record\'s session manages its own transaction"}',
        '{"error": "Tool \'half\' raised: failed after writing"}',
        '{"error": "Tool \'peek\' SQL failed: attempt to write a readonly database"}',
        '[{"name": "Robert Martin"}, {"name": "Alice Chen"}]',
      ]);
      await envs.close();
    } finally {
      tmp.cleanup();
    }
  });

  test("db_path: the file is copied per record and never modified", async () => {
    const tmp = tempDir();
    try {
      const file = join(tmp.dir, "clinic.sqlite");
      const db = new Database(file);
      db.run(schema);
      db.run(seed);
      db.close();
      const before = readFileSync(file);
      const envs = await load([dbEnv({ db_path: file })]);
      const s = await envs.openSession(0, noGenerate);
      expect(
        contents(
          await s.dispatch([
            call("update_meds", { pat_id: 1, medication: "x" }),
            call("lookup_patient", { pat_id: 1 }),
          ]),
        )[1],
      ).toBe('[{"name": "Bob Martin", "meds": "x"}]');
      await envs.close();
      expect(readFileSync(file).equals(before)).toBe(true);
    } finally {
      tmp.cleanup();
    }
  });

  test("load errors: seed_sql, schema_sql, tool sql, unknown sql parameters, Python executors", async () => {
    const err = await loadError([
      dbEnv({ schema_sql: schema, seed_sql: "INSERT INTO nope VALUES (1);" }),
      { ...dbEnv({ schema_sql: "CREATE TABL x (a)" }), id: "b", tools: [] },
      {
        ...dbEnv({ schema_sql: schema }),
        id: "c",
        tools: [
          tool("q1", { sql: "SELECT * FROM missing" }),
          tool("q2", { sql: "SELECT * FROM patients WHERE id = :who" }),
          tool("q3", { executor: "ehr_db.lookup_patient" }),
          tool("q4", { sql: "SELECT * FROM patients WHERE id = ?" }),
        ],
      },
    ]);
    expect(err.issues).toEqual([
      {
        path: "environment_config.environments[0].env_kwargs.seed_sql",
        message: "Cannot run seed_sql of environment 'ehr': no such table: nope",
      },
      {
        path: "environment_config.environments[1].env_kwargs.schema_sql",
        message: "Cannot run schema_sql of environment 'b': near \"TABL\": syntax error",
      },
      {
        path: "environment_config.environments[2].tools[0].sql",
        message: "Cannot prepare sql of tool 'q1': no such table: missing",
      },
      {
        path: "environment_config.environments[2].tools[1].sql",
        message: "SQL parameter ':who' of tool 'q2' is not a property of its parameters schema",
      },
      {
        path: "environment_config.environments[2].tools[2].executor",
        message: "Python executor 'ehr_db.lookup_patient' of tool 'q3' is not supported: name a " +
          'JavaScript/TypeScript module export instead (e.g. "./executors.ts#lookup_patient") ' +
          "or declare the tool with sql:",
      },
      {
        path: "environment_config.environments[2].tools[3].sql",
        message:
          "sql of tool 'q4' uses positional parameters: name them after the tool's arguments (:name)",
      },
    ]);
  });
});
