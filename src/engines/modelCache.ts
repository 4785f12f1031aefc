/**
 * Where local engines find a model named `owner/name` (DECISIONS compat 4): the local Hugging
 * Face hub cache (`$HF_HUB_CACHE`, else `$HF_HOME/hub`, else `$XDG_CACHE_HOME/huggingface/hub`,
 * else `~/.cache/huggingface/hub`), layout `models--owner--name/{refs,snapshots}`. Read only;
 * nothing is downloaded.
 *
 * @module
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/**
 * The snapshot folder of model `repo` (`owner/name`): the one `refs/main` names, else the newest
 * snapshot; `undefined` when the model is not in the cache.
 */
export function huggingFaceSnapshot(
  repo: string,
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  const hub = env.HF_HUB_CACHE ||
    (env.HF_HOME
      ? join(env.HF_HOME, "hub")
      : join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), ".cache"), "huggingface", "hub"));
  const repoDir = join(hub, `models--${repo.replace("/", "--")}`);
  const snapshots = join(repoDir, "snapshots");
  if (!existsSync(snapshots)) return undefined;
  try {
    const ref = readFileSync(join(repoDir, "refs", "main"), "utf8").trim();
    if (ref && existsSync(join(snapshots, ref))) return join(snapshots, ref);
  } catch {
    // No refs/main: take the newest snapshot.
  }
  const entries = readdirSync(snapshots).map((name) => join(snapshots, name));
  entries.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  return entries[0];
}
