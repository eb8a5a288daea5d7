"""Reproduce a lowdim model folder with NumPy alone, as a user would.

    python3 reproduce.py MODEL_DIR TARGET.npy LOWDIM_PRODUCT.npy [MODEL_DIR ...]

For each model folder (arguments in threes; one Python start for many, as
importing numpy costs about a second), loads manifest.json and the layer files (W_1 first), checks each file's
SHA-256 against the manifest, forms the end-to-end product
np.linalg.multi_dot(W_L, ..., W_1) (a single layer is its own product),
adds the centering's means back (their stored shape broadcasts onto the
product), and compares

  - the product with lowdim's (Model.Product, saved by the test), and
  - the recovery error ||P - target||_F / ||target||_F with the manifest's
    errors.recovery,

each to REL_TOL relative (the error also to ABS_TOL absolute). Prints the figures; exits 1 on a mismatch (after
checking every folder), with a message on a file that contradicts its
manifest.
"""

import hashlib
import json
import os
import sys

import numpy as np

# Both sides multiply the same float64 factors, perhaps in another order:
# about L * r * 2^-53 relative each (see model_test.go's productTol).
REL_TOL = 1e-12
# The recovery error ||P - target||_F / ||target||_F of a model that fits
# its target closely is a difference of nearly equal matrices: the products'
# rounding (1e-16 of ||P|| ~ ||target||) moves it by about 1e-16 in absolute
# terms, which is far more than 1e-12 of an error of 1e-6. So the errors
# agree within REL_TOL relative or ABS_TOL absolute (in units of
# ||target||_F, the error's own).
ABS_TOL = 1e-12


def main():
    args = sys.argv[1:]
    if not args or len(args) % 3:
        sys.exit(__doc__)
    ok = True
    for i in range(0, len(args), 3):
        ok &= check(*args[i:i + 3])
    sys.exit(0 if ok else 1)


def check(model_dir, target_path, product_path):
    """Checks one model folder; prints its figures; returns whether both agree."""
    print(model_dir)
    with open(os.path.join(model_dir, "manifest.json")) as f:
        man = json.load(f)
    assert man["format"] == "lowdim-model", man["format"]
    assert man["version"] == 1, man["version"]
    assert man["kind"] == "deep-linear", man["kind"]

    def load(entry):
        path = os.path.join(model_dir, entry["file"])
        with open(path, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        if digest != entry["sha256"]:
            sys.exit(f"{path}: sha256 {digest}, manifest {entry['sha256']}")
        a = np.load(path)
        if list(a.shape) != entry["shape"] or a.dtype != np.float64:
            sys.exit(f"{path}: {a.dtype} {a.shape}, manifest {entry['shape']}")
        return a

    layers = [load(l) for l in man["layers"]]  # W_1 first
    product = np.linalg.multi_dot(layers[::-1]) if len(layers) > 1 else layers[0]
    if man["centering"]["kind"] != "none":
        product = product + load(man["centering"])
    if product.shape != (man["outputs"], man["inputs"]):
        sys.exit(f"product {product.shape}, manifest {man['outputs']} x {man['inputs']}")
    if sum(a.size for a in layers) != man["parameters"]:
        sys.exit(f"parameters {sum(a.size for a in layers)}, manifest {man['parameters']}")

    ok = True
    theirs = np.load(product_path)
    diff = np.linalg.norm(product - theirs) / np.linalg.norm(theirs)
    print(f"  product: ||numpy - lowdim||_F / ||lowdim||_F = {diff:.3e}")
    ok &= bool(diff <= REL_TOL)

    target = np.load(target_path)
    err = np.linalg.norm(product - target) / np.linalg.norm(target)
    recorded = man["errors"]["recovery"]
    rel = abs(err - recorded) / recorded
    print(f"  recovery error: numpy {err!r}, manifest {recorded!r}, relative difference {rel:.3e}, absolute {abs(err - recorded):.3e}")
    ok &= bool(rel <= REL_TOL or abs(err - recorded) <= ABS_TOL)
    return ok


if __name__ == "__main__":
    main()
