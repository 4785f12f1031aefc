/**
 * oumi's example configs (the read-only compatibility corpus) and reading what a run wrote.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

/** The corpus folder: oumi's example configs vendored verbatim (Apache-2.0, see its NOTICE.md). */
export const CORPUS = resolve(import.meta.dir, "..", "fixtures", "oumi-configs");

/** Parses a JSON Lines file (blank lines skipped). */
export const readJsonl = (path: string) =>
  readFileSync(path, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
