/**
 * The HTTP-side runtime every remote adapter shares (spec §17): per attempt, a
 * politeness/adaptive slot (§17.1-§17.2), then the rate limiter (§17.4; checked after the slot,
 * unlike oumi, so the window counts real send times), then an endpoint, then the adapter's call; outcomes feed the adaptive controller and endpoint health, failures are classified into
 * `EngineError`s. It does not retry: the pipeline retries through `engines/retry.ts` (§17.3),
 * and each retry passes through here again, so a retry never holds a slot while it waits.
 *
 * @module
 */
import { type Clock, realClock } from "../../clock.ts";
import { EngineError } from "../../errors.ts";
import type { Usage } from "../contract.ts";
import { AdaptiveController } from "./adaptive.ts";
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
  readonly #clock: Clock;

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
    const adaptive = settings.adaptive
      ? new AdaptiveController(settings.numWorkers, settings.politeness, clock.now())
      : undefined;
    this.slots = new Slots(settings.numWorkers, settings.politeness, adaptive, clock);
    const limits = {
      requestsPerMinute: settings.requestsPerMinute,
      inputTokensPerMinute: settings.inputTokensPerMinute,
      outputTokensPerMinute: settings.outputTokensPerMinute,
      windowMs,
    };
    if (RateLimiter.needed(limits)) this.limiter = new RateLimiter(limits, clock);
    this.endpoints = new EndpointPool(settings.urls, makeClient);
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
      const endpoint = this.endpoints.pick(this.#clock.now());
      try {
        const result = await attempt(endpoint);
        if (entry) this.limiter!.complete(entry, result.usage);
        this.endpoints.succeeded(endpoint);
        this.slots.release(ticket, true);
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
        if (serverSide) this.endpoints.failed(endpoint, this.#clock.now());
        this.slots.release(ticket, serverSide ? false : undefined);
        throw classified;
      }
    } catch (error) {
      if (signal?.aborted) throw abortError(signal.reason);
      throw error;
    }
  }
}
