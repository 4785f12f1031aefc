/**
 * Which files an `owner/repo[:selector]` reference means (`hfModelRef.ts`, `hfModelFiles.ts`):
 * quantisation names as real repositories spell them, split models, projector files, ONNX dtypes.
 */
import { describe, expect, test } from "bun:test";
import { UsageError } from "../../src/errors.ts";
import { selectModelFiles } from "../../src/engines/hfModelFiles.ts";
import { parseHfModelRef, pullCommand, quantOf } from "../../src/engines/hfModelRef.ts";

describe("hf model references", () => {
  test("parse with and without hf: and a selector", () => {
    expect(parseHfModelRef("hf:Qwen/Qwen2.5-1.5B-Instruct-GGUF:Q4_K_M")).toEqual({
      repo: "Qwen/Qwen2.5-1.5B-Instruct-GGUF",
      selector: "Q4_K_M",
    });
    expect(parseHfModelRef("a/b")).toEqual({ repo: "a/b" });
    expect(parseHfModelRef("a/b:sub/x.gguf")).toEqual({ repo: "a/b", selector: "sub/x.gguf" });
    expect(() => parseHfModelRef("a/b:")).toThrow(UsageError);
    expect(() => parseHfModelRef("../x")).toThrow(UsageError);
    expect(pullCommand({ repo: "a/b", selector: "Q8_0" })).toBe("synth models pull a/b:Q8_0");
  });

  test("quantisation names", () => {
    expect(quantOf("qwen2.5-1.5b-instruct-q4_k_m.gguf")).toBe("Q4_K_M");
    expect(quantOf("Llama-3.2-3B-Instruct-IQ3_XS.gguf")).toBe("IQ3_XS");
    expect(quantOf("qwen2.5-7b-instruct-q4_k_m-00001-of-00002.gguf")).toBe("Q4_K_M");
    expect(quantOf("phi-2.Q8_0.gguf")).toBe("Q8_0");
    expect(quantOf("model-f16.gguf")).toBe("F16");
    expect(quantOf("model.gguf")).toBeUndefined();
  });
});

describe("selectModelFiles", () => {
  const qwen7b = [
    "README.md",
    "qwen2.5-7b-instruct-q4_k_m-00001-of-00002.gguf",
    "qwen2.5-7b-instruct-q4_k_m-00002-of-00002.gguf",
    "qwen2.5-7b-instruct-q8_0-00001-of-00003.gguf",
    "qwen2.5-7b-instruct-q8_0-00002-of-00003.gguf",
    "qwen2.5-7b-instruct-q8_0-00003-of-00003.gguf",
  ];

  test("a split quantisation selects all its parts and loads the first", () => {
    const s = selectModelFiles({ repo: "Qwen/x", selector: "q4_k_m" }, qwen7b);
    expect(s).toEqual({
      format: "gguf",
      files: qwen7b.slice(1, 3),
      main: qwen7b[1],
      quant: "Q4_K_M",
    });
    const q8 = selectModelFiles({ repo: "Qwen/x", selector: "Q8_0" }, qwen7b);
    expect(q8.files).toHaveLength(3);
  });

  test("no selector: the only model, else Q4_K_M, else the list", () => {
    expect(selectModelFiles({ repo: "a/b" }, ["x-Q8_0.gguf", "mmproj-f16.gguf"])).toMatchObject({
      main: "x-Q8_0.gguf",
    });
    expect(selectModelFiles({ repo: "a/b" }, qwen7b)).toMatchObject({ quant: "Q4_K_M" });
    expect(() => selectModelFiles({ repo: "a/b" }, ["x-Q8_0.gguf", "x-Q6_K.gguf"])).toThrow(
      "a/b has several GGUF files and no Q4_K_M; quantisations in it: Q6_K, Q8_0",
    );
  });

  test("file selectors and projectors", () => {
    const files = ["x-Q4_K_M.gguf", "sub/y-Q4_K_M.gguf", "mmproj-x-Q4_K_M.gguf"];
    expect(selectModelFiles({ repo: "a/b", selector: "sub/y-Q4_K_M.gguf" }, files)).toMatchObject({
      main: "sub/y-Q4_K_M.gguf",
    });
    expect(selectModelFiles({ repo: "a/b", selector: "y-Q4_K_M.gguf" }, files)).toMatchObject({
      main: "sub/y-Q4_K_M.gguf",
    });
    expect(() => selectModelFiles({ repo: "a/b", selector: "Q4_K_M" }, files)).toThrow(
      "a/b has 2 Q4_K_M files",
    );
    expect(() => selectModelFiles({ repo: "a/b", selector: "z.gguf" }, files)).toThrow(
      'a/b has no file "z.gguf"',
    );
  });

  test("ONNX repositories: configuration, tokenizer and one dtype", () => {
    const files = [
      "config.json",
      "generation_config.json",
      "tokenizer.json",
      "tokenizer_config.json",
      "README.md",
      "onnx/model.onnx",
      "onnx/model.onnx_data",
      "onnx/model_quantized.onnx",
      "onnx/model_q4.onnx",
    ];
    expect(selectModelFiles({ repo: "o/m" }, files)).toEqual({
      format: "onnx",
      dtype: "q8",
      files: [
        "config.json",
        "generation_config.json",
        "onnx/model_quantized.onnx",
        "tokenizer.json",
        "tokenizer_config.json",
      ],
    });
    expect(selectModelFiles({ repo: "o/m", selector: "fp32" }, files).files).toContain(
      "onnx/model.onnx_data",
    );
    expect(() => selectModelFiles({ repo: "o/m", selector: "q2" }, files)).toThrow(
      'no ONNX weights of dtype "q2"; dtypes in it: fp32, q4, q8',
    );
    expect(() => selectModelFiles({ repo: "o/m" }, ["README.md"])).toThrow(
      "neither GGUF files nor an ONNX model",
    );
  });
});
