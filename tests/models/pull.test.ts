/**
 * `pullModel` against the loopback fake Hub: the cache layout, selection by quantisation and
 * by file, resume after a dropped connection (in the same run and by a rerun), corrupt
 * downloads, gated repositories, offline mode, and cache write errors. No real network.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EngineError, UsageError } from "../../src/errors.ts";
import { resolveHfModel } from "../../src/engines/modelCache.ts";
import { describeWrite, pullModel } from "../../src/models/pull.ts";
import { sha256, startFakeHub } from "../helpers/fakeHub.ts";

function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

const Q4 = bytes(300_000, 1);
const Q8 = bytes(200_000, 2);
const hub = startFakeHub({
  "acme/Tiny-GGUF": {
    files: {
      "tiny-Q4_K_M.gguf": Q4,
      "tiny-Q8_0.gguf": Q8,
      "README.md": "# tiny\n",
    },
  },
  "acme/Flaky-GGUF": { files: { "flaky-Q4_K_M.gguf": Q4 }, dropOnce: ["flaky-Q4_K_M.gguf"] },
  "acme/Cut-GGUF": { files: { "cut-Q4_K_M.gguf": Q8 }, dropOnce: ["cut-Q4_K_M.gguf"] },
  "acme/Bad-GGUF": { files: { "bad-Q4_K_M.gguf": Q8 }, corrupt: ["bad-Q4_K_M.gguf"] },
  "acme/Gated-GGUF": { files: { "gated-Q4_K_M.gguf": Q8 }, gatedToken: "hf_granted" },
  "acme/Tiny-ONNX": {
    files: {
      "config.json": '{"model_type":"gpt2"}',
      "tokenizer.json": '{"model":{}}',
      "tokenizer_config.json": '{"eos_token":"<eos>"}',
      "README.md": "# onnx\n",
      "onnx/model.onnx": bytes(5000, 3),
      "onnx/model_q4.onnx": bytes(3000, 4),
    },
  },
});

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "synth-pull-"));
});
afterAll(() => {
  hub.stop();
  rmSync(root, { recursive: true, force: true });
});

let n = 0;
function env(extra: Record<string, string> = {}) {
  return { HF_HUB_CACHE: join(root, `cache-${++n}`), HF_ENDPOINT: hub.url, ...extra };
}

describe("pullModel", () => {
  test("pulls one quantisation into the Hugging Face cache layout", async () => {
    const e = env();
    const progress: number[] = [];
    const result = await pullModel("acme/Tiny-GGUF:Q4_K_M", {
      env: e,
      onProgress: (p) => progress.push(p.bytes),
    });
    const repoDir = join(e.HF_HUB_CACHE, "models--acme--Tiny-GGUF");
    expect(readFileSync(join(repoDir, "refs", "main"), "utf8")).toBe(result.commit);
    expect(result.downloaded).toEqual(["tiny-Q4_K_M.gguf"]);
    expect(readdirSync(join(repoDir, "blobs"))).toEqual([sha256(Q4)]);
    const link = join(repoDir, "snapshots", result.commit, "tiny-Q4_K_M.gguf");
    expect(readlinkSync(link)).toBe(`../../blobs/${sha256(Q4)}`);
    expect(sha256(readFileSync(link))).toBe(sha256(Q4));
    expect(progress.at(-1)).toBe(Q4.byteLength);
    // The requests: info at HEAD, listing and file at the commit.
    const paths = hub.requests.map((r) => r.path);
    expect(paths).toContain(
      `/api/models/acme/Tiny-GGUF/revision/HEAD?${"expand=pipeline_tag&expand=private&expand=gated&expand=downloads&expand=likes&expand=lastModified&expand=sha"}`,
    );
    expect(paths).toContain(
      `/api/models/acme/Tiny-GGUF/tree/${result.commit}?recursive=true&expand=false`,
    );
    expect(paths).toContain(`/acme/Tiny-GGUF/resolve/${result.commit}/tiny-Q4_K_M.gguf`);
    // What a config's hf: name loads.
    expect(resolveHfModel("hf:acme/Tiny-GGUF:Q4_K_M", e).path).toBe(link);
    expect(resolveHfModel("hf:acme/Tiny-GGUF", e).path).toBe(link);
    // A second pull finds it cached.
    const again = await pullModel("acme/Tiny-GGUF:q4_k_m", { env: e });
    expect(again.downloaded).toEqual([]);
    expect(again.cached).toEqual(["tiny-Q4_K_M.gguf"]);
  });

  test("pulls by file name; the default quantisation is Q4_K_M", async () => {
    const e = env({ HF_ENDPOINT: `${hub.url}/` });
    const byFile = await pullModel("hf:acme/Tiny-GGUF:tiny-Q8_0.gguf", { env: e });
    expect(byFile.downloaded).toEqual(["tiny-Q8_0.gguf"]);
    expect(sha256(readFileSync(byFile.path))).toBe(sha256(Q8));
    const info: string[] = [];
    const byDefault = await pullModel("acme/Tiny-GGUF", { env: e, onInfo: (m) => info.push(m) });
    expect(byDefault.selection).toMatchObject({ format: "gguf", quant: "Q4_K_M" });
    expect(info.join("\n")).toContain("taking Q4_K_M");
  });

  test("an unknown quantisation lists those the repository has", async () => {
    const error = await pullModel("acme/Tiny-GGUF:Q5_K_S", { env: env() }).catch((e) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toContain("acme/Tiny-GGUF has no Q5_K_S quantisation");
    expect(error.message).toContain("Q4_K_M, Q8_0");
  });

  test("an unknown repository and a malformed name are usage errors", async () => {
    const error = await pullModel("acme/Nope", { env: env() }).catch((e) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toContain(`Model repository acme/Nope not found on ${hub.url}`);
    const bad = await pullModel("not a repo", { env: env() }).catch((e) => e);
    expect(bad).toBeInstanceOf(UsageError);
    expect(bad.message).toContain("expected owner/name[:quant or file]");
  });

  test("a dropped connection resumes with a Range request in the same run", async () => {
    const e = env();
    const info: string[] = [];
    const before = hub.requests.length;
    const result = await pullModel("acme/Flaky-GGUF", { env: e, onInfo: (m) => info.push(m) });
    expect(sha256(readFileSync(result.path))).toBe(sha256(Q4));
    expect(info.join("\n")).toContain("Connection lost");
    const ranges = hub.requests.slice(before).map((r) => r.range).filter((r) =>
      r && r !== "bytes=0-0"
    );
    expect(ranges.length).toBe(1);
    expect(ranges[0]).toMatch(/^bytes=\d+-299999$/);
    expect(Number(ranges[0]!.match(/=(\d+)/)![1])).toBeGreaterThan(0);
  });

  test("an interrupted pull leaves no complete-looking file and a rerun resumes it", async () => {
    const e = env();
    const error = await pullModel("acme/Cut-GGUF", { env: e, retries: 0 }).catch((x) => x);
    expect(error.message).toContain("run the same command again to resume");
    const repoDir = join(e.HF_HUB_CACHE, "models--acme--Cut-GGUF");
    const partial = join(repoDir, "blobs", `${sha256(Q8)}.incomplete`);
    const kept = statSync(partial).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(Q8.byteLength);
    expect(existsSync(join(repoDir, "blobs", sha256(Q8)))).toBe(false);
    expect(existsSync(join(repoDir, "refs", "main"))).toBe(false);
    const before = hub.requests.length;
    const info: string[] = [];
    const result = await pullModel("acme/Cut-GGUF", { env: e, onInfo: (m) => info.push(m) });
    expect(sha256(readFileSync(result.path))).toBe(sha256(Q8));
    expect(result.bytes).toBe(Q8.byteLength - kept);
    expect(info.join("\n")).toContain("Resuming cut-Q4_K_M.gguf");
    expect(hub.requests.slice(before).map((r) => r.range)).toContain(
      `bytes=${kept}-${Q8.byteLength - 1}`,
    );
  });

  test("a corrupt download is rejected and removed", async () => {
    const e = env();
    const error = await pullModel("acme/Bad-GGUF", { env: e }).catch((x) => x);
    expect(error.message).toContain("is corrupt: its sha256 is");
    expect(error.message).toContain(sha256(Q8));
    const blobs = join(e.HF_HUB_CACHE, "models--acme--Bad-GGUF", "blobs");
    expect(readdirSync(blobs)).toEqual([]);
    expect(() => resolveHfModel("hf:acme/Bad-GGUF", e)).toThrow("synth models pull acme/Bad-GGUF");
  });

  test("a gated repository names HF_TOKEN; the token stays out of messages", async () => {
    const denied = await pullModel("acme/Gated-GGUF", { env: env() }).catch((x) => x);
    expect(denied).toBeInstanceOf(EngineError);
    expect(denied.message).toContain("refused (401)");
    expect(denied.message).toContain("Set HF_TOKEN");
    const wrong = await pullModel("acme/Gated-GGUF", { env: env({ HF_TOKEN: "hf_wrong" }) })
      .catch((x) => x);
    expect(wrong.message).toContain("refused (403) with the token in HF_TOKEN");
    expect(wrong.message).not.toContain("hf_wrong");
    const ok = await pullModel("acme/Gated-GGUF", { env: env({ HF_TOKEN: "hf_granted" }) });
    expect(sha256(readFileSync(ok.path))).toBe(sha256(Q8));
  });

  test("HF_HUB_OFFLINE refuses to download and accepts a cached model", async () => {
    const e = env();
    const error = await pullModel("acme/Tiny-GGUF:Q8_0", { env: { ...e, HF_HUB_OFFLINE: "1" } })
      .catch((x) => x);
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toContain("HF_HUB_OFFLINE is set");
    await pullModel("acme/Tiny-GGUF:Q8_0", { env: e });
    const requests = hub.requests.length;
    const offline = await pullModel("acme/Tiny-GGUF:Q8_0", { env: { ...e, HF_HUB_OFFLINE: "1" } });
    expect(offline.offline).toBe(true);
    expect(hub.requests.length).toBe(requests);
  });

  test("pulls an ONNX model folder with one dtype", async () => {
    const e = env();
    const result = await pullModel("acme/Tiny-ONNX", { env: e });
    expect(result.selection).toMatchObject({ format: "onnx", dtype: "q4" });
    expect(result.downloaded.sort()).toEqual([
      "config.json",
      "onnx/model_q4.onnx",
      "tokenizer.json",
      "tokenizer_config.json",
    ]);
    expect(resolveHfModel("hf:acme/Tiny-ONNX", e)).toMatchObject({ format: "onnx" });
    const fp32 = await pullModel("acme/Tiny-ONNX:fp32", { env: e });
    expect(fp32.downloaded).toEqual(["onnx/model.onnx"]);
  });

  test("an unwritable cache or a full disk gives a clear message", async () => {
    const file = join(root, "not-a-folder");
    writeFileSync(file, "x");
    const error = await pullModel("acme/Tiny-GGUF:Q8_0", {
      env: { HF_ENDPOINT: hub.url, HF_HUB_CACHE: join(file, "hub") },
    }).catch((x) => x);
    expect(error.message).toContain("Cannot write to the Hugging Face cache");
    expect(error.message).toContain("HF_HUB_CACHE");
    const full = Object.assign(new Error("ENOSPC: no space left on device"), { code: "ENOSPC" });
    expect(describeWrite(full, "/c/blobs/x.incomplete", 5e6, 10e6).message).toBe(
      "No space left on the device while writing /c/blobs/x.incomplete (5.0 of 10.0 MB): free some space (or set HF_HUB_CACHE to another disk) and run the same command again to resume",
    );
  });
});
