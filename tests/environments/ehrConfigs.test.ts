import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { loadConfig } from "../../src/config/load.ts";
import { loadEnvironments } from "../../src/environments/index.ts";
import { call, contents, noGenerate } from "./helpers.ts";

const root = join(import.meta.dir, "..", "..");

async function envsOf(file: string) {
  const { config, dir } = await loadConfig(join(root, file));
  const warnings: string[] = [];
  const envs = await loadEnvironments(config, {
    configDir: dir,
    engineSupportsJsonSchema: true,
    onWarning: (m) => warnings.push(m),
  });
  return { envs, config, warnings };
}

describe("the ported ehr_* configs (issue 6: executors as sql: tools / a TypeScript module)", () => {
  test("ehr_database_agent: sql tools over schema_sql + seed_sql", async () => {
    const { envs } = await envsOf("configs/ehr_database_agent/ehr_database_synth.yaml");
    expect(envs.toolsFor({ available_environments: ["ehr"] }).map((t) => t.function.name))
      .toEqual(["list_patients", "lookup_patient", "update_meds"]);
    const s = await envs.openSession(0, noGenerate);
    const out = contents(
      await s.dispatch([
        call("list_patients"),
        call("lookup_patient", { pat_id: 3 }),
        call("update_meds", { pat_id: 3, medication: "metformin" }),
        call("lookup_patient", { pat_id: 3 }),
        call("lookup_patient", { pat_id: "3" }),
      ]),
    );
    expect(JSON.parse(out[0]!).length).toBe(12);
    expect(out.slice(1)).toEqual([
      '[{"id": 3, "name": "Carol Diaz", "meds": null}]',
      '[{"id": 3, "name": "Carol Diaz", "meds": "metformin"}]',
      '[{"id": 3, "name": "Carol Diaz", "meds": "metformin"}]',
      "{\"error\": \"Tool 'lookup_patient' arguments are invalid: at $.pat_id: '3' is not of type 'integer'\"}",
    ]);
    await s.close();
    const next = await envs.openSession(1, noGenerate);
    expect(contents(await next.dispatch([call("lookup_patient", { pat_id: 3 })]))).toEqual([
      '[{"id": 3, "name": "Carol Diaz", "meds": null}]',
    ]);
    await envs.close();
  });

  test("ehr_stateful_agent: TypeScript executors thread state per record; grounding from state", async () => {
    const { envs, warnings } = await envsOf("configs/ehr_stateful_agent/ehr_stateful_synth.yaml");
    expect(warnings).toEqual([]);
    expect(envs.toolCount).toBe(6);
    const facts = envs.groundingFacts(0, { available_environments: ["ehr"] });
    expect(facts.length).toBe(3);
    for (const f of facts) expect(Object.keys(f)).toEqual(["patient_id", "name", "dob"]);
    expect(envs.groundingFacts(0, {})).toEqual(facts);

    const s = await envs.openSession(0, noGenerate);
    const out = contents(
      await s.dispatch([
        call("prescribe_medication", { patient_id: "P001", name: "Penicillin V", dose: "500mg" }),
        call("prescribe_medication", { patient_id: "P001", name: "lisinopril", dose: "10mg" }),
        call("add_diagnosis", {
          patient_id: "P002",
          code: "J45.909",
          description: "Asthma",
          date: "2026-03-01",
        }),
        call("add_diagnosis", {
          patient_id: "P002",
          code: "J45.909",
          description: "Asthma",
          date: "2026-03-01",
        }),
        call("record_vitals", { patient_id: "P999", timestamp: "t", bp: "1/1", hr: 1, temp_f: 98 }),
        call("update_allergies", { patient_id: "P002", allergies: ["latex"] }),
        call("get_patient", { patient_id: "P002" }),
      ]),
    );
    expect(out.slice(0, 5)).toEqual([
      '{"status": "error", "error": "allergy_conflict", "patient_id": "P001", "medication": "Penicillin V"}',
      '{"status": "error", "error": "already_prescribed", "patient_id": "P001", "medication": "lisinopril"}',
      '{"status": "ok", "patient_id": "P002", "diagnosis_added": {"code": "J45.909", "description": "Asthma", "date": "2026-03-01"}}',
      '{"status": "error", "error": "duplicate_diagnosis", "patient_id": "P002", "code": "J45.909"}',
      '{"status": "error", "error": "not_found", "patient_id": "P999"}',
    ]);
    const patient = JSON.parse(out[6]!).patient;
    expect(patient.allergies).toEqual(["latex"]);
    expect(patient.diagnoses.length).toBe(1);
    // Another record starts from the initial state.
    const other = await envs.openSession(1, noGenerate);
    const fresh = JSON.parse(
      contents(await other.dispatch([call("get_patient", { patient_id: "P002" })]))[0]!,
    );
    expect(fresh.patient.allergies).toEqual([]);
    await envs.close();
  });
});
