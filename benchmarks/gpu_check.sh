#!/usr/bin/env bash
# One short check of the CUDA path on a GPU machine, printing throughput figures.
#   OUT=/tmp/gpu bash benchmarks/gpu_check.sh
# Needs python3 with torch (CUDA), pluggy, pandas, scipy, tabulate, tqdm, scikit-learn; run from the repo root.
set -u
export PYTHONPATH="$PWD" PYTHONUNBUFFERED=1
OUT="${OUT:-/tmp/ganbench-gpu-check}"
mkdir -p "$OUT" "$OUT/suites"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
python3 -c "import torch; print('torch', torch.__version__, 'cuda available:', torch.cuda.is_available())"
timed() { local s=$(date +%s.%N); "$@"; echo "wall: $(python3 -c "print(round($(date +%s.%N) - $s, 1))") s"; }

echo "== suites/quick.toml, device picked automatically"
timed python3 -m ganbench run suites/quick.toml --out "$OUT/results" 2>&1 | tail -12

echo "== every objective of suites/fgan.toml on cuda, 1 seed, 300 steps"
sed -e 's/^seeds = 3/seeds = 1/; s/^steps = 3000 /steps = 300 /; s/^eval_every = 250/eval_every = 150/' suites/fgan.toml > "$OUT/suites/fgan-short.toml"
timed python3 -m ganbench run "$OUT/suites/fgan-short.toml" --out "$OUT/results" 2>&1 | grep -E "^\[|trials run|error"

echo "== suites/images.toml on cuda, 1 seed, 300 steps (DCGAN models, classifier metrics)"
sed -e 's/^seeds = 3/seeds = 1/; s/^steps = 1000 /steps = 300 /; s/^eval_every = 250/eval_every = 150/' suites/images.toml > "$OUT/suites/images-short.toml"
GANBENCH_CACHE="$OUT/cache" timed timeout 240 python3 -m ganbench run "$OUT/suites/images-short.toml" --out "$OUT/results" 2>&1 | grep -vE "^\|" | tail -14

echo "== harness vs plain PyTorch loop, batch 256, on cuda"
python3 benchmarks/throughput.py --device cuda --steps 1000 --repeats 3
echo "== the same on this machine's CPU, one thread"
python3 benchmarks/throughput.py --device cpu --steps 1000 --repeats 3
cp "$OUT"/results/*/summary.csv "$OUT"/ 2>/dev/null; ls "$OUT"
