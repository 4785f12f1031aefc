/**
 * Compiles a validated `quality:` section (DECISIONS 17) for one run: judge steps (templates
 * parsed and their placeholders checked like generated attributes'), the finish-time
 * inspection of each record (judge verdicts, checks, deduplication keys) and the ordered gate
 * that decides in plan order (`gate.ts`).
 *
 * @module
 */
import type { ConfigIssue } from "../errors.ts";
import type { GenerationParams, Role } from "../engines/contract.ts";
import { parseKeepIf, type QualityConfig } from "../config/schema/quality.ts";
import type { Formatter, Template } from "../template/format.ts";
import type { RecordSink } from "../synth/pipeline.ts";
import type { RecordStep } from "../synth/program.ts";
import type { RunStats } from "../synth/stats.ts";
import { runChecks } from "./checks.ts";
import { DedupState } from "./dedupState.ts";
import { type Inspection, QualityGate } from "./gate.ts";
import { type JudgeOutcomes, judgeStep } from "./judgeStep.ts";
import type { RejectedEntry } from "./rejectedFile.ts";

/** What {@link compileQuality} needs from the compiler. */
export interface QualityCompileContext {
  /** `num_samples`: the accepted target with `count: accepted`. */
  numSamples: number;
  formatter: Formatter;
  /** Reports placeholders that name no attribute available at `path`. */
  checkNames: (names: readonly string[], path: string) => void;
  /** Collects problems (thrown together by the compiler). */
  issues: ConfigIssue[];
  /** Attribute ids available after transforms; undefined when dataset columns are unknown. */
  known?: ReadonlySet<string>;
  /** Per-request generation overrides (as for generated attributes). */
  generation?: GenerationParams;
}

/** A compiled `quality:` section. */
export interface CompiledQuality {
  readonly config: QualityConfig;
  /** Judge steps, run after the generated and multi-turn attributes. */
  readonly steps: RecordStep[];
  /** Records to accept with `count: accepted`; undefined otherwise. */
  readonly target?: number;
  /**
   * Inspects a finished record: `raw` after transforms (judge verdicts, deduplication text),
   * `out` as it will be written (checks). Call from `Program.finish`.
   */
  inspect(raw: Record<string, unknown>, out: Record<string, unknown>): void;
  /** The gate in front of `inner` (see `gate.ts`). */
  gate(options: {
    inner: RecordSink;
    stats: RunStats;
    rejected: { write(entry: RejectedEntry): void };
    /**
     * State rebuilt from records already written (resume):
     * `DedupState.fromRecords(config.deduplicate ?? [], lines)`; default a fresh one.
     */
    dedup?: DedupState;
    alreadyAccepted?: number;
    /** First plan index of this run part (resume, shard); default 0. */
    firstIndex?: number;
  }): QualityGate;
}

/**
 * Compiles `quality`. Problems (template errors, unknown placeholders, deduplication
 * attributes that name no attribute) are added to `context.issues`.
 */
export function compileQuality(
  quality: QualityConfig,
  context: QualityCompileContext,
): CompiledQuality {
  const outcomes: JudgeOutcomes = new WeakMap();
  const steps: RecordStep[] = [];
  const judgeIds = new Set<string>();
  (quality.judges ?? []).forEach((judge, j) => {
    const base = `quality.judges[${j}]`;
    const messages: { role: Role; template: Template }[] = [];
    judge.instruction_messages.forEach((m, k) => {
      const path = `${base}.instruction_messages[${k}].content`;
      try {
        const template = context.formatter.compile(m.content);
        context.checkNames(template.placeholders, path);
        messages.push({ role: m.role as Role, template });
      } catch (error) {
        context.issues.push({ path, message: `Invalid template: ${(error as Error).message}` });
      }
    });
    steps.push(judgeStep({
      id: judge.id,
      messages,
      range: judge.score,
      keepIf: judge.keep_if,
      comparisons: parseKeepIf(judge.keep_if),
      maxAttempts: judge.max_attempts,
      ...(context.generation ? { generation: context.generation } : {}),
    }, outcomes));
    judgeIds.add(judge.id);
  });
  const rules = quality.deduplicate ?? [];
  if (context.known) {
    rules.forEach((rule, r) => {
      rule.attributes.forEach((name, a) => {
        if (context.known!.has(name) || judgeIds.has(name)) return;
        context.issues.push({
          path: `quality.deduplicate[${r}].attributes[${a}]`,
          message: `Unknown attribute '${name}' in quality.deduplicate (known: ${
            [...context.known!].join(", ") || "none"
          })`,
        });
      });
    });
  }
  const keys = rules.length > 0 ? new DedupState(rules) : undefined;
  const checks = quality.checks ?? [];
  const inspections = new WeakMap<object, Inspection>();
  const target = quality.count === "accepted" ? context.numSamples : undefined;

  return {
    config: quality,
    steps,
    ...(target !== undefined ? { target } : {}),
    inspect(raw, out) {
      const judged = outcomes.get(raw);
      if (judged) {
        inspections.set(out, { rejection: judged });
        return;
      }
      const failed = checks.length > 0 ? runChecks(out, checks) : undefined;
      if (failed) {
        inspections.set(out, { rejection: { reason: "check", ...failed } });
        return;
      }
      if (keys) inspections.set(out, { keys: keys.keysOf(raw) });
    },
    gate(options) {
      const dedup = options.dedup ?? (rules.length > 0 ? new DedupState(rules) : undefined);
      return new QualityGate({
        inner: options.inner,
        stats: options.stats,
        rejected: options.rejected,
        inspection: (record) => inspections.get(record),
        ...(dedup ? { dedup } : {}),
        ...(target !== undefined ? { target } : {}),
        ...(options.alreadyAccepted !== undefined
          ? { alreadyAccepted: options.alreadyAccepted }
          : {}),
        ...(options.firstIndex !== undefined ? { firstIndex: options.firstIndex } : {}),
      });
    },
  };
}
