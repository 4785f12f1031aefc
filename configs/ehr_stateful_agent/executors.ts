/**
 * Executors of the stateful EHR environment (ehr_stateful_synth.yaml), the TypeScript port of
 * oumi's Python `ehr.*` executors. Each export is named by a tool's
 * `executor: ./executors.ts#<name>`; synth calls it as `(args, context)` with a deep copy of the
 * record's state in `context.state` and expects `{output, updated_state?}`. Outputs follow the
 * tools' `output_schema`s; errors are structured outputs (`{"status": "error", ...}`), so the
 * assistant sees them as tool results. Read-only tools never return `updated_state`; write tools
 * return it only when they changed something (the new state is checked against `state_schema`).
 *
 * The module is self-contained (no imports), so it also runs from the `synth` executable.
 */

interface Medication {
  name: string;
  dose: string;
}
interface Diagnosis {
  code: string;
  description: string;
  date: string;
}
interface Vitals {
  timestamp: string;
  bp: string;
  hr: number;
  temp_f: number;
}
interface Patient {
  patient_id: string;
  name: string;
  dob: string;
  status: string;
  allergies: string[];
  medications: Medication[];
  diagnoses: Diagnosis[];
  vitals_history: Vitals[];
}
interface State {
  patients: Patient[];
}
interface Context {
  state?: Record<string, unknown>;
}
interface ToolResult {
  output: unknown;
  updated_state?: Record<string, unknown>;
}

const stateOf = (context: Context) => context.state as unknown as State;
const same = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

function find(state: State, patientId: unknown): Patient | undefined {
  return state.patients.find((p) => p.patient_id === patientId);
}

function notFound(patientId: unknown): ToolResult {
  return { output: { status: "error", error: "not_found", patient_id: String(patientId) } };
}

/** Patient summaries (read-only). */
export function list_patients(_args: Record<string, unknown>, context: Context): ToolResult {
  const patients = stateOf(context).patients.map(({ patient_id, name, dob, status }) => ({
    patient_id,
    name,
    dob,
    status,
  }));
  return { output: { patients } };
}

/** The full record of one patient (read-only). */
export function get_patient(args: { patient_id?: string }, context: Context): ToolResult {
  const patient = find(stateOf(context), args.patient_id);
  return patient ? { output: { status: "ok", patient } } : notFound(args.patient_id);
}

/** Appends a vitals reading. */
export function record_vitals(args: Vitals & { patient_id: string }, context: Context): ToolResult {
  const state = stateOf(context);
  const patient = find(state, args.patient_id);
  if (!patient) return notFound(args.patient_id);
  const vitals: Vitals = {
    timestamp: args.timestamp,
    bp: args.bp,
    hr: args.hr,
    temp_f: args.temp_f,
  };
  patient.vitals_history.push(vitals);
  return {
    output: { status: "ok", patient_id: patient.patient_id, vitals_recorded: vitals },
    updated_state: state as unknown as Record<string, unknown>,
  };
}

/** Appends an ICD-10 diagnosis; a code already present is a `duplicate_diagnosis` error. */
export function add_diagnosis(
  args: Diagnosis & { patient_id: string },
  context: Context,
): ToolResult {
  const state = stateOf(context);
  const patient = find(state, args.patient_id);
  if (!patient) return notFound(args.patient_id);
  if (patient.diagnoses.some((d) => same(d.code, args.code))) {
    return {
      output: {
        status: "error",
        error: "duplicate_diagnosis",
        patient_id: patient.patient_id,
        code: args.code,
      },
    };
  }
  const diagnosis: Diagnosis = { code: args.code, description: args.description, date: args.date };
  patient.diagnoses.push(diagnosis);
  return {
    output: { status: "ok", patient_id: patient.patient_id, diagnosis_added: diagnosis },
    updated_state: state as unknown as Record<string, unknown>,
  };
}

/**
 * Adds an active medication; `already_prescribed` for a duplicate name and `allergy_conflict`
 * when the drug (or a drug named after the allergy, e.g. "penicillin V") is on the allergy list.
 */
export function prescribe_medication(
  args: Medication & { patient_id: string },
  context: Context,
): ToolResult {
  const state = stateOf(context);
  const patient = find(state, args.patient_id);
  if (!patient) return notFound(args.patient_id);
  const error = (kind: string) => ({
    output: { status: "error", error: kind, patient_id: patient.patient_id, medication: args.name },
  });
  if (patient.medications.some((m) => same(m.name, args.name))) return error("already_prescribed");
  const drug = args.name.toLowerCase();
  if (patient.allergies.some((a) => a.trim() !== "" && drug.includes(a.trim().toLowerCase()))) {
    return error("allergy_conflict");
  }
  const medication: Medication = { name: args.name, dose: args.dose };
  patient.medications.push(medication);
  return {
    output: { status: "ok", patient_id: patient.patient_id, medication_added: medication },
    updated_state: state as unknown as Record<string, unknown>,
  };
}

/** Replaces the allergy list (an empty list clears it). */
export function update_allergies(
  args: { patient_id: string; allergies: string[] },
  context: Context,
): ToolResult {
  const state = stateOf(context);
  const patient = find(state, args.patient_id);
  if (!patient) return notFound(args.patient_id);
  patient.allergies = [...args.allergies];
  return {
    output: { status: "ok", patient_id: patient.patient_id, allergies: patient.allergies },
    updated_state: state as unknown as Record<string, unknown>,
  };
}
