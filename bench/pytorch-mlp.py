#!/usr/bin/python3
"""The seed's MLP on Fashion-MNIST in PyTorch (CPU, float32, 1 thread), as a
reference for bench/bench-train.sh. Reads the same IDX files as myml-train,
batch 64, shuffled, SGD lr 0.1 unless told otherwise. Prints one JSON line per
epoch: {"epoch", "epoch_seconds", "test_accuracy"}."""
import argparse
import gzip
import json
import time

import numpy as np
import torch
import torch.nn as nn

p = argparse.ArgumentParser()
p.add_argument("--epochs", type=int, default=2)
p.add_argument("--optimizer", default="sgd")
p.add_argument("--lr", type=float, default=None)
p.add_argument("--dir", default="/usr/share/datasets/fashion-mnist")
args = p.parse_args()

torch.set_num_threads(1)
torch.manual_seed(42)


def idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


xtr = torch.tensor(idx(f"{args.dir}/train-images-idx3-ubyte.gz"), dtype=torch.float32) / 255
ytr = torch.tensor(idx(f"{args.dir}/train-labels-idx1-ubyte.gz"), dtype=torch.int64)
xte = torch.tensor(idx(f"{args.dir}/t10k-images-idx3-ubyte.gz"), dtype=torch.float32) / 255
yte = torch.tensor(idx(f"{args.dir}/t10k-labels-idx1-ubyte.gz"), dtype=torch.int64)

model = nn.Sequential(nn.Flatten(), nn.Linear(784, 100), nn.ReLU(), nn.Linear(100, 100), nn.ReLU(),
                      nn.Linear(100, 10))
lossf = nn.CrossEntropyLoss()
if args.optimizer == "adam":
    opt = torch.optim.Adam(model.parameters(), lr=args.lr or 1e-3)
else:
    opt = torch.optim.SGD(model.parameters(), lr=args.lr or 0.1)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(xtr, ytr), batch_size=64, shuffle=True)

for epoch in range(args.epochs):
    t0 = time.perf_counter()
    for x, y in loader:
        opt.zero_grad()
        loss = lossf(model(x), y)
        loss.backward()
        opt.step()
    dt = time.perf_counter() - t0
    with torch.no_grad():
        acc = (model(xte).argmax(1) == yte).float().mean().item()
    print(json.dumps({"epoch": epoch + 1, "epoch_seconds": dt, "test_accuracy": acc}), flush=True)
