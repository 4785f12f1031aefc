/**
 * Anthropic adapter entry point, loaded lazily by the registry.
 *
 * @module
 */
export { createAnthropicEngine } from "./engine.ts";
