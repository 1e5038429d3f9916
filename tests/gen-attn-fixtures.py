#!/usr/bin/python3
"""gen-attn-fixtures.py — PyTorch reference values for the sequence layers:
LayerNorm, multi-head self-attention, positional encoding, transformer blocks.

Run with Debian's python3 (python3-torch, python3-numpy):

    /usr/bin/python3 tests/gen-attn-fixtures.py           # writes tests/fixtures/attn.txt
    /usr/bin/python3 tests/gen-attn-fixtures.py OUT.txt   # writes elsewhere

The output is committed; CI never regenerates it. Everything is seeded, so
running the script again gives the same file byte for byte.

Inputs and parameters are float32; the references are computed by torch in
float64 from exactly those numbers, with torch's own modules
(nn.LayerNorm, nn.MultiheadAttention, nn.TransformerEncoderLayer) wherever
torch has one. The format is that of tests/fixtures/conv.txt (read by
tests/test-attention.c):

    format 1
    case PATH
    op KIND                     LayerNorm, Attention, Module
    param KEY V…                a setting
    tensor ROLE NAME NDIM D… : X…
    end

op LayerNorm: the node LayerNorm(x, gamma, beta) with param eps.
op Attention: the nodes AttentionApply(AttentionWeights(qkv), qkv) with
    param heads and param causal (0 or 1).
op Module: param model is a network's text form; the inputs are x and every
    parameter under libmyml's name (the same as PyTorch's state_dict names
    inside a layer, prefixed by the layer's index).

Roles:
    input      a leaf of the graph (x first, then the parameters)
    upstream   ∂L/∂y (the gradient fed to the output)
    value      the expected output y
    weights    the expected attention weights (batch, heads, time, time), one
               per attention layer in order (names 0, 1, …)
    grad       the expected ∂L/∂NAME for the input NAME
"""

import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import fixturelib
from fixturelib import f32

SEED = 20240815
rng = np.random.RandomState(SEED)
torch.manual_seed(SEED)

cases = []


def Case(path, op):
    return fixturelib.Case(path, op, into=cases)


def normal(shape, scale=1.0, offset=0.0):
    return f32(rng.standard_normal(shape) * scale + offset)


def t64(a, grad=True):
    return torch.tensor(np.asarray(a, dtype=np.float64), dtype=torch.float64, requires_grad=grad)


def finish(case, y, leaves):
    """Feeds a random float32 upstream gradient to y; records it, the value
    and the gradient of every (name, float64 leaf)."""
    g = normal(tuple(y.shape))
    y.backward(torch.tensor(g, dtype=torch.float64))
    case.tensor('upstream', 'y', g)
    case.tensor('value', 'y', y.detach().numpy())
    for n, t in leaves:
        case.tensor('grad', n, t.grad.numpy())


def causal_mask(T):
    # True where a position may not look: above the diagonal.
    return torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)


# ---- LayerNorm (the node) ----------------------------------------------------

def gen_layer_norm():
    specs = [
        # name, shape, eps, offset, scale
        ('3d', (2, 5, 8), 1e-5, 0.0, 1.0),
        ('2d-offset', (4, 6), 1e-5, 50.0, 2.0),
        ('one-feature', (3, 1), 1e-5, 0.0, 1.0),
        ('4d-eps', (2, 2, 3, 5), 1e-3, -1.0, 0.1),
        ('tiny-spread', (2, 7), 1e-5, 3.0, 1e-3),
    ]
    for name, shape, eps, offset, scale in specs:
        D = shape[-1]
        c = Case('layernorm/' + name, 'LayerNorm')
        c.param('eps', repr(eps))
        x = normal(shape, scale, offset)
        gamma = f32(rng.uniform(0.5, 1.5, D) * np.where(rng.uniform(size=D) < 0.3, -1, 1))
        beta = normal((D,), 0.5)
        xs = [t64(v) for v in (x, gamma, beta)]
        for n, v in zip(('x', 'gamma', 'beta'), (x, gamma, beta)):
            c.tensor('input', n, v)
        y = F.layer_norm(xs[0], (D,), xs[1], xs[2], eps)
        finish(c, y, list(zip(('x', 'gamma', 'beta'), xs)))


# ---- Attention (the two nodes) -----------------------------------------------

def attention_reference(qkv, heads, causal):
    """Written out by hand (the modules below check the layout against
    nn.MultiheadAttention): softmax(QKᵀ/√d + mask) V per head."""
    B, T, D3 = qkv.shape
    D = D3 // 3
    d = D // heads
    q, k, v = qkv[..., :D], qkv[..., D:2 * D], qkv[..., 2 * D:]

    def split(t):
        return t.reshape(B, T, heads, d).permute(0, 2, 1, 3)

    s = split(q) @ split(k).transpose(-1, -2) / math.sqrt(d)
    if causal:
        s = s.masked_fill(causal_mask(T), float('-inf'))
    p = torch.softmax(s, dim=-1)
    o = (p @ split(v)).permute(0, 2, 1, 3).reshape(B, T, D)
    return p, o


def gen_attention_nodes():
    specs = [
        # B, T, D, heads, causal, scale
        (2, 4, 8, 2, False, 1.0),
        (2, 4, 8, 2, True, 1.0),
        (1, 1, 4, 1, False, 1.0),
        (1, 1, 4, 4, True, 1.0),
        (3, 9, 8, 4, True, 1.0),
        (2, 9, 6, 1, False, 1.0),
        (2, 5, 8, 2, False, 4.0),   # peaked softmax
    ]
    for B, T, D, H, causal, scale in specs:
        c = Case('attention/B%d-T%d-D%d-h%d%s%s' % (B, T, D, H, '-causal' if causal else '',
                                                    '-peaked' if scale != 1.0 else ''), 'Attention')
        c.param('heads', H)
        c.param('causal', int(causal))
        qkv = normal((B, T, 3 * D), scale)
        c.tensor('input', 'qkv', qkv)
        xs = t64(qkv)
        p, o = attention_reference(xs, H, causal)
        c.tensor('weights', '0', p.detach().numpy())
        finish(c, o, [('qkv', xs)])


# ---- Modules -----------------------------------------------------------------

def as_f32_params(module, randomize_biases=True):
    """Rounds every parameter to float32 (those numbers go into the fixture)
    and gives zero-initialised biases and LayerNorm's ones random values, so
    their gradients are tested against something other than a constant."""
    out = {}
    with torch.no_grad():
        for name, p in module.named_parameters():
            v = p.detach().numpy().astype(np.float32)
            if randomize_biases and ('bias' in name or name.endswith('norm1.weight')
                                     or name.endswith('norm2.weight') or name == 'weight'):
                if name.endswith('weight'):
                    v = f32(rng.uniform(0.6, 1.4, v.shape))
                else:
                    v = normal(v.shape, 0.3)
            p.copy_(torch.tensor(v, dtype=torch.float64))
            out[name] = v
    return out


def module_case(path, model_text, layers, x, attn_modules=()):
    """layers: list of (index, torch module or None, forward function); the
    function takes the running float64 tensor and returns the next one.
    Records inputs, value, every gradient, and the per-head attention
    weights each entry of attn_modules (a callable returning them) saw."""
    c = Case(path, 'Module')
    c.param('model', model_text)
    xs = t64(x)
    c.tensor('input', 'x', x)
    leaves = [('x', xs)]
    for idx, mod in layers:
        if mod is None:
            continue
        for name, v in as_f32_params(mod).items():
            c.tensor('input', '%d.%s' % (idx, name), v)
        for name, p in mod.named_parameters():
            leaves.append(('%d.%s' % (idx, name), p))
    return c, xs, leaves


def mha_forward(mod, causal, seen):
    def f(h):
        T = h.shape[1]
        y, w = mod(h, h, h, attn_mask=causal_mask(T) if causal else None,
                   need_weights=True, average_attn_weights=False)
        seen.append(w)
        return y
    return f


def block_forward(layer, causal, seen):
    """nn.TransformerEncoderLayer(norm_first=True) as torch runs it; the
    attention weights are read with a hook on its self_attn (which the layer
    itself calls without need_weights)."""
    def f(h):
        T = h.shape[1]
        z = layer.norm1(h)
        _, w = layer.self_attn(z, z, z, attn_mask=causal_mask(T) if causal else None,
                               need_weights=True, average_attn_weights=False)
        seen.append(w)
        return layer(h, src_mask=causal_mask(T) if causal else None)
    return f


def positional(T, D):
    pe = np.zeros((T, D))
    for t in range(T):
        for i in range(0, D, 2):
            a = t / 10000.0 ** (i / D)
            pe[t, i] = math.sin(a)
            if i + 1 < D:
                pe[t, i + 1] = math.cos(a)
    return torch.tensor(pe, dtype=torch.float64)


def run_model(path, text, parts, B, T, D, x_scale=1.0):
    """parts: list of (kind, settings) in network order."""
    x = normal((B, T, D), x_scale)
    mods = []
    for idx, (kind, s) in enumerate(parts):
        if kind == 'mha':
            mods.append((idx, nn.MultiheadAttention(s['dim'], s['heads'], dropout=0.0, batch_first=True).double()))
        elif kind == 'block':
            mods.append((idx, nn.TransformerEncoderLayer(s['dim'], s['heads'], dim_feedforward=s['mlp'],
                                                         dropout=0.0, activation='relu', batch_first=True,
                                                         norm_first=True).double()))
        elif kind == 'ln':
            mods.append((idx, nn.LayerNorm(s['dim']).double()))
        elif kind == 'linear':
            mods.append((idx, None))
        else:
            mods.append((idx, None))
    c, xs, leaves = module_case(path, text, mods, x)

    # Our Linear keeps its weight as (in, out): its parameters are plain
    # tensors here.
    extra = {}
    for idx, (kind, s) in enumerate(parts):
        if kind == 'linear':
            w = normal((s['in'], s['out']), 1.0 / math.sqrt(s['in']))
            b = normal((s['out'],), 0.3)
            c.tensor('input', '%d.weight' % idx, w)
            c.tensor('input', '%d.bias' % idx, b)
            wt, bt = t64(w), t64(b)
            leaves += [('%d.weight' % idx, wt), ('%d.bias' % idx, bt)]
            extra[idx] = (wt, bt)

    seen = []
    h = xs
    for idx, (kind, s) in enumerate(parts):
        mod = mods[idx][1]
        if mod is not None:
            mod.train()
        if kind == 'mha':
            h = mha_forward(mod, s['causal'], seen)(h)
        elif kind == 'block':
            h = block_forward(mod, s['causal'], seen)(h)
        elif kind == 'ln':
            h = mod(h)
        elif kind == 'pos':
            h = h + positional(h.shape[1], h.shape[2])
        elif kind == 'linear':
            wt, bt = extra[idx]
            h = h @ wt + bt
        elif kind == 'relu':
            h = torch.relu(h)
    for i, w in enumerate(seen):
        c.tensor('weights', str(i), w.detach().numpy())
    finish(c, h, leaves)


def gen_modules():
    # MultiheadAttention alone: several lengths, heads, with and without the mask.
    for T in (1, 4, 9):
        for H in (1, 2, 4):
            for causal in (False, True):
                if T == 1 and H == 2:
                    continue
                D = 8
                text = 'MultiheadAttention(%d, %d%s)' % (D, H, ', 1' if causal else '')
                run_model('mha/T%d-h%d%s' % (T, H, '-causal' if causal else ''), text,
                          [('mha', dict(dim=D, heads=H, causal=causal))], 2, T, D)

    # LayerNorm as a module on a sequence; Linear on (batch, time, features).
    run_model('layernorm/module', 'LayerNorm(6)', [('ln', dict(dim=6))], 2, 4, 6, 2.0)
    run_model('linear/3d-input', 'Linear(6, 5)', [('linear', dict(**{'in': 6, 'out': 5}))], 3, 4, 6)
    run_model('posenc/T9-D6', 'PositionalEncoding(6)', [('pos', {})], 2, 9, 6)
    run_model('posenc/T4-D5-odd', 'PositionalEncoding(5, 16)', [('pos', {})], 1, 4, 5)

    # Transformer blocks: one or two, causal or not, several heads and lengths.
    blocks = [
        # T, D, heads, mlp, causal, n_blocks
        (1, 8, 2, 16, False, 1),
        (4, 8, 1, 16, False, 1),
        (4, 8, 2, 32, True, 1),
        (9, 8, 4, 16, True, 1),
        (9, 8, 2, 16, False, 2),
        (4, 8, 4, 12, True, 2),
    ]
    for T, D, H, mlp, causal, n in blocks:
        one = 'TransformerBlock(%d, %d, %d%s)' % (D, H, mlp, ', 1' if causal else '')
        text = '; '.join([one] * n)
        parts = [('block', dict(dim=D, heads=H, mlp=mlp, causal=causal))] * n
        run_model('block/T%d-h%d-mlp%d%s-x%d' % (T, H, mlp, '-causal' if causal else '', n), text, parts, 2, T, D)

    # A small language model's body: positions, two causal blocks, a final
    # LayerNorm and a Linear head (the embedding is another layer's work).
    text = ('PositionalEncoding(8); TransformerBlock(8, 2, 16, 1); TransformerBlock(8, 2, 16, 1); '
            'LayerNorm(8); Linear(8, 5)')
    parts = [('pos', {}), ('block', dict(dim=8, heads=2, mlp=16, causal=True)),
             ('block', dict(dim=8, heads=2, mlp=16, causal=True)), ('ln', dict(dim=8)),
             ('linear', {'in': 8, 'out': 5})]
    run_model('model/posenc-2-blocks-head', text, parts, 2, 6, 8)


def main():
    gen_layer_norm()
    gen_attention_nodes()
    gen_modules()

    path = fixturelib.out_path(__file__, 'attn.txt')
    fixturelib.write_fixtures(path, 'sequence-layer', 'gen-attn-fixtures.py', torch.__version__, SEED, cases)
    print('wrote %s (%d cases)' % (path, len(cases)))


if __name__ == '__main__':
    main()
