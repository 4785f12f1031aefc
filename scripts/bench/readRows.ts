/**
 * Dataset reading at scale (issue 3): 1,000,000 rows as JSONL, CSV and Parquet (snappy, row
 * groups of 100k), each read by synth's reader (`readDatasetFile`, into a column-wise
 * `RowTable`; 1% of the rows then built as objects) in a fresh process that reports rows/s and its
 * peak RSS; the target is peak RSS <= 3x the file size. Then every row is built once as an object
 * (`table.get(i)`), reported apart (rows/s, and the peak after it). For reference, the
 * same process also measures a naive whole-file read (`readFile` + split + `JSON.parse`,
 * `Papa.parse` of the whole string with `header: true`, `parquetReadObjects` on the whole file).
 *
 * Usage: `bun scripts/bench/readRows.ts [--rows 1000000] [--dir /tmp/synth-bench-rows]`.
 * Prints JSON. The files are generated on first use (seeded, ~350 bytes per JSONL row; text
 * ASCII but for 1% of rows holding accents, CJK and symbols, like typical English instruction
 * data).
 *
 * @module
 */
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  writeSync,
} from "node:fs";
import { join, resolve } from "node:path";

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};

const ROOT = resolve(import.meta.dir, "..", "..");

/**
 * VmHWM (peak resident set of this program); getrusage's maxRSS would include the parent's
 * peak, which Linux carries across exec.
 */
function vmHwm(): number {
  const hwm = readFileSync("/proc/self/status", "utf8").match(/VmHWM:\s+(\d+) kB/);
  return hwm ? Number(hwm[1]) * 1024 : process.resourceUsage().maxRSS * 1024;
}

async function child(mode: string, file: string) {
  const started = performance.now();
  let rows = 0;
  let peakRead: number | undefined;
  let readSeconds: number | undefined;
  let getAll: { seconds: number; peakRss: number } | undefined;
  if (mode === "synth") {
    const { readDatasetFile } = await import("../../src/inputs/datasets/source.ts");
    const table = await readDatasetFile(file);
    // The reader stores rows by column (every value decoded and stored); build 1% of the rows
    // as objects too, checking each has all 5 fields: the peak and rows/s are measured here.
    for (let i = 0; i < table.length; i += 100) {
      if (Object.keys(table.get(i)).length !== 5) throw new Error(`row ${i} lacks fields`);
    }
    rows = table.length;
    readSeconds = (performance.now() - started) / 1000;
    peakRead = vmHwm();
    // Then every row built once (what a 1,000,000-record plan does), timed apart; the peak after
    // it is reported apart too (garbage strings the collector lets pile up, nothing kept).
    const from = performance.now();
    let fields = 0;
    for (let i = 0; i < table.length; i++) fields += Object.keys(table.get(i)).length;
    if (fields !== 5 * rows) throw new Error("rows lack fields");
    getAll = { seconds: (performance.now() - from) / 1000, peakRss: vmHwm() };
  } else if (file.endsWith(".jsonl")) {
    rows = readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l)).length;
  } else if (file.endsWith(".csv")) {
    const Papa = (await import("papaparse")).default;
    rows =
      Papa.parse(readFileSync(file, "utf8"), { header: true, skipEmptyLines: true }).data.length;
  } else {
    const { parquetReadObjects } = await import("hyparquet");
    const { compressors } = await import("hyparquet-compressors");
    const buf = readFileSync(file);
    const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
    rows = (await parquetReadObjects({ file: ab, compressors })).length;
  }
  const seconds = readSeconds ?? (performance.now() - started) / 1000;
  const peakRss = peakRead ?? vmHwm();
  console.log(JSON.stringify({ rows, seconds, peakRss, getAll }));
}

function makeRows() {
  let seed = 7;
  const rand = () => { // mulberry32
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const words = Array.from(
    { length: 5000 },
    (_, i) => `w${(i * 2654435761 >>> 0).toString(36).slice(0, 3 + (i % 6))}`,
  );
  const sentence = (n: number) =>
    Array.from({ length: n }, () => words[Math.floor(5000 * rand() ** 2)]).join(" ");
  return (i: number) => ({
    id: i,
    instruction: sentence(8 + Math.floor(rand() * 6)) + "?",
    // Mostly ASCII text, 1% of rows with other characters (accents, CJK, a symbol).
    response: sentence(20 + Math.floor(rand() * 15)) + (i % 100 === 0 ? ". Ünï 日本語 ✓" : "."),
    score: Math.round(rand() * 10000) / 100,
    tag: ["qa", "chat", "code", "math"][i % 4],
  });
}

async function generate(dir: string, count: number) {
  mkdirSync(dir, { recursive: true });
  const files = {
    jsonl: join(dir, "rows.jsonl"),
    csv: join(dir, "rows.csv"),
    parquet: join(dir, "rows.parquet"),
  };
  if (Object.values(files).every((f) => existsSync(f))) return files;
  const row = makeRows();
  const jsonl = openSync(files.jsonl, "w");
  const csv = openSync(files.csv, "w");
  writeSync(csv, "id,instruction,response,score,tag\n");
  const columns = {
    id: [] as number[],
    instruction: [] as string[],
    response: [] as string[],
    score: [] as number[],
    tag: [] as string[],
  };
  let jl = "";
  let cv = "";
  for (let i = 0; i < count; i++) {
    const r = row(i);
    jl += JSON.stringify(r) + "\n";
    cv += `${r.id},"${r.instruction}","${r.response}",${r.score},${r.tag}\n`;
    for (const k of Object.keys(columns) as (keyof typeof columns)[]) {
      (columns[k] as unknown[]).push(r[k]);
    }
    if (jl.length > 1 << 22) {
      writeSync(jsonl, jl);
      writeSync(csv, cv);
      jl = cv = "";
    }
  }
  writeSync(jsonl, jl);
  writeSync(csv, cv);
  closeSync(jsonl);
  closeSync(csv);
  const { parquetWriteFile } = await import("hyparquet-writer");
  parquetWriteFile({
    filename: files.parquet,
    rowGroupSize: 100_000,
    columnData: [
      { name: "id", data: columns.id.map((n) => BigInt(n)), type: "INT64" as const },
      { name: "instruction", data: columns.instruction, type: "STRING" as const },
      { name: "response", data: columns.response, type: "STRING" as const },
      { name: "score", data: columns.score, type: "DOUBLE" as const },
      { name: "tag", data: columns.tag, type: "STRING" as const },
    ],
  });
  return files;
}

if (process.argv[2] === "--child") {
  await child(process.argv[3], process.argv[4]);
} else {
  const count = Number(arg("rows", "1000000"));
  const files = await generate(arg("dir", "/tmp/synth-bench-rows"), count);
  const results: Record<string, unknown> = {};
  for (const [format, file] of Object.entries(files)) {
    const size = statSync(file).size;
    const measure = (mode: string) => {
      const proc = Bun.spawnSync({
        cmd: [process.execPath, import.meta.path, "--child", mode, file],
        cwd: ROOT,
        stdout: "pipe",
        stderr: "pipe",
      });
      if (proc.exitCode !== 0) return { error: proc.stderr.toString().slice(-500) };
      const r = JSON.parse(proc.stdout.toString()) as {
        rows: number;
        seconds: number;
        peakRss: number;
        getAll?: { seconds: number; peakRss: number };
      };
      return {
        rows: r.rows,
        rows_per_s: Math.round(r.rows / r.seconds),
        peak_rss_mb: +(r.peakRss / 1e6).toFixed(0),
        rss_over_file: +(r.peakRss / size).toFixed(2),
        ...(r.getAll
          ? {
            get_all_rows_per_s: Math.round(r.rows / r.getAll.seconds),
            peak_after_get_all_over_file: +(r.getAll.peakRss / size).toFixed(2),
          }
          : {}),
      };
    };
    results[format] = {
      file_mb: +(size / 1e6).toFixed(0),
      synth: measure("synth"),
      naive: measure("naive"),
    };
  }
  console.log(JSON.stringify({ rows: count, results }, null, 2));
}
