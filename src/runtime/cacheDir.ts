/**
 * Where synth keeps files it unpacks at run time (the llama.cpp runtime of the single
 * executable): `$XDG_CACHE_HOME/synth`, else `~/.cache/synth`, else `<os temp>/synth-<uid>`.
 *
 * @module
 */
import { homedir, tmpdir } from "node:os";
import { isAbsolute, join } from "node:path";

/**
 * Candidate cache folders for synth, best first: `$XDG_CACHE_HOME/synth` (only when the
 * variable is an absolute path, as the XDG spec requires), `~/.cache/synth`, then a per-user
 * folder in the OS temp dir. Callers try them in order and take the first writable one.
 *
 * @param env Environment to read. @default process.env
 * @returns absolute folder paths (not created), never empty.
 *
 * @example
 * ```ts
 * const [preferred] = synthCacheDirs({ XDG_CACHE_HOME: "/tmp/c" }); // "/tmp/c/synth"
 * ```
 */
export function synthCacheDirs(env: Record<string, string | undefined> = process.env): string[] {
  const dirs: string[] = [];
  const xdg = env.XDG_CACHE_HOME;
  if (xdg && isAbsolute(xdg)) dirs.push(join(xdg, "synth"));
  const home = env.HOME || safeHomedir();
  if (home && isAbsolute(home)) dirs.push(join(home, ".cache", "synth"));
  const uid = typeof process.getuid === "function" ? process.getuid() : "user";
  dirs.push(join(tmpdir(), `synth-${uid}`));
  return [...new Set(dirs)];
}

function safeHomedir(): string | undefined {
  try {
    return homedir();
  } catch {
    return undefined;
  }
}
