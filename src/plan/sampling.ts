/**
 * Sampled attributes and combination sampling (§6), with DECISIONS 4: a chosen combination
 * fixes the attributes it names and the other sampled attributes are drawn normally.
 *
 * Per sample: draw `u` in [0, 1); if `u < P` (P = sum of combination rates) the combination
 * whose cumulative rate first exceeds `u` is chosen (probability = its rate). Then every sampled
 * attribute not fixed by it is drawn by its relative weights; a draw that contains another
 * configured combination as a sub-map is rejected and redrawn, so each combination appears
 * with frequency ≈ its rate and a `sample_rate: 0` combination never appears. Key order is the
 * attribute config order. Configurations where no draw can succeed are rejected up front.
 *
 * @module
 */

import { ConfigError } from "../errors.ts";
import { pickCumulative, type Rng } from "./rng.ts";

/** A sampled attribute as configured (oumi field names; §6.1). */
export interface SampledAttributeSpec {
  id: string;
  name: string;
  description: string;
  possible_values: readonly {
    id: string;
    name: string;
    description: string;
    sample_rate?: number | null;
  }[];
}

/** A `combination_sampling` entry (§6.2). */
export interface AttributeCombinationSpec {
  combination: Readonly<Record<string, string>>;
  sample_rate: number;
}

/** Draws one attribute map (attribute id -> value id) per call. */
export interface AttributeSampler {
  /** The sampled attribute ids, in config order. */
  readonly attributeIds: readonly string[];
  /** Draws a map with every sampled attribute, using only `rng`. */
  sample(rng: Rng): Record<string, string>;
}

/** Consecutive rejected draws after which sampling gives up (a safety net; see feasibility). */
const MAX_TRIES = 100_000;
/** Search nodes spent proving that some draw can succeed before giving up the proof. */
const FEASIBILITY_BUDGET = 200_000;

interface Attr {
  id: string;
  values: string[];
  weights: number[];
  total: number;
}

type Combo = ReadonlyMap<string, string>;

const PATH = "strategy_params.combination_sampling";

function configError(message: string, path = PATH): ConfigError {
  return new ConfigError(message, [{ path, message }]);
}

/** Weights per §6.1: unset rates share what the explicit ones leave (`max(0, 1 - sum)`). */
function weightsOf(attr: SampledAttributeSpec): number[] {
  const rates = attr.possible_values.map((v) => v.sample_rate);
  const unset = rates.filter((r) => r === null || r === undefined).length;
  const defined = rates.reduce<number>((s, r) => s + (r ?? 0), 0);
  const share = unset ? Math.max(0, 1 - defined) / unset : 0;
  return rates.map((r) => r ?? share);
}

/**
 * Builds a sampler for `attributes` and `combinations`.
 *
 * @throws {ConfigError} "Cumulative probability of combination sampling must be less than or
 *   equal to 1.0.", when an attribute has no value with a positive rate, when a combination
 *   names an unknown attribute or value id, or when no draw can avoid the combinations.
 */
export function createAttributeSampler(
  attributes: readonly SampledAttributeSpec[],
  combinations: readonly AttributeCombinationSpec[] = [],
): AttributeSampler {
  const attrs: Attr[] = attributes.map((spec, i) => {
    const weights = weightsOf(spec);
    const total = weights.reduce((s, w) => s + w, 0);
    if (!(total > 0)) {
      throw configError(
        `Cannot sample attribute "${spec.id}": every possible value has sample_rate 0`,
        `strategy_params.sampled_attributes[${i}].possible_values`,
      );
    }
    return { id: spec.id, values: spec.possible_values.map((v) => v.id), weights, total };
  });
  const byId = new Map(attrs.map((a) => [a.id, a]));
  const combos: Combo[] = combinations.map((c, i) => {
    const map = new Map(Object.entries(c.combination));
    for (const [key, value] of map) {
      const attr = byId.get(key);
      if (!attr) {
        throw configError(`Combination names unknown sampled attribute "${key}"`, `${PATH}[${i}]`);
      }
      if (!attr.values.includes(value)) {
        throw configError(
          `Combination names unknown value "${value}" of attribute "${key}"`,
          `${PATH}[${i}]`,
        );
      }
    }
    return map;
  });
  const rates = combinations.map((c) => c.sample_rate);
  const totalRate = rates.reduce((s, r) => s + r, 0);
  if (totalRate > 1) {
    throw configError(
      "Cumulative probability of combination sampling must be less than or equal to 1.0.",
    );
  }
  // Combinations a draw must avoid: all of them for a natural draw; for chosen combination j,
  // the others that could still match (consistent with j) and are not implied by j.
  const avoidNatural = combos;
  const avoidChosen = combos.map((cj, j) =>
    combos.filter((ck, k) => k !== j && consistent(cj, ck) && !isSubMap(ck, cj))
  );
  if (totalRate < 1 && !feasible(attrs, new Map(), avoidNatural)) {
    throw configError(
      "Cannot sample attributes: every combination of sampled attribute values matches an entry " +
        "of combination_sampling, so no sample can be drawn outside them; remove an entry or raise " +
        "the rates to sum to 1",
    );
  }
  combos.forEach((cj, j) => {
    if (rates[j] > 0 && !feasible(attrs, cj, avoidChosen[j])) {
      throw configError(
        `Cannot sample attributes for combination_sampling[${j}]: every completion of it matches ` +
          "another entry of combination_sampling",
        `${PATH}[${j}]`,
      );
    }
  });

  const attributeIds = attrs.map((a) => a.id);
  return {
    attributeIds,
    sample(rng: Rng): Record<string, string> {
      const u = rng.random();
      const chosen = combos.length > 0 && u < totalRate ? pickCumulative(rates, u) : -1;
      const fixed = chosen >= 0 ? combos[chosen] : undefined;
      const avoid = chosen >= 0 ? avoidChosen[chosen] : avoidNatural;
      for (let attempt = 0; attempt < MAX_TRIES; attempt++) {
        const out: Record<string, string> = {};
        for (const a of attrs) {
          out[a.id] = fixed?.get(a.id) ??
            a.values[pickCumulative(a.weights, rng.random() * a.total)];
        }
        if (!avoid.some((c) => isSubMap(c, out))) return out;
      }
      throw configError(
        `Cannot sample attributes: ${MAX_TRIES} draws in a row matched a combination in ` +
          "combination_sampling; the combinations leave too little probability for other draws",
      );
    },
  };
}

function isSubMap(sub: Combo, of: Combo | Record<string, string>): boolean {
  for (const [k, v] of sub) {
    const other = of instanceof Map ? of.get(k) : (of as Record<string, string>)[k];
    if (other !== v) return false;
  }
  return true;
}

function consistent(a: Combo, b: Combo): boolean {
  for (const [k, v] of a) if (b.has(k) && b.get(k) !== v) return false;
  return true;
}

/**
 * Whether some draw with positive probability, agreeing with `fixed`, avoids every combination
 * in `avoid`. Depth-first search over the attributes the combinations constrain; true when
 * the search budget runs out (the runtime retry limit is then the guard).
 */
function feasible(attrs: Attr[], fixed: Combo, avoid: readonly Combo[]): boolean {
  const possible = (a: Attr, v: string) => a.weights[a.values.indexOf(v)] > 0;
  const byId = new Map(attrs.map((a) => [a.id, a]));
  // Keep only combinations that can match: consistent with `fixed`, values drawable.
  const live: [string, string][][] = [];
  for (const c of avoid) {
    if (!consistent(c, fixed)) continue;
    const free = [...c].filter(([k]) => !fixed.has(k));
    if (free.some(([k, v]) => !possible(byId.get(k)!, v))) continue;
    if (free.length === 0) return false;
    live.push(free);
  }
  const order = [...new Set(live.flatMap((c) => c.map(([k]) => k)))].map((k) => byId.get(k)!);
  const assigned = new Map<string, string>();
  let budget = FEASIBILITY_BUDGET;
  const search = (depth: number): boolean => {
    if (--budget < 0) return true;
    if (depth === order.length) return true;
    const a = order[depth];
    for (let i = 0; i < a.values.length; i++) {
      if (!(a.weights[i] > 0)) continue;
      assigned.set(a.id, a.values[i]);
      const hit = live.some((c) => c.every(([k, v]) => assigned.get(k) === v));
      if (!hit && search(depth + 1)) return true;
    }
    assigned.delete(a.id);
    return false;
  };
  return search(0);
}
