/**
 * A loopback Hugging Face Hub (Bun.serve on 127.0.0.1) that answers the requests
 * `@huggingface/hub` makes for a download (read from its source, 2.17.5):
 * - `GET /api/models/<repo>/revision/<rev>?expand=...` model info with `sha`;
 * - `GET /api/models/<repo>/tree/<rev>?recursive=true&expand=false` file listing with `oid`,
 *   `size` and `lfs: {oid, size, pointerSize}`;
 * - `GET /<repo>/resolve/<rev>/<path>`: small files directly (ETag = git oid), LFS files with a
 *   302 to `/cdn/<sha256>` carrying `X-Linked-Etag`, `X-Linked-Size`, `X-Repo-Commit`;
 * - `Range: bytes=a-b` answered with 206 and `Content-Range`.
 * Faults: a gated repo answers 401 without `Authorization` (403 with a wrong token), an unknown
 * repo answers 401 `RepoNotFound` (as the real Hub does), `corrupt` files serve other bytes than
 * their id, `dropOnce` files close the connection half-way through the first full transfer.
 */
import { createHash } from "node:crypto";

/** A repository the fake Hub serves. */
export interface FakeRepo {
  files: Record<string, Uint8Array | string>;
  /** Bearer token that may read it; others get 401/403. */
  gatedToken?: string;
  /** Files whose served bytes differ from their id. */
  corrupt?: string[];
  /** Files whose first full transfer is cut half-way. */
  dropOnce?: string[];
  /** Commit id. @default 40 hex digits derived from the repo name */
  sha?: string;
}

/** One request the fake Hub received. */
export interface HubRequest {
  method: string;
  path: string;
  range: string | null;
  authorization: string | null;
}

const LFS_MIN = 1024;

function bytesOf(content: Uint8Array | string): Uint8Array {
  return typeof content === "string" ? new TextEncoder().encode(content) : content;
}

/** sha256 hex of `data`. */
export function sha256(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

function gitOid(data: Uint8Array): string {
  return createHash("sha1").update(`blob ${data.byteLength}\0`).update(data).digest("hex");
}

/** Starts the fake Hub; `stop()` closes it. */
export function startFakeHub(repos: Record<string, FakeRepo>) {
  const requests: HubRequest[] = [];
  const dropped = new Set<string>();
  const shaOf = (repo: string) => repos[repo].sha ?? createHash("sha1").update(repo).digest("hex");

  const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
    new Response(JSON.stringify(body), {
      status,
      headers: { "content-type": "application/json", ...headers },
    });

  const notFound = () =>
    json({ error: "Repository not found" }, 401, { "x-error-code": "RepoNotFound" });

  const denied = (repo: string, auth: string | null) => {
    const r = repos[repo];
    if (!r.gatedToken || auth === `Bearer ${r.gatedToken}`) return undefined;
    return json(
      { error: `Access to model ${repo} is restricted. You must have access to it.` },
      auth ? 403 : 401,
      { "x-error-code": "GatedRepo" },
    );
  };

  /** Serves `data` (honouring Range), possibly corrupt or cut. */
  const serve = (
    req: Request,
    repo: string,
    path: string,
    data: Uint8Array,
    etag: string,
  ) => {
    const r = repos[repo];
    let body = data;
    if (r.corrupt?.includes(path)) {
      body = data.slice();
      body[body.length >> 1] ^= 0xff;
    }
    const headers: Record<string, string> = {
      etag: `"${etag}"`,
      "accept-ranges": "bytes",
      "x-repo-commit": shaOf(repo),
      "content-type": "application/octet-stream",
    };
    const range = req.headers.get("range");
    let start = 0;
    let end = body.byteLength - 1;
    let status = 200;
    if (range) {
      const m = range.match(/^bytes=(\d+)-(\d*)$/);
      if (m) {
        start = Number(m[1]);
        end = m[2] ? Math.min(Number(m[2]), end) : end;
        status = 206;
        headers["content-range"] = `bytes ${start}-${end}/${body.byteLength}`;
      }
    }
    const part = body.subarray(start, end + 1);
    const isProbe = range === "bytes=0-0";
    const key = `${repo}/${path}`;
    if (!isProbe && r.dropOnce?.includes(path) && !dropped.has(key) && part.byteLength > 2) {
      dropped.add(key);
      const half = part.subarray(0, part.byteLength >> 1);
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(half);
          setTimeout(() => controller.error(new Error("fake hub: connection dropped")), 10);
        },
      });
      return new Response(stream, {
        status,
        headers: { ...headers, "content-length": String(part.byteLength) },
      });
    }
    return new Response(part, { status, headers });
  };

  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    error: () => new Response("fake hub error", { status: 500 }),
    fetch(req) {
      const url = new URL(req.url);
      const auth = req.headers.get("authorization");
      requests.push({
        method: req.method,
        path: url.pathname + url.search,
        range: req.headers.get("range"),
        authorization: auth,
      });
      const info = url.pathname.match(/^\/api\/models\/([^/]+\/[^/]+)\/revision\/([^/]+)$/);
      if (info) {
        const repo = info[1];
        if (!repos[repo]) return notFound();
        return json({
          _id: `id-${repo}`,
          id: repo,
          sha: shaOf(repo),
          private: false,
          gated: repos[repo].gatedToken ? "manual" : false,
          downloads: 0,
          likes: 0,
          lastModified: "2026-01-01T00:00:00.000Z",
          pipeline_tag: "text-generation",
        });
      }
      const tree = url.pathname.match(/^\/api\/models\/([^/]+\/[^/]+)\/tree\/([^/]+)$/);
      if (tree) {
        const repo = tree[1];
        if (!repos[repo]) return notFound();
        if (tree[2] !== shaOf(repo) && tree[2] !== "main") {
          return json({ error: "Invalid rev id" }, 404, { "x-error-code": "RevisionNotFound" });
        }
        const entries = Object.entries(repos[repo].files).map(([path, content]) => {
          const data = bytesOf(content);
          const lfs = data.byteLength >= LFS_MIN;
          return {
            type: "file",
            path,
            size: data.byteLength,
            oid: gitOid(lfs ? new TextEncoder().encode(`pointer ${sha256(data)}`) : data),
            ...(lfs ? { lfs: { oid: sha256(data), size: data.byteLength, pointerSize: 134 } } : {}),
          };
        });
        return json(entries);
      }
      const resolve = url.pathname.match(/^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/);
      if (resolve) {
        const repo = resolve[1];
        const path = decodeURIComponent(resolve[3]);
        if (!repos[repo]) return notFound();
        const refused = denied(repo, auth);
        if (refused) return refused;
        const content = repos[repo].files[path];
        if (content === undefined) {
          return json({ error: "Entry not found" }, 404, { "x-error-code": "EntryNotFound" });
        }
        const data = bytesOf(content);
        if (data.byteLength >= LFS_MIN) {
          const oid = sha256(data);
          return new Response(null, {
            status: 302,
            headers: {
              location: `/cdn/${oid}?repo=${encodeURIComponent(repo)}&path=${
                encodeURIComponent(path)
              }`,
              "x-linked-etag": `"${oid}"`,
              "x-linked-size": String(data.byteLength),
              "x-repo-commit": shaOf(repo),
            },
          });
        }
        return serve(req, repo, path, data, gitOid(data));
      }
      const cdn = url.pathname.match(/^\/cdn\/([0-9a-f]{64})$/);
      if (cdn) {
        const repo = url.searchParams.get("repo") ?? "";
        const path = url.searchParams.get("path") ?? "";
        const content = repos[repo]?.files[path];
        if (content === undefined || sha256(bytesOf(content)) !== cdn[1]) {
          return new Response("no such blob", { status: 404 });
        }
        return serve(req, repo, path, bytesOf(content), cdn[1]);
      }
      return json({ error: `fake hub: no route for ${url.pathname}` }, 404);
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    requests,
    stop: () => server.stop(true),
  };
}
