#!/usr/bin/env bash
# Benchmark regression gate for CI: benchmarks a base and a head commit on
# this machine, interleaved so that drift of the machine hits both alike,
# and compares them with `lowdim compare` (exit 0 no regression, 1 a
# regression, 2 bad input).
#
# usage: scripts/ci-regress.sh BASE [HEAD] [lowdim bench flags...]
#   BASE, HEAD   commits (HEAD defaults to HEAD)
#   flags        passed to `lowdim bench` (default: --quick --filter '^Step/')
# env:  COUNT    samples per side (default 10), OUT folder for the files
#                (default: a temporary folder), FORMAT text|markdown|json
set -euo pipefail
base=${1:?usage: scripts/ci-regress.sh BASE [HEAD] [lowdim bench flags...]}
head=${2:-HEAD}
shift $(( $# >= 2 ? 2 : 1 ))
flags=("$@")
if [ ${#flags[@]} -eq 0 ]; then flags=(--quick --filter '^Step/'); fi
count=${COUNT:-10}
format=${FORMAT:-text}
top=$(git rev-parse --show-toplevel)
work=$(mktemp -d)
out=${OUT:-$work}
mkdir -p "$out"
cleanup() {
  git -C "$top" worktree remove --force "$work/base" >/dev/null 2>&1 || true
  git -C "$top" worktree remove --force "$work/head" >/dev/null 2>&1 || true
}
trap cleanup EXIT
for side in base head; do
  rev=$base; [ "$side" = head ] && rev=$head
  git -C "$top" worktree add --detach "$work/$side" "$rev" >/dev/null
  (cd "$work/$side" && go build -ldflags "-X github.com/lowdim/lowdim/machine.Version=$(git rev-parse --short HEAD)" -o "$work/lowdim-$side" ./cmd/lowdim)
done
: >"$out/base.bench"
: >"$out/head.bench"
for i in $(seq 1 "$count"); do
  echo "round $i/$count" >&2
  "$work/lowdim-base" bench --count 1 "${flags[@]}" >>"$out/base.bench" 2>/dev/null
  "$work/lowdim-head" bench --count 1 "${flags[@]}" >>"$out/head.bench" 2>/dev/null
done
"$work/lowdim-head" compare --format "$format" "$out/base.bench" "$out/head.bench"
