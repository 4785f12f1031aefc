/**
 * A JSON Schema of the config file as written, for editor completion and checking (e.g.
 * yaml-language-server: `# yaml-language-server: $schema=synth.schema.json`).
 *
 * @module
 */
import { z } from "zod";
import { SynthesisConfigSchema } from "./schema.ts";

/**
 * The draft-7 JSON Schema of a synthesis config's input shape: every section with field
 * types, defaults, enum spellings and descriptions. Validation rules that need code (unique
 * ids, cross references, rate sums) are not expressible and are left out; the loader checks
 * them.
 *
 * @example Bun.write("synth.schema.json", JSON.stringify(configJsonSchema(), null, 2))
 */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(SynthesisConfigSchema, {
    io: "input",
    target: "draft-7",
    unrepresentable: "any",
  }) as Record<string, unknown>;
  return {
    ...schema,
    title: "synth / oumi synthesis config",
    description:
      "Config of `synth` (and `oumi synth`): what to generate, from what, with which model.",
  };
}
