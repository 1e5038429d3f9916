#!/usr/bin/env bash
# bench-seq.sh — myml-train against PyTorch on a character LSTM, in one run.
#
#   bench/bench-seq.sh [BUILD_DIR] [EPOCHS]
#
# Embedding(V, 32) → LSTM(32, 64, 2) → Linear(64, V) on the shipped text
# (data/text/harbour.txt, windows of 64 characters, next-character
# prediction), cross-entropy over batch × time, Adam lr 3e-3, batch 32, one
# thread each (torch.set_num_threads(1); OPENBLAS_NUM_THREADS=1 and
# --threads 1 for ours). Prints the seconds per epoch of each (the median over
# EPOCHS epochs, default 3, training steps only) and their ratio (target ≤ 1.0).
# Needs python3-torch (Debian) for the PyTorch half.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-_build}
epochs=${2:-3}
train="$build/src/cli/myml-train"
[ -x "$train" ] || { echo "build first: $train is missing"; exit 1; }

median () { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
field () { grep -o "\"$1\": [0-9.e+-]*" | awk '{print $2}'; }

echo "== PyTorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)'), 1 thread, $epochs epochs"
torch_out=$(OMP_NUM_THREADS=1 /usr/bin/python3 bench/pytorch-seq.py --epochs "$epochs" | tee /dev/stderr)
echo "== myml-train --threads 1, $epochs epochs"
myml_out=$(OPENBLAS_NUM_THREADS=1 "$train" --data text --seq-len 64 \
             --model "Embedding(V, 32); LSTM(32, 64, 2); Linear(64, V)" --threads 1 \
             --optimizer adam --lr 3e-3 --batch-size 32 --epochs "$epochs" --json -q | tee /dev/stderr)

torch_s=$(echo "$torch_out" | field epoch_seconds | median)
myml_s=$(echo "$myml_out" | field epoch_seconds | median)
echo
printf 'seconds per epoch: PyTorch %.3f, myml-train %.3f, ratio %.2f (target ≤ 1.0)\n' \
  "$torch_s" "$myml_s" "$(echo "$myml_s / $torch_s" | bc -l)"
