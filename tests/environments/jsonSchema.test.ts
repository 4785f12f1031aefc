import { describe, expect, test } from "bun:test";
import { canonicalJson } from "../../src/environments/canonicalJson.ts";
import { schemaProblem, validateAgainst } from "../../src/environments/jsonSchema.ts";
import { unreachableDefaults, withDefaults } from "../../src/environments/schemaDefaults.ts";

describe("JSON Schema validation (§11.3, §20.15)", () => {
  test("Python jsonschema wording for the common keywords", () => {
    const schema = {
      type: "object",
      properties: {
        tags: { type: "array", items: { type: "string" } },
        level: { enum: ["low", "high"] },
        n: { type: "integer", minimum: 1 },
        kind: { const: "ok" },
      },
      required: ["n"],
      additionalProperties: false,
    };
    expect(validateAgainst(schema, { n: 2, tags: ["a", 1] })).toBe(
      "at $.tags[1]: 1 is not of type 'string'",
    );
    expect(validateAgainst(schema, { n: 1, level: "mid" })).toBe(
      "at $.level: 'mid' is not one of ['low', 'high']",
    );
    expect(validateAgainst(schema, {})).toBe("'n' is a required property");
    expect(validateAgainst(schema, { n: 0 })).toBe("at $.n: 0 is less than the minimum of 1");
    expect(validateAgainst(schema, { n: 1, kind: "no" })).toBe("at $.kind: 'ok' was expected");
    expect(validateAgainst(schema, { n: 1, x: 1 })).toBe(
      "Additional properties are not allowed ('x' was unexpected)",
    );
    expect(validateAgainst({ oneOf: [{ type: "string" }, { type: "integer" }] }, [1])).toBe(
      "[1] is not valid under any of the given schemas",
    );
    // The default parameters schema accepts any object.
    expect(validateAgainst({ type: "object" }, { anything: [1, { b: null }] })).toBeUndefined();
  });

  test("drafts: 2020-12 by default, draft-07 when declared; invalid schemas are reported", () => {
    const tuple = { type: "array", items: [{ type: "string" }, { type: "integer" }] };
    expect(
      validateAgainst({ $schema: "http://json-schema.org/draft-07/schema#", ...tuple }, ["a", "b"]),
    ).toBe("at $[1]: 'b' is not of type 'integer'");
    expect(validateAgainst({ prefixItems: tuple.items }, ["a", "b"])).toBe(
      "at $[1]: 'b' is not of type 'integer'",
    );
    expect(schemaProblem({ type: "nonsense" })).toStartWith("schema is invalid");
    expect(schemaProblem({ type: "object" })).toBeUndefined();
  });

  test("defaults: along properties chains and local $refs, nested objects only when present", () => {
    const schema = {
      type: "object",
      $defs: { Limit: { type: "integer", default: 10 } },
      properties: {
        limit: { $ref: "#/$defs/Limit" },
        sort: { type: "string", default: "asc" },
        filter: {
          type: "object",
          properties: { active: { type: "boolean", default: true } },
        },
      },
    };
    expect(withDefaults(schema, {})).toEqual({ limit: 10, sort: "asc" });
    const given = { filter: {}, sort: "desc" };
    expect(withDefaults(schema, given)).toEqual({
      limit: 10,
      sort: "desc",
      filter: { active: true },
    });
    expect(given).toEqual({ filter: {}, sort: "desc" }); // deep-copied
    expect(unreachableDefaults(schema)).toEqual([]);
    expect(unreachableDefaults({
      properties: {
        a: { items: { default: 1 } },
        b: { additionalProperties: { default: 2 } },
        c: { allOf: [{ type: "string" }] },
      },
      patternProperties: { "^x": { default: 3 } },
    })).toEqual([
      "properties.a.items.default",
      "properties.b.additionalProperties.default",
      "patternProperties.^x.default",
    ]);
  });

  test("canonical JSON: sorted keys, Python separators, ASCII escapes", () => {
    expect(canonicalJson({ b: 1, a: { d: [true, null], c: "é" } })).toBe(
      '{"a": {"c": "\\u00e9", "d": [true, null]}, "b": 1}',
    );
    expect(canonicalJson({ x: "1" })).not.toBe(canonicalJson({ x: 1 }));
  });
});
