/**
 * Bun build plugin that makes node-llama-cpp find its files outside the executable: every
 * `import.meta.url` in node-llama-cpp's `dist/**.js` and in the platform packages'
 * `dist/index.js` becomes `(globalThis.__synthRuntimeUrl?.("<path>") ?? import.meta.url)`,
 * where `<path>` is the file's path relative to `node_modules` (see
 * `src/runtime/embeddedRuntime.ts`). Recipe: runtime.md, step 2.
 *
 * `testBindingBinary.js` is left alone: bundled, it sees that it is not a separate file and
 * skips its self-test (which would re-execute the binary), printing a warning that
 * `src/runtime/loadNodeLlamaCpp.ts` filters.
 *
 * @module
 */
import type { BunPlugin } from "bun";
import { readFileSync } from "node:fs";
import { relative } from "node:path";

/** Files whose `import.meta.url` must be rewritten, or the build is broken (checked after). */
export const REQUIRED_REWRITES = [
  "node-llama-cpp/dist/config.js",
  "node-llama-cpp/dist/bindings/getLlama.js",
  "node-llama-cpp/dist/utils/getModuleVersion.js",
];

/**
 * Creates the plugin. `rewritten` collects the relative paths changed, so the build can check
 * that {@link REQUIRED_REWRITES} (and one platform package) were seen.
 */
export function nodeLlamaCppPlugin(nodeModules: string, rewritten: Set<string>): BunPlugin {
  return {
    name: "synth-node-llama-cpp-runtime",
    setup(build) {
      build.onLoad(
        {
          filter:
            /[\\/]node_modules[\\/](node-llama-cpp[\\/]dist[\\/].*|@node-llama-cpp[\\/][^\\/]+[\\/]dist[\\/]index)\.js$/,
        },
        (args) => {
          // Relative to the innermost node_modules: GPU packages are unpacked outside the
          // project's node_modules (dist/.build/gpu-packages/<v>/node_modules/...).
          const rel = args.path.startsWith(nodeModules)
            ? relative(nodeModules, args.path).split("\\").join("/")
            : args.path.split(/[\\/]node_modules[\\/]/).pop()!.split("\\").join("/");
          let contents = readFileSync(args.path, "utf8");
          if (!rel.endsWith("/testBindingBinary.js") && contents.includes("import.meta.url")) {
            contents = contents.replaceAll(
              "import.meta.url",
              `(globalThis.__synthRuntimeUrl?.(${JSON.stringify(rel)}) ?? import.meta.url)`,
            );
            rewritten.add(rel);
          }
          return { contents, loader: "js" };
        },
      );
    },
  };
}

/** Reads optional platform packages node-llama-cpp may import (to mark missing ones external). */
export function optionalPlatformPackages(nodeModules: string): string[] {
  const pkg = JSON.parse(readFileSync(`${nodeModules}/node-llama-cpp/package.json`, "utf8")) as {
    optionalDependencies?: Record<string, string>;
  };
  return Object.keys(pkg.optionalDependencies ?? {});
}
