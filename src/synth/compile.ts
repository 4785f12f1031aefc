/**
 * Compiles a validated config into a {@link Program}: loads the example sources, builds the
 * lazy planner (§5-§7), parses every template once (§8), compiles postprocessing (§9.3),
 * transforms (§12) and passthrough (§13), and checks at load time that every placeholder
 * names an attribute that exists at that point of the pipeline — so a typo is a config error
 * (exit 2) before any inference, not a crash after hours of it.
 *
 * @module
 */
import { candidateCount, type QualityConfig } from "../config/schema/quality.ts";
import type {
  ChatMessage,
  GenerateRequest,
  GenerateResult,
  GenerationParams,
  Role,
} from "../engines/contract.ts";
import { ConfigError, type ConfigIssue } from "../errors.ts";
import { exampleSources, type ExampleSourceSpec } from "../inputs/examples.ts";
import { type PlannerSource, planRecords, type RecordPlan } from "../plan/planner.ts";
import { type CompiledQuality, compileQuality } from "../quality/compileQuality.ts";
import { Rng } from "../plan/rng.ts";
import { firstRowKeys } from "../plan/rowList.ts";
import type { AttributeCombinationSpec, SampledAttributeSpec } from "../plan/sampling.ts";
import {
  createFormatter,
  type Formatter,
  type RenderOptions,
  type SourceShape,
  type Template,
} from "../template/format.ts";
import { compileMultiTurn, type MultiTurnAttributeSpec } from "./multiturn/compileMultiTurn.ts";
import { checkTools, prepareTools } from "./multiturn/prepareTools.ts";
import type { MultiTurnStep, ToolRuntime } from "./multiturn/step.ts";
import { compilePassthrough } from "./passthrough.ts";
import { compileResultWriter, type PostprocessingParams } from "./postprocess.ts";
import type { Program, RecordStep } from "./program.ts";
import {
  applyTransforms,
  type CompiledTransform,
  compileTransform,
  type TransformedAttributeSpec,
} from "./transforms.ts";

/** A generated attribute as configured (§9.1), roles already lower-case. */
export interface GeneratedAttributeSpec {
  id: string;
  instruction_messages: readonly { role: string; content: string }[];
  postprocessing_params?: PostprocessingParams | null;
}

/** The part of a validated `SynthesisConfig` the compiler reads. */
export interface CompilableConfig {
  num_samples: number;
  seed?: number | null;
  /** Tool environments (§11), used only with multi-turn attributes. */
  environment_config?: unknown;
  environment_config_path?: string | null;
  /** synth's quality gate (DECISIONS 17); absent or null: every record is written. */
  quality?: QualityConfig | null;
  strategy_params: {
    input_examples?: readonly ExampleSourceSpec[] | null;
    sampled_attributes?: readonly SampledAttributeSpec[] | null;
    combination_sampling?: readonly AttributeCombinationSpec[] | null;
    generated_attributes?: readonly GeneratedAttributeSpec[] | null;
    transformed_attributes?: readonly TransformedAttributeSpec[] | null;
    passthrough_attributes?: readonly string[] | null;
    input_data?: readonly unknown[] | null;
    input_documents?: readonly unknown[] | null;
    multiturn_attributes?: readonly MultiTurnAttributeSpec[] | null;
  };
}

/** A compiled generated attribute (exposed for `synth validate` previews). */
export interface CompiledGenerated extends RecordStep {
  /** Instruction messages with their parsed templates. */
  readonly messages: readonly { role: Role; template: Template }[];
  /** Renders the request messages for `record`. @throws {TemplateError} */
  render(
    record: Readonly<Record<string, unknown>>,
    options?: { allowMissing?: boolean },
  ): ChatMessage[];
  /** Stores a reply in `record` as `run` does (value, postprocessing); `validate` uses stand-ins. */
  store(record: Record<string, unknown>, reply: GenerateResult): void;
}

/** The compiled program plus what `synth validate` shows. */
export interface CompiledSynthesis {
  program: Program;
  plan: RecordPlan;
  sources: PlannerSource[];
  generated: CompiledGenerated[];
  /** Compiled multi-turn attributes (§10), run after the generated ones. */
  multiturn: MultiTurnStep[];
  transforms: CompiledTransform[];
  /** Non-fatal findings for the user. */
  warnings: string[];
  /**
   * Config sections this build validates but cannot execute yet, each as an issue: `path` is the
   * section's key (e.g. `input_data`), `message` a one-line explanation. A run refuses to start
   * while this is non-empty; `validate` shows them.
   */
  unsupported: ConfigIssue[];
  /** The compiled `quality:` section; its gate goes in front of the writer (`run.ts`). */
  quality?: CompiledQuality;
}

/** Options of {@link compileSynthesis}. */
export interface CompileOptions {
  /** Already-read dataset and document sources (input_data / input_documents). */
  extraSources?: PlannerSource[];
  /** Overrides `config.seed`. */
  seed?: number;
  /** Per-request generation overrides sent with every generated-attribute request. */
  generation?: GenerationParams;
  /** Folder of the config file: tool executors, databases and schemas resolve against it. */
  configDir?: string;
  /** Receives warnings found while loading environments (at run start). */
  onWarning?: (message: string) => void;
}

/** Records in flight per engine slot when the program has conversations (see `Program`). */
export const RECORDS_PER_SLOT_WITH_CONVERSATIONS = 4;

const ROLES = new Set<Role>(["system", "user", "assistant", "tool"]);

/**
 * Compiles `config`.
 *
 * @throws {ConfigError} listing every template problem at once: syntax errors and
 *   placeholders that name no attribute available at that stage (with the key path).
 * @throws {ConfigError | InputError} from the planner and source readers (§7, §5).
 */
export function compileSynthesis(
  config: CompilableConfig,
  options: CompileOptions = {},
): CompiledSynthesis {
  const params = config.strategy_params;
  const sources = [...exampleSources(params.input_examples), ...(options.extraSources ?? [])];
  const plan = planRecords({
    // With `quality.count: accepted`, max_candidates × num_samples plan indices are available.
    numSamples: candidateCount(config.num_samples, config.quality),
    sampledAttributes: params.sampled_attributes,
    combinations: params.combination_sampling,
    seed: options.seed ?? config.seed ?? undefined,
    sources,
  });
  const issues: ConfigIssue[] = [];
  const shapes = sourceShapes(sources, issues);
  const formatter = createFormatter(params.sampled_attributes, { sources: shapes });
  const warnings: string[] = [];

  const unsupported: ConfigIssue[] = [];
  const unreadSources = (["input_data", "input_documents"] as const).filter(
    (key) => (params[key]?.length ?? 0) > 0 && !options.extraSources,
  );
  for (const key of unreadSources) {
    unsupported.push({
      path: key,
      message: "datasets and documents as inputs are not supported yet in this build",
    });
  }
  // Columns of sources that were not read are unknown: placeholders cannot be checked then.
  const namespaceKnown = unreadSources.length === 0;

  const known = new Set<string>();
  for (const source of sources) {
    if ((source.num_shots ?? 0) > 1 && source.id) known.add(source.id);
    else for (const key of firstRowKeys(source.rows)) known.add(key);
  }
  // `{id.field}` of a round-robin source with an id (the guide's spelling, §5.4).
  for (const shape of shapes) if (shape.shots === 1) known.add(shape.id);
  for (const attr of params.sampled_attributes ?? []) known.add(attr.id);

  const checkNames = (names: readonly string[], path: string, against = known) => {
    if (!namespaceKnown) return;
    for (const name of names) {
      if (!against.has(name)) {
        issues.push({
          path,
          message:
            `Unknown placeholder {${name}}: no attribute "${name}" exists at this point (known: ${
              [...against].join(", ") || "none"
            })`,
        });
      }
    }
  };

  const generated: CompiledGenerated[] = [];
  (params.generated_attributes ?? []).forEach((attr, a) => {
    const base = `strategy_params.generated_attributes[${a}]`;
    const messages: { role: Role; template: Template }[] = [];
    attr.instruction_messages.forEach((m, j) => {
      const path = `${base}.instruction_messages[${j}].content`;
      const template = tryCompile(formatter, m.content, path, issues);
      if (!template) return;
      checkNames(template.placeholders, path);
      const role = m.role.toLowerCase() as Role;
      messages.push({ role: ROLES.has(role) ? role : "user", template });
    });
    const post = attr.postprocessing_params;
    let store: (record: Record<string, unknown>, raw: string) => void = (record, raw) => {
      record[attr.id] = raw;
    };
    try {
      store = compileResultWriter(attr.id, post);
    } catch (error) {
      issues.push({
        path: `${base}.postprocessing_params.regex`,
        message: `Error compiling GeneratedAttributePostprocessingParams.regex: ${
          (error as Error).message
        }`,
      });
    }
    if (!post || (post.keep_original_text_attribute ?? true)) known.add(attr.id);
    if (post) known.add(post.id);
    generated.push(generatedStep(attr.id, messages, store, options.generation));
  });

  const runtime: ToolRuntime = {};
  const multiturn: MultiTurnStep[] = [];
  const attributeRoot = Rng.seeded(plan.seed).fork("multiturn");
  (params.multiturn_attributes ?? []).forEach((spec, m) => {
    const step = compileMultiTurn(spec, `strategy_params.multiturn_attributes[${m}]`, {
      formatter,
      checkNames,
      issues,
      warnings,
      rng: attributeRoot.fork(spec.id),
      runtime,
    });
    if (step) multiturn.push(step);
    known.add(spec.id).add(`${spec.id}_plan`);
  });

  // Judges run after the generated and multi-turn attributes, before transforms.
  const beforeTransforms = new Set(known);
  const transforms: CompiledTransform[] = [];
  const idRoot = Rng.seeded(plan.seed).fork("conversation_id");
  (params.transformed_attributes ?? []).forEach((attr, t) => {
    const path = `strategy_params.transformed_attributes[${t}]`;
    const ids = idRoot.fork(attr.id);
    try {
      const compiled = compileTransform(attr, formatter, {
        uuidForRecord: (index) => ids.fork(index).uuid4(),
      });
      checkNames(compiled.placeholders, `${path}.transformation_strategy`);
      transforms.push(compiled);
    } catch (error) {
      if (error instanceof ConfigError) {
        issues.push(
          ...error.issues.map((i) => ({
            ...i,
            path: i.path.startsWith("transformed") ? path : i.path,
          })),
        );
      } else issues.push({ path, message: (error as Error).message });
    }
    known.add(attr.id);
  });

  const quality = config.quality
    ? compileQuality(config.quality, {
      numSamples: config.num_samples,
      formatter,
      checkNames: (names, path) => checkNames(names, path, beforeTransforms),
      issues,
      ...(namespaceKnown ? { known } : {}),
      ...(options.generation ? { generation: options.generation } : {}),
    })
    : undefined;

  const passthrough = params.passthrough_attributes ?? [];
  if (issues.length > 0) {
    throw new ConfigError(
      `Cannot compile config: ${issues.length} problem${
        issues.length === 1 ? "" : "s"
      } in templates`,
      issues,
    );
  }

  const project = passthrough.length > 0 ? compilePassthrough(passthrough) : undefined;
  const program: Program = {
    count: plan.count,
    needsEngine: generated.length > 0 || multiturn.length > 0,
    record: (i) => plan.record(i),
    steps: [...generated, ...multiturn, ...(quality?.steps ?? [])],
    ...(multiturn.length > 0 ? { recordsPerSlot: RECORDS_PER_SLOT_WITH_CONVERSATIONS } : {}),
    finish(record, index) {
      applyTransforms(record, transforms, true, index);
      const out = project ? project(record) : record;
      quality?.inspect(record, out);
      return out;
    },
  };
  if (multiturn.length > 0) {
    const toolOptions = {
      configDir: options.configDir ?? ".",
      seed: plan.seed,
      ...(options.onWarning ? { onWarning: options.onWarning } : {}),
    };
    program.check = () => checkTools(config, multiturn, toolOptions);
    program.prepare = (engine) => prepareTools(config, multiturn, runtime, engine, toolOptions);
    program.close = async () => {
      const environments = runtime.environments;
      runtime.environments = undefined;
      await environments?.close();
    };
  }
  return {
    program,
    plan,
    sources,
    generated,
    multiturn,
    transforms,
    warnings,
    unsupported,
    ...(quality ? { quality } : {}),
  };
}

const SOURCE_KEYS = {
  examples: "input_examples",
  dataset: "input_data",
  documents: "input_documents",
} as const;

/**
 * The shapes templates check few-shot placeholders against (`template/sourceFields.ts`), for
 * sources with an `id`. A source with fewer rows than its `num_shots` is an issue (oumi would
 * silently draw fewer, §5.4): its placeholders `{id[i]...}` could not all render.
 */
function sourceShapes(sources: readonly PlannerSource[], issues: ConfigIssue[]): SourceShape[] {
  const counters = { examples: 0, dataset: 0, documents: 0 };
  const shapes: SourceShape[] = [];
  for (const source of sources) {
    const label = `${SOURCE_KEYS[source.kind]}[${counters[source.kind]++}]`;
    const shots = (source.num_shots ?? 0) > 1 ? source.num_shots! : 1;
    const rows = source.rows.length;
    if (shots > 1 && rows < shots) {
      const what = source.path ? `${label} (${source.path})` : label;
      issues.push({
        path: `strategy_params.${label}.num_shots`,
        message: `num_shots is ${shots} but ${what} has only ${rows} row${
          rows === 1 ? "" : "s"
        }: a record cannot draw ${shots} different rows from it`,
      });
    }
    if (!source.id) continue;
    shapes.push({ id: source.id, shots, rows, columns: firstRowKeys(source.rows), label });
  }
  return shapes;
}

function tryCompile(
  formatter: Formatter,
  text: string,
  path: string,
  issues: ConfigIssue[],
): Template | undefined {
  try {
    return formatter.compile(text);
  } catch (error) {
    issues.push({ path, message: `Invalid template: ${(error as Error).message}` });
    return undefined;
  }
}

// Records in a run come from the planner: their sampled values are valid by construction.
const TRUSTED: RenderOptions = { trustSampled: true };

/** Where `renderHashed` leaves each message's content hash (read at once, so shared). */
const hashed = { hash: 0 };

function generatedStep(
  id: string,
  messages: { role: Role; template: Template }[],
  store: (record: Record<string, unknown>, raw: string) => void,
  generation: GenerationParams | undefined,
): CompiledGenerated {
  /** The messages for `record`; with `hashes`, each content's hash is set there too. */
  const render = (
    record: Readonly<Record<string, unknown>>,
    options?: RenderOptions,
    hashes?: number[],
  ) => {
    const out: ChatMessage[] = new Array(messages.length);
    for (let m = 0; m < messages.length; m++) {
      const { role, template } = messages[m];
      if (!hashes) out[m] = { role, content: template.render(record, options) };
      else {
        out[m] = { role, content: template.renderHashed(record, options, hashed) };
        hashes[m] = hashed.hash;
      }
    }
    return out;
  };
  const request = (record: Readonly<Record<string, unknown>>): GenerateRequest => {
    const hashes: number[] = new Array(messages.length);
    const out: GenerateRequest = {
      messages: render(record, TRUSTED, hashes),
      contentHashes: hashes,
    };
    if (generation) out.generation = generation;
    return out;
  };
  const storeReply = (record: Record<string, unknown>, reply: GenerateResult) =>
    store(record, typeof reply.message.content === "string" ? reply.message.content : "");
  return {
    id,
    messages,
    render,
    store: storeReply,
    // No async frame: one `then` on the request path's promise (this runs for every record).
    run(record, generate) {
      try {
        return generate(request(record)).then((reply) => storeReply(record, reply));
      } catch (error) {
        return Promise.reject(error);
      }
    },
  };
}
