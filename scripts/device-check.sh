#!/usr/bin/env bash
# Device check for the GPU build on a machine with an NVIDIA GPU (README "GPUs", issue 16):
# builds dist/synth-cuda, prints `synth info`, then runs configs/quickstart.yaml on the tiny test
# model and on a larger generated model (F32, ~1.3 GB: 16 layers x 1024) with gpu: cuda and with
# gpu: false, and prints output tokens/s of each run and the layers llama.cpp offloaded.
# Figures go to docs/benchmarks.md, section (i).
#
# Usage: scripts/device-check.sh [num_samples]   (default 32; needs bun in node_modules or npx)
set -euo pipefail
cd "$(dirname "$0")/.."
SAMPLES="${1:-32}"
BUN=node_modules/.bin/bun
if [ ! -x "$BUN" ]; then npx --yes bun@1.4.5 install --frozen-lockfile; fi

echo "== build"
"$BUN" scripts/build.ts --variant cuda --if-stale
ls -l dist/synth-cuda
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv || echo "nvidia-smi: not found"

echo "== synth info"
dist/synth-cuda info

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
echo "== models (in $WORK)"
"$BUN" scripts/make-tiny-gguf.ts "$WORK/tiny.gguf"
"$BUN" scripts/make-tiny-gguf.ts "$WORK/large.gguf" --embed 1024 --layers 16 --heads 16 --ffn 4096

run() { # model gpu
  local out="$WORK/$1-$2.jsonl"
  dist/synth-cuda -c configs/quickstart.yaml --log-level DEBUG --no-progress \
    --inference_config.model.model_name "$WORK/$1.gguf" \
    --inference_config.model.model_kwargs.gpu "$2" \
    --inference_config.generation.max_new_tokens 128 \
    --num_samples "$SAMPLES" --output_path "$out" >"$WORK/$1-$2.stdout" 2>"$WORK/$1-$2.log" || {
    echo "$1 gpu=$2: FAILED (exit $?)"; tail -n 20 "$WORK/$1-$2.log"; return 0; }
  local summary="${out%.jsonl}.summary.json"
  local offload
  offload="$(grep -o 'offloaded [0-9]*/[0-9]* layers to GPU' "$WORK/$1-$2.log" | tail -n 1 || true)"
  "$BUN" -e '
    const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const tps = s.usage.output_tokens / s.wall_time_seconds;
    console.log(`${process.argv[2]} gpu=${process.argv[3]}: ${s.records_written} records, ` +
      `${s.usage.output_tokens} output tokens in ${s.wall_time_seconds.toFixed(1)} s = ` +
      `${tps.toFixed(0)} tok/s; ${process.argv[4] || "no layers offloaded"}`);
  ' "$summary" "$1" "$2" "$offload"
}

echo "== runs ($SAMPLES records each, 128 new tokens max)"
for model in tiny large; do
  for gpu in cuda false; do run "$model" "$gpu"; done
done
