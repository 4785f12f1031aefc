/**
 * The six multi-turn / tool-use configs issue 6 requires to run end to end (oumi's four from
 * the reference corpus, the two EHR ports under `configs/`), with what their records hold.
 * Shared by the llama.cpp and the `synth serve` end-to-end tests.
 */
import { join } from "node:path";
import { CORPUS } from "../helpers/corpus.ts";
import { ROOT } from "./helpers.ts";

export { CORPUS };

/** One config of issue 6's list: its file, conversation id, system prompt, tools and output keys. */
export interface MultiTurnCase {
  name: string;
  file: string;
  id?: string;
  system?: boolean;
  tools?: string[];
  keys: string[];
}

/** The six configs issue 6 requires to run end to end. */
export const MULTITURN_CASES: MultiTurnCase[] = [
  {
    name: "conversation_synth.yaml",
    file: join(CORPUS, "conversation_synth.yaml"),
    keys: ["conversation"],
  },
  {
    name: "multiturn_conversation_synth.yaml",
    file: join(CORPUS, "multiturn_conversation_synth.yaml"),
    id: "support_conversation",
    system: true,
    keys: ["support_conversation", "support_conversation_plan"],
  },
  {
    name: "library_tool_use_synth.yaml",
    file: join(CORPUS, "library_tool_use_synth.yaml"),
    id: "library_dialog",
    system: true,
    tools: ["list_book_catalog", "lookup_book_status"],
    keys: ["user_persona", "library_dialog", "library_dialog_plan"],
  },
  {
    name: "mcp_docs_lookup_synth.yaml",
    file: join(CORPUS, "mcp_docs_lookup_synth.yaml"),
    id: "docs_lookup_conversation",
    system: true,
    tools: ["resolve_library_id", "query_docs", "search_examples"],
    keys: ["docs_lookup_conversation", "docs_lookup_conversation_plan"],
  },
  {
    name: "ehr_database_synth.yaml (configs/)",
    file: join(ROOT, "configs", "ehr_database_agent", "ehr_database_synth.yaml"),
    id: "ehr_dialog",
    system: true,
    tools: ["list_patients", "lookup_patient", "update_meds"],
    keys: [],
  },
  {
    name: "ehr_stateful_synth.yaml (configs/)",
    file: join(ROOT, "configs", "ehr_stateful_agent", "ehr_stateful_synth.yaml"),
    id: "ehr_conversation",
    system: true,
    tools: [
      "list_patients",
      "get_patient",
      "record_vitals",
      "add_diagnosis",
      "prescribe_medication",
      "update_allergies",
    ],
    keys: [],
  },
];
