/**
 * Builds the single executable `dist/synth` (runtime.md, "Single executable with llama.cpp
 * inside"):
 * 1. stage node-llama-cpp's runtime files (~30 MB) into `dist/.build/synth-runtime/`;
 * 2. bundle `main.ts` with `Bun.build` and a plugin that points node-llama-cpp's
 *    `import.meta.url` at the unpacked runtime;
 * 3. `bun build --compile` the bundle with the staged folder embedded (`--asset`).
 * At start-up the binary unpacks the runtime once per build id into `~/.cache/synth/<id>/`.
 * ONNX Runtime (runtime.md, "Single executable with ONNX Runtime inside") is staged beside it
 * (`synth-onnx/`, native library and WASM compressed, `build/stageOnnxRuntime.ts`), bundled
 * with `build/transformersPlugin.ts`, and unpacked into `~/.cache/synth/onnx-<id>/` only when an
 * ONNX model runs.
 *
 * GPU variants (`--variant cuda` -> `dist/synth-cuda`, `--variant vulkan` -> `dist/synth-vulkan`)
 * embed node-llama-cpp's prebuilt CUDA or Vulkan package beside the CPU one, its libraries
 * zstd-compressed (`build/gpuPackages.ts` fetches the package once when it is not installed).
 * `bun run build` runs `--all`: `dist/synth`, then the GPU variants.
 *
 * Usage: `bun scripts/build.ts [--variant cpu|cuda|vulkan | --all] [--entry main.ts]
 * [--outfile dist/synth] [--if-stale]` (`--if-stale` skips a build whose executable was built
 * from the current sources; the tests build only `dist/synth` this way).
 *
 * @module
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import {
  nodeLlamaCppPlugin,
  optionalPlatformPackages,
  REQUIRED_REWRITES,
} from "./build/nodeLlamaCppPlugin.ts";
import { sourceHash } from "./build/sourceHash.ts";
import { GPU_PACKAGES, gpuPackage } from "./build/gpuPackages.ts";
import {
  type ExtraPackage,
  installedPlatformPackages,
  stageRuntime,
} from "./build/stageRuntime.ts";
import { stageOnnxRuntime } from "./build/stageOnnxRuntime.ts";
import { REQUIRED_ONNX_REWRITES, transformersPlugin } from "./build/transformersPlugin.ts";

const ROOT = resolve(import.meta.dir, "..");
const NODE_MODULES = join(ROOT, "node_modules");
const BUN = join(NODE_MODULES, ".bin", "bun");

/** Options of {@link build}. */
export interface BuildOptions {
  /** Entry point, relative to the repository root. @default "main.ts" */
  entry?: string;
  /** Output executable. @default "<root>/dist/synth" (`dist/synth-<variant>` for GPU variants) */
  outfile?: string;
  /** llama.cpp backends to embed: `cpu` (default), `cuda` or `vulkan` (each with the CPU one). */
  variant?: BuildVariant;
  /** Skip the build when `outfile` exists and was built from the current sources. */
  ifStale?: boolean;
  /** Progress lines. @default console.log */
  log?: (line: string) => void;
}

/** Build variants: which llama.cpp backends the executable embeds. */
export type BuildVariant = "cpu" | "cuda" | "vulkan";

const GPU_NAME = /-(cuda|vulkan|metal)(-ext)?$/;

/** Result of {@link build}. */
export interface BuildResult {
  outfile: string;
  bytes: number;
  /** False when `ifStale` found a fresh binary. */
  built: boolean;
  buildId?: string;
}

/** Path of the file that records which sources an executable was built from. */
export function buildInfoPath(outfile: string): string {
  return `${outfile}.buildinfo.json`;
}

/**
 * Builds the executable.
 *
 * @throws Error when bundling or compiling fails, or when the node-llama-cpp rewrite did not
 *   apply (an upgrade changed its files).
 */
export async function build(options: BuildOptions = {}): Promise<BuildResult> {
  const log = options.log ?? console.log;
  const entry = options.entry ?? "main.ts";
  const variant = options.variant ?? "cpu";
  const outfile = resolve(
    ROOT,
    options.outfile ?? (variant === "cpu" ? "dist/synth" : `dist/synth-${variant}`),
  );
  const hash = `${sourceHash(ROOT, entry)}${variant === "cpu" ? "" : `-${variant}`}`;
  if (options.ifStale && existsSync(outfile) && existsSync(buildInfoPath(outfile))) {
    const info = JSON.parse(readFileSync(buildInfoPath(outfile), "utf8")) as {
      sourceHash?: string;
    };
    if (info.sourceHash === hash) {
      log(`${relative(ROOT, outfile)} is up to date`);
      return { outfile, bytes: statSync(outfile).size, built: false };
    }
  }
  const entryPath = isAbsolute(entry) ? entry : join(ROOT, entry);
  if (!existsSync(entryPath)) {
    throw new Error(`Cannot build: entry point ${entryPath} does not exist`);
  }

  const work = variant === "cpu"
    ? join(ROOT, "dist", ".build")
    : join(ROOT, "dist", ".build", `variant-${variant}`);
  mkdirSync(work, { recursive: true });
  const started = performance.now();

  const extra: ExtraPackage[] = variant === "cpu" ? [] : [
    gpuPackage(
      NODE_MODULES,
      join(ROOT, "dist", ".build", "gpu-packages"),
      GPU_PACKAGES[variant],
      log,
    ),
  ];
  const cpuPackages = installedPlatformPackages(NODE_MODULES).filter((p) => !GPU_NAME.test(p));
  const staged = stageRuntime(NODE_MODULES, work, { variant, only: cpuPackages, extra });
  log(
    `Staged llama.cpp runtime ${staged.buildId}: ${staged.platformPackages.join(", ")} (${
      mb(staged.bytes)
    })`,
  );

  const onnx = stageOnnxRuntime(NODE_MODULES, work);
  log(
    `Staged ONNX Runtime ${onnx.buildId}: native + WASM (${mb(onnx.rawBytes)}, ${
      mb(onnx.bytes)
    } compressed)`,
  );

  // Platform packages that are not installed stay unresolved imports (node-llama-cpp tries them
  // and moves on); they must be external in both the bundle and the compile step.
  const embedded = new Set(staged.platformPackages);
  const external = optionalPlatformPackages(NODE_MODULES).filter((p) => !embedded.has(p));
  const rewritten = new Set<string>();
  const onnxRewrites = new Set<string>();
  const bundleDir = join(work, "bundle");
  rmSync(bundleDir, { recursive: true, force: true });
  const result = await Bun.build({
    entrypoints: [entryPath],
    outdir: bundleDir,
    target: "bun",
    format: "esm",
    external,
    plugins: [
      gpuResolvePlugin(extra),
      nodeLlamaCppPlugin(NODE_MODULES, rewritten),
      transformersPlugin(onnxRewrites),
    ],
    // Code splitting keeps each lazily imported part (engines, readers, SDKs) in its own chunk,
    // which the executable parses only when a command needs it: `--help` and `validate` stay fast.
    splitting: true,
    naming: { entry: "synth.js", chunk: "chunk-[hash].js" },
  });
  if (!result.success) {
    throw new Error(`Cannot bundle ${entry}:\n${result.logs.map(String).join("\n")}`);
  }
  const imported = [...rewritten].some((p) => p.startsWith("node-llama-cpp/"));
  if (imported) {
    const missing = REQUIRED_REWRITES.filter((p) => !rewritten.has(p));
    if (missing.length > 0 || ![...rewritten].some((p) => p.startsWith("@node-llama-cpp/"))) {
      throw new Error(
        `Cannot build: node-llama-cpp's import.meta.url was not rewritten in ${
          missing.join(", ") || "the platform package"
        }`,
      );
    }
  } else {
    log(`Note: ${entry} does not import node-llama-cpp; the runtime is embedded anyway`);
  }

  const missingOnnx = REQUIRED_ONNX_REWRITES.filter((id) => !onnxRewrites.has(id));
  if (onnxRewrites.size > 0 && missingOnnx.length > 0) {
    throw new Error(`Cannot build: ONNX Runtime rewrites did not apply: ${missingOnnx.join(", ")}`);
  }

  // tiktoken's WASM GPT-2 encoder (src/runtime/loadTiktoken.ts reads it from the executable).
  const tiktokenDir = join(work, "synth-tiktoken");
  mkdirSync(tiktokenDir, { recursive: true });
  copyFileSync(
    join(NODE_MODULES, "tiktoken", "lite", "tiktoken_bg.wasm"),
    join(tiktokenDir, "tiktoken_bg.wasm"),
  );

  mkdirSync(resolve(outfile, ".."), { recursive: true });
  const compile = Bun.spawnSync({
    cmd: [
      BUN,
      "build",
      "--compile",
      "--splitting",
      "--no-compile-autoload-dotenv",
      "--no-compile-autoload-bunfig",
      ...external.flatMap((p) => ["--external", p]),
      join(bundleDir, "synth.js"),
      "--asset",
      "synth-runtime",
      "--asset",
      "synth-onnx",
      "--asset",
      "synth-tiktoken",
      "--outfile",
      outfile,
    ],
    cwd: work,
    stdout: "pipe",
    stderr: "pipe",
  });
  if (compile.exitCode !== 0) {
    const output = `${compile.stdout.toString()}${compile.stderr.toString()}`;
    throw new Error(
      `Cannot compile ${outfile}:\n${output.split("\n").map((l) => l.slice(0, 300)).join("\n")}`,
    );
  }
  const bytes = statSync(outfile).size;
  writeFileSync(
    buildInfoPath(outfile),
    JSON.stringify(
      {
        sourceHash: hash,
        entry,
        buildId: staged.buildId,
        onnxBuildId: onnx.buildId,
        variant,
        packages: staged.platformPackages,
        builtAt: new Date().toISOString(),
      },
      null,
      2,
    ),
  );
  log(
    `Built ${relative(ROOT, outfile)}: ${mb(bytes)} in ${
      ((performance.now() - started) / 1000).toFixed(1)
    } s`,
  );
  return { outfile, bytes, built: true, buildId: staged.buildId };
}

/** Resolves the fetched GPU packages (outside node_modules) for the bundler. */
function gpuResolvePlugin(extra: ExtraPackage[]): import("bun").BunPlugin {
  return {
    name: "synth-gpu-packages",
    setup(b) {
      for (const pkg of extra) {
        const filter = new RegExp(`^${pkg.name.replace(/[/.-]/g, "\\$&")}$`);
        b.onResolve({ filter }, () => ({ path: join(pkg.dir, "dist", "index.js") }));
      }
    },
  };
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const options: BuildOptions = {};
  let variants: BuildVariant[] = ["cpu"];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--entry") options.entry = args[++i];
    else if (arg === "--outfile") options.outfile = args[++i];
    else if (arg === "--if-stale") options.ifStale = true;
    else if (arg === "--all") variants = ["cpu", "cuda", "vulkan"];
    else if (arg === "--cuda") variants = ["cuda"];
    else if (arg === "--variant" && ["cpu", "cuda", "vulkan"].includes(args[i + 1])) {
      variants = [args[++i] as BuildVariant];
    } else {
      console.error(
        `Usage: bun scripts/build.ts [--variant cpu|cuda|vulkan | --all] [--entry main.ts] [--outfile dist/synth] [--if-stale]`,
      );
      process.exit(2);
    }
  }
  try {
    for (const variant of variants) await build({ ...options, variant });
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}
