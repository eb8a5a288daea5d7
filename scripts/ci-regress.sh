#!/usr/bin/env bash
# Benchmark regression gate for CI, kept for jobs that call it: a wrapper
# of `lowdim gate` (README, "The regression gate"), which builds BASE and
# HEAD with the backend make would choose (this script used to build pure
# Go even where make builds OpenBLAS), runs the curated suite interleaved
# within a budget and judges it (exit 0 pass, 1 regression, 2 bad input or
# a build failure).
#
# usage: scripts/ci-regress.sh BASE [HEAD] [lowdim gate flags...]
#   e.g. scripts/ci-regress.sh origin/main HEAD --budget 5m --markdown gate.md
set -euo pipefail
base=${1:?usage: scripts/ci-regress.sh BASE [HEAD] [lowdim gate flags...]}
head=${2:-HEAD}
shift $(( $# >= 2 ? 2 : 1 ))
top=$(git rev-parse --show-toplevel)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$top" && go build -trimpath -o "$work/lowdim" ./cmd/lowdim)
code=0
"$work/lowdim" gate --repo "$top" "$@" "$base" "$head" || code=$?
exit "$code"
