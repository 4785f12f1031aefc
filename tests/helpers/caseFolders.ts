/**
 * Fresh folders for test cases, each holding the files a case writes (subfolders made as
 * needed), under one root the test file removes afterwards.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Returns `folder(files)`: makes `<root>/<prefix><n>` (n counting from 0 per call of
 * `caseFolders`), writes each `name -> content` of `files` into it and returns its path.
 */
export function caseFolders(
  root: string,
  prefix: string,
): (files: Record<string, string | Uint8Array>) => string {
  let n = 0;
  return (files) => {
    const cwd = join(root, `${prefix}${n++}`);
    mkdirSync(cwd, { recursive: true });
    for (const [name, data] of Object.entries(files)) {
      mkdirSync(join(cwd, name, ".."), { recursive: true });
      writeFileSync(join(cwd, name), data);
    }
    return cwd;
  };
}
