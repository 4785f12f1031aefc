/**
 * Tool definitions (spec §11.3), lookup-table entries (§11.8) and grounding settings (§11.6) of
 * `environment_config.environments[]`.
 *
 * Tool maps accept oumi's keys plus the guide's `deterministic_outputs` and synth's `sql`
 * (DECISIONS difference 9); other keys are ignored like oumi does (the loader warns about
 * them). `executor` is a plain string at this layer.
 *
 * @module
 */
import { z } from "zod";
import type { JsonSchema } from "../../engines/contract.ts";
import { isRecord } from "../pyValues.ts";
import {
  asList,
  asStr,
  bool,
  EVEN_IF_INVALID,
  int,
  list,
  map,
  nonEmptyStr,
  obj,
  opt,
  type RefineCtx,
  report,
  rule,
  str,
} from "./leaves.ts";

/** One lookup-table entry: the tool arguments and the output returned for them (§11.8). */
export const LookupEntrySchema = obj("LookupEntry", {
  input: map().default(() => ({})).describe("Tool arguments to match"),
  output: z.unknown().describe("Returned when the arguments match"),
});

/** A tool definition as written (§11.3); unknown keys pass through and are dropped later. */
export const ToolInputSchema = z.looseObject({
  id: nonEmptyStr("ToolParams.id cannot be empty.").describe("Function name the model sees"),
  name: nonEmptyStr("ToolParams.name cannot be empty."),
  description: nonEmptyStr("ToolParams.description cannot be empty."),
  parameters: map().default(() => ({ type: "object" })).describe("JSON Schema of the arguments"),
  output_schema: opt(map()).describe("JSON Schema of the output"),
  read_only: bool().default(true),
  executor: opt(str()).describe(
    "Executor: an export of a JavaScript/TypeScript module, `./module.ts#name` (relative to the config)",
  ),
  sql: opt(str()).describe("SQL run with named parameters (database environments)"),
  deterministic_outputs: opt(list(LookupEntrySchema)).describe(
    "Lookup entries (deterministic environments)",
  ),
}).meta({ title: "ToolParams" });

/** Keys a tool definition may have; others are ignored with a warning. */
export const TOOL_KEYS = Object.keys(ToolInputSchema.shape);

/** A validated tool definition. `executor` is `null` when the tool has none. */
export interface ToolParams {
  id: string;
  name: string;
  description: string;
  parameters: JsonSchema;
  output_schema: JsonSchema | null;
  read_only: boolean;
  executor: string | null;
  sql: string | null;
}

/** The validated {@link ToolParams} of a parsed tool map (unknown keys dropped). */
export function toolParams(tool: z.output<typeof ToolInputSchema>): ToolParams {
  return {
    id: tool.id,
    name: tool.name,
    description: tool.description,
    parameters: tool.parameters,
    output_schema: tool.output_schema,
    read_only: tool.read_only,
    executor: tool.executor || null,
    sql: tool.sql,
  };
}

/** A validated lookup-table entry. */
export type LookupEntry = { input: Record<string, unknown>; output: unknown };

const GroundingToolSchema = obj("GroundingToolConfig", {
  fields: list(str()).describe("Fields of each lookup entry shown to the planner"),
});

const GroundingStateSchema = obj("GroundingStateConfig", {
  state_path: nonEmptyStr("GroundingStateConfig.state_path cannot be empty."),
  fields: list(str()),
});

function checkFields(fields: unknown, ctx: RefineCtx, at: (string | number)[], owner: string) {
  const names = asList(fields).filter((f): f is string => typeof f === "string");
  if (Array.isArray(fields) && fields.length === 0) {
    report(ctx, at, `${owner}.fields cannot be empty.`);
  } else if (new Set(names).size !== names.length) {
    report(ctx, at, `${owner}.fields must be unique.`);
  }
}

/** `grounding` of an environment (§11.6). */
export const GroundingConfigSchema = obj("GroundingConfig", {
  sample_size: rule(
    int(),
    (n) => n >= 1,
    (n) => `GroundingConfig.sample_size must be >= 1, got ${n}.`,
  ).default(3).describe("Facts drawn per record"),
  seed: opt(int()),
  tools: map(GroundingToolSchema).default(() => ({})),
  state: list(GroundingStateSchema).default(() => []),
}).superRefine((value, ctx) => {
  const v = value as Record<string, unknown>;
  const tools = isRecord(v.tools) ? v.tools : {};
  const state = asList(v.state);
  for (const [toolId, entry] of Object.entries(tools)) {
    if (isRecord(entry)) {
      checkFields(entry.fields, ctx, ["tools", toolId, "fields"], "GroundingToolConfig");
    }
  }
  const paths = new Set<string>();
  state.forEach((entry, i) => {
    if (!isRecord(entry)) return;
    checkFields(entry.fields, ctx, ["state", i, "fields"], "GroundingStateConfig");
    const p = asStr(entry.state_path);
    if (p && paths.has(p)) {
      report(
        ctx,
        ["state", i, "state_path"],
        `GroundingConfig.state contains duplicate state_path '${p}'.`,
      );
    }
    if (p) paths.add(p);
  });
  if (Object.keys(tools).length === 0 && state.length === 0) {
    report(ctx, [], "GroundingConfig must define at least one entry in tools or state.");
  }
}, EVEN_IF_INVALID);

/** Validated grounding settings. */
export type GroundingConfig = z.output<typeof GroundingConfigSchema>;
