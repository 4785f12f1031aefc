/**
 * Telling a recipe from a YAML config (recipes.md §1): a file is a recipe when it is JSON with
 * a top-level `synthesisConfig`. A `.json` file that is not valid JSON is treated as a recipe
 * too, so its syntax error is reported with JSON's line:column. Cheap: no schema, no imports.
 *
 * @module
 */

/** True when `text` (of the file `path`) is to be read as a synthesis recipe. */
export function isRecipe(path: string, text: string): boolean {
  const json = path.toLowerCase().endsWith(".json");
  if (!json && !text.trimStart().startsWith("{")) return false;
  try {
    const data = JSON.parse(text);
    return typeof data === "object" && data !== null && !Array.isArray(data) &&
      "synthesisConfig" in data;
  } catch {
    return json;
  }
}
