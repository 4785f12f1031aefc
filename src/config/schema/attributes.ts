/**
 * Model-written attributes of `strategy_params`: chat messages and roles, generated attributes
 * with postprocessing (spec §9.1) and multi-turn attributes (§10.1), with oumi's rules and
 * messages. Roles are parsed to lower case (`"user"`, also as `role_instruction_messages`
 * keys). `max_consecutive_tool_turns < 1` is an error (DECISIONS difference 12). Sampled
 * attributes are in `sampled.ts`, transformed ones in `transforms.ts`.
 *
 * @module
 */
import { z } from "zod";
import { pythonRegexError } from "../../python/re.ts";
import { isRecord } from "../pyValues.ts";
import {
  asNum,
  asStr,
  bool,
  EVEN_IF_INVALID,
  int,
  list,
  map,
  nonEmptyStr,
  obj,
  opt,
  pyEnum,
  report,
  rule,
  str,
} from "./leaves.ts";

/** A chat role as synth uses it (lower case, like the wire format). */
export type Role = "system" | "user" | "assistant" | "tool";

const ROLE_NAMES = ["SYSTEM", "USER", "ASSISTANT", "TOOL"] as const;

/** Parses a role spelling (`USER`, `Role.USER`, `user`) to its lower-case form, or undefined. */
export function parseRole(text: string): Role | undefined {
  const bare = text.startsWith("Role.") ? text.slice(5) : text;
  const name = ROLE_NAMES.find((n) => n === bare || n.toLowerCase() === bare);
  return name?.toLowerCase() as Role | undefined;
}

/** oumi's `Role` enum, parsed to lower case. */
export const RoleSchema = pyEnum<Role>("Role", ROLE_NAMES, {
  output: (name) => name.toLowerCase() as Role,
});

/** An instruction message `{role, content}` (an optional `id` is accepted and dropped). */
export const MessageSchema = obj("Message", {
  role: RoleSchema,
  content: str(),
  id: opt(str()),
}).transform(({ role, content }) => ({ role, content }));

/** `generated_attributes[].postprocessing_params` (§9.1). */
export const PostprocessingParamsSchema = obj("GeneratedAttributePostprocessingParams", {
  id: nonEmptyStr("GeneratedAttributePostprocessingParams.id cannot be empty.").describe(
    "Key of the processed value",
  ),
  keep_original_text_attribute: bool().default(true),
  cut_prefix: opt(str()).describe("Drop everything up to and including its first occurrence"),
  cut_suffix: opt(str()).describe("Drop everything from its last occurrence"),
  regex: opt(rule(
    str(),
    (p) => pythonRegexError(p) === undefined,
    (p) => `Error compiling GeneratedAttributePostprocessingParams.regex: ${pythonRegexError(p)}`,
  )).describe("Python regex; keeps the first capture group, else the whole match"),
  strip_whitespace: bool().default(true),
  added_prefix: opt(str()),
  added_suffix: opt(str()),
});

/** One `generated_attributes[]` entry (§9.1). */
export const GeneratedAttributeSchema = obj("GeneratedAttribute", {
  id: nonEmptyStr("GeneratedAttribute.id cannot be empty."),
  instruction_messages: rule(
    list(MessageSchema),
    (m) => m.length > 0,
    "GeneratedAttribute.instruction_messages cannot be empty.",
  ).prefault([]).describe("Chat messages sent to the model; contents are templates"),
  postprocessing_params: opt(PostprocessingParamsSchema),
}).superRefine((value, ctx) => {
  const v = value as Record<string, unknown>;
  const post = isRecord(v.postprocessing_params) ? v.postprocessing_params : undefined;
  if (post && asStr(v.id) && post.id === v.id) {
    report(
      ctx,
      ["postprocessing_params", "id"],
      "GeneratedAttribute.id and GeneratedAttributePostprocessingParams.id cannot be the same.",
    );
  }
}, EVEN_IF_INVALID);

const idList = () => list(str()).nullish().transform((ids) => ids ?? []);

/** One `multiturn_attributes[]` entry (§10.1); `role_instruction_messages` keys are lower-case roles. */
export const MultiTurnAttributeSchema = obj("MultiTurnAttribute", {
  id: nonEmptyStr("MultiTurnAttribute.id cannot be empty.").describe(
    "Output key; `<id>_plan` holds the plan",
  ),
  min_turns: int().describe("Fewest turns"),
  max_turns: int().describe("Most turns"),
  role_instruction_messages: map(str()).describe(
    "Persona template per role; USER and ASSISTANT are required",
  ),
  output_system_prompt: opt(str()),
  conversation_planner: opt(str()),
  available_environments: idList().describe("Environment ids; empty means all"),
  available_tools: idList().describe("Tool ids within those environments; empty means all"),
  max_consecutive_tool_turns: int().default(50),
}).superRefine((value, ctx) => {
  const v = value as Record<string, unknown>;
  const min = asNum(v.min_turns);
  const max = asNum(v.max_turns);
  if (min !== undefined && min < 1) {
    report(ctx, ["min_turns"], "MultiTurnAttribute.min_turns must be at least 1.");
  }
  if (min !== undefined && max !== undefined && max < min) {
    report(
      ctx,
      ["max_turns"],
      "MultiTurnAttribute.max_turns must be greater than or equal to min_turns.",
    );
  }
  const roles = v.role_instruction_messages;
  if (isRecord(roles)) {
    const at = ["role_instruction_messages"];
    const keys = Object.keys(roles);
    if (keys.length === 0) {
      report(ctx, at, "MultiTurnAttribute.role_instruction_messages cannot be empty.");
    } else {
      const seen = new Map<Role, string>();
      for (const key of keys) {
        const role = parseRole(key);
        if (!role) {
          report(
            ctx,
            [...at, key],
            `Invalid value '${key}', expected one of [${ROLE_NAMES.join(", ")}]`,
          );
        } else if (seen.has(role)) {
          report(ctx, [...at, key], `Role ${role.toUpperCase()} is given more than once.`);
        } else seen.set(role, key);
      }
      for (const role of ["user", "assistant"] as const) {
        const key = seen.get(role);
        const upper = role.toUpperCase();
        if (key === undefined) {
          report(
            ctx,
            at,
            `MultiTurnAttribute.role_instruction_messages must define instructions for role: ${upper}.`,
          );
        } else if (typeof roles[key] === "string" && (roles[key] as string).trim() === "") {
          report(
            ctx,
            [...at, key],
            `MultiTurnAttribute.role_instruction_messages must include a non-empty persona for role: ${upper}.`,
          );
        }
      }
    }
  }
  if (v.output_system_prompt === "") {
    report(
      ctx,
      ["output_system_prompt"],
      "MultiTurnAttribute.output_system_prompt cannot be empty.",
    );
  }
  const cap = asNum(v.max_consecutive_tool_turns);
  if (cap !== undefined && cap < 1) {
    report(
      ctx,
      ["max_consecutive_tool_turns"],
      "MultiTurnAttribute.max_consecutive_tool_turns must be at least 1.",
    );
  }
}, EVEN_IF_INVALID).transform((v) => {
  const roles: Partial<Record<Role, string>> = {};
  for (const [key, persona] of Object.entries(v.role_instruction_messages)) {
    roles[parseRole(key)!] = persona;
  }
  return { ...v, role_instruction_messages: roles };
});

/** A chat message `{role, content}` with a lower-case role. */
export type Message = z.output<typeof MessageSchema>;
/** Validated postprocessing parameters with defaults applied. */
export type PostprocessingParams = z.output<typeof PostprocessingParamsSchema>;
/** A validated generated attribute. */
export type GeneratedAttribute = z.output<typeof GeneratedAttributeSchema>;
/** A validated multi-turn attribute. */
export type MultiTurnAttribute = z.output<typeof MultiTurnAttributeSchema>;
