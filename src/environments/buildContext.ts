/**
 * What environment builders receive at load (DECISIONS 8: every environment problem is found
 * before any inference): where to report config problems and warnings, the config folder for
 * relative module paths, and the engine's abilities.
 *
 * @module
 */

/** A key path relative to the environment being built, e.g. `["env_kwargs", "seed_sql"]`. */
export type EnvPath = readonly (string | number)[];

/** Load-time context of one environment. */
export interface BuildContext {
  /** Index of the environment in `environment_config.environments`. */
  envIndex: number;
  /**
   * Records one config problem (collected; the loader throws one `ConfigError` with all).
   * `unsupported`: valid for oumi, but this build cannot run it (when every problem is, the
   * loader throws an `UnsupportedConfigError`).
   */
  problem(path: EnvPath, message: string, unsupported?: boolean): void;
  /** Records one warning (shown once, the run goes on). */
  warn(message: string): void;
  /** Folder of the config file: executor modules resolve against it. */
  configDir: string;
  /** True when the engine constrains output to a JSON schema (`jsonSchema` requests). */
  engineSupportsJsonSchema: boolean;
}
