#!/usr/bin/python3
"""Generate the .npy fixtures used by the npy package tests.

Regenerate (from the repository root) with Debian's python3-numpy:

    /usr/bin/python3 npy/testdata/gen.py

The script writes into the directory that contains it and overwrites the
files. The tests in npy/fixtures_test.go derive the expected values the same
way this script does (e.g. float64(i)/7), so if you change a fixture here,
change the matching test table too. Files written by np.save are also compared
byte for byte with what npy.Write produces for the C-order float64 fixtures.
"""
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def save(name, arr):
    np.save(os.path.join(HERE, name), arr)


def write_version(name, arr, version):
    with open(os.path.join(HERE, name), "wb") as f:
        np.lib.format.write_array(f, arr, version=version)


# C-order float64; Write must reproduce these byte for byte.
save("f8_scalar.npy", np.array(3.5))
save("f8_5.npy", np.arange(5) / 7)
save("f8_3x4.npy", np.arange(12).reshape(3, 4) / 7)
save("f8_2x3x4.npy", np.arange(24).reshape(2, 3, 4) / 7)
save("f8_0x3.npy", np.zeros((0, 3)))

# Fortran order: same values as f8_3x4 / f8_2x3x4, column-major on disk.
save("f8_fortran_3x4.npy", np.asfortranarray(np.arange(12).reshape(3, 4) / 7))
save("f8_fortran_2x3x4.npy", np.asfortranarray(np.arange(24).reshape(2, 3, 4) / 7))

# Big-endian float64, float32, integers, bool.
save("f8_be_3x4.npy", (np.arange(12).reshape(3, 4) / 7).astype(">f8"))
save("f4_2x3.npy", (np.arange(6).reshape(2, 3) / 7).astype("<f4"))
save("f4_be_2x3.npy", (np.arange(6).reshape(2, 3) / 7).astype(">f4"))
save("i8_5.npy", (np.arange(5, dtype="<i8") - 2) * 1000)
save("i4_2x2.npy", np.array([[-7, 0], [1, 2147483647]], dtype="<i4"))
save("u1_3.npy", np.array([0, 1, 255], dtype="u1"))
save("b1_2x3.npy", np.array([[True, False, True], [False, False, True]]))

# Format versions 2.0 and 3.0 (np.save picks 1.0 for small headers).
write_version("f8_3x4_v2.npy", np.arange(12).reshape(3, 4) / 7, (2, 0))
write_version("f8_3x4_v3.npy", np.arange(12).reshape(3, 4) / 7, (3, 0))

# Must be rejected.
save("c16_2.npy", np.array([1 + 2j, 3 - 4j]))
