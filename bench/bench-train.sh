#!/usr/bin/env bash
# bench-train.sh — myml-train against PyTorch on the seed's MLP, in one run.
#
#   bench/bench-train.sh [BUILD_DIR] [EPOCHS]
#
# Both on one thread, float32, batch 64, SGD lr 0.1, the same Fashion-MNIST
# files. Prints seconds per epoch of each (median over the epochs) and the
# ratio (target ≤ 0.5), then 10 epochs of Adam (lr 1e-3) with myml-train for
# the accuracy target (≥ 88 %) and its peak memory (target < 300 MB).
# Needs python3-torch (Debian) for the PyTorch half.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-_build}
epochs=${2:-3}
train="$build/src/cli/myml-train"
[ -x "$train" ] || { echo "build first: $train is missing"; exit 1; }

median () { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
epoch_seconds () { grep -o '"epoch_seconds": [0-9.e+-]*' | awk '{print $2}'; }

echo "== PyTorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)'), 1 thread, $epochs epochs"
torch_s=$(OMP_NUM_THREADS=1 /usr/bin/python3 bench/pytorch-mlp.py --epochs "$epochs" | tee /dev/stderr | epoch_seconds | median)
echo "== myml-train --threads 1, $epochs epochs"
myml_s=$(OPENBLAS_NUM_THREADS=1 "$train" --threads 1 --epochs "$epochs" --json -q | tee /dev/stderr | epoch_seconds | median)
echo
printf 'seconds per epoch: PyTorch %.3f, myml-train %.3f, ratio %.2f (target ≤ 0.5)\n' \
  "$torch_s" "$myml_s" "$(echo "$myml_s / $torch_s" | bc -l)"

echo
echo "== myml-train, Adam lr 1e-3, 10 epochs (target ≥ 88 % test accuracy, < 300 MB)"
/usr/bin/time -f 'peak memory %M KB' "$train" --threads 1 --optimizer adam --lr 1e-3 --epochs 10 --json -q 2>&1 \
  | grep -E '"epoch": 10|peak memory'
