/**
 * `strategy_params` (oumi `GeneralSynthesisParams`, spec §4): the nine list sections (an empty
 * list means absent and is parsed to `null`), the combination-rate total (§4), the attribute-id
 * namespace with its reserved ids (§4.1), and combinations checked against the sampled
 * attributes (DECISIONS difference 4: keys must be sampled attribute ids, values their value ids).
 *
 * @module
 */
import { z } from "zod";
import { pyList } from "../../python/repr.ts";
import { isRecord } from "../pyValues.ts";
import { GeneratedAttributeSchema, MultiTurnAttributeSchema } from "./attributes.ts";
import { AttributeCombinationSchema, SampledAttributeSchema } from "./sampled.ts";
import { TransformedAttributeSchema } from "./transforms.ts";
import { DatasetSourceSchema, DocumentSourceSchema, ExampleSourceSchema } from "./inputs.ts";
import {
  asList,
  asNum,
  asStr,
  EVEN_IF_INVALID,
  list,
  obj,
  type RefineCtx,
  report,
  str,
} from "./leaves.ts";

/** A list section where `[]` and absent both mean "none" (parsed to `null`). */
function section<S extends z.ZodType>(item: S) {
  return list(item).nullish().transform((items) => (items && items.length > 0 ? items : null));
}

type Path = (string | number)[];

/** Ids registered in the attribute namespace, in oumi's registration order (§4.1). */
export function attributeIds(params: Record<string, unknown>): { id: string; path: Path }[] {
  const out: { id: string; path: Path }[] = [];
  const add = (id: unknown, path: Path) => {
    if (typeof id === "string" && id !== "") out.push({ id, path });
  };
  asList(params.input_data).forEach((src, i) => {
    if (!isRecord(src) || !isRecord(src.attribute_map)) return;
    for (const [column, target] of Object.entries(src.attribute_map)) {
      add(target, ["input_data", i, "attribute_map", column]);
    }
  });
  asList(params.input_documents).forEach((src, i) => {
    if (isRecord(src) && isRecord(src.segmentation_params)) {
      add(src.segmentation_params.id, ["input_documents", i, "segmentation_params", "id"]);
    }
  });
  asList(params.input_examples).forEach((src, i) => {
    const first = isRecord(src) ? asList(src.examples)[0] : undefined;
    if (isRecord(first)) {
      for (const key of Object.keys(first)) add(key, ["input_examples", i, "examples", 0, key]);
    }
  });
  asList(params.sampled_attributes).forEach((attr, i) => {
    if (isRecord(attr)) add(attr.id, ["sampled_attributes", i, "id"]);
  });
  asList(params.generated_attributes).forEach((attr, i) => {
    if (!isRecord(attr)) return;
    add(attr.id, ["generated_attributes", i, "id"]);
    if (isRecord(attr.postprocessing_params)) {
      add(attr.postprocessing_params.id, [
        "generated_attributes",
        i,
        "postprocessing_params",
        "id",
      ]);
    }
  });
  asList(params.multiturn_attributes).forEach((attr, i) => {
    if (isRecord(attr)) add(attr.id, ["multiturn_attributes", i, "id"]);
  });
  asList(params.transformed_attributes).forEach((attr, i) => {
    if (isRecord(attr)) add(attr.id, ["transformed_attributes", i, "id"]);
  });
  return out;
}

/** Ids reserved for multi-turn synthesis: `target_turns`, `current_turn`, `<multi-turn id>_plan`. */
export function reservedIds(params: Record<string, unknown>): Set<string> {
  const reserved = new Set(["target_turns", "current_turn"]);
  for (const attr of asList(params.multiturn_attributes)) {
    const id = isRecord(attr) ? asStr(attr.id) : undefined;
    if (id) reserved.add(`${id}_plan`);
  }
  return reserved;
}

function checkNamespace(params: Record<string, unknown>, ctx: RefineCtx) {
  const reserved = reservedIds(params);
  const seen = new Set<string>();
  for (const { id, path } of attributeIds(params)) {
    if (reserved.has(id)) {
      report(
        ctx,
        path,
        `Attribute ID '${id}' is reserved for multiturn synthesis and cannot be used. ` +
          `Reserved IDs: ${pyList([...reserved])}.`,
      );
    } else if (seen.has(id)) {
      report(
        ctx,
        path,
        `Attribute ID '${id}' is used more than once. ` +
          "Each attribute ID must be unique across all sources and attributes.",
      );
    }
    seen.add(id);
  }
}

function checkCombinations(params: Record<string, unknown>, ctx: RefineCtx) {
  const combos = asList(params.combination_sampling);
  const values = new Map<string, string[]>();
  for (const attr of asList(params.sampled_attributes)) {
    if (!isRecord(attr) || !asStr(attr.id)) continue;
    const ids = asList(attr.possible_values).map((pv) => (isRecord(pv) ? asStr(pv.id) : undefined));
    values.set(attr.id as string, ids.filter((id): id is string => id !== undefined));
  }
  let total = 0;
  combos.forEach((combo, i) => {
    if (!isRecord(combo)) return;
    total += asNum(combo.sample_rate) ?? 0;
    if (!isRecord(combo.combination)) return;
    for (const [key, value] of Object.entries(combo.combination)) {
      const at = ["combination_sampling", i, "combination", key];
      const possible = values.get(key);
      if (key === "" || value === "") continue;
      if (!possible) {
        report(
          ctx,
          at,
          `AttributeCombination.combination key '${key}' is not a sampled attribute id. ` +
            `Sampled attribute ids: ${pyList([...values.keys()])}.`,
        );
      } else if (typeof value === "string" && !possible.includes(value)) {
        report(
          ctx,
          at,
          `AttributeCombination.combination value '${value}' is not a possible value of ` +
            `sampled attribute '${key}'. Possible values: ${pyList(possible)}.`,
        );
      }
    }
  });
  if (total > 1) {
    report(
      ctx,
      ["combination_sampling"],
      `Combination sampling rates must sum to 1.0 or less, but the current total is ${
        total.toFixed(2)
      }. Please reduce the sample rates.`,
    );
  }
}

/** `strategy_params`. */
export const GeneralSynthesisParamsSchema = obj("GeneralSynthesisParams", {
  input_data: section(DatasetSourceSchema).describe("Datasets whose rows feed the records"),
  input_documents: section(DocumentSourceSchema).describe("Documents, optionally segmented"),
  input_examples: section(ExampleSourceSchema).describe("Inline example rows"),
  sampled_attributes: section(SampledAttributeSchema).describe("Attributes drawn at random"),
  combination_sampling: section(AttributeCombinationSchema).describe(
    "Attribute combinations with fixed rates",
  ),
  generated_attributes: section(GeneratedAttributeSchema).describe("Values written by the model"),
  multiturn_attributes: section(MultiTurnAttributeSchema).describe("Multi-turn conversations"),
  transformed_attributes: section(TransformedAttributeSchema).describe("Templated values"),
  passthrough_attributes: section(str()).describe("Keys kept in the output, in this order"),
}).superRefine((value, ctx) => {
  const params = value as Record<string, unknown>;
  checkCombinations(params, ctx);
  checkNamespace(params, ctx);
}, EVEN_IF_INVALID);

/** Validated `strategy_params`; absent and empty sections are `null`. */
export type GeneralSynthesisParams = z.output<typeof GeneralSynthesisParamsSchema>;
