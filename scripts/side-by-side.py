#!/usr/bin/env python3
"""Side-by-side reference for lowdim's compressed steps (issue 18, item 5).

Runs the same steps lowdim's compressed network takes, in NumPy (and in
PyTorch when it imports), on an instance that `lowdim run --save-instance DIR`
exported (README, "Instances and NumPy"), so that anyone can rerun the
comparison with `lowdim bench --load-instance DIR` (the same instance) or
`lowdim bench --sizes D --filter ...` (the same shapes):

  sampled-mc   the sampled completion step (trainer.SampledMC): the residual
               on the observed entries O, r_ij = A[i,:] . B[:,j] - y_ij,
               G = r / |O| sparse on O, grad_L = G B^T and A^T G by
               sparse-dense products, the inner layers' gradients at width
               h. NumPy gathers the factors' rows at the observed entries
               and sums per row and per column (np.add.reduceat), PyTorch
               uses index_add_; both in chunks of 2^20 entries, so memory
               stays O(|O|) whatever h.
  dense-mc     the dense compressed completion step (lowdim's path=dense on
               mc): W = A B formed, R = P_O(W - target) / |O| masked
               densely, R B^T and A^T R: three dgemms of 2 d^2 h flops.
  factored-mf  the factored MF step (trainer.FactoredMF) on the target:
               grad_L = c (A (B B^T) - Phi B^T), A^T G = c ((A^T A) B - A^T Phi).

Here A = W_L (d x h) and B = W_{L-1} ... W_1 (h x d). The factors are the
instance's init_compressed_W1.npy ... W<L>.npy (lowdim's spectral init) when
it holds them; otherwise random factors of the shapes of --r-hat and
--depth with a fixed seed (--seed): the point is timing the same step. Every
layer steps W_l -= eta m_l grad_l with m_l = alpha on W_1 and W_L, 1
between (methods.Multipliers); all gradients are taken before the update.

The instance is either dense (target.npy; mask.npy, and observed.npy when
noisy, on mc) or a sparse mc instance's export (--storage sparse, or d above
4096): target_U.npy, target_S.npy, target_V.npy (Phi = U diag(S) V^T) and
the observed entries in CSR form, observed_rowptr.npy, observed_cols.npy,
observed_vals.npy. By default a dense instance times every step its files
allow (sampled-mc and dense-mc need observed entries) and a sparse export
sampled-mc only; --only takes a comma list (dense-mc and factored-mf on a
sparse export form the d x d target from its factors: 8 d^2 bytes each).

Usage:
  side-by-side.py DIR [--steps N] [--repeats K] [--only STEPS] [--lib numpy|torch|both] [--threads T]
  side-by-side.py DIR --check MODEL_DIR
  side-by-side.py DIR --draw mc|mf --d D [--p P] [--seed S]

Timing prints one line per library and step:
  numpy sampled-mc: 12.345 ms/step (median of K runs of N steps; d=1024 h=10 L=3 |O|=314572)
and "torch: not installed (skipped)" without PyTorch. --threads T sets
OPENBLAS_NUM_THREADS and OMP_NUM_THREADS before NumPy loads its BLAS, and
torch.set_num_threads(T); without it the libraries' defaults hold (this
machine's Debian PyTorch 1.13 defaults to one thread). Each line names the
threads in use.

--check MODEL_DIR takes the compressed model that `lowdim run --steps 1
--methods compressed --save-instance DIR --save-model MODEL` wrote (its
manifest gives eta, alpha, the workload and its loss), computes that one
step from the instance's initial factors in NumPy (the sampled step on mc,
in both its sampled and its dense form, the factored one on mf), and prints
the largest difference from lowdim's layers relative to each layer's largest
entry; it exits 1 above --tol (default 1e-10: the two compute the same sums
in another order, an error of a few units of 2^-53 times the sums' lengths;
--tol must be positive). MODEL_DIR is the folder holding manifest.json, the
compressed model's (MODEL/compressed), not MODEL itself.

--draw writes a dense instance into DIR (created) without lowdim, whose
generator takes a full SVD of a d x d Gaussian (minutes at d = 4096):
target.npy = U diag(5, 4, 3, 2, 1) V^T with U, V Haar frames (QR of
Gaussians, seed --seed), for mc mask.npy with exactly floor(p d^2)
observed entries drawn without replacement, and init_compressed_W1..WL.npy,
factors of --r-hat and --depth with entries 1e-2 N(0, 1) (lowdim bench
--load-instance starts from them, not from its spectral initialization, a
full SVD of the d x d surrogate); lowdim bench --load-instance and this
script read it. Before any work it checks a bound on the memory the draw holds,
8 d^2 bytes on mf and 8 d^2 (2 + p) on mc (the target, then the mask beside
the positions rng.choice shuffles), against MemAvailable in /proc/meminfo, and
refuses (exit 2) a --d that does not fit. The files are written into a
staging folder beside DIR (.NAME.draw-XXXX) that is renamed into place once
complete and removed on an error or Ctrl-C: DIR never holds a half-written
instance. Ctrl-C prints one line and exits 130.

A sparse export's observed_cols.npy holds, row by row, strictly
increasing column indices (float64 or integer dtype holding exact integers);
an unsorted or repeated column, another dtype, a file that is empty or
shorter than its header says, and a folder mixing target.npy with a sparse
export's files are refused, named.

Exit codes: 0, 1 a check failed, 2 bad input (a missing or malformed file
or flag, named), 130 interrupted (Ctrl-C).
"""

import argparse
import json
import os
import statistics
import sys
import time


def _pre_threads(argv):
    """--threads T, read before NumPy loads its BLAS (which reads the
    environment once); a malformed value is left to argparse."""
    for i, a in enumerate(argv):
        v = None
        if a == "--threads" and i + 1 < len(argv):
            v = argv[i + 1]
        elif a.startswith("--threads="):
            v = a.split("=", 1)[1]
        if v is not None and v.isdigit() and int(v) >= 1:
            os.environ["OPENBLAS_NUM_THREADS"] = v
            os.environ["OMP_NUM_THREADS"] = v


_pre_threads(sys.argv[1:])

try:
    import numpy as np
except KeyboardInterrupt:
    sys.stderr.write("side-by-side.py: interrupted\n")
    sys.exit(130)
except ImportError:  # pragma: no cover
    sys.stderr.write("side-by-side.py: needs numpy (pip install numpy, or apt-get install python3-numpy)\n")
    sys.exit(2)

STEPS = ["sampled-mc", "dense-mc", "factored-mf"]
CHUNK = 1 << 20  # entries per chunk of the gathered sampled step


def fail(msg):
    sys.stderr.write("side-by-side.py: %s\n" % msg)
    sys.exit(2)


def npy_header(path):
    """The shape and dtype a .npy file's header declares, after checking
    that the file holds all the bytes they need (an empty or truncated file
    is named as such, not left to np.load's messages about pickles or
    reshapes)."""
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            if size == 0:
                fail("%s: empty file (0 bytes; truncated?)" % path)
            try:
                version = np.lib.format.read_magic(f)
                if version == (1, 0):
                    shape, _, dtype = np.lib.format.read_array_header_1_0(f)
                else:
                    shape, _, dtype = np.lib.format.read_array_header_2_0(f)
            except (ValueError, EOFError) as e:
                fail("%s: not a .npy file or a truncated one (%d bytes): %s" % (path, size, e))
            need = f.tell() + int(np.prod(shape, dtype=object)) * dtype.itemsize
    except OSError as e:
        fail("%s: %s" % (path, e))
    if size < need:
        fail("%s: truncated: %d bytes, its header's shape %s of %s needs %d" % (path, size, shape, dtype, need))
    return shape, dtype


def load(path, ndim, finite=True, kinds="biuf"):
    """A .npy file of ndim dimensions and a dtype of one of kinds (numpy's
    dtype.kind letters), as contiguous float64."""
    shape, dtype = npy_header(path)
    if dtype.kind not in kinds:
        fail("%s: dtype %s, want %s" % (path, dtype, "integers (or float64 holding integers)" if kinds == "iuf" else "real numbers"))
    try:
        a = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as e:
        fail("%s: %s" % (path, e))
    if a.ndim != ndim:
        fail("%s: shape %s, want %d dimensions" % (path, a.shape, ndim))
    a = np.ascontiguousarray(a, dtype=np.float64)
    if finite and not np.all(np.isfinite(a)):
        fail("%s: holds values that are not finite" % path)
    return a


def load_index(path, hi, hi_name):
    """An index file of exact integers in [0, hi] (float64 or an integer
    dtype); hi_name says what hi is in the message."""
    a = load(path, 1, kinds="iuf")
    i = a.astype(np.int64)
    if not np.array_equal(i, a) or (len(i) and (i.min() < 0 or i.max() > hi)):
        bad = np.flatnonzero((i != a) | (i < 0) | (i > hi))[0]
        fail("%s: value %r at index %d; want integers in [0, %s] = [0, %d]" % (path, float(a[bad]), bad, hi_name, hi))
    return i


class Instance:
    """An instance folder: dense (target.npy, mask.npy) or a sparse export
    (target_U/S/V.npy, observed_rowptr/cols/vals.npy)."""

    def __init__(self, d):
        self.dir = d
        p = lambda n: os.path.join(d, n)
        self._target = None
        sparse_files = [n for n in ("target_U.npy", "target_S.npy", "target_V.npy", "observed_rowptr.npy", "observed_cols.npy", "observed_vals.npy")
                        if os.path.exists(p(n))]
        if os.path.exists(p("target.npy")) and sparse_files:
            fail("%s: mixes a dense instance's target.npy with a sparse export's %s; an instance folder holds one or the other" % (d, ", ".join(sparse_files)))
        if os.path.exists(p("target.npy")):
            self._target = load(p("target.npy"), 2)
            self.rows, self.cols = self._target.shape
            self.sparse = False
        elif os.path.exists(p("target_U.npy")):
            self.U, self.S, self.V = load(p("target_U.npy"), 2), load(p("target_S.npy"), 1), load(p("target_V.npy"), 2)
            if not (self.U.shape[1] == len(self.S) == self.V.shape[1]):
                fail("%s: target_U.npy %s, target_S.npy %s and target_V.npy %s do not make U diag(S) V^T" % (d, self.U.shape, self.S.shape, self.V.shape))
            self.rows, self.cols = self.U.shape[0], self.V.shape[0]
            self.sparse = True
        else:
            fail("%s: no target.npy (a dense instance) nor target_U.npy (a sparse mc export)" % d)
        self.obs = None  # (I, J, y): the observed entries in row-major order
        if os.path.exists(p("mask.npy")):
            mask = load(p("mask.npy"), 2) != 0
            if mask.shape != (self.rows, self.cols):
                fail("%s: shape %s, the target is %s" % (p("mask.npy"), mask.shape, (self.rows, self.cols)))
            I, J = np.nonzero(mask)
            del mask
            src = self._target
            if os.path.exists(p("observed.npy")):
                src = load(p("observed.npy"), 2)
            self.obs = (I, J, src[I, J].copy())
        elif os.path.exists(p("observed_rowptr.npy")):
            J = load_index(p("observed_cols.npy"), self.cols - 1, "cols - 1 (target_V.npy's rows - 1)")
            n = len(J)
            rp = load_index(p("observed_rowptr.npy"), n, "|O| (observed_cols.npy's length)")
            if len(rp) != self.rows + 1:
                fail("%s: target_U.npy has %d rows but observed_rowptr.npy holds %d values (want rows + 1 = %d): the export's files disagree" % (
                    d, self.rows, len(rp), self.rows + 1))
            if rp[0] != 0 or np.any(np.diff(rp) < 0) or rp[-1] != n:
                fail("%s: want 0 first, nondecreasing values and |O| = %d (observed_cols.npy's length) last" % (p("observed_rowptr.npy"), n))
            y = load(p("observed_vals.npy"), 1)
            if len(y) != n:
                fail("%s: %d values, observed_cols.npy and observed_rowptr.npy say %d" % (p("observed_vals.npy"), len(y), n))
            I = np.repeat(np.arange(self.rows, dtype=np.int64), np.diff(rp))
            # Within a row the columns increase strictly (CSR, as lowdim
            # writes them): a repeated or out-of-order column is refused.
            if n > 1:
                same_row = I[1:] == I[:-1]
                bad = np.flatnonzero(same_row & (J[1:] <= J[:-1]))
                if len(bad):
                    k = bad[0] + 1
                    fail("%s: row %d %s column %d (entry %d); want strictly increasing columns within a row" % (
                        p("observed_cols.npy"), I[k], "repeats" if J[k] == J[k - 1] else "is not sorted at", J[k], k))
            self.obs = (I, J, y)
        if self.obs is not None and len(self.obs[0]) == 0:
            fail("%s: observes no entry" % d)

    def target(self):
        """The d x d target, formed from the factors of a sparse export."""
        if self._target is None:
            self._target = (self.U * self.S) @ self.V.T
        return self._target

    def factors(self, h, depth, seed):
        """The instance's compressed factors W1..WL, or random ones."""
        names = []
        l = 1
        while os.path.exists(os.path.join(self.dir, "init_compressed_W%d.npy" % l)):
            names.append(os.path.join(self.dir, "init_compressed_W%d.npy" % l))
            l += 1
        if names:
            ws = [load(n, 2) for n in names]
            for i in range(1, len(ws)):
                if ws[i].shape[1] != ws[i - 1].shape[0]:
                    fail("%s: shape %s does not chain onto %s" % (names[i], ws[i].shape, ws[i - 1].shape))
            if ws[0].shape[1] != self.cols or ws[-1].shape[0] != self.rows:
                fail("%s: the factors map %d to %d, the target is %d x %d" % (self.dir, ws[0].shape[1], ws[-1].shape[0], self.rows, self.cols))
            return ws, "the instance's init_compressed_W*.npy"
        rng = np.random.default_rng(seed)
        shapes = [(h, self.cols)] + [(h, h)] * (depth - 2) + [(self.rows, h)]
        ws = [1e-2 * rng.standard_normal(s) for s in shapes]
        return ws, "random factors (seed %d: the instance holds no init_compressed_W*.npy)" % seed


def multipliers(depth, alpha):
    m = [1.0] * depth
    m[0] = m[-1] = alpha
    return m


def _chunk_groups(sorted_idx, chunk):
    """Per chunk [s, e) of sorted_idx: s, e, the starts of its runs of
    equal values relative to s, and those values (unique in the chunk)."""
    out = []
    for s in range(0, len(sorted_idx), chunk):
        e = min(s + chunk, len(sorted_idx))
        c = sorted_idx[s:e]
        starts = np.flatnonzero(np.r_[True, c[1:] != c[:-1]])
        out.append((s, e, starts, c[starts]))
    return out


class Sampled:
    """The observed entries (I, J, y) in row order and in column order, and
    the two forms of the completion step's gradients."""

    def __init__(self, inst, chunk=CHUNK):
        self.I, self.J, self.y = inst.obs
        self.n = len(self.I)
        self.rows, self.cols = inst.rows, inst.cols
        self.inst = inst
        self.perm = np.argsort(self.J, kind="stable")
        self.Ip = self.I[self.perm]
        self.rgroups = _chunk_groups(self.I, chunk)
        self.cgroups = _chunk_groups(self.J[self.perm], chunk)
        self.r = np.empty(self.n)

    def grads(self, A, B):
        """grad_L = G B^T (rows x h) and A^T G (h x cols), G = r / |O| on O,
        chunk by chunk: O(chunk h) temporaries."""
        Bt = np.ascontiguousarray(B.T)
        r = self.r
        for s, e, _, _ in self.rgroups:
            r[s:e] = (A[self.I[s:e]] * Bt[self.J[s:e]]).sum(axis=1)
        r -= self.y
        r /= self.n
        gA = np.zeros_like(A)
        for s, e, starts, rows in self.rgroups:
            gA[rows] += np.add.reduceat(r[s:e, None] * Bt[self.J[s:e]], starts, axis=0)
        D = np.zeros((self.cols, A.shape[1]))
        rp = r[self.perm]
        for s, e, starts, cols in self.cgroups:
            D[cols] += np.add.reduceat(rp[s:e, None] * A[self.Ip[s:e]], starts, axis=0)
        return gA, D.T

    def dense_arrays(self):
        """P_O(target) and the mask scaled by 1/|O|, rows x cols each, and W."""
        if not hasattr(self, "W"):
            self.W = np.zeros((self.rows, self.cols))
            self.T = np.zeros((self.rows, self.cols))
            self.T[self.I, self.J] = self.y
            self.M = np.zeros((self.rows, self.cols))
            self.M[self.I, self.J] = 1.0 / self.n
        return self.W, self.T, self.M

    def grads_dense(self, A, B):
        """grads as grads computes them, densely: W = A B formed, R =
        P_O(W - target) / |O| in place, then R B^T and A^T R, three dgemms
        of 2 rows cols h flops through the BLAS."""
        R, T, M = self.dense_arrays()
        np.matmul(A, B, out=R)
        R -= T
        R *= M
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


def torch_steps(threads):
    """The three steps in PyTorch, or None when it does not import."""
    try:
        import torch
    except ImportError:
        return None, None
    if threads:
        torch.set_num_threads(threads)

    class TorchSampled:
        def __init__(self, samp, chunk=CHUNK):
            self.I = torch.from_numpy(samp.I)
            self.J = torch.from_numpy(samp.J)
            self.y = torch.from_numpy(samp.y)
            self.n = samp.n
            self.rows, self.cols = samp.rows, samp.cols
            self.chunk = chunk
            self.r = torch.empty(self.n, dtype=torch.float64)
            self.samp = samp

        def step(self, ws, eta, mult):
            A = ws[-1]
            B = product(ws[:-1])
            Bt = B.T.contiguous()
            r, I, J, ch = self.r, self.I, self.J, self.chunk
            for s in range(0, self.n, ch):
                e = min(s + ch, self.n)
                r[s:e] = (A[I[s:e]] * Bt[J[s:e]]).sum(1)
            r -= self.y
            r /= self.n
            gA = torch.zeros_like(A)
            D = torch.zeros(self.cols, A.shape[1], dtype=A.dtype)
            for s in range(0, self.n, ch):
                e = min(s + ch, self.n)
                gA.index_add_(0, I[s:e], r[s:e, None] * Bt[J[s:e]])
                D.index_add_(0, J[s:e], r[s:e, None] * A[I[s:e]])
            gs = inner_grads(ws, D.T) + [gA]
            for w, g, m in zip(ws, gs, mult):
                w.sub_(g, alpha=eta * m)

        def step_dense(self, ws, eta, mult):
            if not hasattr(self, "W"):
                W, T, M = self.samp.dense_arrays()
                self.W, self.T, self.M = (torch.from_numpy(x) for x in (W, T, M))
            A = ws[-1]
            B = product(ws[:-1])
            R = self.W
            torch.matmul(A, B, out=R)
            R -= self.T
            R *= self.M
            gA, D = R @ B.T, A.T @ R
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


def blas_threads():
    return os.environ.get("OPENBLAS_NUM_THREADS", "OpenBLAS default: the CPUs")


def timing(args):
    inst = Instance(args.dir)
    ws0, src = inst.factors(args.r_hat, args.depth, args.seed)
    rows, cols = inst.rows, inst.cols
    h = ws0[-1].shape[1]
    L = len(ws0)
    mult = multipliers(L, args.alpha)
    print("instance %s: %d x %d%s, h=%d, L=%d, factors: %s" % (
        args.dir, rows, cols, " (sparse export)" if inst.sparse else "", h, L, src))
    if args.only:
        what = args.only
        if inst.obs is None:
            for w in what:
                if w != "factored-mf":
                    fail("--only %s: %s holds no observed entries (export an mc instance)" % (w, args.dir))
    else:
        what = ["sampled-mc"] if inst.sparse else (["sampled-mc", "dense-mc", "factored-mf"] if inst.obs is not None else ["factored-mf"])
    samp = Sampled(inst) if any(w != "factored-mf" for w in what) else None
    # A tiny eta: the factors stay at their scale however many steps run
    # (as lowdim bench's Step cases do, eta 1e-9).
    eta = args.eta
    shape = "d=%d h=%d L=%d" % (max(rows, cols), h, L)
    extra = lambda name: " |O|=%d" % samp.n if name != "factored-mf" else ""
    how = {"sampled-mc": "gathered rows, np.add.reduceat", "dense-mc": "W formed, the residual masked densely, three dgemms",
           "factored-mf": "Phi B^T and A^T Phi"}
    if args.lib in ("numpy", "both"):
        for name in what:
            ws = [w.copy() for w in ws0]
            if name == "sampled-mc":
                run = lambda: step_sampled(ws, samp, eta, mult)
            elif name == "dense-mc":
                run = lambda: step_sampled(ws, samp, eta, mult, dense=True)
            else:
                phi = inst.target()
                run = lambda: step_factored(ws, phi, 1.0, eta, mult)
            sec = time_steps(run, args.steps, args.repeats)
            print("numpy %s: %.4f ms/step (median of %d runs of %d steps; %s%s; %s; numpy %s, OPENBLAS_NUM_THREADS %s)" % (
                name, 1e3 * sec, args.repeats, args.steps, shape, extra(name), how[name], np.__version__, blas_threads()))
    if args.lib not in ("torch", "both"):
        return 0
    torch, fns = torch_steps(args.threads)
    if torch is None:
        print("torch: not installed (skipped)")
        return 0
    TorchSampled, tfactored = fns
    how["sampled-mc"] = "index_add_"
    ts = TorchSampled(samp) if samp is not None else None
    for name in what:
        tws = [torch.from_numpy(w.copy()) for w in ws0]
        if name == "sampled-mc":
            run = lambda: ts.step(tws, eta, mult)
        elif name == "dense-mc":
            run = lambda: ts.step_dense(tws, eta, mult)
        else:
            phi = torch.from_numpy(inst.target())
            run = lambda: tfactored(tws, phi, 1.0, eta, mult)
        sec = time_steps(run, args.steps, args.repeats)
        print("torch %s: %.4f ms/step (median of %d runs of %d steps; %s%s; %s; torch %s, %d thread%s)" % (
            name, 1e3 * sec, args.repeats, args.steps, shape, extra(name), how[name], torch.__version__, torch.get_num_threads(),
            "" if torch.get_num_threads() == 1 else "s"))
    return 0


def check(args):
    man_path = os.path.join(args.check, "manifest.json")
    if not os.path.isdir(args.check):
        fail("--check %s: not a folder" % args.check)
    if not os.path.exists(man_path):
        subs = sorted(n for n in os.listdir(args.check) if os.path.exists(os.path.join(args.check, n, "manifest.json")))
        if subs:
            fail("--check %s: the folder holds no manifest.json, but %s %s one (give %s)" % (
                args.check, ", ".join(subs), "holds" if len(subs) == 1 else "hold", " or ".join(os.path.join(args.check, n) for n in subs)))
        fail("--check %s: the folder holds no manifest.json (want the compressed model's folder, MODEL/compressed)" % args.check)
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
    inst = Instance(args.dir)
    ws, src = inst.factors(0, 0, 0)
    if not src.startswith("the instance's"):
        fail("--check: %s holds no init_compressed_W*.npy (export with --methods compressed)" % args.dir)
    ws_init = [w.copy() for w in ws]
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
        if inst.obs is None:
            fail("--check: %s holds no observed entries (mask.npy or observed_*.npy)" % args.dir)
        samp = Sampled(inst)
        wd = [w.copy() for w in ws]
        step_sampled(ws, samp, eta, mult)
        step_sampled(wd, samp, eta, mult, dense=True)
        others.append(("dense-mc", wd))
        name = "sampled-mc"
    elif work == "mf":
        rows, cols = inst.rows, inst.cols
        c = 1.0 if cfg.get("loss") == "sum" else 1.0 / (rows * cols)
        step_factored(ws, inst.target(), c, eta, mult)
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
    moved = max(float(np.max(np.abs(w - w0))) for w, w0 in zip(ws, ws_init))
    ok = worst <= args.tol
    print("check numpy %s: one step (eta=%g, alpha=%g) against %s: max relative difference %.3g (%s, tolerance %g; the step moved the factors by up to %.3g)" % (
        name, eta, alpha, args.check, worst, "ok" if ok else "FAIL", args.tol, moved))
    return 0 if ok else 1


def mem_available():
    """MemAvailable from /proc/meminfo in bytes, or None where it is absent."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def draw_bytes(kind, d, p):
    """An upper bound on the bytes --draw holds at once: the d x d float64
    target (8 d^2, freed once saved), and on mc the float64 mask (8 d^2)
    allocated while rng.choice draws floor(p d^2) of the d^2 positions
    without replacement (NumPy's tail shuffle of all d^2 positions as int64,
    8 d^2, and a copy of the chosen floor(p d^2)): 8 d^2 (2 + p) bytes. The
    mask's zero pages are touched only after the shuffle, so the resident
    peak is nearer 8 d^2 (1 + p) (209 MB RSS at d = 4096, p = 0.3, against
    this bound's 309 MB)."""
    if kind == "mf":
        return 8 * d * d
    return 8 * d * d * 2 + 8 * int(p * d * d)


def draw(args):
    d = args.d
    if d is None or d < 10:
        fail("--draw needs --d of at least 10 (got %s)" % d)
    if args.draw == "mc" and not (0 < args.p <= 1):
        fail("--p %g: must be in (0, 1]" % args.p)
    if os.path.exists(args.dir) and (not os.path.isdir(args.dir) or os.listdir(args.dir)):
        fail("%s: exists and is not an empty folder (--draw writes a new folder)" % args.dir)
    need = draw_bytes(args.draw, d, args.p)
    avail = mem_available()
    if avail is not None and need > avail:
        fail("--d %d: --draw %s needs up to %d bytes (%.1f GiB) in memory, MemAvailable (/proc/meminfo) is %d bytes (%.1f GiB)" % (
            d, args.draw, need, need / 2.0 ** 30, avail, avail / 2.0 ** 30))
    final = os.path.abspath(args.dir)
    parent = os.path.dirname(final)
    if not os.path.isdir(parent):
        fail("%s: its parent folder %s does not exist" % (args.dir, parent))
    # The files go into a staging folder beside DIR, renamed into place at
    # the end: an interrupted or failed draw leaves no half-written
    # instance (a target.npy without its mask.npy would read as mf).
    import shutil
    import tempfile
    stage = tempfile.mkdtemp(prefix="." + os.path.basename(final) + ".draw-", dir=parent)
    try:
        rng = np.random.default_rng(args.seed)
        u, _ = np.linalg.qr(rng.standard_normal((d, 5)))
        v, _ = np.linalg.qr(rng.standard_normal((d, 5)))
        np.save(os.path.join(stage, "target.npy"), (u * np.array([5.0, 4.0, 3.0, 2.0, 1.0])) @ v.T)
        # The compressed network's initial factors, so that lowdim bench
        # --load-instance starts from them instead of its spectral
        # initialization (a full SVD of the d x d surrogate: minutes at 4096).
        shapes = [(args.r_hat, d)] + [(args.r_hat, args.r_hat)] * (args.depth - 2) + [(d, args.r_hat)]
        for l, sh in enumerate(shapes, 1):
            np.save(os.path.join(stage, "init_compressed_W%d.npy" % l), 1e-2 * rng.standard_normal(sh))
        if args.draw == "mc":
            k = int(args.p * d * d)
            mask = np.zeros(d * d)
            mask[rng.choice(d * d, k, replace=False)] = 1
            np.save(os.path.join(stage, "mask.npy"), mask.reshape(d, d))
            del mask
        if os.path.isdir(final):
            os.rmdir(final)  # empty, checked above
        os.rename(stage, final)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    if args.draw == "mc":
        print("drew %s: target.npy (%d x %d, rank 5), mask.npy (%d observed entries), init_compressed_W1..%d.npy (r_hat %d; seed %d)" % (
            args.dir, d, d, k, args.depth, args.r_hat, args.seed))
    else:
        print("drew %s: target.npy (%d x %d, rank 5), init_compressed_W1..%d.npy (r_hat %d; seed %d)" % (args.dir, d, d, args.depth, args.r_hat, args.seed))
    return 0


def steps_list(v):
    out = [s.strip() for s in v.split(",")]
    if any(not s for s in out) and v.strip():
        raise argparse.ArgumentTypeError("%r has an empty item (want a comma list of %s)" % (v, ", ".join(STEPS)))
    out = [s for s in out if s]
    for s in out:
        if s not in STEPS:
            raise argparse.ArgumentTypeError("unknown step %r (want a comma list of %s)" % (s, ", ".join(STEPS)))
    if not out:
        raise argparse.ArgumentTypeError("empty list (want a comma list of %s)" % ", ".join(STEPS))
    return out


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("dir", help="instance folder written by lowdim run --save-instance (or to write with --draw)")
    p.add_argument("--steps", type=int, default=20, help="steps per timed run (default 20)")
    p.add_argument("--repeats", type=int, default=5, help="timed runs; the median is printed (default 5)")
    p.add_argument("--only", type=steps_list, help="comma list of the steps to time: %s" % ", ".join(STEPS))
    p.add_argument("--lib", choices=["numpy", "torch", "both"], default="both", help="libraries to time (default both)")
    p.add_argument("--threads", type=int, help="threads of NumPy's BLAS (OPENBLAS_NUM_THREADS) and of PyTorch (default: theirs)")
    p.add_argument("--r-hat", type=int, default=10, help="width of random factors when the instance holds none (default 10, lowdim bench's)")
    p.add_argument("--depth", type=int, default=3, help="layers of random factors (default 3)")
    p.add_argument("--seed", type=int, default=1, help="seed of random factors and of --draw (default 1)")
    p.add_argument("--eta", type=float, default=1e-9, help="learning rate of the timed steps (default 1e-9, lowdim bench's)")
    p.add_argument("--alpha", type=float, default=1.0, help="outer layers' multiplier of the timed steps (default 1)")
    p.add_argument("--check", metavar="MODEL_DIR", help="instead of timing, compute one step of the compressed network from DIR's "
                   "init_compressed_W*.npy and compare it with the model lowdim run --steps 1 --methods compressed --save-instance DIR "
                   "--save-model MODEL wrote (MODEL_DIR is MODEL/compressed, the folder with manifest.json and layer-NN.npy); exits 1 "
                   "when a layer differs by more than --tol relative to its largest entry")
    p.add_argument("--tol", type=float, default=1e-10, help="--check's largest relative difference, positive (default 1e-10)")
    p.add_argument("--draw", choices=["mc", "mf"], help="instead of timing, write a new dense instance into DIR without lowdim: "
                   "target.npy (d x d, rank 5), on mc mask.npy (floor(p d^2) observed entries), and init_compressed_W1..WL.npy "
                   "(--r-hat, --depth); needs --d, and memory for up to 1 (mf) or 2 + p (mc) d x d float64 matrices, checked against MemAvailable")
    p.add_argument("--d", type=int, help="--draw's size (only with --draw)")
    p.add_argument("--p", type=float, default=0.3, help="--draw mc's observed fraction (default 0.3, lowdim bench's)")
    args = p.parse_args(argv)
    if args.d is not None and not args.draw:
        fail("--d %d: only --draw takes a size (an instance's size comes from its files)" % args.d)
    if args.draw and args.check:
        fail("--draw and --check: give one")
    if not (args.tol > 0 and np.isfinite(args.tol)):
        fail("--tol %g: must be positive and finite" % args.tol)
    for flag, v, lo in (("--steps", args.steps, 1), ("--repeats", args.repeats, 1), ("--r-hat", args.r_hat, 1), ("--depth", args.depth, 2)):
        if v < lo:
            fail("%s %d: must be at least %d" % (flag, v, lo))
    if args.draw:
        return draw(args)
    if not os.path.isdir(args.dir):
        fail("%s: not a folder (want one written by lowdim run --save-instance)" % args.dir)
    if args.threads is not None and args.threads < 1:
        fail("--threads %d: must be at least 1" % args.threads)
    if not (args.eta > 0 and np.isfinite(args.eta)):
        fail("--eta %g: must be positive and finite" % args.eta)
    if args.check:
        return check(args)
    return timing(args)


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        # Ctrl-C: one line, no traceback; --draw removed its staging folder.
        sys.stderr.write("side-by-side.py: interrupted\n")
        sys.exit(130)
