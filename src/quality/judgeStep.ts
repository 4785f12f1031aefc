/**
 * A judge (`quality.judges[]`) as a record step: its instruction messages are rendered like a
 * generated attribute's (§9), a format line asks for `{"score", "rationale"}` JSON, engines with
 * `capabilities.jsonSchema` get the schema, and the reply is parsed leniently; an unparseable
 * reply is asked again up to `max_attempts` times. The verdict is stored in the record under
 * the judge's id as `{score, rationale}` (`{score: null, rationale: null}` when no attempt gave
 * a score; the reason is kept for the gate in {@link JudgeOutcomes}).
 *
 * @module
 */
import type { ChatMessage, GenerateRequest, GenerationParams, Role } from "../engines/contract.ts";
import type { ScoreComparison } from "../config/schema/quality.ts";
import { keepScore } from "../config/schema/quality.ts";
import type { RenderOptions, Template } from "../template/format.ts";
import type { RecordStep } from "../synth/program.ts";
import { judgeFormatLine, judgeSchema, parseJudgeReply, type ScoreRange } from "./judgeReply.ts";

/** Why a judge rejected a record. */
export type JudgeRejection =
  | { reason: "judge"; judge: string; score: number; rationale: string; keep_if: string }
  | { reason: "judge_unparseable"; judge: string; message: string; reply: string };

/** Per raw record, the first judge that rejected it (later judges are skipped). */
export type JudgeOutcomes = WeakMap<object, JudgeRejection>;

/** A judge ready to run. */
export interface JudgeSpec {
  id: string;
  messages: readonly { role: Role; template: Template }[];
  range: ScoreRange;
  keepIf: string;
  comparisons: readonly ScoreComparison[];
  maxAttempts: number;
  generation?: GenerationParams;
}

const TRUSTED: RenderOptions = { trustSampled: true };
const SHOWN_REPLY_CHARS = 500;

/**
 * The step of `judge`. Records already rejected by an earlier judge (in `outcomes`) are
 * skipped: no request, nothing stored.
 */
export function judgeStep(judge: JudgeSpec, outcomes: JudgeOutcomes): RecordStep {
  const format = judgeFormatLine(judge.range);
  const schema = judgeSchema(judge.range);
  const request = (record: Readonly<Record<string, unknown>>): GenerateRequest => {
    const messages: ChatMessage[] = judge.messages.map((m) => ({
      role: m.role,
      content: m.template.render(record, TRUSTED),
    }));
    const last = messages.at(-1);
    if (last && last.role === "user") last.content = `${last.content}\n\n${format}`;
    else messages.push({ role: "user", content: format });
    const out: GenerateRequest = { messages, jsonSchema: schema };
    if (judge.generation) out.generation = judge.generation;
    return out;
  };
  return {
    id: judge.id,
    async run(record, generate) {
      if (outcomes.has(record)) return;
      let reply = "";
      let error = "";
      for (let attempt = 0; attempt < judge.maxAttempts; attempt++) {
        const result = await generate(request(record));
        reply = typeof result.message.content === "string" ? result.message.content : "";
        const parsed = parseJudgeReply(reply, judge.range);
        if ("error" in parsed) {
          error = parsed.error;
          continue;
        }
        record[judge.id] = { score: parsed.score, rationale: parsed.rationale };
        if (!keepScore(parsed.score, judge.comparisons)) {
          outcomes.set(record, {
            reason: "judge",
            judge: judge.id,
            score: parsed.score,
            rationale: parsed.rationale,
            keep_if: judge.keepIf,
          });
        }
        return;
      }
      record[judge.id] = { score: null, rationale: null };
      outcomes.set(record, {
        reason: "judge_unparseable",
        judge: judge.id,
        message: `${error} (after ${judge.maxAttempts} attempt${
          judge.maxAttempts === 1 ? "" : "s"
        })`,
        reply: reply.length > SHOWN_REPLY_CHARS ? reply.slice(0, SHOWN_REPLY_CHARS) + "…" : reply,
      });
    },
  };
}
