/**
 * Several `api_url`s serving one model (synth extension of §16.2): requests go round-robin to
 * the healthy endpoints; an endpoint that fails with a connection error or a 5xx/429 is backed
 * off (1 s, doubling to 30 s) and tried again after that; when every endpoint is backed off,
 * the one that recovers first is used (the retry policy decides whether to try at all).
 *
 * @module
 */

const FIRST_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 30_000;

/** One endpoint with its health. `T` is the client object built for it. */
export interface Endpoint<T> {
  readonly url: string;
  readonly client: T;
  /** Clock time (ms, `performance.now()` in production) before which the endpoint is skipped. */
  downUntil: number;
  /** Consecutive failures (0 when healthy). */
  failures: number;
}

/** Round-robin over endpoints with per-endpoint back-off. */
export class EndpointPool<T> {
  readonly endpoints: readonly Endpoint<T>[];
  #next = 0;

  /** @param make builds the client for one URL (called once per URL). */
  constructor(urls: readonly string[], make: (url: string) => T) {
    if (urls.length === 0) throw new Error("Cannot build an endpoint pool: no URLs");
    this.endpoints = urls.map((url) => ({ url, client: make(url), downUntil: 0, failures: 0 }));
  }

  /**
   * The endpoint for the next attempt: round robin over the healthy endpoints, preferring those
   * for which `hasRoom` (the endpoint's adaptive window, see `adaptive.ts`) says yes.
   */
  pick(now = performance.now(), hasRoom?: (endpoint: Endpoint<T>) => boolean): Endpoint<T> {
    const n = this.endpoints.length;
    if (n === 1) return this.endpoints[0];
    for (const roomy of hasRoom ? [true, false] : [false]) {
      for (let k = 0; k < n; k++) {
        const e = this.endpoints[(this.#next + k) % n];
        if (e.downUntil <= now && (!roomy || hasRoom!(e))) {
          this.#next = (this.#next + k + 1) % n;
          return e;
        }
      }
    }
    return this.endpoints.reduce((a, b) => (b.downUntil < a.downUntil ? b : a));
  }

  /** Marks a success: the endpoint is healthy again. */
  succeeded(endpoint: Endpoint<T>): void {
    endpoint.failures = 0;
    endpoint.downUntil = 0;
  }

  /** Marks a server-side failure: backs the endpoint off. */
  failed(endpoint: Endpoint<T>, now = performance.now()): void {
    endpoint.failures++;
    const backoff = Math.min(FIRST_BACKOFF_MS * 2 ** (endpoint.failures - 1), MAX_BACKOFF_MS);
    endpoint.downUntil = now + backoff;
  }
}
