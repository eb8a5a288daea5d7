#!/usr/bin/env python3
"""Side-by-side reference for lowdim's compressed steps (issue 18, item 5).

Runs the same steps lowdim's compressed network takes, in NumPy (and in
PyTorch when it imports), on an instance that `lowdim run --save-instance DIR`
exported (README, "Instances and NumPy"), so that anyone can rerun the
comparison with `lowdim bench --filter`:

  sampled-mc   the sampled completion step (trainer.SampledMC): the residual
               on the observed entries O of mask.npy, r_ij = A[i,:] . B[:,j] -
               target_ij, G = r / |O| sparse on O, grad_L = G B^T and
               A^T G by sparse-dense products, the inner layers' gradients
               at width h. Needs mask.npy (an mc instance).
  factored-mf  the factored MF step (trainer.FactoredMF) on target.npy:
               grad_L = c (A (B B^T) - Phi B^T), A^T G = c ((A^T A) B - A^T Phi).

Here A = W_L (d x h) and B = W_{L-1} ... W_1 (h x d). The factors are the
instance's init_compressed_W1.npy ... W<L>.npy (lowdim's spectral init) when
it holds them; otherwise random factors of the shapes of --r-hat and
--depth with a fixed seed (--seed): the point is timing the same step. Every
layer steps W_l -= eta m_l grad_l with m_l = alpha on W_1 and W_L, 1
between (methods.Multipliers); all gradients are taken before the update.

Usage:
  side-by-side.py DIR [--steps N] [--repeats K] [--only sampled-mc|factored-mf]
  side-by-side.py DIR --check MODEL_DIR

Timing prints one line per library and step:
  numpy sampled-mc: 12.345 ms/step (median of K runs of N steps; d=1024 h=10 L=3 |O|=314572)
NumPy has no sparse-dense product without SciPy: sampled-mc gathers the
factors' rows at the observed entries and sums the products per row and per
column (np.add.reduceat); sampled-mc-dense forms W = A B, masks the
residual densely and multiplies through the BLAS (the same step, computed
as the dense path would); the better of the two is NumPy's figure.
and "torch: not installed (skipped)" without PyTorch.

--check MODEL_DIR takes the compressed model that `lowdim run --steps 1
--methods compressed --save-instance DIR --save-model MODEL` wrote (its
manifest gives eta, alpha, the workload and its loss), computes that one
step from the instance's initial factors in NumPy (the sampled step on mc,
the factored one on mf), and prints the largest difference from lowdim's
layers relative to each layer's largest entry; it exits 1 above --tol
(default 1e-10: the two compute the same sums in another order, an error of
a few units of 2^-53 times the sums' lengths).

Exit codes: 0, 1 a check failed, 2 bad input (a missing or malformed file
or flag, named).
"""

import argparse
import json
import os
import statistics
import sys
import time

try:
    import numpy as np
except ImportError:  # pragma: no cover
    sys.stderr.write("side-by-side.py: needs numpy (pip install numpy, or apt-get install python3-numpy)\n")
    sys.exit(2)


def fail(msg):
    sys.stderr.write("side-by-side.py: %s\n" % msg)
    sys.exit(2)


def load(path, ndim):
    try:
        a = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as e:
        fail("%s: %s" % (path, e))
    if a.ndim != ndim:
        fail("%s: shape %s, want %d dimensions" % (path, a.shape, ndim))
    a = np.ascontiguousarray(a, dtype=np.float64)
    if not np.all(np.isfinite(a)):
        fail("%s: holds values that are not finite" % path)
    return a


def factors(inst, h, depth, seed):
    """The instance's compressed factors W1..WL, or random ones (d x d target)."""
    target = load(os.path.join(inst, "target.npy"), 2)
    rows, cols = target.shape
    names = []
    l = 1
    while os.path.exists(os.path.join(inst, "init_compressed_W%d.npy" % l)):
        names.append(os.path.join(inst, "init_compressed_W%d.npy" % l))
        l += 1
    if names:
        ws = [load(n, 2) for n in names]
        for i in range(1, len(ws)):
            if ws[i].shape[1] != ws[i - 1].shape[0]:
                fail("%s: shape %s does not chain onto %s" % (names[i], ws[i].shape, ws[i - 1].shape))
        if ws[0].shape[1] != cols or ws[-1].shape[0] != rows:
            fail("%s: the factors map %d to %d, the target is %d x %d" % (inst, ws[0].shape[1], ws[-1].shape[0], rows, cols))
        return target, ws, "the instance's init_compressed_W*.npy"
    rng = np.random.default_rng(seed)
    shapes = [(h, cols)] + [(h, h)] * (depth - 2) + [(rows, h)]
    ws = [1e-2 * rng.standard_normal(s) for s in shapes]
    return target, ws, "random factors (seed %d: the instance holds no init_compressed_W*.npy)" % seed


def multipliers(depth, alpha):
    m = [1.0] * depth
    m[0] = m[-1] = alpha
    return m


class Sampled:
    """The observed entries of mask.npy in row order (CSR) and column order."""

    def __init__(self, target, mask):
        if mask.shape != target.shape:
            fail("mask.npy: shape %s, the target is %s" % (mask.shape, target.shape))
        self.I, self.J = np.nonzero(mask)  # row-major: rows sorted
        if len(self.I) == 0:
            fail("mask.npy: observes no entry")
        self.y = target[self.I, self.J].copy()
        self.n = len(self.I)
        self.rows, self.cols = target.shape
        self.rstart, self.rowsIn = self._groups(self.I)
        self.perm = np.argsort(self.J, kind="stable")
        self.Jp = self.J[self.perm]
        self.Ip = self.I[self.perm]
        self.cstart, self.colsIn = self._groups(self.Jp)

    @staticmethod
    def _groups(sorted_idx):
        """Starts of the runs of equal values in sorted_idx, and the values."""
        starts = np.flatnonzero(np.r_[True, sorted_idx[1:] != sorted_idx[:-1]])
        return starts, sorted_idx[starts]

    def grads(self, A, B):
        """grad_L = G B^T (rows x h) and A^T G (h x cols), G = r / |O| on O."""
        Ag, Bg = A[self.I], B.T[self.J]  # |O| x h each, gathered once
        r = (Ag * Bg).sum(axis=1)
        r -= self.y
        r /= self.n
        gA = np.zeros_like(A)
        gA[self.rowsIn] = np.add.reduceat(r[:, None] * Bg, self.rstart, axis=0)
        D = np.zeros((self.cols, A.shape[1]))
        D[self.colsIn] = np.add.reduceat((r[:, None] * Ag)[self.perm], self.cstart, axis=0)
        return gA, D.T

    def grads_dense(self, A, B):
        """grads as grads computes them, densely: W = A B formed (self.W),
        R = P_O(W - target) / |O| in place, then R B^T and A^T R, three
        dgemms of 2 rows cols h flops through the BLAS."""
        if not hasattr(self, "W"):
            self.W = np.zeros((self.rows, self.cols))
            self.target = np.zeros((self.rows, self.cols))
            self.target[self.I, self.J] = self.y
            self.maskn = np.zeros((self.rows, self.cols))
            self.maskn[self.I, self.J] = 1.0 / self.n
        R = self.W
        np.matmul(A, B, out=R)
        R -= self.target
        R *= self.maskn
        return R @ B.T, A.T @ R


def inner_grads(ws, D):
    """Gradients of W_1..W_{L-1} from D = A^T G, the gradient of B = W_{L-1}..W_1."""
    L = len(ws)
    # prefix P_l = W_l ... W_1; suffix S_l = W_{L-1} ... W_{l+1}
    pre = [None] * L
    p = None
    for l in range(L - 1):
        p = ws[l] if p is None else ws[l] @ p
        pre[l] = p
    grads = [None] * (L - 1)
    sd = D
    for l in range(L - 2, -1, -1):
        grads[l] = sd @ pre[l - 1].T if l > 0 else sd
        sd = ws[l].T @ sd
    return grads


def product(ws):
    B = ws[0]
    for w in ws[1:]:
        B = w @ B
    return B


def step_sampled(ws, samp, eta, mult, dense=False):
    A = ws[-1]
    B = product(ws[:-1])
    gA, D = samp.grads_dense(A, B) if dense else samp.grads(A, B)
    gs = inner_grads(ws, D) + [gA]
    for w, g, m in zip(ws, gs, mult):
        w -= eta * m * g


def step_factored(ws, phi, c, eta, mult):
    A = ws[-1]
    B = product(ws[:-1])
    gA = c * (A @ (B @ B.T) - phi @ B.T)
    D = c * ((A.T @ A) @ B - A.T @ phi)
    gs = inner_grads(ws, D) + [gA]
    for w, g, m in zip(ws, gs, mult):
        w -= eta * m * g


def torch_steps():
    """The two steps in PyTorch, or None when it does not import."""
    try:
        import torch
    except ImportError:
        return None, None

    class TorchSampled:
        def __init__(self, samp):
            self.I = torch.from_numpy(samp.I)
            self.J = torch.from_numpy(samp.J)
            self.y = torch.from_numpy(samp.y)
            self.n = samp.n
            self.rows, self.cols = samp.rows, samp.cols

        def step(self, ws, eta, mult):
            A = ws[-1]
            B = product(ws[:-1])
            Bt = B.T
            r = (A[self.I] * Bt[self.J]).sum(1) - self.y
            r /= self.n
            gA = torch.zeros_like(A).index_add_(0, self.I, r[:, None] * Bt[self.J])
            D = torch.zeros(self.cols, A.shape[1], dtype=A.dtype).index_add_(0, self.J, r[:, None] * A[self.I]).T
            gs = inner_grads(ws, D) + [gA]
            for w, g, m in zip(ws, gs, mult):
                w.sub_(g, alpha=eta * m)

    # step_factored's in-place w -= eta m g updates torch tensors as it
    # does NumPy arrays: the factored step is the same code for both.
    return torch, (TorchSampled, step_factored)


def time_steps(run, steps, repeats):
    """Median over repeats of the seconds per step of `steps` calls of run."""
    run()  # warm up
    per = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(steps):
            run()
        per.append((time.perf_counter() - t0) / steps)
    return statistics.median(per)


def timing(args):
    target, ws0, src = factors(args.dir, args.r_hat, args.depth, args.seed)
    rows, cols = target.shape
    h = ws0[-1].shape[1]
    L = len(ws0)
    mult = multipliers(L, args.alpha)
    mask_path = os.path.join(args.dir, "mask.npy")
    samp = None
    if os.path.exists(mask_path):
        samp = Sampled(target, load(mask_path, 2) != 0)
    print("instance %s: %d x %d, h=%d, L=%d, factors: %s" % (args.dir, rows, cols, h, L, src))
    what = ["sampled-mc", "factored-mf"] if args.only is None else [args.only]
    if "sampled-mc" in what and samp is None:
        if args.only == "sampled-mc":
            fail("--only sampled-mc: %s has no mask.npy (export an mc instance)" % args.dir)
        print("sampled-mc: skipped (no mask.npy: not an mc instance)")
        what.remove("sampled-mc")
    # A tiny eta: the factors stay at their scale however many steps run
    # (as lowdim bench's Step cases do, eta 1e-9).
    eta = args.eta
    shape = "d=%d h=%d L=%d" % (max(rows, cols), h, L)
    for name in what:
        ws = [w.copy() for w in ws0]
        if name == "sampled-mc":
            sec = time_steps(lambda: step_sampled(ws, samp, eta, mult), args.steps, args.repeats)
            extra = " |O|=%d" % samp.n
            ws2 = [w.copy() for w in ws0]
            sec2 = time_steps(lambda: step_sampled(ws2, samp, eta, mult, dense=True), args.steps, args.repeats)
            print("numpy sampled-mc-dense: %.4f ms/step (median of %d runs of %d steps; %s%s; W formed, the residual masked densely, three dgemms)" % (
                1e3 * sec2, args.repeats, args.steps, shape, extra))
        else:
            sec = time_steps(lambda: step_factored(ws, target, 1.0, eta, mult), args.steps, args.repeats)
            extra = ""
        print("numpy %s: %.4f ms/step (median of %d runs of %d steps; %s%s)" % (name, 1e3 * sec, args.repeats, args.steps, shape, extra))
    torch, fns = torch_steps()
    if torch is None:
        print("torch: not installed (skipped)")
        return 0
    TorchSampled, tfactored = fns
    for name in what:
        tws = [torch.from_numpy(w.copy()) for w in ws0]
        if name == "sampled-mc":
            ts = TorchSampled(samp)
            sec = time_steps(lambda: ts.step(tws, eta, mult), args.steps, args.repeats)
            extra = " |O|=%d" % samp.n
        else:
            phi = torch.from_numpy(target)
            sec = time_steps(lambda: tfactored(tws, phi, 1.0, eta, mult), args.steps, args.repeats)
            extra = ""
        print("torch %s: %.4f ms/step (median of %d runs of %d steps; %s%s; torch %s, %d threads)" % (
            name, 1e3 * sec, args.repeats, args.steps, shape, extra, torch.__version__, torch.get_num_threads()))
    return 0


def check(args):
    man_path = os.path.join(args.check, "manifest.json")
    try:
        with open(man_path) as f:
            man = json.load(f)
    except (OSError, ValueError) as e:
        fail("--check %s: %s" % (man_path, e))
    cfg = man.get("config") or fail("%s: no config" % man_path)
    if man.get("method") != "compressed":
        fail("%s: method %r, want the compressed network's model" % (man_path, man.get("method")))
    taken = (man.get("training") or {}).get("steps")
    if taken is not None and taken != 1:
        fail("%s: the model took %r steps; --check compares one step (lowdim run --steps 1)" % (man_path, taken))
    target, ws, src = factors(args.dir, 0, 0, 0)
    if not src.startswith("the instance's"):
        fail("--check: %s holds no init_compressed_W*.npy (export with --methods compressed)" % args.dir)
    L = len(ws)
    eta, alpha = float(cfg["eta"]), float(cfg.get("alpha") or 1)
    mult = multipliers(L, alpha)
    got = []
    for l in range(1, L + 1):
        got.append(load(os.path.join(args.check, "layer-%02d.npy" % l), 2))
    if [g.shape for g in got] != [w.shape for w in ws]:
        fail("--check: the model's layers %s are not the instance's %s" % ([g.shape for g in got], [w.shape for w in ws]))
    work = cfg.get("workload")
    others = []  # the timed variants of the same step, checked too
    if work == "mc":
        samp = Sampled(target, load(os.path.join(args.dir, "mask.npy"), 2) != 0)
        wd = [w.copy() for w in ws]
        step_sampled(ws, samp, eta, mult)
        step_sampled(wd, samp, eta, mult, dense=True)
        others.append(("sampled-mc-dense", wd))
        name = "sampled-mc"
    elif work == "mf":
        rows, cols = target.shape
        c = 1.0 if cfg.get("loss") == "sum" else 1.0 / (rows * cols)
        step_factored(ws, target, c, eta, mult)
        name = "factored-mf"
    else:
        fail("%s: workload %r; --check knows mc and mf" % (man_path, work))
    def rel(mine):
        return max(float(np.max(np.abs(w - g)) / max(np.max(np.abs(g)), np.finfo(float).tiny)) for w, g in zip(mine, got))

    worst = rel(ws)
    for oname, o in others:
        d = rel(o)
        print("check numpy %s against %s: max relative difference %.3g (%s)" % (oname, args.check, d, "ok" if d <= args.tol else "FAIL"))
        worst = max(worst, d)
    moved = max(float(np.max(np.abs(w - w0))) for w, w0 in zip(ws, factors(args.dir, 0, 0, 0)[1]))
    ok = worst <= args.tol
    print("check numpy %s: one step (eta=%g, alpha=%g) against %s: max relative difference %.3g (%s, tolerance %g; the step moved the factors by up to %.3g)" % (
        name, eta, alpha, args.check, worst, "ok" if ok else "FAIL", args.tol, moved))
    return 0 if ok else 1


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("dir", help="instance folder written by lowdim run --save-instance")
    p.add_argument("--steps", type=int, default=20, help="steps per timed run (default 20)")
    p.add_argument("--repeats", type=int, default=5, help="timed runs; the median is printed (default 5)")
    p.add_argument("--only", choices=["sampled-mc", "factored-mf"], help="time one step only")
    p.add_argument("--r-hat", type=int, default=10, help="width of random factors when the instance holds none (default 10, lowdim bench's)")
    p.add_argument("--depth", type=int, default=3, help="layers of random factors (default 3)")
    p.add_argument("--seed", type=int, default=1, help="seed of random factors (default 1)")
    p.add_argument("--eta", type=float, default=1e-9, help="learning rate of the timed steps (default 1e-9, lowdim bench's)")
    p.add_argument("--alpha", type=float, default=1.0, help="outer layers' multiplier of the timed steps (default 1)")
    p.add_argument("--check", metavar="MODEL_DIR", help="compare one step with lowdim's (see above)")
    p.add_argument("--tol", type=float, default=1e-10, help="--check's tolerance (default 1e-10)")
    args = p.parse_args(argv)
    if not os.path.isdir(args.dir):
        fail("%s: not a folder (want one written by lowdim run --save-instance)" % args.dir)
    for flag, v, lo in (("--steps", args.steps, 1), ("--repeats", args.repeats, 1), ("--r-hat", args.r_hat, 1), ("--depth", args.depth, 2)):
        if v < lo:
            fail("%s %d: must be at least %d" % (flag, v, lo))
    if not (args.eta > 0 and np.isfinite(args.eta)):
        fail("--eta %g: must be positive and finite" % args.eta)
    if args.check:
        return check(args)
    return timing(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
