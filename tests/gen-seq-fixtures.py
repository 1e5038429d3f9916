#!/usr/bin/python3
"""gen-seq-fixtures.py — PyTorch reference values for the recurrent layers:
RNN (tanh), LSTM, Embedding, Last, and cross-entropy over (batch, time,
classes) for next-character prediction.

Run with Debian's python3 (python3-torch, python3-numpy):

    /usr/bin/python3 tests/gen-seq-fixtures.py           # writes tests/fixtures/seq.txt
    /usr/bin/python3 tests/gen-seq-fixtures.py OUT.txt   # writes elsewhere

The output is committed; CI never regenerates it. Everything is seeded, so
running the script again gives the same file byte for byte.

Inputs and parameters are float32; the references are computed by torch in
float64 from exactly those numbers with torch's own modules (nn.RNN, nn.LSTM
with batch_first=True, nn.Embedding, nn.Linear, F.cross_entropy). The format
is that of tests/fixtures/conv.txt (read by tests/test-rnn.c):

    format 1
    case PATH
    op KIND                     Module or Loss
    param KEY V…                a setting
    tensor ROLE NAME NDIM D… : X…
    end

op Module: param model is a network's text form; the inputs are x and every
    parameter under libmyml's name (PyTorch's state_dict names inside a layer,
    prefixed by the layer's index; our Linear keeps its weight as (in, out),
    the transpose of nn.Linear's). An upstream gradient is fed to the output.
op Loss: the same network and its cross-entropy against class indices
    (param classes); the value is the loss and no upstream is given.

Roles:
    input      a leaf of the graph (x first, then the parameters)
    targets    class indices (op Loss)
    upstream   ∂L/∂y (op Module)
    value      the expected output y (or the loss)
    grad       the expected ∂L/∂NAME for the input NAME (never for ids)
"""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import fixturelib
from fixturelib import f32

SEED = 20240901
rng = np.random.RandomState(SEED)
torch.manual_seed(SEED)

cases = []


def Case(path, op):
    return fixturelib.Case(path, op, into=cases)


def normal(shape, scale=1.0, offset=0.0):
    return f32(rng.standard_normal(shape) * scale + offset)


def make_layer(kind, args):
    """A float64 torch module with float32-representable random parameters
    (drawn wider than PyTorch's own init so that the gates saturate a bit),
    and its parameters under libmyml's names and layout."""
    if kind == 'rnn' or kind == 'lstm':
        I, H, L = args
        mod = (nn.LSTM if kind == 'lstm' else nn.RNN)(I, H, L, batch_first=True).double()
        scale = 0.6
    elif kind == 'embedding':
        N, D = args
        mod = nn.Embedding(N, D).double()
        scale = 1.0
    elif kind == 'linear':
        I, O = args
        mod = nn.Linear(I, O).double()
        scale = 0.5
    else:
        return None, {}
    ours = {}
    with torch.no_grad():
        for name, p in mod.named_parameters():
            v = normal(tuple(p.shape), scale)
            p.copy_(torch.tensor(v, dtype=torch.float64))
            ours[name] = v.T if (kind == 'linear' and name == 'weight') else v
    return mod, ours


def layer_text(kind, args):
    if kind == 'rnn' or kind == 'lstm':
        I, H, L = args
        name = 'LSTM' if kind == 'lstm' else 'RNN'
        return '%s(%d, %d%s)' % (name, I, H, '' if L == 1 else ', %d' % L)
    if kind == 'embedding':
        return 'Embedding(%d, %d)' % args
    if kind == 'linear':
        return 'Linear(%d, %d)' % args
    if kind == 'last':
        return 'Last'
    raise ValueError(kind)


def forward(layers, x):
    h = x
    for kind, mod in layers:
        if kind in ('rnn', 'lstm'):
            h = mod(h)[0]
        elif kind == 'last':
            h = h[:, -1]
        else:
            h = mod(h)
    return h


def build(path, op, parts, x, ids):
    c = Case(path, op)
    c.param('model', '; '.join(layer_text(k, a) for k, a in parts))
    c.tensor('input', 'x', x)
    xs = torch.tensor(x, dtype=torch.long if ids else torch.float64, requires_grad=False)
    if not ids:
        xs = torch.tensor(np.asarray(x, dtype=np.float64), dtype=torch.float64, requires_grad=True)
    leaves = [] if ids else [('x', xs, False)]
    layers = []
    for idx, (kind, args) in enumerate(parts):
        mod, ours = make_layer(kind, args)
        layers.append((kind, mod))
        for name, v in ours.items():
            c.tensor('input', '%d.%s' % (idx, name), v)
        if mod is not None:
            for name, p in mod.named_parameters():
                leaves.append(('%d.%s' % (idx, name), p, kind == 'linear' and name == 'weight'))
    return c, xs, layers, leaves


def run_module(path, parts, x, ids=False):
    c, xs, layers, leaves = build(path, 'Module', parts, x, ids)
    y = forward(layers, xs)
    g = normal(tuple(y.shape))
    y.backward(torch.tensor(g, dtype=torch.float64))
    c.tensor('upstream', 'y', g)
    c.tensor('value', 'y', y.detach().numpy())
    for n, t, transposed in leaves:
        g = t.grad.numpy()
        c.tensor('grad', n, g.T if transposed else g)


def run_loss(path, parts, x, targets, classes, ids=True):
    c, xs, layers, leaves = build(path, 'Loss', parts, x, ids)
    c.param('classes', classes)
    c.tensor('targets', 't', f32(targets))
    y = forward(layers, xs)
    loss = F.cross_entropy(y.reshape(-1, classes), torch.tensor(targets.reshape(-1), dtype=torch.long))
    loss.backward()
    c.tensor('value', 'loss', f32(loss.item()))
    for n, t, transposed in leaves:
        g = t.grad.numpy()
        c.tensor('grad', n, g.T if transposed else g)


def gen_recurrent():
    # Both kinds; sequence lengths 1, 3 and 7; batches 1 to 3; one and two layers.
    for kind in ('rnn', 'lstm'):
        for T in (1, 3, 7):
            for B, I, H, L in ((1, 3, 4, 1), (2, 4, 5, 1), (3, 3, 4, 2), (2, 5, 3, 2)):
                x = normal((B, T, I))
                run_module('%s/T%d-B%d-I%d-H%d-L%d' % (kind, T, B, I, H, L), [(kind, (I, H, L))], x)
    # Large inputs saturate the gates (tanh and σ near ±1, 0).
    run_module('lstm/saturated', [('lstm', (2, 3, 1))], normal((2, 4, 2), 6.0))
    run_module('rnn/saturated', [('rnn', (2, 3, 1))], normal((2, 4, 2), 6.0))
    # Three layers, wider.
    run_module('lstm/T5-B2-I6-H8-L3', [('lstm', (6, 8, 3))], normal((2, 5, 6)))


def gen_heads():
    # A sequence classifier: the last step into a Linear layer.
    run_module('head/lstm-last-linear', [('lstm', (3, 5, 1)), ('last', None), ('linear', (5, 2))],
               normal((3, 6, 3)))
    run_module('head/rnn-2-last', [('rnn', (4, 4, 2)), ('last', None)], normal((2, 3, 4)))
    # A Linear layer on every time step.
    run_module('head/lstm-linear-per-step', [('lstm', (3, 4, 1)), ('linear', (4, 6))], normal((2, 5, 3)))


def gen_embedding():
    for N, D, B, T in ((7, 3, 2, 5), (4, 6, 1, 1), (10, 2, 3, 4)):
        ids = f32(rng.randint(0, N, size=(B, T)))
        run_module('embedding/N%d-D%d-B%d-T%d' % (N, D, B, T), [('embedding', (N, D))], ids, ids=True)
    # Repeated ids: their rows get the sum of the gradients.
    ids = f32([[1, 1, 1, 2], [2, 1, 0, 1]])
    run_module('embedding/repeats', [('embedding', (3, 4))], ids, ids=True)
    # Ids of one sample (no time axis).
    run_module('embedding/1d', [('embedding', (5, 3))], f32([4, 0, 4]), ids=True)


def gen_char_models():
    # Next-character prediction: cross-entropy over (batch, time, classes),
    # the mean over batch × time.
    V = 6
    for T, B, L in ((1, 2, 1), (3, 2, 2), (7, 3, 2)):
        ids = f32(rng.randint(0, V, size=(B, T)))
        targets = rng.randint(0, V, size=(B, T))
        run_loss('char/lstm-T%d-B%d-L%d' % (T, B, L),
                 [('embedding', (V, 4)), ('lstm', (4, 5, L)), ('linear', (5, V))], ids, targets, V)
    ids = f32(rng.randint(0, V, size=(2, 4)))
    run_loss('char/rnn-T4-B2', [('embedding', (V, 3)), ('rnn', (3, 5, 1)), ('linear', (5, V))],
             ids, rng.randint(0, V, size=(2, 4)), V)


def main():
    gen_recurrent()
    gen_heads()
    gen_embedding()
    gen_char_models()

    path = fixturelib.out_path(__file__, 'seq.txt')
    fixturelib.write_fixtures(path, 'recurrent-layer', 'gen-seq-fixtures.py', torch.__version__, SEED, cases)
    print('wrote %s (%d cases)' % (path, len(cases)))


if __name__ == '__main__':
    main()
