import { afterAll, describe, expect, test } from "bun:test";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { synthCacheDirs } from "../../src/runtime/cacheDir.ts";
import {
  EMBEDDED_RUNTIME_MANIFEST,
  EMBEDDED_RUNTIME_PREFIX,
  type EmbeddedFile,
  extractRuntime,
  prepareEmbeddedRuntime,
  type RuntimeManifest,
} from "../../src/runtime/embeddedRuntime.ts";

const tmp = mkdtempSync(join(tmpdir(), "synth-runtime-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Fake embedded files, shaped like `Bun.embeddedFiles` entries. */
function fakeFiles(contents: Record<string, string>): EmbeddedFile[] {
  return Object.entries(contents).map(([rel, text]) => {
    const blob = new Blob([text]) as Blob & { name: string };
    Object.defineProperty(blob, "name", { value: `${EMBEDDED_RUNTIME_PREFIX}${rel}` });
    return blob as unknown as EmbeddedFile;
  });
}

const FILES = {
  "node_modules/node-llama-cpp/package.json": '{"version":"0.0.0"}',
  "node_modules/@node-llama-cpp/linux-x64/bins/linux-x64/libfake.so": "binary",
  "node_modules/node-llama-cpp/llama/grammars/json.gbnf": "root ::= object",
};
const MANIFEST: RuntimeManifest = { buildId: "abc123", files: Object.keys(FILES) };

describe("synthCacheDirs", () => {
  test("prefers XDG_CACHE_HOME, then ~/.cache, then the temp dir", () => {
    const dirs = synthCacheDirs({ XDG_CACHE_HOME: "/x/cache", HOME: "/home/u" });
    expect(dirs[0]).toBe("/x/cache/synth");
    expect(dirs[1]).toBe("/home/u/.cache/synth");
    expect(dirs[2]).toStartWith(tmpdir());
  });

  test("ignores a relative XDG_CACHE_HOME", () => {
    expect(synthCacheDirs({ XDG_CACHE_HOME: "rel", HOME: "/home/u" })[0]).toBe(
      "/home/u/.cache/synth",
    );
  });
});

describe("extractRuntime", () => {
  test("writes every file once and marks the folder complete", async () => {
    const cache = join(tmp, "one");
    const root = await extractRuntime(fakeFiles(FILES), MANIFEST, [cache]);
    expect(root).toBe(join(cache, "abc123"));
    for (const [rel, text] of Object.entries(FILES)) {
      expect(readFileSync(join(root, rel), "utf8")).toBe(text);
    }
    expect(
      statSync(join(root, "node_modules/@node-llama-cpp/linux-x64/bins/linux-x64/libfake.so"))
        .mode & 0o111,
    )
      .not.toBe(0);
    expect(existsSync(join(root, ".complete"))).toBe(true);
    // A second start reuses it without rewriting.
    writeFileSync(join(root, "node_modules/node-llama-cpp/package.json"), "kept");
    await extractRuntime(fakeFiles(FILES), MANIFEST, [cache]);
    expect(readFileSync(join(root, "node_modules/node-llama-cpp/package.json"), "utf8")).toBe(
      "kept",
    );
  });

  test("concurrent extractions race safely and leave no temp folders", async () => {
    const cache = join(tmp, "race");
    const roots = await Promise.all(
      Array.from({ length: 6 }, () => extractRuntime(fakeFiles(FILES), MANIFEST, [cache])),
    );
    expect(new Set(roots).size).toBe(1);
    expect(readdirSync(cache)).toEqual(["abc123"]);
    expect(
      readFileSync(join(roots[0], "node_modules/node-llama-cpp/llama/grammars/json.gbnf"), "utf8"),
    )
      .toBe("root ::= object");
  });

  test("replaces an incomplete leftover", async () => {
    const cache = join(tmp, "stale");
    mkdirSync(join(cache, "abc123"), { recursive: true });
    writeFileSync(join(cache, "abc123", "junk"), "x");
    const root = await extractRuntime(fakeFiles(FILES), MANIFEST, [cache]);
    expect(existsSync(join(root, ".complete"))).toBe(true);
    expect(existsSync(join(root, "junk"))).toBe(false);
  });

  test("falls back to the next cache folder when one is not writable", async () => {
    const blocked = join(tmp, "blocked");
    writeFileSync(blocked, "a file, not a folder");
    const fallback = join(tmp, "fallback");
    const root = await extractRuntime(fakeFiles(FILES), MANIFEST, [
      join(blocked, "synth"),
      fallback,
    ]);
    expect(root).toBe(join(fallback, "abc123"));
  });

  test("rejects missing files and unsafe names", async () => {
    const partial = fakeFiles({ "node_modules/node-llama-cpp/package.json": "{}" });
    await expect(extractRuntime(partial, MANIFEST, [join(tmp, "partial")])).rejects.toThrow(
      "embedded files are missing",
    );
    const evilCache = join(tmp, "evil");
    await expect(
      extractRuntime(fakeFiles({ "../escape": "x" }), { buildId: "b1", files: [] }, [evilCache]),
    ).rejects.toThrow('unsafe file name "synth-runtime/../escape"');
    expect(existsSync(join(evilCache, "escape"))).toBe(false);
    await expect(
      extractRuntime(fakeFiles(FILES), { buildId: "../up", files: [] }, [evilCache]),
    ).rejects.toThrow("invalid build id");
  });
});

describe("prepareEmbeddedRuntime", () => {
  test("returns null from source (nothing embedded)", async () => {
    expect(await prepareEmbeddedRuntime({ files: [], cacheDirs: [join(tmp, "none")] })).toBeNull();
    expect(existsSync(join(tmp, "none"))).toBe(false);
  });

  test("unpacks from a manifest and installs the runtime URL hook", async () => {
    const manifest = fakeFiles({ "manifest.json": JSON.stringify(MANIFEST) });
    expect(manifest[0].name).toBe(EMBEDDED_RUNTIME_MANIFEST);
    const previous = globalThis.__synthRuntimeUrl;
    try {
      const root = await prepareEmbeddedRuntime({
        files: [...fakeFiles(FILES), ...manifest],
        cacheDirs: [join(tmp, "prepared")],
      });
      expect(root).toBe(join(tmp, "prepared", "abc123"));
      expect(globalThis.__synthRuntimeUrl?.("node-llama-cpp/dist/config.js")).toBe(
        `file://${root}/node_modules/node-llama-cpp/dist/config.js`,
      );
      expect(existsSync(join(root!, "manifest.json"))).toBe(false);
    } finally {
      globalThis.__synthRuntimeUrl = previous;
    }
  });
});
