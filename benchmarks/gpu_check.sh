#!/usr/bin/env bash
# One short check of the CUDA path on a GPU machine, printing the throughput figures that the
# README's Speed section quotes. Budget: about 10 minutes on an H100/H200.
#   OUT=/tmp/gpu bash benchmarks/gpu_check.sh
# Needs python3 with torch (CUDA) and ganbench's dependencies; run from the repo root.
set -u
export PYTHONPATH="$PWD" PYTHONUNBUFFERED=1
OUT="${OUT:-/tmp/ganbench-gpu-check}"
mkdir -p "$OUT" "$OUT/suites"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
python3 -c "import torch; print('torch', torch.__version__, 'cuda available:', torch.cuda.is_available())"
timed() { local s=$(date +%s.%N); "$@"; echo "wall: $(python3 -c "print(round($(date +%s.%N) - $s, 1))") s"; }

echo "== plain PyTorch loop vs ganbench (K = 1), batch 256, on cuda and on this machine's CPU"
python3 benchmarks/throughput.py --device cuda --steps 500 --repeats 3
python3 benchmarks/throughput.py --device cpu --steps 500 --repeats 3

echo "== one vectorised group of K trials vs K solo trials (trial-steps/s), mixtures MLP, on cuda"
timeout 150 python3 benchmarks/throughput.py --device cuda --vectorize --k 1 4 16 32 64 --batch 64 256 --repeats 1 --seconds 0.5

echo "== suites/mixtures.toml end to end on cuda (30 trials x 3000 steps; target <= 60 s)"
timed timeout 420 python3 -m ganbench run suites/mixtures.toml --out "$OUT/results" 2>&1 | grep -vE "^\[|^\|" | tail -8

echo "== suites/images.toml on cuda (30 trials x 1000 steps, DCGAN, classifier metrics; target <= 3 min)"
GANBENCH_CACHE="$OUT/cache" timed timeout 300 python3 -m ganbench run suites/images.toml --out "$OUT/results" 2>&1 | grep -vE "^\[|^\|" | tail -8

echo "== every objective of suites/fgan.toml on cuda, 1 seed, 300 steps (no NaN expected)"
sed -e 's/^seeds = 3/seeds = 1/; s/^steps = 3000 /steps = 300 /; s/^eval_every = 250/eval_every = 150/' suites/fgan.toml > "$OUT/suites/fgan-short.toml"
timed timeout 120 python3 -m ganbench run "$OUT/suites/fgan-short.toml" --out "$OUT/results" 2>&1 | grep -E "running|trials run|error|diverged"
echo "== suites/pacgan.toml on cuda at 2,000 steps (80 trials: the authors' nets, packs of 1-4; the paper runs 400,000)"
timed timeout 300 python3 -m ganbench run suites/pacgan.toml --steps 2000 --out "$OUT/results" 2>&1 | grep -vE "^\[|^\|" | tail -4

for d in "$OUT"/results/*/; do cp "$d/summary.csv" "$OUT/$(basename "$d").csv" 2>/dev/null; done; ls "$OUT"

echo "== a search of 64 configurations of one objective on the ring, --vectorize auto vs off, on cuda"
timeout 300 python3 benchmarks/search_speed.py --device cuda
