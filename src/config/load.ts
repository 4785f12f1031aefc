/**
 * Loading a synthesis config file (spec §2-§3): read, parse YAML (oumi's dialect), apply CLI
 * overrides, inline `environment_config_path`, validate, and report every problem at once with
 * its key path and line:column.
 *
 * Paths: `environment_config_path` and a database `env_kwargs.db_path` are looked up relative
 * to the working directory first (oumi's rule, §3), then relative to the config file's folder
 * (a synth convenience); the parsed config holds the absolute path that was found.
 *
 * @module
 */
import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { ConfigError, type ConfigIssue, formatIssue } from "../errors.ts";
import { formatPath, toConfigIssues } from "./issues.ts";
import { type AppliedOverride, applyOverrides, parseOverrides } from "./overrides.ts";
import { isRecord } from "./pyValues.ts";
import { type SynthesisConfig, SynthesisConfigSchema } from "./schema.ts";
import { asList, asStr } from "./schema/leaves.ts";
import { collectRemarks } from "./warnings.ts";
import { type KeyPath, parseYaml, positionOf, type YamlSource } from "./yaml.ts";

export { formatIssue };

/** Options of {@link loadConfig}. */
export interface LoadOptions {
  /** Extra CLI arguments (`--num_samples 50`, `--k=v`), applied in order (§2.2). */
  overrides?: string[];
  /** Working directory for relative paths. Default `process.cwd()`. */
  cwd?: string;
}

/** A loaded, validated config. */
export interface LoadedConfig {
  config: SynthesisConfig;
  /** Absolute path of the config file. */
  file: string;
  /** Folder of the config file. */
  dir: string;
  /** Remarks that do not stop the run, formatted like issues (`file:line:col  path: message`). */
  warnings: string[];
}

/** Where an issue or remark is, resolved against the YAML sources. */
interface Locator {
  locate(path: KeyPath, atKey: boolean): Omit<ConfigIssue, "path" | "message"> & { note?: string };
}

async function readText(path: string, shown: string, what: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const state = code === "ENOENT"
      ? "file does not exist"
      : code === "EISDIR"
      ? "it is a directory"
      : code === "EACCES"
      ? "permission denied"
      : (error as Error).message;
    throw new ConfigError(`Cannot read ${what} "${shown}": ${state}`, [
      { path: "", message: `Cannot read ${what}: ${state}`, file: shown },
    ]);
  }
}

/** First existing file among `p` relative to each base; undefined if none. */
function findFile(p: string, bases: string[]): string | undefined {
  for (const base of bases) {
    const candidate = resolve(base, p);
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

function syntaxIssues(source: YamlSource): ConfigIssue[] {
  return source.errors.map((e) => ({
    path: "",
    message: e.message,
    line: e.line,
    column: e.column,
    file: source.file,
  }));
}

function makeLocator(
  main: YamlSource,
  env: YamlSource | undefined,
  applied: AppliedOverride[],
): Locator {
  return {
    locate(path, atKey) {
      const covering = applied.findLast((ov) =>
        ov.path.length <= path.length && ov.path.every((seg, i) => String(seg) === String(path[i]))
      );
      if (covering) return { file: main.file, note: `set by override ${covering.display}` };
      const inEnv = env !== undefined && path[0] === "environment_config";
      const source = inEnv ? env : main;
      const pos = positionOf(source, inEnv ? path.slice(1) : path, { atKey });
      return { file: source.file, line: pos?.line, column: pos?.column };
    },
  };
}

function issueAt(locator: Locator, path: KeyPath, message: string, atKey = false): ConfigIssue {
  const { note, ...where } = locator.locate(path, atKey);
  return { path: formatPath(path), message: note ? `${message} (${note})` : message, ...where };
}

/** Checks database `db_path`s on raw data; returns the absolute paths found, by env index. */
function checkDbPaths(
  data: Record<string, unknown>,
  bases: string[],
  say: (path: KeyPath, message: string) => void,
): Map<number, string> {
  const found = new Map<number, string>();
  const envs = isRecord(data.environment_config)
    ? asList(data.environment_config.environments)
    : [];
  envs.forEach((env, i) => {
    if (!isRecord(env) || !isRecord(env.env_kwargs)) return;
    const type = (asStr(env.env_type) ?? asStr(env.type) ?? "").toLowerCase();
    const dbPath = asStr(env.env_kwargs.db_path);
    if (type !== "database" || !dbPath) return;
    const file = findFile(dbPath, bases);
    if (file) found.set(i, file);
    else {
      say(
        ["environment_config", "environments", i, "env_kwargs", "db_path"],
        `DatabaseEnvironmentKwargs.db_path must reference an existing file: ${dbPath}`,
      );
    }
  });
  return found;
}

/** Orders issues: the config file before an environment file, then by line and column. */
function byPosition(mainFile: string) {
  const rank = (i: ConfigIssue) => (i.file === mainFile ? 0 : 1);
  return (a: ConfigIssue, b: ConfigIssue) =>
    rank(a) - rank(b) || (a.line ?? Infinity) - (b.line ?? Infinity) ||
    (a.column ?? 0) - (b.column ?? 0);
}

/**
 * Loads and validates a synthesis config file.
 *
 * @param file Path of the YAML file, relative to `options.cwd`.
 * @throws {ConfigError} when the file cannot be read, is not valid YAML, or does not validate;
 *   `issues` lists every problem (key path, oumi's message, file, line and column; values set
 *   by an override say so instead of a line).
 * @throws {UsageError} for malformed overrides (`Extra arguments must start with '--'`, ...).
 */
export async function loadConfig(file: string, options: LoadOptions = {}): Promise<LoadedConfig> {
  const cwd = options.cwd ?? process.cwd();
  const absolute = resolve(cwd, file);
  const dir = dirname(absolute);
  const main = parseYaml(await readText(absolute, file, "config"), file);
  if (main.errors.length > 0) {
    throw new ConfigError(`Cannot parse config "${file}": invalid YAML`, syntaxIssues(main));
  }
  const top = main.data ?? {};
  if (!isRecord(top)) {
    throw new ConfigError(`Cannot load config "${file}": the top level must be a mapping`, [
      {
        path: "",
        message: "The top level must be a mapping of config keys",
        file,
        line: 1,
        column: 1,
      },
    ]);
  }
  const parsedOverrides = parseOverrides(options.overrides ?? []);
  const { data, applied, problems } = applyOverrides(top, parsedOverrides.overrides);
  const issues: ConfigIssue[] = problems.map((p) => ({
    path: formatPath(p.path),
    message: `${p.message} (override ${p.display})`,
    file,
  }));

  // Inline environment_config_path (§3) so one validation covers it.
  let envSource: YamlSource | undefined;
  let envFile: string | undefined;
  const envPath = data.environment_config_path;
  const bases = [cwd, dir];
  if (typeof envPath === "string" && envPath !== "" && data.environment_config == null) {
    envFile = findFile(envPath, bases);
    if (!envFile) {
      const locator = makeLocator(main, undefined, applied);
      issues.push(
        issueAt(
          locator,
          ["environment_config_path"],
          `Environment config path does not exist: ${envPath}`,
        ),
      );
    } else {
      envSource = parseYaml(await readText(envFile, envPath, "environment config"), envPath);
      issues.push(...syntaxIssues(envSource));
      if (envSource.errors.length === 0) {
        data.environment_config = envSource.data ?? {};
        delete data.environment_config_path;
      }
    }
  }
  const locator = makeLocator(main, envSource, applied);
  const dbPaths = checkDbPaths(
    data,
    bases,
    (path, message) => issues.push(issueAt(locator, path, message)),
  );

  const result = SynthesisConfigSchema.safeParse(data, { reportInput: true });
  if (!result.success) {
    for (const problem of toConfigIssues(result.error.issues)) {
      issues.push(issueAt(locator, problem.path, problem.message, problem.atKey));
    }
  }
  if (issues.length > 0 || !result.success) {
    issues.sort(byPosition(file));
    const count = issues.length === 1 ? "1 problem" : `${issues.length} problems`;
    throw new ConfigError(`Invalid config "${file}": ${count}`, issues);
  }

  const config = result.data;
  if (envFile) config.environment_config_path = envFile;
  for (const [i, path] of dbPaths) {
    const env = config.environment_config?.environments[i];
    if (env?.env_type === "database") env.env_kwargs.db_path = path;
  }
  const warnings = [
    ...main.warnings.map((w) => `${file}:${w.line}:${w.column}  ${w.message}`),
    ...parsedOverrides.warnings,
    ...collectRemarks(config, data).map((r) => formatIssue(issueAt(locator, r.path, r.message))),
  ];
  return { config, file: absolute, dir, warnings };
}
