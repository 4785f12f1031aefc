/**
 * The text `synth validate` prints: what will run (engine, records, seed, output), where
 * each attribute comes from, and the prompts of the first records as the model will see
 * them (placeholders of attributes generated earlier in the run stay as `{name}`).
 *
 * @module
 */
import type pc from "picocolors";

type Colors = ReturnType<typeof pc.createColors>;
import type { LoadedConfig } from "../config/load.ts";
import type { EngineChoice } from "../engines/registry.ts";
import type { SourceReport } from "../inputs/sources.ts";
import type { CompiledSynthesis } from "../synth/compile.ts";
import { firstRowKeys } from "../plan/rowList.ts";
import { SPLIT_NAMES } from "../splits/assign.ts";
import { inputGroups } from "../splits/groups.ts";
import { previewCell } from "./previewTable.ts";

const pct = (x: number) => `${(100 * x).toFixed(x * 100 % 1 === 0 ? 0 : 1)}%`;

/** `train 0.8, validation 0.1, test 0.1 by input_examples row -> out/data/*.jsonl`. */
function splitsLine(loaded: LoadedConfig, compiled: CompiledSynthesis): string {
  const s = loaded.config.splits!;
  const shares = SPLIT_NAMES.filter((n) => s[n] > 0).map((n) => `${n} ${s[n]}`).join(", ");
  const by = loaded.recipe ? "seed row" : inputGroups(compiled.sources).by;
  const out = loaded.config.output_path;
  const folder = out ? `${out.slice(0, -".jsonl".length)}/data/` : "<output>/data/";
  return `${shares} by ${by} -> ${folder}`;
}

/** Renders the plan report. `show` = number of records whose prompts are printed. */
export function renderPlan(
  loaded: LoadedConfig,
  compiled: CompiledSynthesis,
  choice: EngineChoice,
  options: { show: number; colors: Colors; seedGiven?: boolean; inputs?: readonly SourceReport[] },
): string {
  const c = options.colors;
  const config = loaded.config;
  const params = config.strategy_params;
  const out: string[] = [];
  const h = (title: string) => out.push("", c.bold(title));
  out.push(c.bold(`Plan for ${loaded.file}`));
  const target = compiled.quality?.target;
  out.push(
    target !== undefined
      ? `  records:  ${target} accepted (num_samples), from at most ${compiled.plan.count} candidates`
      : `  records:  ${compiled.plan.count} (num_samples)`,
  );
  const seeded = options.seedGiven || (config.seed ?? null) !== null;
  out.push(
    `  seed:     ${compiled.plan.seed}` +
      (seeded
        ? ""
        : loaded.recipe
        ? ` (random; set inferenceConfig.inferenceSeed in the recipe or pass --seed to reproduce)`
        : ` (random; add seed: ${compiled.plan.seed} to the config or pass --seed to reproduce)`),
  );
  out.push(
    `  engine:   ${
      compiled.program.needsEngine ? choice.description : "none needed (no generated attributes)"
    }`,
  );
  out.push(`  output:   ${config.output_path ?? "oumi_synth_results_<timestamp>.jsonl"}`);
  if (config.splits) out.push(`  splits:   ${splitsLine(loaded, compiled)}`);
  if (loaded.recipe) {
    const r = loaded.recipe;
    const shapes = Object.entries(r.shapes).filter(([, n]) => n > 0).map(([s, n]) => `${n} ${s}`);
    out.push(
      `  recipe:   seed dataset ${r.recipe.synthesisConfig.synthesisConfig.datasetId} -> ` +
        `${r.datasetPath} (${r.seedRows} rows: ${shapes.join(", ")})`,
    );
  }
  if (config.quality) out.push(`  quality:  ${qualityLine(config.quality)}`);

  if (compiled.sources.length > 0) {
    h("Input sources");
    const reports = [...(options.inputs ?? [])];
    for (const s of compiled.sources) {
      const report = s.kind === "examples" ? undefined : reports.shift();
      if (report) {
        out.push(...sourceReportLines(report, s.num_shots ?? 0));
        continue;
      }
      const mode = (s.num_shots ?? 0) > 1
        ? `${s.num_shots} shots per record under {${s.id}[i].field}`
        : "round-robin";
      const keys = firstRowKeys(s.rows).join(", ");
      out.push(
        `  ${s.kind}${s.path ? ` ${s.path}` : ""}${
          s.id ? ` (id ${s.id})` : ""
        }: ${s.rows.length} rows, ${mode}; fields: ${keys}`,
      );
    }
  }
  if (params.sampled_attributes?.length) {
    h("Sampled attributes");
    for (const a of params.sampled_attributes) {
      // Rates summing below 1 are weights: show the share each value really gets.
      const total = a.possible_values.reduce((sum, v) => sum + (v.sample_rate ?? 0), 0);
      const share = (rate: number) => total > 0 ? rate / total : 0;
      const values = a.possible_values.map((v) => `${v.id} ${pct(share(v.sample_rate ?? 0))}`)
        .join(", ");
      const note = total > 0 && Math.abs(total - 1) > 1e-9
        ? ` (sample_rates sum to ${pct(total)}: used as weights)`
        : "";
      out.push(`  ${a.id}: ${values}${note}`);
    }
    for (const combo of params.combination_sampling ?? []) {
      const pairs = Object.entries(combo.combination).map(([k, v]) => `${k}=${v}`).join(", ");
      out.push(`  combination ${pct(combo.sample_rate)}: ${pairs}`);
    }
  }
  if (params.generated_attributes?.length) {
    h("Generated attributes (one model request each, in order)");
    for (const g of params.generated_attributes) {
      const post = g.postprocessing_params;
      out.push(
        `  ${g.id}${
          post ? ` -> ${post.id} (postprocessed)` : ""
        }: ${g.instruction_messages.length} messages`,
      );
    }
  }
  if (params.transformed_attributes?.length) {
    h("Transformed attributes");
    for (const t of params.transformed_attributes) {
      out.push(`  ${t.id}: ${t.transformation_strategy.type}`);
    }
  }
  if (params.passthrough_attributes?.length) {
    h("Output keys (passthrough_attributes)");
    out.push(`  ${params.passthrough_attributes.join(", ")}`);
  }

  const shown = Math.min(options.show, compiled.plan.count);
  for (let i = 0; i < shown; i++) {
    const record = compiled.plan.record(i);
    h(`Record ${i + 1} of ${compiled.plan.count}`);
    const planned = Object.entries(record).map(([k, v]) => `${k}=${previewCell(v, 40)}`).join(", ");
    out.push(c.dim(`  planned: ${planned}`));
    for (const g of compiled.generated) {
      out.push(c.cyan(`  [${g.id}]`));
      for (const m of g.render(record, { allowMissing: true })) {
        const body = (m.content ?? "").trimEnd().split("\n").map((l) => `      ${l}`).join("\n");
        out.push(`    ${c.bold(m.role)}:\n${body}`);
      }
    }
  }
  return out.join("\n") + "\n\n";
}

/** Lines for one dataset or document source: files matched, rows or segments, attributes. */
function sourceReportLines(r: SourceReport, shots: number): string[] {
  const what = r.kind === "dataset"
    ? `${r.rows} rows`
    : `${r.documents} document${r.documents === 1 ? "" : "s"}${
      r.segments !== undefined ? `, ${r.segments} segments` : ""
    }`;
  const mode = shots > 1
    ? `${shots} shots per record under {${r.attributes[0]}[i].field}`
    : "round-robin";
  const lines = [
    `  ${
      r.kind === "dataset" ? "input_data" : "input_documents"
    } ${r.path}: ${r.files.length} file${r.files.length === 1 ? "" : "s"}, ${what}, ${mode}`,
    `    attributes: ${r.attributes.join(", ")}`,
  ];
  const shown = r.files.slice(0, 10);
  for (const f of shown) lines.push(`    file: ${f}`);
  if (r.files.length > shown.length) {
    lines.push(`    ... and ${r.files.length - shown.length} more files`);
  }
  return lines;
}

/** One line describing the quality gate: dedup rules, judges, checks. */
function qualityLine(quality: NonNullable<LoadedConfig["config"]["quality"]>): string {
  const parts: string[] = [];
  for (const d of quality.deduplicate ?? []) {
    parts.push(
      `${d.method} dedup of ${d.attributes.join("+")}` +
        (d.method === "near" ? ` (Jaccard >= ${d.threshold})` : ""),
    );
  }
  for (const j of quality.judges ?? []) parts.push(`judge ${j.id} (keep_if ${j.keep_if})`);
  if (quality.checks?.length) parts.push(`checks ${quality.checks.join(", ")}`);
  return parts.join("; ") || "no rules";
}
