/**
 * Building one environment at load (spec §11.2, DECISIONS 8): its JSON Schemas must compile,
 * then the type's builder runs its own checks. Problems are reported to the build context.
 *
 * @module
 */
import type { JsonSchema } from "../engines/contract.ts";
import type { EnvironmentParams } from "../config/schema.ts";
import type { BuildContext } from "./buildContext.ts";
import { buildDatabase } from "./database.ts";
import { buildDeterministic } from "./deterministic.ts";
import type { BuiltEnvironment } from "./environment.ts";
import { schemaProblem } from "./jsonSchema.ts";
import { buildSynthetic } from "./synthetic.ts";

/** Reports schemas that do not compile; true when all of `env`'s schemas are usable. */
function schemasCompile(env: EnvironmentParams, ctx: BuildContext): boolean {
  let ok = true;
  const check = (
    schema: JsonSchema | null | undefined,
    path: (string | number)[],
    what: string,
  ) => {
    const problem = schema ? schemaProblem(schema) : undefined;
    if (problem) {
      ctx.problem(path, `Invalid JSON Schema in ${what}: ${problem}`);
      ok = false;
    }
  };
  env.tools.forEach((tool, j) => {
    check(tool.parameters, ["tools", j, "parameters"], `parameters of tool '${tool.id}'`);
    check(tool.output_schema, ["tools", j, "output_schema"], `output_schema of tool '${tool.id}'`);
  });
  if (env.env_type === "synthetic") {
    check(
      env.env_kwargs.state_params?.state_schema,
      ["env_kwargs", "state_params", "state_schema"],
      `state_schema of environment '${env.id}'`,
    );
  }
  return ok;
}

/**
 * Builds one environment of its type, after checking that its JSON Schemas compile (a problem
 * there is reported and the environment is not built further). Problems go to `ctx`.
 */
export function buildEnvironment(
  env: EnvironmentParams,
  ctx: BuildContext,
): Promise<BuiltEnvironment> {
  if (!schemasCompile(env, ctx)) {
    return Promise.resolve({
      params: env,
      open: () => Promise.reject(new Error("unusable")),
      close: () => Promise.resolve(),
    });
  }
  switch (env.env_type) {
    case "deterministic":
      return Promise.resolve(buildDeterministic(env, ctx));
    case "synthetic":
      return buildSynthetic(env, ctx);
    case "database":
      return buildDatabase(env, ctx);
  }
}
