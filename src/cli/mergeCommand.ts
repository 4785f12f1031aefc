/**
 * `synth merge <output>`: joins the shard outputs of a `--shard K/N` run into `<output>`
 * (see `durable/merge.ts`) and says what it wrote.
 *
 * @module
 */
import { resolve } from "node:path";
import { mergeShards } from "../durable/merge.ts";
import { EXIT } from "./exitCodes.ts";
import type { Logger } from "./logger.ts";
import type { CliIO } from "./io.ts";

/** Runs `synth merge`; resolves with the exit code. @throws what {@link mergeShards} throws. */
export async function runMerge(
  options: { output: string; overwrite: boolean },
  ctx: { io: CliIO; logger: Logger },
): Promise<number> {
  const result = await mergeShards(resolve(ctx.io.cwd, options.output), {
    overwrite: options.overwrite,
  });
  ctx.io.stdout.write(
    `Merged ${result.shards} shards into ${result.outputPath}: ${result.records} records` +
      (result.failed ? `, ${result.failed} failed (see the errors file)` : "") + "\n" +
      (result.duplicatesRemoved
        ? `Removed ${result.duplicatesRemoved} duplicate${
          result.duplicatesRemoved === 1 ? "" : "s"
        } across shards (quality.deduplicate; see ${result.rejectedPath})\n`
        : ""),
  );
  return EXIT.OK;
}
