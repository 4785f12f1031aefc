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
import { EngineError } from "../../errors.ts";
import type { Usage } from "../contract.ts";
import { AimdController } from "./adaptive.ts";
import { abortError, classifyError } from "./classify.ts";
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
  /** One AIMD window per endpoint when `use_adaptive_concurrency` is on. */
  readonly #windows?: Map<Endpoint<C>, AimdController>;

  /**
   * @param makeClient builds the SDK client for one endpoint URL.
   * @param windowMs rate-limit window (tests and benchmarks may shorten it). Default 60 000.
   */
  constructor(settings: RemoteSettings, makeClient: (url: string) => C, windowMs?: number) {
    this.settings = settings;
    this.redactor.add(settings.apiKey);
    this.slots = new Slots(settings.numWorkers, settings.politeness);
    const limits = {
      requestsPerMinute: settings.requestsPerMinute,
      inputTokensPerMinute: settings.inputTokensPerMinute,
      outputTokensPerMinute: settings.outputTokensPerMinute,
      windowMs,
    };
    if (RateLimiter.needed(limits)) this.limiter = new RateLimiter(limits);
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
   * @throws {EngineError} classified (retryable / fatal / record-only), message redacted.
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
        undefined,
        windows && ((e) => windows.get(e)!.hasRoom),
      );
      const window = windows?.get(endpoint);
      const stamp = window?.start() ?? 0;
      try {
        const result = await attempt(endpoint);
        if (entry) this.limiter!.complete(entry, result.usage);
        this.endpoints.succeeded(endpoint);
        this.#finish(window, stamp, true);
        this.slots.release(ticket);
        return result.value;
      } catch (error) {
        const classified = classifyError(error, {
          engine: this.settings.engine,
          url: endpoint.url,
          keySource: this.settings.keySource,
          timeoutMs: this.settings.timeoutMs,
          redactor: this.redactor,
        });
        const serverSide = classified instanceof EngineError && classified.retryable;
        if (serverSide) this.endpoints.failed(endpoint);
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
