/**
 * The download display of `synth models pull` (injected clock): plain lines when stderr is not a
 * terminal, with sizes, the resume point and MB/s; a cli-progress bar with MB/s and ETA on a TTY.
 */
import { expect, test } from "bun:test";
import { formatBytes, pullProgress } from "../../src/cli/modelsCommand.ts";

const event = (bytes: number, startedAt = 0) => ({
  file: "m-Q4_K_M.gguf",
  index: 1,
  count: 1,
  bytes,
  total: 20e6,
  startedAt,
});

test("plain lines: start (with the resume point) and end with MB/s", () => {
  let text = "";
  let now = 0;
  const display = pullProgress({ write: (s: string) => void (text += s), isTTY: false }, () => now);
  display.update(event(5e6, 4e6));
  now = 2000;
  display.update(event(20e6, 4e6));
  display.stop();
  expect(text).toBe(
    "Downloading m-Q4_K_M.gguf (20.0 MB, resuming at 4.0 MB)\n" +
      "Downloaded m-Q4_K_M.gguf: 20.0 MB at 8.0 MB/s\n",
  );
});

test("a terminal gets a bar with MB done, MB/s and ETA", () => {
  let text = "";
  let now = 0;
  const sink = {
    write: (s: string) => void (text += s),
    isTTY: true,
    columns: 120,
    cursorTo: () => true,
    clearLine: () => true,
    moveCursor: () => true,
    on: () => sink,
    removeListener: () => sink,
  };
  const display = pullProgress(sink as never, () => now);
  display.update(event(0));
  now = 1000;
  display.update(event(5e6));
  display.stop();
  expect(text).toContain("m-Q4_K_M.gguf");
  expect(text).toMatch(/\d+\.\d\/20\.0 MB \| \d+\.\d MB\/s \| ETA \w+/);
});

test("formatBytes", () => {
  expect(formatBytes(512)).toBe("512 B");
  expect(formatBytes(1_500_000)).toBe("1.5 MB");
  expect(formatBytes(4_680_000_000)).toBe("4.68 GB");
});
