/**
 * The template check a run makes before any inference (issue 11, "validate tells the truth"):
 * every template of the program is rendered on the first planned records, with stand-in text
 * for what the model would write (`<question>` for a generated attribute `question`, an empty
 * conversation for a multi-turn attribute). A template that fails on every checked record would
 * fail every record of the run: that is a config error. One that fails on some records only is
 * a warning naming them (the run isolates those records, DECISIONS 1).
 *
 * @module
 */
import type { GenerateResult } from "../engines/contract.ts";
import { TemplateError } from "../errors.ts";
import type { CompiledSynthesis } from "./compile.ts";
import { conversationValues } from "./multiturn/step.ts";
import { drawMessageCount } from "./multiturn/turnCount.ts";

/** One template that cannot render on some of the checked records. */
export interface RenderProblem {
  /** Key path of the template, e.g. `strategy_params.transformed_attributes[0].transformation_strategy`. */
  path: string;
  /** The placeholder's top-level name when the error names one (for its line:column). */
  placeholder?: string;
  /** The first error's message, e.g. `Missing value for placeholder: rank`. */
  message: string;
  /** 0-based indices of the records it failed on. */
  failed: number[];
  /** How many records were checked. */
  checked: number;
}

/** Records rendered by {@link checkFirstRecords} by default. */
export const PREFLIGHT_RECORDS = 3;

const ROLE_KEYS: Record<string, string> = {
  user: "USER",
  assistant: "ASSISTANT",
  system: "SYSTEM",
  tool: "TOOL",
};

/**
 * Renders every template on records `0 .. min(records, count) - 1` of the plan.
 *
 * @returns the templates that failed, in config order; `failed.length === checked` means the
 *   template cannot render for any checked record (a config error for the caller).
 * @throws whatever the planner throws for a record (input errors).
 */
export function checkFirstRecords(
  compiled: CompiledSynthesis,
  records = PREFLIGHT_RECORDS,
): RenderProblem[] {
  const checked = Math.min(records, compiled.program.count);
  const problems = new Map<string, RenderProblem>();
  const attempt = (path: string, index: number, render: () => void) => {
    try {
      render();
    } catch (error) {
      if (!(error instanceof TemplateError)) throw error;
      let problem = problems.get(path);
      if (!problem) {
        problem = { path, message: error.message, failed: [], checked };
        const name = placeholderOf(error.message);
        if (name) problem.placeholder = name;
        problems.set(path, problem);
      }
      problem.failed.push(index);
    }
  };
  for (let i = 0; i < checked; i++) {
    const record = compiled.plan.record(i);
    compiled.generated.forEach((g, a) => {
      const base = `strategy_params.generated_attributes[${a}].instruction_messages`;
      g.messages.forEach((m, j) => {
        attempt(`${base}[${j}].content`, i, () => m.template.render(record));
      });
      g.store(record, standIn(`<${g.id}>`));
      record[g.id] ??= `<${g.id}>`;
    });
    for (const step of compiled.multiturn) {
      const parts = step.parts;
      let n = 2;
      try {
        n = drawMessageCount(parts.minTurns, parts.maxTurns, parts.rng.fork(i));
      } catch {
        // refused at load; keep 2
      }
      const values = conversationValues(record, n, []);
      for (const [role, template] of parts.personas) {
        const key = ROLE_KEYS[role] ?? role;
        attempt(
          `${parts.configPath}.role_instruction_messages.${key}`,
          i,
          () => template.render(values),
        );
      }
      if (parts.outputSystemPrompt) {
        const t = parts.outputSystemPrompt;
        attempt(`${parts.configPath}.output_system_prompt`, i, () => t.render(values));
      }
      if (parts.conversationPlanner) {
        const t = parts.conversationPlanner;
        attempt(`${parts.configPath}.conversation_planner`, i, () => t.render(values));
      }
      record[parts.id] = { messages: [] };
      record[`${parts.id}_plan`] = "";
    }
    compiled.transforms.forEach((t, k) => {
      attempt(`strategy_params.transformed_attributes[${k}].transformation_strategy`, i, () => {
        record[t.id] = t.apply(record);
      });
    });
  }
  return [...problems.values()];
}

function standIn(text: string): GenerateResult {
  return {
    message: { role: "assistant", content: text },
    usage: { inputTokens: 0, outputTokens: 0 },
    finishReason: "stop",
  };
}

/** `Missing value for placeholder: x` / `Cannot render placeholder {x[0].f}: ...` -> `x`. */
function placeholderOf(message: string): string | undefined {
  const missing = /^Missing value for placeholder: (.+)$/.exec(message);
  if (missing) return missing[1];
  return /\{([^.[\]{}!:]+)/.exec(message)?.[1];
}
