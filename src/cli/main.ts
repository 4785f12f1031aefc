/**
 * The command line: the only code that reads argv, writes to stdout/stderr and picks exit
 * codes. Commands: `synth -c cfg.yaml [overrides]` (also `synth synth -c ...`),
 * `synth validate -c cfg.yaml`, `synth schema`, `synth serve --model <gguf>`,
 * `synth models pull|list|inspect`, `synth info`; `--help`,
 * `--version`, `--log-level` (aliases `--level`, `-log`, spec §15 and DECISIONS compat 2).
 *
 * @module
 */
import { Command, CommanderError } from "@commander-js/extra-typings";
import { ConfigError, formatConfigError, InputError, UsageError } from "../errors.ts";
import { EXIT, exitCodeFor } from "./exitCodes.ts";
import type { CliIO, CommonOptions } from "./io.ts";
import { createLogger, type Logger, type LogLevel, parseLogLevel, useColors } from "./logger.ts";
import { VERSION } from "./version.ts";
import type { SynthOptions } from "./synthCommand.ts";

/** Rewrites oumi/guide spellings to the canonical ones: `-log X` and `--level X` → `--log-level X`. */
export function normalizeArgv(argv: readonly string[]): string[] {
  return argv.map((a) => {
    if (a === "-log" || a === "--level") return "--log-level";
    if (a.startsWith("--level=")) return `--log-level=${a.slice(8)}`;
    return a;
  });
}

function parseIntOption(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n)) {
      throw new UsageError(`Invalid value for ${name}: "${value}" is not an integer`);
    }
    return n;
  };
}

/**
 * Runs the CLI on `argv` (without the executable and script) and resolves with the exit code.
 * Never calls `process.exit` itself.
 */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  let logLevel: LogLevel = "INFO";
  let logger: Logger = createLogger(io.stderr, {
    level: logLevel,
    colors: useColors(io.stderr, io.env),
  });
  let exitCode: number = EXIT.OK;
  let action: (() => Promise<number>) | undefined;

  const program = new Command()
    .name("synth")
    .description(
      "Generate synthetic training data for language models from an oumi synthesis config,\n" +
        "offline on a local GGUF model (llama.cpp) or against a model server.",
    )
    .version(VERSION, "-V, --version")
    .option(
      "--log-level <level>",
      "DEBUG, INFO, WARNING, ERROR or CRITICAL (aliases: --level, -log)",
    )
    .showHelpAfterError("(run synth --help for usage)")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .hook("preAction", (cmd) => {
      const level = cmd.opts().logLevel;
      if (level) {
        logLevel = parseLogLevel(level);
        logger = createLogger(io.stderr, { level: logLevel, colors: useColors(io.stderr, io.env) });
        logger.debug(`Set log level to ${logLevel}`);
      }
    });

  const common = (cmd: Command<[], Record<string, never>>) =>
    cmd
      .requiredOption("-c, --config <path>", "path to the synthesis config (YAML)")
      .option(
        "--seed <n>",
        "seed for sampling and local generation (overrides the config's seed)",
        parseIntOption("--seed"),
      )
      .allowUnknownOption()
      .allowExcessArguments();

  common(
    program
      .command("synth", { isDefault: true })
      .description(
        "run a synthesis config (extra --key value arguments override config keys, e.g. --num_samples 50)",
      ) as unknown as Command<[], Record<string, never>>,
  )
    .option(
      "--threads <n>",
      "CPU threads for local engines (default: cores - 1, at least 1)",
      parseIntOption("--threads"),
    )
    .option(
      "--parallel <n>",
      "parallel sequences for local engines (default: 4)",
      parseIntOption("--parallel"),
    )
    .option("--no-progress", "do not show the progress bar")
    .option("--resume", "continue the interrupted run of this output from its journal")
    .option(
      "--overwrite",
      "start again over an existing output (kept until the new run writes its first record)",
    )
    .option("--retry-failed", "run again only the failed records (<output>.errors.jsonl)")
    .option(
      "--shard <K/N>",
      "run only the K-th of N contiguous slices of the plan (K from 0) into <output>.shard-K-of-N.jsonl",
    )
    .addHelpText(
      "after",
      "\nSplits: --splits train=0.8,validation=0.1,test=0.1 (or the config key splits:) writes\n" +
        "<output>/data/{train,validation,test}.jsonl by input row and a dataset card README.md.\n" +
        "Recipes: -c recipe.json runs an oumi platform synthesis recipe (see synth recipe show).",
    )
    .option("--batch", "OPENAI/ANTHROPIC: submit each generated attribute as a provider batch")
    .option("--batch-state <path>", "batch state file (default: <output>.batch.json)")
    .option(
      "--batch-poll <seconds>",
      "seconds between batch status polls (default: 30)",
      parseFloat,
    )
    .option(
      "--allow-download",
      "download an hf:owner/repo:QUANT model_name that is not in the Hugging Face cache yet",
    )
    .action((opts, cmd) => {
      const o = opts as unknown as SynthOptions & { progress: boolean };
      action = async () => {
        const { runSynth } = await import("./synthCommand.ts");
        return runSynth({ ...o, overrides: cmd.args, argv: [...argv] }, { io, logger });
      };
    });

  common(
    program
      .command("validate")
      .description(
        "load the config, plan the records and print the first prompts, without inference",
      ) as unknown as Command<
        [],
        Record<string, never>
      >,
  )
    .option("--show <n>", "number of records whose prompts are shown", parseIntOption("--show"), 2)
    .action((opts, cmd) => {
      const o = opts as unknown as CommonOptions & { show: number };
      action = async () => {
        const { runValidate } = await import("./validateCommand.ts");
        return runValidate({ ...o, overrides: cmd.args }, { io, logger });
      };
    });

  program
    .command("serve")
    .description("share a local GGUF model as an OpenAI-compatible server (/v1/chat/completions)")
    .requiredOption("-m, --model <gguf>", "GGUF file, folder, or model name in ./models")
    .option("--host <host>", "interface to bind (loopback unless told otherwise)", "127.0.0.1")
    .option("--port <n>", "TCP port (0 picks a free one)", parseIntOption("--port"), 8080)
    .option("--api-key <key>", "key clients must send as a Bearer token (or set SYNTH_API_KEY)")
    .option(
      "--threads <n>",
      "CPU threads (default: cores - 1, at least 1)",
      parseIntOption("--threads"),
    )
    .option("--parallel <n>", "parallel sequences (default: 4)", parseIntOption("--parallel"))
    .option("--ctx-size <n>", "context size per sequence, in tokens", parseIntOption("--ctx-size"))
    .option("--served-model-name <id>", "model id shown to clients (default: the file name)")
    .option(
      "--max-queue <n>",
      "requests that may wait for a sequence; more get 429 with Retry-After (default: 8 x --parallel, at least 16)",
      parseIntOption("--max-queue"),
    )
    .action((opts) => {
      action = async () => {
        const { runServe } = await import("./serveCommand.ts");
        return runServe(opts, { io, logger });
      };
    });

  const models = program
    .command("models")
    .description("get and look at local models (Hugging Face Hub downloads, GGUF and ONNX)");
  models
    .command("pull")
    .description(
      "download a model from the Hugging Face Hub into its cache (HF_TOKEN, HF_ENDPOINT, HF_HUB_OFFLINE)",
    )
    .argument(
      "<model>",
      "owner/repo[:quant or file], e.g. bartowski/Qwen2.5-0.5B-Instruct-GGUF:Q4_K_M",
    )
    .action((spec) => {
      action = async () => {
        const { runPull } = await import("./modelsCommand.ts");
        return runPull(spec, { io, logger });
      };
    });
  models
    .command("list")
    .description("list the models in models/, $SYNTH_MODELS_DIR and the Hugging Face cache")
    .option("--json", "print JSON")
    .action((opts) => {
      action = async () => {
        const { runList } = await import("./modelsCommand.ts");
        return runList(opts, { io, logger });
      };
    });
  models
    .command("inspect")
    .description("print a model's metadata (GGUF header or ONNX config)")
    .argument("<name>", "a name from `synth models list`, hf:owner/repo[:quant], or a path")
    .option("--json", "print JSON")
    .action((name, opts) => {
      action = async () => {
        const { runInspect } = await import("./modelsCommand.ts");
        return runInspect(name, opts, { io, logger });
      };
    });

  program
    .command("info")
    .description("version, build variant, llama.cpp backends, GPUs, CPU threads, cache folders")
    .option("--json", "print JSON")
    .action((opts) => {
      action = async () => {
        const { runInfo } = await import("./infoCommand.ts");
        return runInfo(opts, { io, logger });
      };
    });

  program
    .command("recipe")
    .description("synthesis recipes (oumi platform JSON)")
    .command("show")
    .description("print the synth config (YAML) a recipe compiles to: prompts, seed rows, splits")
    .argument("<recipe>", "recipe JSON file")
    .action((file) => {
      action = async () => {
        const { runRecipeShow } = await import("./recipeCommand.ts");
        return runRecipeShow(file, io);
      };
    });

  program
    .command("merge")
    .description(
      "join the N shard outputs of a run (--shard K/N) into <output>, in plan order, after checking they are all there, complete and from the same run",
    )
    .argument("<output>", "the output path of the unsharded run (output_path)")
    .option("--overwrite", "replace an existing <output>")
    .action((output: string, opts: { overwrite?: boolean }) => {
      action = async () => {
        const { runMerge } = await import("./mergeCommand.ts");
        return runMerge({ output, overwrite: opts.overwrite ?? false }, { io, logger });
      };
    });

  program
    .command("schema")
    .description("print the JSON Schema of synthesis configs (for yaml-language-server completion)")
    .action(() => {
      action = async () => {
        const { configJsonSchema } = await import("../config/jsonSchema.ts");
        io.stdout.write(JSON.stringify(configJsonSchema(), null, 2) + "\n");
        return EXIT.OK;
      };
    });

  try {
    await program.parseAsync(normalizeArgv(argv), { from: "user" });
    if (action) exitCode = await action();
  } catch (error) {
    exitCode = reportError(error, logger, logLevel);
  }
  return exitCode;
}

/** Prints `error` for a user (stack only at DEBUG) and returns its exit code. */
function reportError(error: unknown, logger: Logger, level: LogLevel): number {
  if (error instanceof CommanderError) {
    // Commander already printed help/version/usage errors.
    if (error.code === "commander.helpDisplayed" || error.code === "commander.version") {
      return EXIT.OK;
    }
    if (error.exitCode === 0) return EXIT.OK;
    return EXIT.USAGE;
  }
  if (error instanceof ConfigError) {
    for (const line of formatConfigError(error).split("\n")) logger.error(line);
  } else if (
    error instanceof UsageError || error instanceof InputError || error instanceof RangeError
  ) {
    logger.error(error.message);
  } else {
    logger.error(error instanceof Error ? error.message : String(error));
  }
  if (level === "DEBUG" && error instanceof Error && error.stack) logger.debug(error.stack);
  return exitCodeFor(error);
}
