/**
 * `environment_config` / `environment_config_path` (spec §3, §11.1): the validated environment
 * section of a config. `loadConfig` already inlines the file; this covers configs built in code
 * (`parseSynthesisConfig`) that only name the file.
 *
 * @module
 */
import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { type EnvironmentConfig, EnvironmentConfigSchema } from "../config/schema/environment.ts";
import { toConfigIssues } from "../config/issues.ts";
import { unwrapIntegralFloats } from "../config/pyValues.ts";
import { parseYaml } from "../config/yaml.ts";
import { ConfigError } from "../errors.ts";

/** The environment section(s) of a validated `SynthesisConfig`. */
export interface EnvironmentSection {
  environment_config?: EnvironmentConfig | null;
  environment_config_path?: string | null;
}

/**
 * The environment config of `section`: the inline one, else the file at
 * `environment_config_path` (relative to the working directory, then to `configDir`), else
 * an empty config.
 *
 * @throws {ConfigError} when the file is missing, is not valid YAML or does not validate
 *   (issues carry the file and key paths).
 */
export async function readEnvironmentConfig(
  section: EnvironmentSection,
  configDir: string,
): Promise<EnvironmentConfig> {
  if (section.environment_config) return section.environment_config;
  const given = section.environment_config_path;
  if (!given) return { environments: [] };
  const file = [process.cwd(), configDir].map((base) => resolve(base, given)).find((p) =>
    existsSync(p) && statSync(p).isFile()
  );
  if (!file) {
    const message = `Environment config path does not exist: ${given}`;
    throw new ConfigError(message, [{ path: "environment_config_path", message }]);
  }
  const source = parseYaml(await readFile(file, "utf8"), given);
  if (source.errors.length > 0) {
    throw new ConfigError(
      `Cannot parse environment config "${given}": invalid YAML`,
      source.errors.map((e) => ({
        path: "",
        message: e.message,
        line: e.line,
        column: e.column,
        file: given,
      })),
    );
  }
  const parsed = EnvironmentConfigSchema.safeParse(source.data ?? {}, { reportInput: true });
  if (!parsed.success) {
    const issues = toConfigIssues(parsed.error.issues).map((i) => ({
      path: `environment_config.${i.pathText}`.replace(/\.$/, ""),
      message: i.message,
      file: given,
    }));
    throw new ConfigError(
      `Invalid environment config "${given}": ${issues.length} problem(s)`,
      issues,
    );
  }
  return unwrapIntegralFloats(parsed.data as EnvironmentConfig);
}
