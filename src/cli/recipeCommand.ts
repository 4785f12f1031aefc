/**
 * `synth recipe show recipe.json`: prints the synth config (YAML) a synthesis recipe compiles to
 * (recipes.md §2), with its prompts and inlined seed rows, so a user can read it or save it and
 * take it over as an ordinary config (it then produces the same records).
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { ConfigError } from "../errors.ts";
import { compileRecipeText, isRecipe } from "../recipes/index.ts";
import { EXIT } from "./exitCodes.ts";
import type { CliIO } from "./io.ts";

/**
 * Prints the compiled YAML of `file` on stdout; resolves with the exit code.
 *
 * @throws {ConfigError} an unreadable file, a file that is not a recipe, or a bad recipe (exit 2).
 * @throws {InputError} the seed dataset cannot be found or read (exit 3).
 */
export async function runRecipeShow(file: string, io: CliIO): Promise<number> {
  const absolute = resolve(io.cwd, file);
  let text: string;
  try {
    text = await readFile(absolute, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const state = code === "ENOENT" ? "file does not exist" : (error as Error).message;
    throw new ConfigError(`Cannot read recipe "${file}": ${state}`);
  }
  if (!isRecipe(absolute, text)) {
    throw new ConfigError(
      `Cannot show "${file}": it is not a synthesis recipe (a JSON file with a top-level synthesisConfig)`,
    );
  }
  const compiled = await compileRecipeText(text, { file, absolute, cwd: io.cwd, env: io.env });
  io.stdout.write(compiled.yaml);
  return EXIT.OK;
}
