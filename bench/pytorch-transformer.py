#!/usr/bin/python3
"""A small character-level transformer in PyTorch (CPU, float32, 1 thread), as
the reference for bench/bench-transformer.sh. The same network and training
as bench/bench-transformer.c:

    Embedding(V, 64) → + sinusoidal positions → 2 × pre-norm transformer
    block (64 wide, 4 heads, MLP 256, ReLU, causal, no dropout) → Linear(64, V)

trained for next-character prediction on a text file: the text is cut into
non-overlapping windows of --context characters (the targets are the same
windows shifted by one), batches of --batch windows in a seeded shuffled
order, cross-entropy over every position, Adam lr 1e-3. Without a text file a
seeded synthetic sequence of --synthetic characters over 64 symbols is used.

Prints one JSON line per epoch: {"epoch", "epoch_seconds", "epoch_cpu_seconds",
"steps", "final_loss", "mean_loss"}; the seconds count the training steps
only (wall clock, and the process's CPU time, which a busy machine disturbs
less).
"""
import argparse
import json
import math
import time

import numpy as np
import torch
import torch.nn as nn

p = argparse.ArgumentParser()
p.add_argument("--text", default=None)
p.add_argument("--synthetic", type=int, default=200000)
p.add_argument("--epochs", type=int, default=1)
p.add_argument("--context", type=int, default=64)
p.add_argument("--batch", type=int, default=32)
p.add_argument("--dim", type=int, default=64)
p.add_argument("--heads", type=int, default=4)
p.add_argument("--mlp", type=int, default=256)
p.add_argument("--blocks", type=int, default=2)
p.add_argument("--lr", type=float, default=1e-3)
p.add_argument("--seed", type=int, default=42)
args = p.parse_args()

torch.set_num_threads(1)
torch.manual_seed(args.seed)


def load_tokens():
    if args.text:
        with open(args.text, "rb") as f:
            data = f.read()
        symbols = sorted(set(data))
        lookup = {s: i for i, s in enumerate(symbols)}
        return np.array([lookup[b] for b in data], dtype=np.int64), len(symbols)
    # The same generator as bench-transformer.c's --synthetic: a seeded
    # linear congruential sequence, so both read the same symbols.
    out = np.empty(args.synthetic, dtype=np.int64)
    state = 12345
    for i in range(args.synthetic):
        state = (state * 1103515245 + 12345) & 0x7FFFFFFF
        out[i] = (state >> 16) % 64
    return out, 64


tokens, V = load_tokens()
T = args.context
n_windows = (len(tokens) - 1) // T
xs = torch.tensor(tokens[:n_windows * T].reshape(n_windows, T))
ys = torch.tensor(tokens[1:n_windows * T + 1].reshape(n_windows, T))


def positional(T, D):
    pe = torch.zeros(T, D)
    for i in range(0, D, 2):
        freq = math.exp(-i * math.log(10000.0) / D)
        t = torch.arange(T, dtype=torch.float64) * freq
        pe[:, i] = torch.sin(t).float()
        if i + 1 < D:
            pe[:, i + 1] = torch.cos(t).float()
    return pe


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(V, args.dim)
        self.register_buffer("pe", positional(T, args.dim))
        self.blocks = nn.ModuleList(
            nn.TransformerEncoderLayer(args.dim, args.heads, dim_feedforward=args.mlp, dropout=0.0,
                                       activation="relu", batch_first=True, norm_first=True)
            for _ in range(args.blocks))
        self.head = nn.Linear(args.dim, V)
        self.register_buffer("mask", torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1))

    def forward(self, x):
        h = self.embed(x) + self.pe[:x.shape[1]]
        for b in self.blocks:
            h = b(h, src_mask=self.mask)
        return self.head(h)


model = Model()
opt = torch.optim.Adam(model.parameters(), lr=args.lr)
lossf = nn.CrossEntropyLoss()
rng = np.random.RandomState(args.seed)

for epoch in range(args.epochs):
    model.train()
    order = rng.permutation(n_windows)
    losses = []
    t0 = time.perf_counter()
    c0 = time.process_time()
    for s in range(0, n_windows, args.batch):
        idx = torch.tensor(order[s:s + args.batch])
        x, y = xs[idx], ys[idx]
        opt.zero_grad()
        loss = lossf(model(x).reshape(-1, V), y.reshape(-1))
        loss.backward()
        opt.step()
        losses.append(loss.item())
    dt = time.perf_counter() - t0
    dc = time.process_time() - c0
    print(json.dumps({"epoch": epoch + 1, "epoch_seconds": dt, "epoch_cpu_seconds": dc, "steps": len(losses), "vocab": V,
                      "windows": n_windows, "final_loss": losses[-1],
                      "mean_loss": float(np.mean(losses))}), flush=True)
