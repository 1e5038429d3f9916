#!/usr/bin/env bash
# bench-transformer.sh — libmyml against PyTorch on a small character
# transformer, one epoch each, in one run.
#
#   bench/bench-transformer.sh [BUILD_DIR] [TEXT_FILE] [ROUNDS]
#
# The network: Embedding(V, 64) → sinusoidal positions → 2 pre-norm
# transformer blocks (64 wide, 4 heads, MLP 256, ReLU, causal) → Linear(64, V),
# next-character prediction on windows of 64 characters, batch 32, Adam
# lr 1e-3, float32, one thread each (OPENBLAS_NUM_THREADS=1,
# torch.set_num_threads(1)). TEXT_FILE defaults to the first data/text/*.txt
# (the shipped text); without one, both read the same synthetic sequence of
# 200,000 symbols. The two alternate ROUNDS times (default 3) and the median
# of each is compared: wall-clock seconds per epoch, and the process's CPU
# seconds, which other work on a shared machine disturbs less. Target: ratio
# ≤ 1.0. Needs python3-torch (Debian) for the PyTorch half.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-_build}
text=${2:-}
rounds=${3:-3}
bench="$build/bench/bench-transformer"
[ -x "$bench" ] || { echo "build first: $bench is missing"; exit 1; }
if [ -z "$text" ]; then
  text=$(ls data/text/*.txt 2>/dev/null | head -1 || true)
fi
if [ -n "$text" ]; then
  data=(--text "$text")
  echo "== text: $text ($(wc -c < "$text") bytes)"
else
  data=(--synthetic 200000)
  echo "== no text under data/text/: a synthetic sequence of 200000 symbols"
fi

median () { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
field () { grep -o "\"$1\": [0-9.e+-]*" | awk '{print $2}'; }

torch_out=""
myml_out=""
for r in $(seq "$rounds"); do
  echo "== round $r: PyTorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)'), 1 thread"
  torch_out+=$(OMP_NUM_THREADS=1 /usr/bin/python3 bench/pytorch-transformer.py "${data[@]}" | tee /dev/stderr)$'\n'
  echo "== round $r: libmyml, 1 thread"
  myml_out+=$(OPENBLAS_NUM_THREADS=1 "$bench" "${data[@]}" | tee /dev/stderr)$'\n'
done

torch_s=$(echo "$torch_out" | field epoch_seconds | median)
myml_s=$(echo "$myml_out" | field epoch_seconds | median)
torch_c=$(echo "$torch_out" | field epoch_cpu_seconds | median)
myml_c=$(echo "$myml_out" | field epoch_cpu_seconds | median)
echo
printf 'seconds per epoch (wall): PyTorch %.3f, libmyml %.3f, ratio %.2f (target ≤ 1.0)\n' \
  "$torch_s" "$myml_s" "$(echo "$myml_s / $torch_s" | bc -l)"
printf 'seconds per epoch (CPU):  PyTorch %.3f, libmyml %.3f, ratio %.2f (target ≤ 1.0)\n' \
  "$torch_c" "$myml_c" "$(echo "$myml_c / $torch_c" | bc -l)"
printf 'mean loss over the epoch: PyTorch %.4f, libmyml %.4f (different initial weights)\n' \
  "$(echo "$torch_out" | field mean_loss | median)" "$(echo "$myml_out" | field mean_loss | median)"
