/**
 * The HTTP-side runtime every remote adapter shares (spec §17): per attempt, a
 * politeness slot (§17.1) out of `num_workers`, or under adaptive concurrency out of the sum of
 * the endpoints' AIMD windows (`adaptive.ts`, replacing §17.2's controller), then the rate limiter (§17.4; checked after the slot,
 * unlike oumi, so the window counts real send times), then an endpoint, then the adapter's call; outcomes feed the adaptive controller and endpoint health, failures are classified into
 * `EngineError`s. It does not retry: the pipeline retries through `engines/retry.ts` (§17.3),
 * and each retry passes through here again, so a retry never holds a slot while it waits.
 *
 * @module
 */
import { type Clock, realClock } from "../../clock.ts";
import { EngineError } from "../../errors.ts";
import type { Usage } from "../contract.ts";
import { AimdController } from "./adaptive.ts";
import { abortError, classifyError, unreachableError, unreachableReason } from "./classify.ts";
import { type Endpoint, EndpointPool } from "./endpoints.ts";
import { RateLimiter } from "./rateLimiter.ts";
import { Redactor } from "./secrets.ts";
import type { RemoteSettings } from "./settings.ts";
import { Slots } from "./slots.ts";

/** What an adapter's call returns: its value and the usage to count against token limits. */
export interface CallResult<T> {
  value: T;
  usage?: Usage;
}

/** Shared runtime of one engine instance. `C` is the SDK client type. */
export class RemoteRuntime<C> {
  readonly settings: RemoteSettings;
  readonly redactor = new Redactor();
  readonly slots: Slots;
  readonly limiter?: RateLimiter;
  readonly endpoints: EndpointPool<C>;
  readonly #clock: Clock;
  /** URLs that have answered at least once (any HTTP response): see {@link RemoteRuntime.call}. */
  readonly #answered = new Set<string>();
  /** URLs that refused or did not resolve before they ever answered. */
  readonly #unreachable = new Set<string>();
  /** One AIMD window per endpoint when `use_adaptive_concurrency` is on. */
  readonly #windows?: Map<Endpoint<C>, AimdController>;

  /**
   * @param makeClient builds the SDK client for one endpoint URL.
   * @param windowMs rate-limit window (tests and benchmarks may shorten it). Default 60 000.
   * @param clock time source of the slots, limiter and endpoint back-off. Default
   *   {@link realClock}.
   */
  constructor(
    settings: RemoteSettings,
    makeClient: (url: string) => C,
    windowMs?: number,
    clock: Clock = realClock,
  ) {
    this.settings = settings;
    this.#clock = clock;
    this.redactor.add(settings.apiKey);
    this.slots = new Slots(settings.numWorkers, settings.politeness, clock);
    const limits = {
      requestsPerMinute: settings.requestsPerMinute,
      inputTokensPerMinute: settings.inputTokensPerMinute,
      outputTokensPerMinute: settings.outputTokensPerMinute,
      windowMs,
    };
    if (RateLimiter.needed(limits)) this.limiter = new RateLimiter(limits, clock);
    this.endpoints = new EndpointPool(settings.urls, makeClient);
    if (settings.adaptive) {
      this.#windows = new Map(
        this.endpoints.endpoints.map((e) => [e, new AimdController(settings.numWorkers)]),
      );
    }
  }

  /** The adaptive window of each endpoint (empty when adaptive concurrency is off). */
  get windows(): ReadonlyMap<Endpoint<C>, AimdController> {
    return this.#windows ?? new Map();
  }

  /** Ends a request on an endpoint's window and resizes the slots to the windows' sum. */
  #finish(window: AimdController | undefined, stamp: number, outcome: boolean | undefined): void {
    if (!window) return;
    window.finish(stamp, outcome, this.slots.waiting > 0);
    let total = 0;
    for (const w of this.#windows!.values()) total += w.capacity;
    this.slots.resize(Math.min(this.settings.numWorkers, total));
  }

  /**
   * Runs one attempt of a request.
   *
   * @throws {EngineError} classified (retryable / fatal / record-only), message redacted; a
   *   connection refused or DNS failure is fatal (the run stops at once naming the URL) when it
   *   comes from an endpoint that never answered and every endpoint has failed that way; later
   *   in the run, or while another endpoint is left to try, it is retryable.
   * @throws an `AbortError` when `signal` aborts.
   */
  async call<T>(
    signal: AbortSignal | undefined,
    attempt: (endpoint: Endpoint<C>) => Promise<CallResult<T>>,
  ): Promise<T> {
    try {
      const ticket = await this.slots.acquire(signal);
      let entry;
      try {
        // The limiter is checked last, right before sending, so that time spent waiting for a
        // slot cannot bunch counted requests together (the window sees real send times).
        entry = await this.limiter?.reserve(signal);
      } catch (error) {
        this.slots.release(ticket);
        throw error;
      }
      const windows = this.#windows;
      const endpoint = this.endpoints.pick(
        this.#clock.now(),
        windows && ((e) => windows.get(e)!.hasRoom),
      );
      const window = windows?.get(endpoint);
      const stamp = window?.start() ?? 0;
      try {
        const result = await attempt(endpoint);
        this.#answered.add(endpoint.url);
        if (entry) this.limiter!.complete(entry, result.usage);
        this.endpoints.succeeded(endpoint);
        this.#finish(window, stamp, true);
        this.slots.release(ticket);
        return result.value;
      } catch (error) {
        const unreachable = this.#answered.has(endpoint.url) ? undefined : unreachableReason(error);
        if (unreachable) this.#unreachable.add(endpoint.url);
        // Fatal once every endpoint failed this way without ever answering (one URL: at once);
        // with another endpoint left, this one is backed off like any failing endpoint.
        if (unreachable && this.endpoints.endpoints.every((e) => this.#unreachable.has(e.url))) {
          this.#finish(window, stamp, undefined);
          this.slots.release(ticket);
          throw unreachableError(unreachable, {
            engine: this.settings.engine,
            url: this.redactor.redact(endpoint.url),
          });
        }
        const classified = classifyError(error, {
          engine: this.settings.engine,
          url: endpoint.url,
          keySource: this.settings.keySource,
          timeoutMs: this.settings.timeoutMs,
          redactor: this.redactor,
        });
        if (classified instanceof EngineError && classified.status !== undefined) {
          this.#answered.add(endpoint.url);
        }
        const serverSide = classified instanceof EngineError && classified.retryable;
        if (serverSide) this.endpoints.failed(endpoint, this.#clock.now());
        this.#finish(window, stamp, serverSide ? false : undefined);
        this.slots.release(ticket);
        throw classified;
      }
    } catch (error) {
      if (signal?.aborted) throw abortError(signal.reason);
      throw error;
    }
  }
}
