// The package's version, from its package.json (dist/src/ -> ../../package.json).
import { readFileSync } from "node:fs";
import * as path from "node:path";

let version: string | undefined;

export function packageVersion(): string {
  version ??= (JSON.parse(readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8")) as { version: string }).version;
  return version;
}
