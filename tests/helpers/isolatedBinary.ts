/**
 * The executable as a user gets it, for the `tests/build/` tests: `dist/synth` (built first when
 * stale) copied alone into a fresh temporary folder, run from an empty working folder with an
 * empty cache, an empty home and no `node_modules` anywhere near it.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/** The project root. */
export const ROOT = resolve(import.meta.dir, "..", "..");

/** A copy of `dist/synth` in its own folder, with the environment to run it in. */
export interface IsolatedBinary {
  /** The temporary folder holding everything below (removed by {@link cleanup}). */
  tmp: string;
  /** Path of the copied executable. */
  binary: string;
  /** Empty working folder the commands run in. */
  workDir: string;
  /** Environment: minimal PATH, empty HOME and XDG_CACHE_HOME, NO_COLOR. */
  env: Record<string, string>;
  /**
   * Runs the executable with `args` and waits for it: in `cwd` (default `workDir`; for tests
   * that give each run its own folder), with `extraEnv` added to {@link env}.
   */
  run(args: string[], extraEnv?: Record<string, string>, cwd?: string): {
    exitCode: number;
    stdout: string;
    stderr: string;
  };
  cleanup(): void;
}

/**
 * Builds `dist/synth` when its sources changed (`scripts/build.ts --if-stale`).
 *
 * @throws {Error} with the build's output when the build fails.
 */
export function buildBinaryIfStale(): void {
  const build = Bun.spawnSync({
    cmd: [join(ROOT, "node_modules", ".bin", "bun"), "scripts/build.ts", "--if-stale"],
    cwd: ROOT,
    stdout: "pipe",
    stderr: "pipe",
  });
  if (build.exitCode !== 0) {
    throw new Error(`build failed:\n${build.stdout.toString()}${build.stderr.toString()}`);
  }
}

/** Builds when stale, then copies the executable into a new folder named after `prefix`. */
export function isolatedBinary(prefix: string): IsolatedBinary {
  buildBinaryIfStale();
  const tmp = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const workDir = join(tmp, "work");
  for (const dir of ["bin", "work", "home", "cache"]) mkdirSync(join(tmp, dir));
  const binary = join(tmp, "bin", "synth");
  copyFileSync(join(ROOT, "dist", "synth"), binary);
  Bun.spawnSync({ cmd: ["chmod", "+x", binary] });
  const env = {
    PATH: "/usr/bin:/bin",
    HOME: join(tmp, "home"),
    XDG_CACHE_HOME: join(tmp, "cache"),
    NO_COLOR: "1",
  };
  return {
    tmp,
    binary,
    workDir,
    env,
    run(args, extraEnv = {}, cwd = workDir) {
      const proc = Bun.spawnSync({
        cmd: [binary, ...args],
        cwd,
        env: { ...env, ...extraEnv },
        stdout: "pipe",
        stderr: "pipe",
      });
      return {
        exitCode: proc.exitCode,
        stdout: proc.stdout.toString(),
        stderr: proc.stderr.toString(),
      };
    },
    cleanup: () => rmSync(tmp, { recursive: true, force: true }),
  };
}
