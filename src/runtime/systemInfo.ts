/**
 * What `synth info` reports about this executable and machine: build variant and the llama.cpp
 * backends embedded (from the runtime manifest; from source, the `@node-llama-cpp/*` packages
 * installed), the GPUs (`nvidia-smi` when present, and what llama.cpp finds), CPU threads, and
 * which llama.cpp backend a run with `gpu: auto` would use. Loading llama.cpp is the only heavy
 * step (about a second).
 *
 * @module
 */
import { availableParallelism, cpus } from "node:os";
import { embeddedRuntimeManifest } from "./embeddedRuntime.ts";
import { loadNodeLlamaCpp, setNodeLlamaCppLogSink } from "./loadNodeLlamaCpp.ts";

/** One GPU. */
export interface GpuInfo {
  name: string;
  /** Total memory in bytes, when known. */
  vramBytes?: number;
  /** Where it was seen: `nvidia-smi` or `llama.cpp`. */
  source: string;
}

/** The report. */
export interface SystemInfo {
  /** `cpu`, `cuda`, `vulkan`, or `source` when running `bun main.ts`. */
  variant: string;
  /** llama.cpp backends this executable can load (`cpu`, `cuda`, `vulkan`, ...). */
  backends: string[];
  gpus: GpuInfo[];
  /** The backend `gpu: auto` picks here (`cpu` when no GPU is usable), or `undefined` when
   *  llama.cpp failed to load (see `runtimeError`). */
  runtime?: string;
  /** Layers `gpu: auto` would offload: "as many as fit" on a GPU, 0 on the CPU. */
  offload?: string;
  runtimeError?: string;
  cpu: { model: string; threads: number; defaultThreads: number };
}

/** `@node-llama-cpp/linux-x64-cuda` -> `cuda`; the plain platform package -> `cpu`. */
export function backendOf(pkg: string): string {
  const m = pkg.match(/-(cuda|vulkan|metal)(-ext)?$/);
  return m ? (m[2] ? `${m[1]}${m[2]}` : m[1]) : "cpu";
}

/**
 * Collects the report.
 *
 * @param options.probeLlama load llama.cpp to see which backend a run would use. @default true
 */
export async function systemInfo(options: { probeLlama?: boolean } = {}): Promise<SystemInfo> {
  const manifest = await embeddedRuntimeManifest();
  const packages = manifest?.packages ?? installedPackages();
  const backends = [...new Set(packages.map(backendOf))];
  const gpus = nvidiaSmi();
  const threads = availableParallelism();
  const info: SystemInfo = {
    variant: manifest ? manifest.variant ?? "cpu" : "source",
    backends,
    gpus,
    cpu: {
      model: cpus()[0]?.model?.trim() || "unknown",
      threads,
      defaultThreads: Math.max(1, threads - 1),
    },
  };
  if (options.probeLlama === false) return info;
  const previous = setNodeLlamaCppLogSink(undefined);
  try {
    const nlc = await loadNodeLlamaCpp();
    const llama = await nlc.getLlama({
      build: "never",
      gpu: "auto",
      skipDownload: true,
      progressLogs: false,
      logLevel: nlc.LlamaLogLevel.error,
      logger: () => {},
    });
    try {
      info.runtime = llama.gpu === false ? "cpu" : llama.gpu;
      info.offload = llama.gpu === false ? "0 layers (CPU)" : "as many layers as fit in VRAM";
      if (llama.gpu !== false) {
        const names = await llama.getGpuDeviceNames();
        const vram = await llama.getVramState();
        for (const name of names) {
          if (!gpus.some((g) => g.name === name)) {
            gpus.push({
              name,
              ...(names.length === 1 ? { vramBytes: vram.total } : {}),
              source: "llama.cpp",
            });
          }
        }
      }
    } finally {
      await llama.dispose();
    }
  } catch (error) {
    info.runtimeError = (error as Error)?.message ?? String(error);
  } finally {
    setNodeLlamaCppLogSink(previous);
  }
  return info;
}

function installedPackages(): string[] {
  const out: string[] = [];
  for (
    const name of [
      "linux-x64",
      "linux-x64-cuda",
      "linux-x64-vulkan",
      "linux-arm64",
      "mac-arm64-metal",
      "mac-x64",
      "win-x64",
      "win-x64-cuda",
      "win-x64-vulkan",
    ]
  ) {
    try {
      Bun.resolveSync(`@node-llama-cpp/${name}/package.json`, import.meta.dir);
      out.push(`@node-llama-cpp/${name}`);
    } catch {
      // Not installed.
    }
  }
  return out;
}

/** GPUs from `nvidia-smi` (empty when it is absent or fails). */
function nvidiaSmi(): GpuInfo[] {
  try {
    const proc = Bun.spawnSync({
      cmd: ["nvidia-smi", "--query-gpu=name,memory.total", "--format=csv,noheader,nounits"],
      stdout: "pipe",
      stderr: "pipe",
    });
    if (proc.exitCode !== 0) return [];
    return proc.stdout.toString().trim().split("\n").filter(Boolean).map((line) => {
      const [name, mib] = line.split(",").map((s) => s.trim());
      const n = Number(mib);
      return {
        name,
        ...(Number.isFinite(n) ? { vramBytes: n * 1024 * 1024 } : {}),
        source: "nvidia-smi",
      };
    });
  } catch {
    return [];
  }
}
