import { describe, expect, test } from "bun:test";
import { expectProblem, problems, valid, withParams } from "../helpers.ts";

const data = (src: Record<string, unknown>) => withParams({ input_data: [src] });
const docs = (src: Record<string, unknown>) => withParams({ input_documents: [src] });
const examples = (src: Record<string, unknown>) => withParams({ input_examples: [src] });

describe("DatasetSource (§5.2, §20.1)", () => {
  test("local extensions, globs, hf: and oumi: paths are accepted; attribute_map kept", () => {
    for (
      const path of ["d.jsonl", "d.json", "d.csv", "d.parquet", "d.tsv", "D.XLSX", "data/*.jsonl"]
    ) {
      expect(valid(data({ path })).strategy_params.input_data?.[0].path).toBe(path);
    }
    for (const path of ["hf:repo/dataset", "oumi:dataset_id"]) valid(data({ path }));
    const src = valid(data({ path: "d.csv", attribute_map: { old_a: "new_a", old_b: "new_b" } }))
      .strategy_params.input_data![0];
    expect(src.attribute_map).toEqual({ old_a: "new_a", old_b: "new_b" });
    expect(src).toMatchObject({ hf_split: null, hf_revision: null, id: null, num_shots: null });
  });

  test("empty path and unsupported extensions", () => {
    expectProblem(data({ path: "" }), "DatasetSource.path cannot be empty.");
    expectProblem(data({ path: "data.txt" }), "Unsupported dataset file type: data.txt");
    expectProblem(data({}), "strategy_params.input_data[0].path: Missing mandatory value");
  });

  test("num_shots > 1 needs an id (all storage kinds); num_shots <= 0 is an error", () => {
    expectProblem(
      data({ path: "d.jsonl", num_shots: 3 }),
      "DatasetSource.id must be set when num_shots > 1",
    );
    expectProblem(data({ path: "hf:a/b", num_shots: 3 }), "DatasetSource.id must be set");
    expectProblem(
      data({ path: "d.jsonl", num_shots: 0 }),
      "DatasetSource.num_shots must be at least 1, got 0.",
    );
    valid(data({ path: "d.jsonl", num_shots: 3, id: "shots" }));
    valid(data({ path: "d.jsonl", num_shots: 1 }));
  });
});

describe("DocumentSource and segmentation (§5.3, §20.1)", () => {
  test("minimal source and segmentation defaults", () => {
    const src = valid(docs({ path: "a.pdf", id: "doc", segmentation_params: { id: "seg" } }))
      .strategy_params.input_documents![0];
    expect(src.segmentation_params).toEqual({
      id: "seg",
      segmentation_strategy: "TOKENS",
      tokenizer: "openai-community/gpt2",
      segment_length: 2048,
      segment_overlap: 0,
      keep_original_text: false,
    });
    expect(
      valid(docs({ path: "a.txt", id: "doc" })).strategy_params.input_documents![0]
        .segmentation_params,
    )
      .toBeNull();
  });

  test("custom segmentation values are kept", () => {
    const seg = { id: "s", segment_length: 1024, segment_overlap: 256, keep_original_text: true };
    expect(
      valid(docs({ path: "a.md", id: "d", segmentation_params: seg })).strategy_params
        .input_documents![0].segmentation_params,
    ).toMatchObject(seg);
  });

  test("segmentation rules", () => {
    const seg = (p: Record<string, unknown>) =>
      docs({ path: "a.md", id: "d", segmentation_params: { id: "s", ...p } });
    expectProblem(
      seg({ segment_length: 10, segment_overlap: 10 }),
      "Segment overlap must be less than segment length",
    );
    expectProblem(seg({ segment_overlap: -1 }), "Segment overlap must be non-negative");
    expectProblem(seg({ segment_length: 0 }), "Segment length must be positive");
    expectProblem(seg({ tokenizer: "" }), "DocumentSegmentationParams.tokenizer cannot be empty");
    expectProblem(
      seg({ segmentation_strategy: "WORDS" }),
      "Invalid value 'WORDS', expected one of [TOKENS]",
    );
  });

  test("empty path or id", () => {
    expectProblem(docs({ path: "", id: "d" }), "DocumentSource.path cannot be empty.");
    expectProblem(docs({ path: "a.md", id: "" }), "DocumentSource.id cannot be empty.");
  });
});

describe("ExampleSource (§5.1, §20.1)", () => {
  test("rows are kept as given", () => {
    const rows = [{ q: "a", n: 1, nested: { x: [1, 2] } }, { q: "b", n: 2, nested: null }];
    expect(valid(examples({ examples: rows })).strategy_params.input_examples![0].examples).toEqual(
      rows,
    );
  });

  test("empty examples, mismatched keys, dynamic sampling without id", () => {
    expectProblem(examples({ examples: [] }), "ExampleSource.examples cannot be empty.");
    const found = expectProblem(
      examples({ examples: [{ a: 1 }, { a: 2 }, { b: 3 }] }),
      "All examples must have the same keys.",
    );
    expect(found[0]).toStartWith("strategy_params.input_examples[0].examples[2]");
    expectProblem(
      examples({ examples: [{ a: 1 }], num_shots: 2 }),
      "ExampleSource.id must be set when num_shots > 1 for dynamic sampling.",
    );
    expectProblem(
      examples({ examples: [{ a: 1 }], num_shots: -1 }),
      "ExampleSource.num_shots must be at least 1, got -1.",
    );
  });

  test("rows must be mappings", () => {
    expect(problems(examples({ examples: ["text"] }))[0]).toContain("Expected a mapping, got str");
  });
});
