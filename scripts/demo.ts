/**
 * The main job, offline: builds a tiny random test model into models/tiny-demo.gguf (no
 * download possible here; with a real GGUF chat model the text is meaningful), then runs
 * `synth -c configs/quickstart.yaml` on it, ending with the dataset file and a preview.
 *
 * Usage: bun scripts/demo.ts [extra synth arguments, e.g. --num_samples 50]
 *
 * The demo owns out/quickstart.jsonl: a rerun starts it again (`--overwrite`) unless the
 * arguments say `--resume` or `--retry-failed`.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { makeTinyGguf } from "./make-tiny-gguf.ts";

const root = resolve(import.meta.dir, "..");
const model = join(root, "models", "tiny-demo.gguf");
if (!existsSync(model)) {
  console.error(`Building the tiny demo model ${model} ...`);
  makeTinyGguf(model);
}
const output = join(root, "out", "quickstart.jsonl");
const args = [
  join(root, "main.ts"),
  "-c",
  join(root, "configs", "quickstart.yaml"),
  "--inference_config.model.model_name",
  "tiny-demo.gguf",
  "--output_path",
  output,
  ...process.argv.slice(2),
];
const extra = process.argv.slice(2);
if (!extra.includes("--resume") && !extra.includes("--retry-failed")) args.push("--overwrite");
console.error(`$ synth ${args.slice(1).join(" ")}`);
const proc = Bun.spawn([process.execPath, ...args], {
  stdio: ["inherit", "inherit", "inherit"],
  cwd: root,
});
const code = await proc.exited;
if (code === 0) console.error(`\nDataset: ${output}`);
process.exit(code);
