#!/usr/bin/env bash
# CI, the third-party plugin path end to end, in a fresh virtual environment:
#   1. the plugin guide's shell session ("Start from a working plugin" in plugins/README.md),
#      as a reader runs it: ganbench new objective my-loss --package, pip install -e "my-loss[test]",
#      pytest, and the same for an objective with no divergence (--no-divergence); then the
#      "next:" lines that `ganbench new` prints, run exactly as printed (but `ganbench run SUITE`);
#   2. a package of every other kind written by `ganbench new`, installed, its own tests run,
#      and a short suite made of the five;
#   3. plugins/ganbench-mmd installed from its directory, its tests run, and a short suite
#      with the MMD-GAN objective beside the built-ins.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
start=$SECONDS

python3 -m venv "$work/venv"
. "$work/venv/bin/activate"
python -m pip install -q --upgrade pip
python -m pip install -q torch==2.13.0  # the CPU build first, as .ci/run does
python -m pip install -q -e "$repo[test]"
cd "$work"

phase() { echo "== $1 ($((SECONDS - start)) s)" >&2; }
phase "1. the plugin guide's session"
sed -n '/^## Start from a working plugin/,/^## /p' "$repo/plugins/README.md" \
  | sed -n '/^```bash$/,/^```$/p' | sed '1d;$d' > session.sh
test -s session.sh
bash -eux -o pipefail session.sh 2>&1 | grep -v '^Requirement already satisfied' >&2
ganbench new objective ci-printed --package ci-printed | tee new.txt >&2
sed -n '/^next:$/,$p' new.txt | sed '1d; s/^ *//; s/ *# .*$//' | grep -v '^ganbench run SUITE$' > next.sh
grep -qx 'pip install -e "ci-printed\[test\]"' next.sh && grep -qx 'pytest ci-printed' next.sh
bash -eux -o pipefail next.sh 2>&1 | grep -v '^Requirement already satisfied' >&2

phase "2. a package of every kind, and a suite made of them"
for kind in dataset metric model penalty; do
  ganbench new "$kind" "ci-$kind" --package "ci-$kind"
done
python -m pip install -q -e ci-dataset -e ci-metric -e ci-model -e ci-penalty
python -m pytest -q -p no:cacheprovider ci-dataset ci-metric ci-model ci-penalty
cat > scaffolded.toml <<'TOML'
name = "scaffolded"
seeds = 2
metrics = ["ci-metric", "modes", "energy"]

[train]
steps = 100
batch_size = 64
eval_every = 50
eval_samples = 500

[model]
name = "ci-model"

[[datasets]]
name = "ci-dataset"

[[objectives]]
name = "my-loss"
penalty = "ci-penalty"
penalty_weight = 1.0
TOML
ganbench validate scaffolded.toml
ganbench run scaffolded.toml --out results --jobs 2

phase "3. plugins/ganbench-mmd beside the built-ins"
python -m pip install -q "$repo/plugins/ganbench-mmd"
python -m pytest -q -p no:cacheprovider "$repo/plugins/ganbench-mmd"
cat > mmd.toml <<'TOML'
name = "mmd"
seeds = 2
metrics = ["modes", "energy", "wasserstein"]

[train]
steps = 100
batch_size = 64
eval_every = 50
eval_samples = 500

[model]
name = "mlp"
width = 32
depth = 2

[[datasets]]
name = "ring"

[[objectives]]
name = "mmd"

[[objectives]]
name = "nonsaturating"

[[objectives]]
name = "wgan-gp"
TOML
ganbench plugins | grep -E '^mmd +distribution ganbench-mmd [0-9.]+ +ok +objectives: mmd$'
ganbench run mmd.toml --out results --jobs 2
python - <<'PY'
import json, pathlib
finals = {p.parent.name: json.loads(p.read_text()) for p in pathlib.Path("results/mmd").glob("*/final.json")}
assert len(finals) == 6 and all(f["status"] == "complete" for f in finals.values()), finals
mmd = [f for name, f in finals.items() if name.startswith("ring-mmd-")]
assert len(mmd) == 2 and all(f["metrics"]["estimate"] >= 0 for f in mmd), mmd
config = json.loads(next(pathlib.Path("results/mmd").glob("ring-mmd-s0-*/config.json")).read_text())
assert config["objective"]["provider"]["distribution"] == "ganbench-mmd", config["objective"]
PY
phase "plugins CI: ok"
