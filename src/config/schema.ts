/**
 * The zod schema of a whole oumi `SynthesisConfig` (spec §3, with §4-§12 and §16 in
 * `./schema/`), its parsed types, and {@link parseSynthesisConfig} for validating plain data.
 * Objects are strict (unknown keys are errors) except the free-form maps the spec names.
 *
 * Parsed output conventions: roles are lower case (`"user"`), engines and transformation
 * types canonical upper case (`NATIVE_TEXT` becomes `NATIVE`, an absent engine is `NATIVE`),
 * environment types `synthetic | deterministic | database`, empty list sections `null`,
 * sampled-attribute rates normalised, and every number a plain JS number.
 *
 * synth extensions (not in oumi): `seed` (makes the plan reproducible, DECISIONS difference 3)
 * and `max_failed_fraction` (share of failed records above which the run fails, DECISIONS
 * difference 1). `num_samples <= 0` is a load-time error (DECISIONS difference 12).
 *
 * @module
 */
import { z } from "zod";
import { ConfigError } from "../errors.ts";
import { toConfigIssues } from "./issues.ts";
import { pyList } from "../python/repr.ts";
import { isRecord, unwrapIntegralFloats } from "./pyValues.ts";
import { EnvironmentConfigSchema, environmentTools } from "./schema/environment.ts";
import { InferenceConfigSchema } from "./schema/inference.ts";
import {
  asList,
  asStr,
  EVEN_IF_INVALID,
  float,
  int,
  obj,
  opt,
  pyEnum,
  type RefineCtx,
  report,
  rule,
  str,
} from "./schema/leaves.ts";
import { GeneralSynthesisParamsSchema } from "./schema/params.ts";

export type { Role } from "./schema/attributes.ts";
export type {
  GeneratedAttribute,
  Message,
  MultiTurnAttribute,
  PostprocessingParams,
} from "./schema/attributes.ts";
export type {
  AttributeCombination,
  SampledAttribute,
  SampledAttributeValue,
} from "./schema/sampled.ts";
export type {
  ChatTransform,
  TransformationStrategy,
  TransformedAttribute,
} from "./schema/transforms.ts";
export type {
  DatabaseEnvKwargs,
  DeterministicEnvKwargs,
  EnvironmentConfig,
  EnvironmentParams,
  EnvType,
  GroundingConfig,
  LookupEntry,
  SyntheticEnvKwargs,
  ToolParams,
} from "./schema/environment.ts";
export type {
  EngineName,
  GenerationParamsConfig,
  GuidedDecodingParams,
  InferenceConfig,
  ModelParams,
  RemoteParams,
} from "./schema/inference.ts";
export { ENGINE_NAMES } from "./schema/inference.ts";
export type {
  DatasetSource,
  DocumentSource,
  ExampleSource,
  SegmentationParams,
} from "./schema/inputs.ts";
export type { GeneralSynthesisParams } from "./schema/params.ts";

const MT_PATH = ["strategy_params", "multiturn_attributes"];

/** §3 cross-field checks: environment and tool references of multi-turn attributes. */
function checkEnvironmentRefs(config: Record<string, unknown>, ctx: RefineCtx) {
  const params = isRecord(config.strategy_params) ? config.strategy_params : {};
  const envConfig = config.environment_config;
  const hasEnv = envConfig !== null && envConfig !== undefined;
  const pathOnly = !hasEnv && !!asStr(config.environment_config_path);
  const tools = environmentTools(envConfig);
  const envIds = [...tools.keys()];
  asList(params.multiturn_attributes).forEach((attr, i) => {
    if (!isRecord(attr)) return;
    const wantedEnvs = asList(attr.available_environments).filter((e) => typeof e === "string");
    const wantedTools = asList(attr.available_tools).filter((t) => typeof t === "string");
    if (wantedEnvs.length === 0 && wantedTools.length === 0) return;
    if (pathOnly) return; // the file is loaded (and these checks rerun) by the loader
    if (!hasEnv) {
      const field = wantedEnvs.length > 0 ? "available_environments" : "available_tools";
      report(
        ctx,
        [...MT_PATH, i, field],
        "Environment or tool references require SynthesisConfig.environment_config, " +
          "or SynthesisConfig.environment_config_path.",
      );
      return;
    }
    const id = asStr(attr.id) ?? "";
    wantedEnvs.forEach((env, k) => {
      if (!tools.has(env as string)) {
        report(
          ctx,
          [...MT_PATH, i, "available_environments", k],
          `MultiTurnAttribute '${id}' references unknown environment '${env}'. ` +
            `Defined environment ids: ${pyList(envIds)}`,
        );
      }
    });
    const selected = wantedEnvs.length > 0
      ? (wantedEnvs as string[]).filter((e) => tools.has(e))
      : envIds;
    const owned = selected.flatMap((e) => tools.get(e) ?? []);
    wantedTools.forEach((tool, k) => {
      if (!owned.includes(tool as string)) {
        report(
          ctx,
          [...MT_PATH, i, "available_tools", k],
          `MultiTurnAttribute '${id}' references unknown tool '${tool}' for environments ` +
            `${pyList(selected)}. Defined tool ids: ${pyList(owned)}`,
        );
      }
    });
  });
}

function checkTopLevel(config: Record<string, unknown>, ctx: RefineCtx) {
  const inference = isRecord(config.inference_config) ? config.inference_config : {};
  if (inference.input_path !== null && inference.input_path !== undefined) {
    report(
      ctx,
      ["inference_config", "input_path"],
      "Input path is not supported for general synthesis strategy.",
    );
  }
  if (inference.output_path !== null && inference.output_path !== undefined) {
    report(
      ctx,
      ["inference_config", "output_path"],
      "Output path is not supported for general synthesis strategy.",
    );
  }
  const hasEnv = config.environment_config !== null && config.environment_config !== undefined;
  const hasPath = config.environment_config_path !== null &&
    config.environment_config_path !== undefined;
  if (hasEnv && hasPath) {
    report(
      ctx,
      ["environment_config_path"],
      "SynthesisConfig.environment_config and SynthesisConfig.environment_config_path " +
        "cannot both be set.",
    );
  }
  checkEnvironmentRefs(config, ctx);
}

/** The whole config. Parse with {@link parseSynthesisConfig} or `loadConfig` (positions). */
export const SynthesisConfigSchema = obj("SynthesisConfig", {
  strategy: pyEnum("SynthesisStrategy", ["GENERAL"], {
    message: (v) => `Unsupported synthesis strategy: '${v}'. Supported: [GENERAL]`,
  }).default("GENERAL"),
  num_samples: rule(int(), (n) => n >= 1, (n) => `num_samples must be positive, got ${n}.`)
    .default(1).describe("Records to generate"),
  output_path: opt(
    rule(
      str(),
      (p) => p !== "" && p.endsWith(".jsonl"),
      (p) => (p === "" ? "Output path cannot be empty." : "Output path must end with .jsonl."),
    ),
  ).describe("JSON Lines output file, relative to the working directory"),
  strategy_params: GeneralSynthesisParamsSchema.prefault({}),
  environment_config: opt(EnvironmentConfigSchema).describe("Tool environments"),
  environment_config_path: opt(
    rule(str(), (p) => p !== "", "Environment config path cannot be empty."),
  ).describe("YAML file with `environments:`; relative to the working directory"),
  inference_config: InferenceConfigSchema.prefault(
    {} as z.input<typeof InferenceConfigSchema>,
  ),
  seed: opt(int()).describe("Seed for sampling; makes the plan reproducible (synth extension)"),
  max_failed_fraction: rule(
    float(),
    (f) => f >= 0 && f <= 1,
    "max_failed_fraction must be between 0 and 1.",
  ).default(0.5).describe(
    "Share of failed records above which the run fails (synth extension)",
  ),
}).superRefine(
  (value, ctx) => checkTopLevel(value as Record<string, unknown>, ctx),
  EVEN_IF_INVALID,
)
  .transform((config) => unwrapIntegralFloats(config));

/** A validated synthesis config: plain data, defaults applied. */
export type SynthesisConfig = z.output<typeof SynthesisConfigSchema>;
/** The config as written (before defaults and normalisation). */
export type SynthesisConfigInput = z.input<typeof SynthesisConfigSchema>;

/**
 * Validates plain data (e.g. YAML already read, or an object built in code) as a synthesis
 * config. `environment_config_path` is not read here (use `loadConfig`).
 *
 * @throws {ConfigError} listing every problem with its key path (no line numbers).
 */
export function parseSynthesisConfig(data: unknown): SynthesisConfig {
  const result = SynthesisConfigSchema.safeParse(data ?? {}, { reportInput: true });
  if (result.success) return result.data;
  const issues = toConfigIssues(result.error.issues).map((i) => ({
    path: i.pathText,
    message: i.message,
  }));
  throw new ConfigError(`Invalid config: ${issues.length} problem(s)`, issues);
}
