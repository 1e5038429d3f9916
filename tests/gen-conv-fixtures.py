#!/usr/bin/python3
"""gen-conv-fixtures.py — PyTorch reference values for the image layers.

Run with Debian's python3 (python3-torch, python3-numpy):

    /usr/bin/python3 tests/gen-conv-fixtures.py           # writes tests/fixtures/conv.txt
    /usr/bin/python3 tests/gen-conv-fixtures.py OUT.txt   # writes elsewhere

The output is committed; CI never regenerates it. Everything is seeded, so
running the script again gives the same file byte for byte.

As in gen-fixtures.py, inputs are float32 and the references are computed by
torch in float64 from exactly those numbers. The format is that of
tests/fixtures/core.txt (read by tests/test-conv.c):

    format 1
    case PATH
    op KIND                     Conv2d, MaxPool2d, AvgPool2d, BatchNorm, Dropout, Train
    param KEY V…                a setting
    tensor ROLE NAME NDIM D… : X…
    end

with these roles:
    input      a leaf of the graph (a Constant), in input order
    upstream   ∂L/∂y (the gradient fed to the node's output)
    value      the expected value of the output y
    grad       the expected ∂L/∂NAME for the input NAME
    state      BatchNorm in training mode: the running statistics before the step
    updated    …and after it (PyTorch's momentum rule, unbiased variance)
and, for op Train (a network trained for a few steps, as gen-train-fixtures.py
does for MLPs; param model is the network's text form, param optimizer its
kind and learning rate):
    init NAME    a parameter (or buffer) before the first step, libmyml's layout
    x STEP, y STEP  the batch of each step (class indices in y)
    losses       the loss of every step, before that step's update
    final NAME   each parameter and buffer after the last step
"""

import numpy as np
import torch
import torch.nn.functional as F

import fixturelib
from fixturelib import f32

SEED = 20240612
rng = np.random.RandomState(SEED)
torch.manual_seed(SEED)

cases = []


def Case(path, op):
    return fixturelib.Case(path, op, into=cases)


def normal(shape, scale=1.0, offset=0.0):
    return f32(rng.standard_normal(shape) * scale + offset)


def t64(a, grad=True):
    return torch.tensor(np.asarray(a, dtype=np.float64), dtype=torch.float64, requires_grad=grad)


def run(case, fn, inputs, names):
    """fn on float64 copies of the float32 inputs; a random float32 upstream
    gradient; records inputs, upstream, value and every input's gradient."""
    xs = [t64(x) for x in inputs]
    y = fn(*xs)
    for n, x in zip(names, inputs):
        case.tensor('input', n, x)
    g = normal(tuple(y.shape))
    y.backward(torch.tensor(g, dtype=torch.float64))
    case.tensor('upstream', 'y', g)
    case.tensor('value', 'y', y.detach().numpy())
    for n, x in zip(names, xs):
        case.tensor('grad', n, x.grad.numpy())
    return y


def pair(v):
    return v if isinstance(v, tuple) else (v, v)


# ---- Conv2d ----------------------------------------------------------------

def gen_conv():
    specs = [
        # name, (N, C, H, W), O, kernel, stride, padding, dilation, bias
        ('basic', (2, 3, 7, 7), 4, 3, 1, 0, 1, True),
        ('stride2-pad1', (2, 2, 8, 9), 3, 3, 2, 1, 1, True),
        ('rect-kernel', (1, 1, 5, 7), 2, (2, 3), (1, 2), (1, 0), 1, True),
        ('dilation2-pad2', (2, 2, 9, 9), 3, 3, 1, 2, 2, True),
        ('stride3-dil2-pad1', (1, 3, 10, 11), 2, 3, 3, 1, 2, True),
        ('pointwise', (2, 4, 5, 5), 3, 1, 1, 0, 1, True),
        ('pointwise-stride2', (1, 2, 5, 6), 3, 1, 2, 0, 1, True),
        ('kernel-fills-input', (3, 2, 4, 4), 2, 4, 1, 0, 1, True),
        ('no-bias', (2, 3, 6, 5), 2, 2, 1, 0, 1, False),
        ('stride-beyond-kernel', (1, 2, 9, 9), 2, 2, 3, 0, 1, True),
        ('dilation3-pad3', (1, 1, 8, 7), 2, 2, 1, 3, 3, True),
        ('pad-rect', (2, 2, 3, 6), 2, 3, 1, (2, 1), 1, True),
        ('lenet-conv1', (1, 1, 28, 28), 6, 5, 1, 0, 1, True),
        ('lenet-conv2', (1, 6, 12, 12), 16, 5, 1, 0, 1, True),
        ('batch1-odd', (1, 5, 3, 5), 7, 3, 2, 1, 1, True),
    ]
    for name, shape, O, k, s, p, d, bias in specs:
        kh, kw = pair(k)
        c = Case('conv2d/' + name, 'Conv2d')
        c.param('stride', *pair(s))
        c.param('padding', *pair(p))
        c.param('dilation', *pair(d))
        x = normal(shape)
        w = normal((O, shape[1], kh, kw), 1.0 / np.sqrt(shape[1] * kh * kw))
        if bias:
            b = normal((O,), 0.5)
            run(c, lambda x, w, b: F.conv2d(x, w, b, stride=pair(s), padding=pair(p), dilation=pair(d)),
                [x, w, b], ['x', 'w', 'b'])
        else:
            run(c, lambda x, w: F.conv2d(x, w, None, stride=pair(s), padding=pair(p), dilation=pair(d)),
                [x, w], ['x', 'w'])


# ---- Pooling ---------------------------------------------------------------

def gen_pool():
    max_specs = [
        # name, shape, kernel, stride, padding, dilation, integers (ties)
        ('k2', (2, 3, 6, 6), 2, 2, 0, 1, False),
        ('k3-s2-p1', (2, 2, 7, 8), 3, 2, 1, 1, False),
        ('k3-s1-p1', (1, 2, 5, 5), 3, 1, 1, 1, False),
        ('k2-s1-overlap', (1, 3, 4, 5), 2, 1, 0, 1, False),
        ('k3-odd-size', (2, 1, 7, 8), 3, 3, 0, 1, False),
        ('rect', (1, 2, 6, 7), (2, 3), (1, 2), (1, 1), 1, False),
        ('dilation2', (1, 2, 9, 9), 3, 2, 1, 2, False),
        ('ties', (2, 2, 6, 6), 2, 2, 0, 1, True),
        ('ties-overlap', (1, 2, 5, 5), 3, 1, 1, 1, True),
    ]
    for name, shape, k, s, p, d, ties in max_specs:
        c = Case('maxpool2d/' + name, 'MaxPool2d')
        c.param('kernel', *pair(k))
        c.param('stride', *pair(s))
        c.param('padding', *pair(p))
        c.param('dilation', *pair(d))
        x = f32(rng.randint(0, 3, size=shape)) if ties else normal(shape)
        run(c, lambda x: F.max_pool2d(x, pair(k), pair(s), pair(p), pair(d)), [x], ['x'])

    avg_specs = [
        ('k2', (2, 3, 6, 6), 2, 2, 0),
        ('k3-s2-p1', (2, 2, 7, 8), 3, 2, 1),
        ('k3-s1-p1', (1, 2, 5, 5), 3, 1, 1),
        ('k2-s1-overlap', (1, 3, 4, 5), 2, 1, 0),
        ('rect-pad', (1, 2, 6, 7), (2, 3), (2, 1), (1, 1)),
        ('k3-odd-size', (2, 1, 7, 8), 3, 3, 0),
    ]
    for name, shape, k, s, p in avg_specs:
        c = Case('avgpool2d/' + name, 'AvgPool2d')
        c.param('kernel', *pair(k))
        c.param('stride', *pair(s))
        c.param('padding', *pair(p))
        c.param('dilation', 1, 1)
        x = normal(shape)
        run(c, lambda x: F.avg_pool2d(x, pair(k), pair(s), pair(p), count_include_pad=True), [x], ['x'])


# ---- BatchNorm --------------------------------------------------------------

def gen_batch_norm():
    specs = [
        # name, shape, training, eps, momentum, offset
        ('1d-train', (8, 5), True, 1e-5, 0.1, 3.0),
        ('1d-train-3d-input', (4, 3, 6), True, 1e-5, 0.1, 0.0),
        ('2d-train', (3, 4, 5, 5), True, 1e-5, 0.1, -1.0),
        ('2d-train-batch1', (1, 2, 3, 3), True, 1e-5, 0.1, 0.5),
        ('2d-train-eps-momentum', (4, 3, 2, 3), True, 1e-3, 0.3, 0.0),
        ('1d-train-batch2', (2, 6), True, 1e-5, 0.1, 0.0),
        ('1d-eval', (6, 4), False, 1e-5, 0.1, 1.0),
        ('2d-eval', (2, 3, 4, 4), False, 1e-5, 0.1, 0.0),
        ('2d-eval-eps', (3, 2, 3, 2), False, 1e-2, 0.1, -2.0),
    ]
    for name, shape, training, eps, momentum, offset in specs:
        C = shape[1]
        c = Case('batchnorm/' + name, 'BatchNorm')
        c.param('mode', 'train' if training else 'eval')
        c.param('eps', repr(eps))
        c.param('momentum', repr(momentum))
        x = normal(shape, 1.5, offset)
        gamma = f32(rng.uniform(0.5, 1.5, C) * np.where(rng.uniform(size=C) < 0.3, -1, 1))
        beta = normal((C,), 0.5)
        rm = normal((C,), 0.5, offset)
        rv = f32(rng.uniform(0.5, 3.0, C))
        if training:
            rm_t = torch.tensor(rm, dtype=torch.float64)
            rv_t = torch.tensor(rv, dtype=torch.float64)
            c.tensor('state', 'running_mean', rm)
            c.tensor('state', 'running_var', rv)
            run(c, lambda x, g, b: F.batch_norm(x, rm_t, rv_t, g, b, training=True, momentum=momentum, eps=eps),
                [x, gamma, beta], ['x', 'gamma', 'beta'])
            c.tensor('updated', 'running_mean', rm_t.numpy())
            c.tensor('updated', 'running_var', rv_t.numpy())
        else:
            # The running statistics get gradients too (the stepper shows
            # them), so the formula is written out for autograd; F.batch_norm
            # treats them as buffers. Both give the same value.
            view = (1, C) + (1,) * (len(shape) - 2)

            def bn_eval(x, g, b, m, v):
                return (x - m.reshape(view)) / torch.sqrt(v.reshape(view) + eps) * g.reshape(view) + b.reshape(view)

            y = run(c, bn_eval, [x, gamma, beta, rm, rv], ['x', 'gamma', 'beta', 'running_mean', 'running_var'])
            ref = F.batch_norm(t64(x, False), t64(rm, False), t64(rv, False), t64(gamma, False), t64(beta, False),
                               training=False, eps=eps)
            assert torch.allclose(ref, y.detach(), rtol=1e-12, atol=1e-12)


# ---- Dropout -----------------------------------------------------------------

def gen_dropout():
    # p = 0 keeps everything: the identity, value and gradient.
    c = Case('dropout/p0', 'Dropout')
    c.param('p', 0)
    run(c, lambda x: F.dropout(x, 0.0, training=True), [normal((3, 4, 5))], ['x'])


# ---- A small CNN trained for a few steps -------------------------------------

# BatchNorm right after a layer makes that layer's bias useless: its gradient
# is zero but for rounding noise. SGD moves it by lr·noise, Adam by about lr
# whatever the noise's size, so a comparison of two roundings (float32 here,
# float64 in PyTorch) would fail for Adam. Its network puts the activation
# between the two, which gives the bias a real gradient.
TRAIN_MODELS = {
    False: ('Reshape(1, 6, 6); Conv2d(1, 3, 3, 1, 1); BatchNorm2d(3); ReLU; MaxPool2d(2); '
            'Conv2d(3, 4, 2); AvgPool2d(2, 1); Flatten; Dropout(0); BatchNorm1d(4); Tanh; Linear(4, 3)'),
    True: ('Reshape(1, 6, 6); Conv2d(1, 3, 3, 1, 1); ReLU; BatchNorm2d(3); MaxPool2d(2); '
           'Conv2d(3, 4, 2); AvgPool2d(2, 1); Flatten; Dropout(0); Tanh; BatchNorm1d(4); Linear(4, 3)'),
}


def gen_train(name, opt_kind, lr, act_first, steps=10, batch=8):
    c = Case('train/' + name, 'Train')
    c.param('model', TRAIN_MODELS[act_first])
    c.param('optimizer', opt_kind, repr(lr))
    c.param('steps', steps)
    # libmyml's names and layouts (Linear's weight is (in, out), PyTorch's is (out, in)).
    bn1, bn2 = ('3', '10') if act_first else ('2', '9')
    init = {
        '1.weight': normal((3, 1, 3, 3), 1 / 3.0),
        '1.bias': normal((3,), 0.1),
        bn1 + '.weight': f32(rng.uniform(0.8, 1.2, 3)),
        bn1 + '.bias': normal((3,), 0.1),
        bn1 + '.running_mean': f32(np.zeros(3)),
        bn1 + '.running_var': f32(np.ones(3)),
        '5.weight': normal((4, 3, 2, 2), 0.3),
        '5.bias': normal((4,), 0.1),
        bn2 + '.weight': f32(rng.uniform(0.8, 1.2, 4)),
        bn2 + '.bias': normal((4,), 0.1),
        bn2 + '.running_mean': f32(np.zeros(4)),
        bn2 + '.running_var': f32(np.ones(4)),
        '11.weight': normal((4, 3), 0.5),
        '11.bias': normal((3,), 0.1),
    }
    xs = [normal((batch, 36)) for _ in range(steps)]
    ys = [f32(rng.randint(0, 3, batch)) for _ in range(steps)]

    p = {k: t64(v, not k.endswith(('running_mean', 'running_var'))) for k, v in init.items()}
    trained = [k for k in init if p[k].requires_grad]
    if opt_kind == 'sgd':
        opt = torch.optim.SGD([p[k] for k in trained], lr=lr)
    else:
        opt = torch.optim.Adam([p[k] for k in trained], lr=lr)

    def forward(x):
        h = x.reshape(-1, 1, 6, 6)
        def bn(h, i):
            return F.batch_norm(h, p[i + '.running_mean'], p[i + '.running_var'], p[i + '.weight'],
                                p[i + '.bias'], training=True, momentum=0.1, eps=1e-5)

        h = F.conv2d(h, p['1.weight'], p['1.bias'], padding=1)
        h = bn(F.relu(h), '3') if act_first else F.relu(bn(h, '2'))
        h = F.max_pool2d(h, 2)
        h = F.conv2d(h, p['5.weight'], p['5.bias'])
        h = F.avg_pool2d(h, 2, 1)
        h = h.flatten(1)
        h = F.dropout(h, 0.0, training=True)
        h = torch.tanh(h) if act_first else h
        h = bn(h, '10' if act_first else '9')
        h = h if act_first else torch.tanh(h)
        return h @ p['11.weight'] + p['11.bias']

    losses = []
    for s in range(steps):
        x = torch.tensor(xs[s], dtype=torch.float64)
        y = torch.tensor(ys[s], dtype=torch.int64)
        loss = F.cross_entropy(forward(x), y)
        losses.append(loss.item())
        opt.zero_grad()
        loss.backward()
        opt.step()

    for k, v in init.items():
        c.tensor('init', k, v)
    for s in range(steps):
        c.tensor('x', str(s), xs[s])
        c.tensor('y', str(s), ys[s])
    c.tensor('losses', 'loss', np.array(losses))
    for k in init:
        c.tensor('final', k, p[k].detach().numpy())


def main():
    gen_conv()
    gen_pool()
    gen_batch_norm()
    gen_dropout()
    gen_train('sgd', 'sgd', 0.1, False)
    gen_train('adam', 'adam', 0.01, True)

    path = fixturelib.out_path(__file__, 'conv.txt')
    fixturelib.write_fixtures(path, 'image-layer', 'gen-conv-fixtures.py', torch.__version__, SEED, cases)
    print('wrote %s (%d cases)' % (path, len(cases)))


if __name__ == '__main__':
    main()
