/**
 * OpenAI-compatible adapter entry point, loaded lazily by the registry.
 *
 * @module
 */
export { createOpenAIEngine } from "./engine.ts";
