/**
 * Finding the files an input path names (§5.2, §5.3; DECISIONS difference 11): a plain path is
 * one file; a path with `*`, `?` or `[` is a glob (tinyglobby; `**` matches folders
 * recursively), its matches sorted by path so the order is the same on every machine.
 * Relative paths are looked up from the working directory first (as oumi does), then from the
 * config file's folder, so configs that ship their data next to them run from anywhere.
 *
 * @module
 */
import { existsSync, statSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { glob } from "tinyglobby";
import { inputError } from "./errors.ts";

/** Where relative input paths are looked up, in order. */
export interface PathBases {
  /** The working directory (first). */
  cwd: string;
  /** The config file's folder (second), when known. */
  configDir?: string;
}

/** True when `path` is a glob pattern. */
export function isGlob(path: string): boolean {
  return /[*?[]/.test(path);
}

/** The lower-case extension with its dot (`.csv`), or `""`. */
export function extensionOf(path: string): string {
  const base = path.slice(Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\")) + 1);
  const dot = base.lastIndexOf(".");
  return dot > 0 ? base.slice(dot).toLowerCase() : "";
}

function bases(path: string, where: PathBases): string[] {
  if (isAbsolute(path)) return [""];
  const list = [where.cwd];
  if (where.configDir && resolve(where.configDir) !== resolve(where.cwd)) {
    list.push(where.configDir);
  }
  return list;
}

/**
 * The absolute files `path` names, sorted. `what` names the source kind in messages
 * (`dataset`, `document`).
 *
 * @throws {InputError} `Cannot read dataset "x.csv": file does not exist (looked in …)`, a
 *   folder given instead of a file, or a glob that matches no file.
 */
export async function resolveInputFiles(
  path: string,
  where: PathBases,
  what: string,
): Promise<string[]> {
  const dirs = bases(path, where);
  if (!isGlob(path)) {
    for (const dir of dirs) {
      const file = dir ? resolve(dir, path) : path;
      if (!existsSync(file)) continue;
      if (statSync(file).isDirectory()) {
        throw inputError(what, path, "it is a folder; give a file or a glob such as dir/*.csv");
      }
      return [file];
    }
    throw inputError(what, path, `file does not exist (looked in ${dirs.join(", ") || "/"})`);
  }
  for (const dir of dirs) {
    const files = await glob(path, {
      cwd: dir || "/",
      absolute: true,
      onlyFiles: true,
      expandDirectories: false,
      dot: false,
    });
    if (files.length > 0) return files.sort();
  }
  throw inputError(
    what,
    path,
    `the pattern matches no files (looked in ${dirs.join(", ") || "/"})`,
  );
}
