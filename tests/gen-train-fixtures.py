#!/usr/bin/python3
"""gen-train-fixtures.py — PyTorch reference trajectories for the training stack.

Run with Debian's python3 (python3-torch):

    /usr/bin/python3 tests/gen-train-fixtures.py      # writes tests/fixtures/train.txt

For each case: a small network (Flatten; Linear(6, 5); Tanh; Linear(5, 3)) with
given initial parameters, a loss, penalties and an optimizer configuration, 20
batches, and what torch.optim does with them: the loss at every step (before
that step's update) and the parameters after the last step. Computed in
float64 from float32 inputs, so the reference is the exact trajectory.

Format (read by tests/test-optimizer.c):

    format 1
    case NAME
    model TEXT…                  the network in libmyml's text form
    loss KIND SMOOTHING          ce | mse (both on one-hot targets of 3 classes)
    optimizer KIND K=V …         sgd | rmsprop | adam | adamw with torch's settings
    penalty L1 L2 BIASES         λ₁, λ₂, and 1 when biases are penalised too
    tensor init NAME NDIM D… : V…      initial parameter
    tensor x STEP NDIM D… : V…         the batch of step STEP
    tensor y STEP NDIM D… : V…         its class indices
    losses V…                          total loss at steps 0…19
    tensor final NAME NDIM D… : V…     parameter after the last step
    end
"""

import sys

import numpy as np
import torch
import torch.nn.functional as F

SEED = 1234
STEPS = 20
BATCH = 8
MODEL = "Flatten; Linear(6, 5); Tanh; Linear(5, 3)"
rng = np.random.RandomState(SEED)

out = []


def fmt_tensor(role, name, a):
    a = np.asarray(a, dtype=np.float32)
    dims = " ".join(str(d) for d in a.shape)
    vals = " ".join("%.9g" % v for v in a.reshape(-1))
    return f"tensor {role} {name} {a.ndim} {dims} : {vals}".replace("  ", " ")


def run_case(name, loss_kind, smoothing, opt_kind, opt_args, l1=0.0, l2=0.0, biases=False):
    params = {
        "1.weight": (rng.uniform(-1, 1, (6, 5)) * np.sqrt(6 / 11)).astype(np.float32),
        "1.bias": (rng.uniform(-0.1, 0.1, 5)).astype(np.float32),
        "3.weight": (rng.uniform(-1, 1, (5, 3)) * np.sqrt(6 / 8)).astype(np.float32),
        "3.bias": (rng.uniform(-0.1, 0.1, 3)).astype(np.float32),
    }
    xs = [rng.standard_normal((BATCH, 2, 3)).astype(np.float32) for _ in range(STEPS)]
    ys = [rng.randint(0, 3, BATCH).astype(np.float32) for _ in range(STEPS)]

    tp = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in params.items()}
    order = ["1.weight", "1.bias", "3.weight", "3.bias"]
    torch_args = dict(opt_args)
    if opt_kind == "sgd":
        opt = torch.optim.SGD([tp[k] for k in order], **torch_args)
    elif opt_kind == "rmsprop":
        opt = torch.optim.RMSprop([tp[k] for k in order], **torch_args)
    elif opt_kind == "adam":
        opt = torch.optim.Adam([tp[k] for k in order], **torch_args)
    elif opt_kind == "adamw":
        opt = torch.optim.AdamW([tp[k] for k in order], **torch_args)
    else:
        raise ValueError(opt_kind)

    losses = []
    for s in range(STEPS):
        x = torch.tensor(xs[s], dtype=torch.float64).reshape(BATCH, -1)
        y = torch.tensor(ys[s], dtype=torch.int64)
        h = torch.tanh(x @ tp["1.weight"] + tp["1.bias"])
        o = h @ tp["3.weight"] + tp["3.bias"]
        if loss_kind == "ce":
            loss = F.cross_entropy(o, y, label_smoothing=smoothing)
        else:
            loss = F.mse_loss(o, F.one_hot(y, 3).to(torch.float64))
        for k in order:
            if k.endswith("bias") and not biases:
                continue
            if l1:
                loss = loss + l1 * tp[k].abs().sum()
            if l2:
                loss = loss + l2 * (tp[k] ** 2).sum()
        losses.append(loss.item())
        opt.zero_grad()
        loss.backward()
        opt.step()

    out.append(f"case {name}")
    out.append(f"model {MODEL}")
    out.append(f"loss {loss_kind} {smoothing!r}")
    out.append("optimizer " + opt_kind + "".join(
        f" {k}={','.join(repr(float(x)) for x in v) if isinstance(v, tuple) else (int(v) if isinstance(v, bool) else repr(float(v)))}"
        for k, v in opt_args.items()))
    out.append(f"penalty {l1!r} {l2!r} {int(biases)}")
    for k in order:
        out.append(fmt_tensor("init", k, params[k]))
    for s in range(STEPS):
        out.append(fmt_tensor("x", str(s), xs[s]))
        out.append(fmt_tensor("y", str(s), ys[s]))
    out.append("losses " + " ".join("%.9g" % v for v in losses))
    for k in order:
        out.append(fmt_tensor("final", k, tp[k].detach().numpy()))
    out.append("end")


run_case("sgd", "ce", 0.0, "sgd", {"lr": 0.1})
run_case("sgd-momentum-dampening", "ce", 0.0, "sgd", {"lr": 0.05, "momentum": 0.9, "dampening": 0.1})
run_case("sgd-nesterov", "ce", 0.0, "sgd", {"lr": 0.05, "momentum": 0.9, "nesterov": True})
run_case("sgd-weight-decay", "ce", 0.0, "sgd", {"lr": 0.1, "weight_decay": 0.01})
run_case("rmsprop", "ce", 0.0, "rmsprop", {"lr": 0.01})
run_case("rmsprop-momentum-centered", "ce", 0.0, "rmsprop",
         {"lr": 0.005, "alpha": 0.9, "momentum": 0.8, "centered": True})
run_case("rmsprop-weight-decay", "ce", 0.0, "rmsprop", {"lr": 0.01, "weight_decay": 0.05, "eps": 1e-6})
run_case("adam", "ce", 0.0, "adam", {"lr": 0.01})
run_case("adam-amsgrad", "ce", 0.0, "adam", {"lr": 0.01, "betas": (0.8, 0.99), "amsgrad": True})
run_case("adam-coupled-weight-decay", "ce", 0.0, "adam", {"lr": 0.01, "weight_decay": 0.1})
run_case("adamw", "ce", 0.0, "adamw", {"lr": 0.01, "weight_decay": 0.1})
run_case("mse-sgd", "mse", 0.0, "sgd", {"lr": 0.2})
run_case("label-smoothing-adam", "ce", 0.1, "adam", {"lr": 0.01})
run_case("l1-l2-sgd-momentum", "ce", 0.0, "sgd", {"lr": 0.05, "momentum": 0.9}, l1=0.01, l2=0.02)
run_case("l2-with-biases-adam", "ce", 0.0, "adam", {"lr": 0.01}, l2=0.05, biases=True)

path = sys.argv[1] if len(sys.argv) > 1 else __file__.rsplit("/", 1)[0] + "/fixtures/train.txt"
with open(path, "w") as f:
    f.write("# Generated by tests/gen-train-fixtures.py with PyTorch %s. Do not edit.\n" % torch.__version__)
    f.write("format 1\n")
    f.write("\n".join(out) + "\n")
print(f"wrote {path}")
