#!/usr/bin/python3
"""A LeNet-style CNN on Fashion-MNIST in PyTorch (CPU, float32, 1 thread), as a
reference for bench/bench-cnn.sh. The same network as the myml-train model
given there:

    Reshape(1, 28, 28); Conv2d(1, 6, 5); ReLU; MaxPool2d(2); Conv2d(6, 16, 5);
    ReLU; MaxPool2d(2); Flatten; Linear(256, 120); ReLU; Linear(120, 84); ReLU;
    Linear(84, 10)

Reads the same IDX files, batch 64, shuffled, Adam lr 1e-3 unless told
otherwise. Prints one JSON line per epoch: {"epoch", "epoch_seconds",
"test_accuracy"}; epoch_seconds counts the training steps only, as
myml-train's does."""
import argparse
import gzip
import json
import time

import numpy as np
import torch
import torch.nn as nn

p = argparse.ArgumentParser()
p.add_argument("--epochs", type=int, default=2)
p.add_argument("--optimizer", default="adam")
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

model = nn.Sequential(
    nn.Unflatten(1, (1, 28, 28)),
    nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(),
    nn.Linear(256, 120), nn.ReLU(),
    nn.Linear(120, 84), nn.ReLU(),
    nn.Linear(84, 10))
lossf = nn.CrossEntropyLoss()
if args.optimizer == "adam":
    opt = torch.optim.Adam(model.parameters(), lr=args.lr or 1e-3)
else:
    opt = torch.optim.SGD(model.parameters(), lr=args.lr or 0.1)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(xtr.reshape(-1, 784), ytr),
                                     batch_size=64, shuffle=True)

for epoch in range(args.epochs):
    model.train()
    t0 = time.perf_counter()
    for x, y in loader:
        opt.zero_grad()
        loss = lossf(model(x), y)
        loss.backward()
        opt.step()
    dt = time.perf_counter() - t0
    model.eval()
    with torch.no_grad():
        acc = (model(xte.reshape(-1, 784)).argmax(1) == yte).float().mean().item()
    print(json.dumps({"epoch": epoch + 1, "epoch_seconds": dt, "test_accuracy": acc}), flush=True)
