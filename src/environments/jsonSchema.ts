/**
 * JSON Schema validation for tool arguments, tool outputs, lookup entries and environment state
 * (spec §11.3, §11.7-§11.8), on ajv 8 with the draft 2020-12 vocabulary (Python's
 * `jsonschema.validators.validator_for` also defaults to the latest draft). Formats are not
 * asserted (as in Python's jsonschema) and unknown keywords are ignored.
 *
 * Messages follow Python jsonschema's `ValidationError.message` for the common keywords
 * (`'pat_id' is a required property`, `'x' is not of type 'integer'`, ...), prefixed with the
 * instance path when it is not the root (`at $.items[0]: ...`).
 *
 * @module
 */
import { Ajv } from "ajv";
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import type { JsonSchema } from "../engines/contract.ts";
import { thrownMessage } from "../errors.ts";
import { pyRepr } from "../python/repr.ts";

const OPTIONS = {
  strict: false,
  allErrors: false,
  validateFormats: false,
  validateSchema: true,
  logger: false as const,
  // Errors carry the offending value, for Python-style messages.
  verbose: true,
  addUsedSchema: false,
};
const ajv2020 = new Ajv2020(OPTIONS);
const ajv07 = new Ajv(OPTIONS);

/** Schemas that declare an older draft (`$schema`) compile with draft-07 rules, like Python's validator_for. */
function compileAny(schema: JsonSchema): ValidateFunction {
  const declared = typeof schema.$schema === "string" ? schema.$schema : "";
  if (/draft-0[3-7]/.test(declared)) {
    const { $schema: _, ...rest } = schema;
    return ajv07.compile(rest);
  }
  if (declared !== "" && !declared.includes("2020-12")) {
    const { $schema: _, ...rest } = schema;
    return ajv2020.compile(rest);
  }
  return ajv2020.compile(schema);
}

const compiled = new WeakMap<object, ValidateFunction>();
const byText = new Map<string, ValidateFunction>();

/** A compiled schema: `validate(value)` returns `undefined` when valid, else the message. */
export interface SchemaValidator {
  readonly schema: JsonSchema;
  validate(value: unknown): string | undefined;
}

/**
 * Compiles `schema` (cached by identity and by JSON text).
 *
 * @throws {Error} with ajv's reason when the schema itself is invalid (callers turn it into a
 *   {@link import("../errors.ts").ConfigError} with the schema's key path).
 */
export function compileSchema(schema: JsonSchema): SchemaValidator {
  let fn = compiled.get(schema);
  if (!fn) {
    const text = JSON.stringify(schema);
    fn = byText.get(text);
    if (!fn) {
      fn = compileAny(schema);
      byText.set(text, fn);
    }
    compiled.set(schema, fn);
  }
  const validateFn = fn;
  return {
    schema,
    validate(value) {
      return validateFn(value) ? undefined : describeErrors(validateFn.errors ?? []);
    },
  };
}

/** Validates `value` against `schema` in one call; `undefined` when valid, else the message. */
export function validateAgainst(schema: JsonSchema, value: unknown): string | undefined {
  return compileSchema(schema).validate(value);
}

function instancePath(pointer: string): string {
  if (pointer === "") return "";
  const parts = pointer.slice(1).split("/").map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
  return "$" + parts.map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`)).join("");
}

function typeList(type: unknown): string {
  return Array.isArray(type) ? pyRepr(type) : pyRepr(String(type));
}

/** Python jsonschema's wording of one ajv error. */
function describe(error: ErrorObject, data: unknown): string {
  const p = error.params as Record<string, unknown>;
  const shown = pyRepr(data);
  switch (error.keyword) {
    case "required":
      return `${pyRepr(String(p.missingProperty))} is a required property`;
    case "type":
      return `${shown} is not of type ${typeList(p.type)}`;
    case "enum":
      return `${shown} is not one of ${pyRepr(p.allowedValues)}`;
    case "const":
      return `${pyRepr(p.allowedValue)} was expected`;
    case "additionalProperties":
      return `Additional properties are not allowed (${
        pyRepr(String(p.additionalProperty))
      } was unexpected)`;
    case "minimum":
      return `${shown} is less than the minimum of ${p.limit}`;
    case "maximum":
      return `${shown} is greater than the maximum of ${p.limit}`;
    case "exclusiveMinimum":
      return `${shown} is less than or equal to the minimum of ${p.limit}`;
    case "exclusiveMaximum":
      return `${shown} is greater than or equal to the maximum of ${p.limit}`;
    case "minLength":
      return `${shown} is too short`;
    case "maxLength":
      return `${shown} is too long`;
    case "minItems":
      return `${shown} is too short`;
    case "maxItems":
      return `${shown} is too long`;
    case "pattern":
      return `${shown} does not match ${pyRepr(String(p.pattern))}`;
    case "oneOf":
      return Array.isArray(p.passingSchemas)
        ? `${shown} is valid under each of ${pyRepr(p.passingSchemas)}`
        : `${shown} is not valid under any of the given schemas`;
    case "anyOf":
      return `${shown} is not valid under any of the given schemas`;
    default:
      return `${shown} ${error.message ?? "is invalid"}`;
  }
}

/** One message for a failed validation: combinator errors win, else the first error. */
function describeErrors(errors: readonly ErrorObject[]): string {
  if (errors.length === 0) return "invalid value";
  const combinator = errors.find((e) => e.keyword === "oneOf" || e.keyword === "anyOf");
  const chosen = combinator ?? errors[0];
  const data = "data" in chosen ? chosen.data : undefined;
  const where = instancePath(chosen.instancePath);
  const text = describe(chosen, data);
  return where ? `at ${where}: ${text}` : text;
}

/** Why `schema` cannot be compiled, or `undefined` when it can. */
export function schemaProblem(schema: JsonSchema): string | undefined {
  return thrownMessage(() => compileSchema(schema));
}
