/**
 * The durable side of a run (issue 12; DECISIONS 14, 15): the run journal, `--resume`,
 * `--retry-failed`, `--overwrite`, shards and the provenance manifest, seen by `run.ts` as
 * one object that is the pipeline's {@link ResponseHook}, owns the errors file and says which
 * plan indices are left and how to open the output.
 *
 * - A new run (`new`, `overwrite`) touches nothing of an earlier run until it has something
 *   of its own: at its first response, failure or record it creates the journal and removes
 *   the old errors, summary and manifest files; the output file itself is replaced only when
 *   its first record is written (or the run completes).
 * - `resume` reads the journal, refuses a different fingerprint (naming the changed keys),
 *   cuts the output back to the last mark that fits it, continues after it, replays every
 *   journaled response instead of calling the engine, and reports journaled failures again
 *   instead of paying for them once more.
 * - `retry-failed` replays the whole plan from the journal into a temporary file, sends again
 *   only what the failed records lack, and replaces the output (and errors file) with it when
 *   the run completes; an interrupted retry leaves the old files as they were.
 *
 * @module
 */
import {
  closeSync,
  existsSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import type { GenerateRequest, GenerateResult } from "../engines/contract.ts";
import { ConfigError, UsageError } from "../errors.ts";
import { changedKeys, fingerprintOf, type RunIdentity } from "../durable/fingerprint.ts";
import {
  type JournaledResponse,
  type JournalHeader,
  JournalWriter,
  readJournal,
  readJournalGaps,
  requestHash,
  responseKey,
} from "../durable/journal.ts";
import { type RunManifest, type RunStatus, writeManifest } from "../durable/manifest.ts";
import { journalFilePath, manifestFilePath, outputStem } from "../durable/paths.ts";
import { shardRange, type ShardSpec } from "../durable/shard.ts";
import { type ErrorsFileEntry, errorsFilePath, ErrorsFileWriter } from "../outputs/errorsFile.ts";
import type { OrderedJsonlWriterOptions } from "../outputs/jsonlWriter.ts";
import { Rng } from "../plan/rng.ts";
import { KnownFailure, type RecordFailure } from "./failure.ts";
import type { RequestKey, ResponseHook } from "./requests.ts";
import type { RunStats } from "./stats.ts";

/** How a run treats an existing output. */
export type RunMode = "new" | "overwrite" | "resume" | "retry-failed";

/** What {@link DurableRun.open} needs. */
export interface DurableSettings {
  mode: RunMode;
  /** What identifies the run (config, seed, engine, model); see `durable/fingerprint.ts`. */
  identity: RunIdentity;
  /** `num_samples` of this run. */
  numSamples: number;
  shard?: ShardSpec;
  /** synth version for the journal header and manifest. */
  version: string;
  /**
   * Seed from which every request of a local engine gets its own sampler seed, derived from
   * (seed, attribute, record index, request number) (DECISIONS 15). Unset: requests keep the
   * configured seed.
   */
  engineSeed?: number;
}

/** Summary file of an output: `out/x.jsonl` → `out/x.summary.json`. */
function summaryPathOf(outputPath: string): string {
  return `${outputStem(outputPath)}.summary.json`;
}

/**
 * Checks, before anything loads, that `mode` fits what is at `outputPath`.
 *
 * @throws {UsageError} for a new run onto an existing output or journal (naming `--resume`
 *   and `--overwrite`); for `resume` or `retry-failed` when an output exists without a
 *   journal; for `retry-failed` when there is no run at all.
 */
export function checkOutputSlot(outputPath: string, mode: RunMode): void {
  const journal = journalFilePath(outputPath);
  const hasOutput = existsSync(outputPath);
  const hasJournal = existsSync(journal);
  if (mode === "new" && (hasOutput || hasJournal)) {
    throw new UsageError(
      `Cannot write "${outputPath}": ${
        hasOutput ? "the file already exists" : `the journal of an earlier run exists (${journal})`
      }. Continue that run with --resume, or start again with --overwrite ` +
        "(the old file stays until the new run writes its first record)",
    );
  }
  if ((mode === "resume" || mode === "retry-failed") && !hasJournal) {
    if (hasOutput) {
      throw new UsageError(
        `Cannot ${mode === "resume" ? "resume" : "retry"} "${outputPath}": it has no journal ` +
          `(${journal}), so what was paid for is unknown; start again with --overwrite`,
      );
    }
    if (mode === "retry-failed") {
      throw new UsageError(`Cannot retry failed records of "${outputPath}": there is no such run`);
    }
  }
}

/**
 * The header of the journal of `outputPath` (the seed of an unseeded run is read from it
 * before a resume compiles the plan), or undefined when there is no readable journal.
 */
export function readJournalHeader(outputPath: string): JournalHeader | undefined {
  try {
    const text = readFileSync(journalFilePath(outputPath), "utf8");
    const end = text.indexOf("\n");
    return end < 0 ? undefined : JSON.parse(text.slice(0, end)) as JournalHeader;
  } catch {
    return undefined;
  }
}

/** Whether the file at `path` exists and holds at least one whole line. */
function hasCompleteFirstLine(path: string): boolean {
  if (!existsSync(path)) return false;
  const fd = openSync(path, "r");
  try {
    const chunk = Buffer.allocUnsafe(1 << 16);
    for (let position = 0;;) {
      const read = readSync(fd, chunk, 0, chunk.length, position);
      if (read === 0) return false;
      if (chunk.subarray(0, read).includes(10)) return true;
      position += read;
    }
  } finally {
    closeSync(fd);
  }
}

/** Record counts already in the output when a resumed run starts. */
export interface PriorCounts {
  written: number;
  failed: number;
  filtered: number;
}

/** One run's journal, errors file, replay and manifest (see the module comment). */
export class DurableRun implements ResponseHook {
  /** First plan index to run. */
  readonly start: number;
  /** Plan index after the last one to run. */
  readonly end: number;
  /** The file the records go to (a temporary file for `retry-failed`). */
  readonly writePath: string;
  private readonly keepBytes: number | undefined;
  private readonly deferOpen: boolean;
  /** Counts already in the output (resume). */
  readonly prior: PriorCounts;
  /** Responses taken from the journal instead of the engine. */
  replayed = 0;
  /** True once the run has done something of its own (see the module comment). */
  committed = false;
  private journal: JournalWriter | undefined;
  private errors: ErrorsFileWriter | undefined;
  private readonly startedAt = new Date().toISOString();
  private readonly retried = new Set<number>();
  /** Journal offset of the first entry of each record after the last mark. */
  private readonly firstOffset = new Map<number, number>();
  /** Record of the last journaled response (its first offset is in `firstOffset`). */
  private lastJournaled = -1;
  /** Failed records after the last mark. */
  private readonly failedAhead = new Set<number>();
  /** Failed records up to the last mark. */
  private failedThrough = 0;
  /** Index the last mark covers. */
  private lastThrough = -1;
  /** Lines of the output kept from before (resume). */
  private keepLines = 0;
  private readonly seedRoots = new Map<string, Rng>();
  /** First plan index of the run's range (its shard's, or 0). */
  private rangeStart = 0;
  /** The last index the output covered when this run resumed (-1: none). */
  private resumedThrough = -1;
  /** {@link keptIndices}, once read (null: not yet). */
  private kept: number[] | undefined | null = null;
  private readonly engineRoot: Rng | undefined;

  private constructor(
    readonly outputPath: string,
    private readonly settings: DurableSettings,
    private readonly header: JournalHeader,
    range: { start: number; end: number },
    private readonly replay: Map<string, JournaledResponse>,
    /** Failures to report again instead of running the record (resume, after the mark). */
    private readonly knownFailures: Map<number, ErrorsFileEntry>,
    /** `retry-failed`: indices whose failure is retried. */
    private readonly retrySet: Set<number>,
    prior: PriorCounts,
    keepBytes: number | undefined,
    deferOpen: boolean,
  ) {
    this.start = range.start;
    this.end = range.end;
    this.prior = prior;
    this.writePath = settings.mode === "retry-failed" ? `${outputPath}.retry-tmp` : outputPath;
    this.keepBytes = keepBytes;
    this.deferOpen = deferOpen;
    if (settings.engineSeed !== undefined) {
      this.engineRoot = Rng.seeded(settings.engineSeed).fork("engine");
    }
  }

  /** Options for the output writer (first index, bytes kept, deferred open, marks). */
  get writerOptions(): OrderedJsonlWriterOptions {
    return {
      firstIndex: this.start,
      ...(this.keepBytes !== undefined
        ? { keepBytes: this.keepBytes, keepLines: this.keepLines }
        : {}),
      ...(this.deferOpen ? { deferOpen: true } : {}),
      ...(this.settings.mode === "retry-failed"
        ? {}
        : { onWrite: (through, bytes, lines) => this.markOutput(through, bytes, lines) }),
    };
  }

  /** The journal file. */
  get journalPath(): string {
    return journalFilePath(this.outputPath);
  }

  /** The errors file, when this run wrote one (or kept one from before). */
  get errorsPath(): string | undefined {
    return this.errors?.created ? errorsFilePath(this.outputPath) : undefined;
  }

  /**
   * Prepares the run on `outputPath` (after the engine loaded, before the output opens).
   *
   * @throws {ConfigError} when resuming a run whose fingerprint differs (the changed keys are
   *   the issues).
   * @throws {UsageError} when a resume would shrink the run below what is done, or changes the
   *   shard.
   * @throws {InputError} for a damaged journal (file and line).
   */
  static async open(outputPath: string, settings: DurableSettings): Promise<DurableRun> {
    const fingerprint = fingerprintOf(settings.identity);
    const whole = { start: 0, end: settings.numSamples };
    const range = settings.shard ? shardRange(settings.numSamples, settings.shard) : whole;
    const header: JournalHeader = {
      journal: 1,
      synth: settings.version,
      fingerprint,
      seed: settings.identity.seed,
      num_samples: settings.numSamples,
      shard: settings.shard ? [settings.shard.index, settings.shard.count] : null,
      engine: settings.identity.engine,
      model: settings.identity.model,
      config: settings.identity.config,
      ...(settings.identity.inputs ? { inputs: settings.identity.inputs } : {}),
      created: new Date().toISOString(),
    };
    const journalPath = journalFilePath(outputPath);
    // A journal without a complete header line (killed while creating it) holds nothing.
    const continuing = (settings.mode === "resume" || settings.mode === "retry-failed") &&
      hasCompleteFirstLine(journalPath);
    const none = { written: 0, failed: 0, filtered: 0 };
    if (!continuing) {
      return new DurableRun(
        outputPath,
        settings,
        header,
        range,
        new Map(),
        new Map(),
        new Set(),
        none,
        undefined,
        existsSync(outputPath),
      );
    }

    const retrying = settings.mode === "retry-failed";
    const outputBytes = existsSync(outputPath) ? statSync(outputPath).size : 0;
    const journal = await readJournal(journalPath, outputBytes, { loadAll: retrying });
    const before = journal.header;
    if (before.fingerprint !== fingerprint) {
      const keys = changedKeys(
        {
          config: before.config as never,
          seed: before.seed,
          engine: before.engine,
          model: before.model,
          ...(before.inputs ? { inputs: before.inputs } : {}),
        },
        settings.identity,
      );
      throw new ConfigError(
        `Cannot ${retrying ? "retry" : "resume"} "${outputPath}": the run was started with a ` +
          `different config (${keys.length} key${keys.length === 1 ? "" : "s"} changed); ` +
          "change them back, or start again with --overwrite",
        keys.map((path) => ({ path, message: "differs from the interrupted run" })),
      );
    }
    const shardOf = (s: [number, number] | null) => (s ? `--shard ${s[0]}/${s[1]}` : "no --shard");
    if (shardOf(before.shard) !== shardOf(header.shard)) {
      throw new UsageError(
        `Cannot resume "${outputPath}": it was started with ${shardOf(before.shard)}, ` +
          `now ${shardOf(header.shard)}`,
      );
    }
    if (settings.shard && before.num_samples !== settings.numSamples) {
      throw new UsageError(
        `Cannot resume shard "${outputPath}" with num_samples ${settings.numSamples}: ` +
          `the shards were cut from ${before.num_samples} records`,
      );
    }
    const through = journal.mark?.through ?? range.start - 1;
    if (through >= range.end) {
      throw new UsageError(
        `Cannot resume "${outputPath}" with num_samples ${settings.numSamples}: ` +
          `${through + 1} records are already done (a resume can only extend a run)`,
      );
    }
    const keepBytes = journal.mark?.bytes ?? 0;
    if (retrying) {
      const retrySet = new Set<number>();
      for (const index of journal.failures.keys()) {
        if (index >= range.start && index < range.end) retrySet.add(index);
      }
      const run = new DurableRun(
        outputPath,
        settings,
        { ...before },
        range,
        journal.responses,
        new Map(),
        retrySet,
        none,
        undefined,
        false,
      );
      run.journal = JournalWriter.reopen(journalPath, journal.validBytes);
      run.committed = true;
      return run;
    }
    // Resume: counts of what the output already holds (from the mark; older marks: counted).
    const mark = journal.mark;
    let written = mark?.lines ?? 0;
    if (mark && mark.lines === undefined && keepBytes > 0) {
      const bytes = Buffer.from(await Bun.file(outputPath).slice(0, keepBytes).bytes());
      for (let at = bytes.indexOf(10); at >= 0; at = bytes.indexOf(10, at + 1)) written++;
    }
    const known = new Map<number, ErrorsFileEntry>();
    let failedBefore = 0;
    for (const [index, entry] of journal.failures) {
      if (index > through) known.set(index, entry);
      else failedBefore++;
    }
    const failed = mark?.failed ?? failedBefore;
    const prior = {
      written,
      failed,
      filtered: Math.max(0, through + 1 - range.start - written - failed),
    };
    // The errors file keeps the failures up to the mark; later ones are reported again.
    const errorsPath = errorsFilePath(outputPath);
    const keptErrors = existsSync(errorsPath)
      ? readFileSync(errorsPath, "utf8").split("\n").filter((line) => {
        const index = /^\{"index": (\d+)/.exec(line)?.[1];
        return index !== undefined && Number(index) <= through;
      })
      : [];
    const run = new DurableRun(
      outputPath,
      settings,
      { ...before },
      { start: through + 1, end: range.end },
      journal.responses,
      known,
      new Set(),
      prior,
      keepBytes,
      false,
    );
    run.journal = JournalWriter.reopen(journalPath, journal.validBytes);
    run.committed = true;
    run.lastThrough = through;
    run.resumedThrough = through;
    run.rangeStart = range.start;
    run.failedThrough = failed;
    run.keepLines = written;
    run.errors = await ErrorsFileWriter.open(errorsPath);
    if (keptErrors.length > 0) run.errors.writeLines(keptErrors);
    run.writeManifest("running", undefined);
    return run;
  }

  /**
   * The first time this run does something of its own: creates the journal (replacing an
   * earlier run's), removes the earlier run's errors, summary and manifest files, and writes
   * this run's manifest. Idempotent.
   */
  commit(): void {
    if (this.committed) return;
    this.committed = true;
    rmSync(errorsFilePath(this.outputPath), { force: true });
    rmSync(summaryPathOf(this.outputPath), { force: true });
    this.journal = JournalWriter.create(this.journalPath, this.header);
    this.writeManifest("running", undefined);
  }

  /** {@link ResponseHook.lookup}: a journaled response, a journaled failure, or a seed. */
  lookup(key: RequestKey, request: GenerateRequest): GenerateResult | undefined {
    if (this.knownFailures.size > 0) {
      const failure = this.knownFailures.get(key.index);
      if (failure) throw new KnownFailure(failure as RecordFailure);
    }
    if (this.replay.size > 0) {
      const k = responseKey(key.index, key.attribute, key.call);
      const hit = this.replay.get(k);
      if (hit) {
        this.replay.delete(k);
        if (hit.hash === requestHash(request.messages, request.contentHashes)) {
          this.replayed++;
          return hit.result;
        }
      }
    }
    if (this.engineRoot) {
      let root = this.seedRoots.get(key.attribute);
      if (!root) this.seedRoots.set(key.attribute, root = this.engineRoot.fork(key.attribute));
      const seed = root.fork(key.index).fork(key.call).int(0, 0x7fffffff);
      request.generation = { ...request.generation, seed };
    }
    return undefined;
  }

  /** {@link ResponseHook.onResponse}: journals the response. */
  onResponse(key: RequestKey, request: GenerateRequest, result: GenerateResult): void {
    if (!this.committed) this.commit();
    // Consecutive responses of one record skip the map (its first offset is set already).
    if (key.index !== this.lastJournaled) {
      this.lastJournaled = key.index;
      if (!this.firstOffset.has(key.index)) {
        this.firstOffset.set(key.index, this.journal!.writtenBytes);
      }
    }
    this.journal!.response(
      key.index,
      key.attribute,
      key.call,
      requestHash(request.messages, request.contentHashes),
      result,
    );
  }

  /** A record failed: journaled, then written to the errors file. */
  fail(failure: RecordFailure): void {
    if (!this.committed) this.commit();
    const entry = failure as ErrorsFileEntry;
    if (!this.firstOffset.has(entry.index)) {
      this.firstOffset.set(entry.index, this.journal!.writtenBytes);
    }
    if (entry.index > this.lastThrough) this.failedAhead.add(entry.index);
    this.journal!.failed(entry);
    if (!this.errors) {
      const path = errorsFilePath(this.outputPath);
      this.errors = ErrorsFileWriter.openFresh(
        this.settings.mode === "retry-failed" ? `${path}.retry-tmp` : path,
      );
    }
    this.errors.write(entry);
  }

  /** The output now covers records up to `through` in `bytes` bytes and `lines` lines. */
  private markOutput(through: number, bytes: number, lines: number): void {
    const journal = this.journal;
    if (!journal) return;
    let tail = journal.writtenBytes;
    for (const [index, offset] of this.firstOffset) {
      if (index <= through) this.firstOffset.delete(index);
      else if (offset < tail) tail = offset;
    }
    for (const index of this.failedAhead) {
      if (index <= through) {
        this.failedAhead.delete(index);
        this.failedThrough++;
      }
    }
    this.lastThrough = through;
    journal.mark({ through, bytes, lines, failed: this.failedThrough, tail });
  }

  /**
   * A record is finished (`null`: failed or filtered) and handed to the writer. A record left
   * out without failing is journaled, so a resume knows the plan index of every kept line.
   */
  put(index: number, record: Record<string, unknown> | null): void {
    if (!this.committed) this.commit();
    if (record && this.retrySet.has(index)) this.retried.add(index);
    if (record === null && !this.failedAhead.has(index)) this.journal!.skipped(index);
  }

  /**
   * Plan indices of the lines a resumed run kept from before, in plan order (empty for other
   * modes), read from the journal once; undefined when the journal does not say which records
   * have no line (written by an older synth, before records left out were journaled).
   *
   * @throws {InputError} for a damaged journal line.
   */
  keptIndices(): number[] | undefined {
    if (this.kept !== null) return this.kept;
    if (this.settings.mode !== "resume" || this.resumedThrough < this.rangeStart) {
      return this.kept = [];
    }
    const gaps = readJournalGaps(this.journalPath, this.rangeStart, this.resumedThrough);
    const kept: number[] = [];
    for (let i = this.rangeStart; i <= this.resumedThrough; i++) if (!gaps.has(i)) kept.push(i);
    return this.kept = kept.length === this.prior.written ? kept : undefined;
  }

  /**
   * Ends the run: closes the journal and errors file; for a completed `retry-failed`, moves
   * the new output and errors file over the old ones and voids the retried failures in the
   * journal (an interrupted retry removes its temporary files); writes the manifest.
   */
  async finish(status: RunStatus, stats: RunStats): Promise<void> {
    await this.errors?.close();
    if (this.settings.mode === "retry-failed") {
      const errorsTmp = `${errorsFilePath(this.outputPath)}.retry-tmp`;
      if (status === "complete") {
        renameSync(this.writePath, this.outputPath);
        if (existsSync(errorsTmp)) renameSync(errorsTmp, errorsFilePath(this.outputPath));
        else rmSync(errorsFilePath(this.outputPath), { force: true });
        for (const index of this.retried) this.journal!.retried(index);
        this.journal!.mark({
          through: this.end - 1,
          bytes: statSync(this.outputPath).size,
          lines: stats.written,
          failed: stats.failed,
          tail: this.journal!.writtenBytes,
        });
      } else {
        rmSync(this.writePath, { force: true });
        rmSync(errorsTmp, { force: true });
      }
    }
    await this.journal?.close();
    const keptOld = this.settings.mode === "retry-failed" && status !== "complete";
    if (this.committed && !keptOld) this.writeManifest(status, stats);
  }

  private writeManifest(status: RunStatus, stats: RunStats | undefined): void {
    const shard = this.settings.shard;
    const range = shard ? shardRange(this.settings.numSamples, shard) : undefined;
    const manifest: RunManifest = {
      synth_version: this.settings.version,
      output_path: this.outputPath,
      status,
      fingerprint: this.header.fingerprint,
      seed: this.header.seed,
      engine: this.header.engine,
      model: this.header.model,
      num_samples: this.settings.numSamples,
      shard: shard && range ? { index: shard.index, count: shard.count, ...range } : null,
      started_at: this.startedAt,
      finished_at: status === "running" ? null : new Date().toISOString(),
      counts: {
        planned: stats?.planned ?? 0,
        written: stats?.written ?? this.prior.written,
        failed: stats?.failed ?? this.prior.failed,
        filtered: stats?.filtered ?? this.prior.filtered,
      },
      journal: this.journalPath,
      ...(this.header.inputs ? { inputs: this.header.inputs } : {}),
      config: this.header.config,
    };
    writeManifest(manifestFilePath(this.outputPath), manifest);
  }
}
