/**
 * `GET /metrics` of `synth serve` in Prometheus' text format, with `prom-client` (its own
 * registry per server, no default process metrics): requests by status, requests waiting and
 * generating, prompt tokens evaluated and reused from the prompt cache, completion tokens, and
 * the completion tokens per second over the last 10 s.
 *
 * @module
 */
import { Counter, Gauge, Registry } from "prom-client";
import type { Usage } from "../engines/contract.ts";

/** Seconds over which `synth_serve_completion_tokens_per_second` is averaged. */
const RATE_WINDOW_S = 10;

/** The server's metrics. `now` (ms) is injectable for tests. */
export class ServeMetrics {
  readonly registry = new Registry();
  readonly #requests: Counter<"status">;
  readonly #promptTokens: Counter;
  readonly #cachedTokens: Counter;
  readonly #completionTokens: Counter;
  readonly #recent: { at: number; tokens: number }[] = [];
  readonly #now: () => number;

  /** @param state reads the queue depth and requests generating at scrape time. */
  constructor(state: () => { queued: number; active: number }, now = () => performance.now()) {
    this.#now = now;
    const registers = [this.registry];
    this.#requests = new Counter({
      name: "synth_serve_requests_total",
      help: "Chat completion requests answered, by HTTP status",
      labelNames: ["status"],
      registers,
    });
    new Gauge({
      name: "synth_serve_queue_depth",
      help: "Requests waiting for a free sequence",
      registers,
      collect() {
        this.set(state().queued);
      },
    });
    new Gauge({
      name: "synth_serve_requests_active",
      help: "Requests admitted and generating or waiting",
      registers,
      collect() {
        this.set(state().active);
      },
    });
    this.#promptTokens = new Counter({
      name: "synth_serve_prompt_tokens_total",
      help: "Prompt tokens of answered requests (evaluated + reused)",
      registers,
    });
    this.#cachedTokens = new Counter({
      name: "synth_serve_prompt_tokens_reused_total",
      help: "Prompt tokens reused from the KV cache (not evaluated again)",
      registers,
    });
    this.#completionTokens = new Counter({
      name: "synth_serve_completion_tokens_total",
      help: "Tokens generated",
      registers,
    });
    const rate = () => {
      const since = this.#now() - RATE_WINDOW_S * 1000;
      while (this.#recent.length > 0 && this.#recent[0].at < since) this.#recent.shift();
      return this.#recent.reduce((n, r) => n + r.tokens, 0) / RATE_WINDOW_S;
    };
    new Gauge({
      name: "synth_serve_completion_tokens_per_second",
      help: `Tokens generated per second over the last ${RATE_WINDOW_S} s`,
      registers,
      collect() {
        this.set(rate());
      },
    });
  }

  /** Counts one answered request (`status` as sent) and its usage when it has one. */
  answered(status: number, usage?: Usage): void {
    this.#requests.inc({ status: String(status) });
    if (!usage) return;
    this.#promptTokens.inc(usage.inputTokens);
    this.#cachedTokens.inc(usage.cachedTokens ?? 0);
    this.#completionTokens.inc(usage.outputTokens);
    this.#recent.push({ at: this.#now(), tokens: usage.outputTokens });
  }

  /** The exposition text and its content type. */
  async render(): Promise<Response> {
    return new Response(await this.registry.metrics(), {
      headers: { "Content-Type": this.registry.contentType },
    });
  }
}
