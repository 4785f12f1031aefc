/**
 * Parsing and validating one tool call's `arguments` text (spec §11.5 step 1, §20.14): empty
 * text means `{}`, otherwise JSON that must be an object matching the tool's `parameters`.
 *
 * @module
 */
import type { ToolParams } from "../config/schema.ts";
import { pyTypeName } from "../python/repr.ts";
import { ToolError } from "./environment.ts";
import { compileSchema } from "./jsonSchema.ts";

/**
 * The call's arguments as a map.
 *
 * @throws {ToolError} `Tool '<id>' arguments are not valid JSON: ...`, `... must be a JSON
 *   object, got <type>.`, or the validator's message for a schema violation.
 */
export function parseToolArguments(tool: ToolParams, text: string): Record<string, unknown> {
  let value: unknown;
  if (text.trim() === "") value = {};
  else {
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new ToolError(
        `Tool '${tool.id}' arguments are not valid JSON: ${(error as Error).message}`,
      );
    }
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ToolError(
      `Tool '${tool.id}' arguments must be a JSON object, got ${pyTypeName(value)}.`,
    );
  }
  const args = value as Record<string, unknown>;
  const bad = compileSchema(tool.parameters).validate(args);
  if (bad) throw new ToolError(`Tool '${tool.id}' arguments are invalid: ${bad}`);
  return args;
}
