// The dashboard's files, served at / and /_ecslite/ui: the page and its ES modules from ui/ in the
// package, Preact and htm from the package's own dependencies (an import map names them), nothing
// from a CDN. The page reads the public APIs and the event stream like any other client.
import { readFileSync } from "node:fs";
import type * as http from "node:http";
import * as path from "node:path";

/** ui/ at the package's root (dist/src/ -> ../../ui). */
const UI_DIR = path.join(__dirname, "..", "..", "ui");

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
};

/** The browser modules of the dependencies, by the name the import map gives them. */
function vendorFile(name: string): string | undefined {
  if (name === "preact.mjs") return require.resolve("preact");
  if (name === "preact-hooks.mjs") return require.resolve("preact/hooks");
  if (name === "htm.mjs") return path.join(path.dirname(require.resolve("htm")), "htm.mjs");
  return undefined;
}

export interface DashboardSettings {
  readonly defaultAccount: string;
  readonly version: string;
}

export class Dashboard {
  private readonly files = new Map<string, { type: string; body: Buffer }>();

  constructor(private readonly settings: DashboardSettings) {}

  /**
   * Serves the request when it is for the dashboard; false when it is not. `GET /?Action=...` is an
   * ELB Query request, not the page.
   */
  serve(req: http.IncomingMessage, res: http.ServerResponse, url: string): boolean {
    if (req.method !== "GET" && req.method !== "HEAD") return false;
    const [pathname, query = ""] = url.split("?", 2);
    let file: { type: string; body: Buffer } | undefined;
    if ((pathname === "/" && !new URLSearchParams(query).has("Action")) || pathname === "/_ecslite/ui" || pathname === "/_ecslite/ui/") file = this.page();
    else if (pathname.startsWith("/_ecslite/ui/vendor/")) file = this.load(`vendor:${pathname.slice("/_ecslite/ui/vendor/".length)}`);
    else if (pathname.startsWith("/_ecslite/ui/")) file = this.load(pathname.slice("/_ecslite/ui/".length));
    else return false;
    if (!file) {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
      res.end("Not found.\n");
      return true;
    }
    res.writeHead(200, { "content-type": file.type, "content-length": file.body.length, "cache-control": "no-cache", "x-content-type-options": "nosniff" });
    res.end(req.method === "HEAD" ? undefined : file.body);
    return true;
  }

  private page(): { type: string; body: Buffer } | undefined {
    const page = this.load("index.html");
    if (!page) return undefined;
    // The page learns the default account and the version from the server that serves it.
    const settings = JSON.stringify(this.settings).replaceAll("<", "\\u003c");
    return { type: page.type, body: Buffer.from(page.body.toString("utf8").replace("<!--settings-->", `<script type="application/json" id="ecslite-settings">${settings}</script>`)) };
  }

  /** A file of ui/ (only names it has, no paths) or a vendor module, read once. */
  private load(name: string): { type: string; body: Buffer } | undefined {
    const cached = this.files.get(name);
    if (cached) return cached;
    let file: string | undefined;
    if (name.startsWith("vendor:")) file = vendorFile(name.slice("vendor:".length));
    else if (/^[a-z][a-z0-9-]*\.(html|js|css)$/.test(name)) file = path.join(UI_DIR, name);
    if (!file) return undefined;
    let body: Buffer;
    try {
      body = readFileSync(file);
    } catch {
      return undefined;
    }
    const loaded = { type: CONTENT_TYPES[path.extname(file)] ?? "application/octet-stream", body };
    this.files.set(name, loaded);
    return loaded;
  }
}
