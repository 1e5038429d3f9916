#!/usr/bin/python3
"""gen-fixtures.py — PyTorch reference values for the core engine's tests.

Run with Debian's python3 (python3-torch, python3-numpy):

    /usr/bin/python3 tests/gen-fixtures.py            # writes tests/fixtures/core.txt
    /usr/bin/python3 tests/gen-fixtures.py OUT.txt    # writes elsewhere

The output is committed; CI never regenerates it. Everything is seeded, so
running the script again gives the same file byte for byte.

Inputs are drawn as float32 (what the C engine holds). The references are
computed by torch in float64 from exactly those float32 numbers and rounded to
float32 only when printed, so they are the true values as closely as float32
can say, not another float32 implementation's rounding.

File format (read by tests/test-fixtures.c), one item per line:

    # comment                           ignored, as are empty lines
    format 1                            once, first non-comment line
    case PATH                           starts a case; PATH is a g_test path tail
    op KIND                             Elementwise, TensorDot, Sum, Reshape,
                                        Permute, Transpose, Broadcast, Softmax,
                                        LogSoftmax, Readme, MLP
    param KEY V1 V2 ...                 a setting; zero or more values
    tensor ROLE NAME NDIM D1 .. DN : X1 X2 ...
                                        ROLE is input (a leaf, in target order),
                                        value (expected value of node NAME),
                                        upstream (∂L/∂root; absent = root is one
                                        number and gets 1), grad (expected
                                        ∂L/∂NAME for the input NAME)
    end                                 closes the case

Floats are printed with %.9g, which reads back to the same float32.
"""

import os

import numpy as np
import torch
import torch.nn.functional as F

import fixturelib
from fixturelib import f32, fmt

SEED = 20240611
rng = np.random.RandomState(SEED)
torch.manual_seed(SEED)

cases = []
Case = fixturelib.Case


def c32(c):
    """A setting as the C side holds it (a float), as a Python float."""
    return float(np.float32(c))


# ---- random inputs (always float32) -------------------------------------

def normal(shape, scale=1.0):
    return f32(rng.standard_normal(shape) * scale)


def uniform(shape, lo, hi):
    return f32(rng.uniform(lo, hi, size=shape))


def signed(shape, lo, hi):
    """Magnitudes in [lo, hi] with random signs: never 0 (ReLU, Abs) and never
    near the kink, so float32 and float64 agree on which side a number is."""
    mag = rng.uniform(lo, hi, size=shape)
    sign = np.where(rng.uniform(size=shape) < 0.5, -1.0, 1.0)
    return f32(mag * sign)


def with_large(shape):
    """Random numbers with some huge ones mixed in, for the stable forms of
    sigmoid, tanh, softplus and (log-)softmax."""
    x = rng.standard_normal(shape) * 3.0
    flat = x.reshape(-1)
    large = [50.0, -50.0, 100.0, -100.0, 20.0, -20.0, 88.0, -88.0]
    for i, v in enumerate(large[:flat.size]):
        flat[(i * 5) % flat.size] = v
    return f32(x)


# ---- running a case -------------------------------------------------------

def t64(a):
    return torch.tensor(np.asarray(a, dtype=np.float64), dtype=torch.float64, requires_grad=True)


def run(case, fn, inputs, names=None, upstream=True):
    """Evaluate fn on float64 copies of the float32 inputs, back-propagate a
    random float32 upstream gradient (or 1 for a one-number output when
    upstream is False), and record inputs, value and gradients in @case."""
    names = names or ['x%d' % i for i in range(len(inputs))]
    xs = [t64(x) for x in inputs]
    y = fn(*xs)
    for n, x in zip(names, inputs):
        case.tensor('input', n, x)
    if upstream:
        g = normal(tuple(y.shape))
        case.tensor('upstream', 'y', g)
        y.backward(torch.tensor(g, dtype=torch.float64))
    else:
        assert y.numel() == 1
        y.backward()
    case.tensor('value', 'y', y.detach().numpy())
    for n, x in zip(names, xs):
        grad = x.grad if x.grad is not None else torch.zeros_like(x)
        case.tensor('grad', n, grad.numpy())
    cases.append(case)


def shape_name(shape):
    return 'x'.join(str(d) for d in shape) if shape else 'scalar'


# ---- Elementwise ------------------------------------------------------------

EW_SHAPES = [(), (1,), (3, 4), (2, 1, 3)]

# (path name, C kind name, arity, param c or None, torch function, input maker)
def ew_ops():
    ops = []
    for n in (1, 2, 3):
        ops.append(('Add%d' % n, 'Add', n, None,
                    lambda *xs: sum(xs[1:], xs[0]), lambda s: normal(s, 2.0)))
    for n in (2, 3):
        def mul(*xs):
            y = xs[0]
            for x in xs[1:]:
                y = y * x
            return y
        ops.append(('Mul%d' % n, 'Mul', n, None, mul, lambda s: normal(s, 2.0)))
    ops.append(('Sub', 'Sub', 2, None, lambda a, b: a - b, lambda s: normal(s, 2.0)))
    ops.append(('Neg', 'Neg', 1, None, lambda x: -x, lambda s: normal(s, 2.0)))
    ops.append(('Sin', 'Sin', 1, None, torch.sin, lambda s: normal(s, 2.0)))
    ops.append(('Cos', 'Cos', 1, None, torch.cos, lambda s: normal(s, 2.0)))
    ops.append(('Exp', 'Exp', 1, None, torch.exp, lambda s: uniform(s, -4.0, 4.0)))
    ops.append(('Log', 'Log', 1, None, torch.log, lambda s: uniform(s, 0.1, 5.0)))
    ops.append(('Sqrt', 'Sqrt', 1, None, torch.sqrt, lambda s: uniform(s, 0.1, 5.0)))
    ops.append(('Square', 'Square', 1, None, lambda x: x * x, lambda s: normal(s, 2.0)))
    ops.append(('Abs', 'Abs', 1, None, torch.abs, lambda s: signed(s, 0.05, 3.0)))
    # Integer exponents on numbers of both signs; other exponents on positive numbers.
    for c in (1.0, 2.0, 3.0):
        ops.append(('Pow%g' % c, 'Pow', 1, c, (lambda c: lambda x: x ** c32(c))(c),
                    lambda s: signed(s, 0.05, 2.0)))
    for c in (0.5, 2.5, -1.5):
        ops.append(('Pow%g' % c, 'Pow', 1, c, (lambda c: lambda x: x ** c32(c))(c),
                    lambda s: uniform(s, 0.2, 3.0)))
    ops.append(('ReLU', 'ReLU', 1, None, torch.relu, lambda s: signed(s, 0.05, 3.0)))
    for a in (0.01, 0.2, 1.5):
        ops.append(('LeakyReLU%g' % a, 'LeakyReLU', 1, a,
                    (lambda a: lambda x: F.leaky_relu(x, c32(a)))(a),
                    lambda s: signed(s, 0.05, 3.0)))
    ops.append(('Sigmoid', 'Sigmoid', 1, None, torch.sigmoid, lambda s: normal(s, 3.0)))
    ops.append(('Tanh', 'Tanh', 1, None, torch.tanh, lambda s: normal(s, 3.0)))
    ops.append(('Softplus', 'Softplus', 1, None, F.softplus, lambda s: normal(s, 3.0)))
    for c in (2.5, -0.75, 0.0):
        ops.append(('Scale%g' % c, 'Scale', 1, c, (lambda c: lambda x: c32(c) * x)(c),
                    lambda s: normal(s, 2.0)))
    return ops


def gen_elementwise():
    for name, kind, arity, c, fn, make in ew_ops():
        for shape in EW_SHAPES:
            case = Case('elementwise/%s/%s' % (name, shape_name(shape)), 'Elementwise')
            case.param('kind', kind)
            case.param('arity', arity)
            if c is not None:
                case.param('c', fmt(c))
            run(case, fn, [make(shape) for _ in range(arity)])
    # Div: numerators anywhere, denominators kept away from 0.
    for shape in EW_SHAPES:
        case = Case('elementwise/Div/%s' % shape_name(shape), 'Elementwise')
        case.param('kind', 'Div')
        case.param('arity', 2)
        run(case, lambda a, b: a / b, [normal(shape, 2.0), signed(shape, 0.5, 3.0)])
    # Large |x|: the stable forms must neither overflow nor lose the gradient.
    for name, fn in (('Sigmoid', torch.sigmoid), ('Tanh', torch.tanh), ('Softplus', F.softplus)):
        case = Case('elementwise/%s/large' % name, 'Elementwise')
        case.param('kind', name)
        case.param('arity', 1)
        run(case, fn, [with_large((2, 6))])


# ---- TensorDot and Sum --------------------------------------------------------

def gen_tensordot():
    pairs = {
        0: [((), ()), ((), (3,)), ((2,), ()), ((2,), (3,)), ((2, 3), (4,)), ((2, 1), (1, 3))],
        1: [((3,), (3,)), ((2, 3), (3, 4)), ((1, 5), (5, 1)), ((2, 3, 4), (4,)),
            ((5,), (5, 2, 3)), ((4, 4, 4), (4, 4, 4)), ((2, 0), (0, 3))],
        2: [((3, 4), (3, 4)), ((2, 3, 4), (3, 4, 5)), ((2, 1, 3), (1, 3, 2)),
            ((2, 3, 4), (3, 4)), ((1, 1), (1, 1, 2))],
        3: [((2, 3, 4), (2, 3, 4)), ((1, 2, 3, 2), (2, 3, 2, 3)), ((2, 2, 2, 2), (2, 2, 2, 2)),
            ((3, 1, 2), (3, 1, 2, 1))],
    }
    for d, lst in pairs.items():
        for sa, sb in lst:
            case = Case('tensordot/d%d/%s-%s' % (d, shape_name(sa), shape_name(sb)), 'TensorDot')
            case.param('d', d)
            out_ndim = len(sa) + len(sb) - 2 * d
            # A one-number result is also tried without an upstream gradient (then it is 1).
            run(case, (lambda d: lambda a, b: torch.tensordot(a, b, dims=d))(d),
                [normal(sa), normal(sb)], names=['a', 'b'], upstream=out_ndim > 0 or d % 2 == 0)


def torch_sum(x, d):
    # torch's sum(dim=()) would sum everything; Sum(X, 0) sums nothing.
    if d == 0:
        return x * 1.0
    return x.sum(dim=tuple(range(d)))


def gen_sum():
    shapes = [(), (4,), (1,), (3, 4), (5, 1), (2, 3, 4), (1, 1, 1), (2, 1, 3, 2), (0, 3)]
    for shape in shapes:
        for d in range(0, min(len(shape), 3) + 1):
            case = Case('sum/d%d/%s' % (d, shape_name(shape)), 'Sum')
            case.param('d', d)
            whole = d == len(shape)
            run(case, (lambda d: lambda x: torch_sum(x, d))(d), [normal(shape)],
                upstream=not (whole and len(shape) % 2 == 1))


# ---- shape ops and softmax ------------------------------------------------------

def gen_shape_ops():
    for src, dst in [((2, 3, 4), (6, 4)), ((2, 3, 4), (24,)), ((), (1, 1)), ((1,), ()),
                     ((3, 4), (2, 1, 6)), ((2, 3), (2, 3))]:
        case = Case('reshape/%s-%s' % (shape_name(src), shape_name(dst)), 'Reshape')
        case.param('shape', *dst)
        run(case, (lambda dst: lambda x: x.reshape(dst))(dst), [normal(src)])

    for shape, perm in [((2, 3, 4), (2, 0, 1)), ((2, 3, 4), (1, 0, 2)), ((2, 3, 4, 5), (3, 1, 0, 2)),
                        ((5,), (0,)), ((), ()), ((2, 1, 3), (1, 2, 0)), ((3, 4), (0, 1))]:
        case = Case('permute/%s/%s' % (shape_name(shape), ''.join(str(p) for p in perm) or 'none'),
                    'Permute')
        case.param('perm', *perm)
        run(case, (lambda perm: lambda x: x.permute(*perm) if perm else x * 1.0)(perm),
            [normal(shape)])

    for shape in [(3, 4), (2, 3, 4), (1, 5), (2, 1, 1, 3)]:
        case = Case('transpose/%s' % shape_name(shape), 'Transpose')
        run(case, lambda x: x.transpose(-1, -2), [normal(shape)])

    for shape, lead in [((3,), (4,)), ((2, 3), (2, 1)), ((), (5,)), ((2,), ()), ((1, 2), (3, 2)),
                        ((), ())]:
        case = Case('broadcast/%s/%s' % (shape_name(shape), shape_name(lead)), 'Broadcast')
        case.param('lead', *lead)
        run(case, (lambda lead: lambda x: x.expand(tuple(lead) + tuple(x.shape)) * 1.0)(lead),
            [normal(shape)])


def gen_softmax():
    for name, fn in (('Softmax', lambda x: torch.softmax(x, dim=-1)),
                     ('LogSoftmax', lambda x: torch.log_softmax(x, dim=-1))):
        for shape in [(5,), (1,), (3, 4), (2, 3, 4), (4, 1), (1, 1)]:
            case = Case('%s/%s' % (name.lower(), shape_name(shape)), name)
            run(case, fn, [normal(shape, 2.0)])
        case = Case('%s/large' % name.lower(), name)
        x = with_large((3, 5))
        x[2, :] = f32([-100.0, -100.0, -100.0, -100.0, -99.0])  # every exponent tiny
        run(case, fn, [x])


# ---- whole graphs -------------------------------------------------------------

def gen_readme():
    """The seed framework's README example, gradients of crazy_sum (no upstream)
    and of crazy_2 (a random upstream gradient)."""
    A = uniform((4, 4, 4), 0.0, 1.0)
    B = uniform((4, 4, 4), 0.0, 1.0)
    g2 = normal((4, 4, 4))
    for root in ('crazy_sum', 'crazy_2'):
        case = Case('readme/' + root, 'Readme')
        case.param('root', root)
        a, b = t64(A), t64(B)
        AB = torch.tensordot(a, b, dims=1)
        AB_sum = AB.sum(dim=0)
        A_sin = torch.sin(a)
        crazy_1 = a + b + AB_sum
        crazy_2 = A_sin * crazy_1
        crazy_sum = crazy_2.sum(dim=(0, 1, 2))
        case.tensor('input', 'A', A)
        case.tensor('input', 'B', B)
        if root == 'crazy_2':
            case.tensor('upstream', root, g2)
            crazy_2.backward(torch.tensor(g2, dtype=torch.float64))
        else:
            crazy_sum.backward()
        for n, v in (('AB', AB), ('AB_sum', AB_sum), ('A_sin', A_sin), ('crazy_1', crazy_1),
                     ('crazy_2', crazy_2), ('crazy_sum', crazy_sum)):
            case.tensor('value', n, v.detach().numpy())
        case.tensor('grad', 'A', a.grad.numpy())
        case.tensor('grad', 'B', b.grad.numpy())
        cases.append(case)


def gen_mlp():
    """A two-layer perceptron with a bias broadcast over the batch and a mean
    negative log-likelihood, as the networks and losses build it."""
    N, D, H, C = 5, 3, 4, 3
    x = normal((N, D))
    W1 = normal((D, H))
    b1 = normal((H,), 0.5)
    W2 = normal((H, C))
    b2 = normal((C,), 0.5)
    T = f32(np.eye(C)[rng.randint(0, C, size=N)])
    case = Case('mlp/relu-logsoftmax-nll', 'MLP')
    case.param('scale', fmt(-1.0 / N))
    names = ['x', 'W1', 'b1', 'W2', 'b2', 'T']
    ts = [t64(v) for v in (x, W1, b1, W2, b2, T)]
    tx, tW1, tb1, tW2, tb2, tT = ts
    pre = torch.tensordot(tx, tW1, dims=1) + tb1.expand(N, H)
    # float32 and float64 must agree on every ReLU's side.
    assert pre.detach().abs().min() > 1e-3, 'a pre-activation is too close to 0; change SEED'
    h = torch.relu(pre)
    z = torch.tensordot(h, tW2, dims=1) + tb2.expand(N, C)
    lsm = torch.log_softmax(z, dim=-1)
    total = (lsm * tT).sum(dim=(0, 1))
    loss = c32(-1.0 / N) * total
    loss.backward()
    for n, v in zip(names, (x, W1, b1, W2, b2, T)):
        case.tensor('input', n, v)
    for n, v in (('h', h), ('z', z), ('lsm', lsm), ('loss', loss)):
        case.tensor('value', n, v.detach().numpy())
    for n, t in zip(names, ts):
        case.tensor('grad', n, t.grad.numpy())
    cases.append(case)


def gen_edge_cases():
    """Conventions at the kinks, as torch has them (the gradient of |x| and
    ReLU at 0 is 0, LeakyReLU's is the slope, x^0 is flat even at 0), and
    TensorDot with an empty free axis on either side. Drawn last so that the
    random numbers of the cases above do not depend on these."""
    at_zero = f32([0.0, -0.0, 1.5, -2.0, 0.25, -0.75])
    for name, kind, c, fn in (('Abs', 'Abs', None, torch.abs),
                              ('ReLU', 'ReLU', None, torch.relu),
                              ('LeakyReLU0.2', 'LeakyReLU', 0.2, lambda x: F.leaky_relu(x, c32(0.2))),
                              ('Pow0', 'Pow', 0.0, lambda x: x ** 0.0),
                              ('Pow1', 'Pow', 1.0, lambda x: x ** 1.0),
                              ('Pow2', 'Pow', 2.0, lambda x: x ** 2.0),
                              ('Pow3', 'Pow', 3.0, lambda x: x ** 3.0)):
        case = Case('elementwise/%s/at-zero' % name, 'Elementwise')
        case.param('kind', kind)
        case.param('arity', 1)
        if c is not None:
            case.param('c', fmt(c))
        run(case, fn, [at_zero])
    for sa, sb in (((2, 3), (3, 0)), ((0, 3), (3, 2)), ((0,), (0,))):
        case = Case('tensordot/d1/%s-%s' % (shape_name(sa), shape_name(sb)), 'TensorDot')
        case.param('d', 1)
        run(case, lambda a, b: torch.tensordot(a, b, dims=1), [normal(sa), normal(sb)],
            names=['a', 'b'])


def main():
    torch.set_default_dtype(torch.float64)
    gen_elementwise()
    gen_tensordot()
    gen_sum()
    gen_shape_ops()
    gen_softmax()
    gen_readme()
    gen_mlp()
    gen_edge_cases()

    paths = [c.path for c in cases]
    assert len(paths) == len(set(paths)), 'duplicate case names'

    out = fixturelib.out_path(__file__, 'core.txt')
    fixturelib.write_fixtures(out, 'core', 'gen-fixtures.py', torch.__version__, SEED, cases)
    print('%s: %d cases, %d bytes' % (out, len(cases), os.path.getsize(out)))


if __name__ == '__main__':
    main()
