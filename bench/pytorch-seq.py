#!/usr/bin/python3
"""pytorch-seq.py — the character LSTM of bench/bench-seq.sh in PyTorch.

Embedding(V, 32) → LSTM(32, 64, 2 layers, batch_first) → Linear(64, V) on the
shipped text data/text/harbour.txt cut as myml-train cuts it (windows of 64
characters, labels one character on, the vocabulary sorted by code point,
a fifth held out), cross-entropy over batch × time, Adam lr 3e-3, batch 32,
one thread. Prints one JSON object per epoch with the seconds of its training
steps, as myml-train --json does.
"""
import argparse
import json
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument('--epochs', type=int, default=3)
p.add_argument('--seq-len', type=int, default=64)
p.add_argument('--batch-size', type=int, default=32)
p.add_argument('--text', default=__file__.rsplit('/', 2)[0] + '/data/text/harbour.txt')
a = p.parse_args()

torch.set_num_threads(1)
torch.manual_seed(42)
text = open(a.text, encoding='utf-8').read()
vocab = sorted(set(text))
V = len(vocab)
ids = np.array([vocab.index(c) for c in text], dtype=np.int64)
L = a.seq_len
n = (len(ids) - 1) // L
x = torch.tensor(np.stack([ids[i * L:(i + 1) * L] for i in range(n)]))
y = torch.tensor(np.stack([ids[i * L + 1:(i + 1) * L + 1] for i in range(n)]))
n_test = int(round(0.2 * n))
rng = np.random.RandomState(42)
perm = rng.permutation(n)
train = perm[n_test:]


class CharLSTM(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(V, 32)
        self.lstm = nn.LSTM(32, 64, 2, batch_first=True)
        self.head = nn.Linear(64, V)

    def forward(self, t):
        return self.head(self.lstm(self.emb(t))[0])


model = CharLSTM()
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for epoch in range(a.epochs):
    order = train[rng.permutation(len(train))]
    t0 = time.perf_counter()
    total = 0.0
    for s in range(0, len(order), a.batch_size):
        b = torch.tensor(order[s:s + a.batch_size])
        out = model(x[b])
        loss = F.cross_entropy(out.reshape(-1, V), y[b].reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item() * len(b)
    dt = time.perf_counter() - t0
    print(json.dumps({'epoch': epoch + 1, 'train_loss': total / len(train), 'epoch_seconds': dt}), flush=True)
