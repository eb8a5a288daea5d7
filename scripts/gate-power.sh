#!/usr/bin/env bash
# Measures lowdim gate's false-alarm and detection rates on this machine:
# N A/A gate runs (the same binary on both sides) and N runs with a planted
# slowdown of the head's training step (LOWDIM_PLANT_SLOWDOWN, honoured only
# by a binary built with -tags lowdim_plant), alternating A/A and planted so
# that drift of the machine's load hits both alike. One line per gate run is
# appended to OUT (tab-separated, header written when OUT is new):
#
#   kind budget plant exit rounds regressions timing_rows load1 utc
#
# kind is aa or planted; exit is lowdim gate's (0 pass, 1 regression, 2 the
# budget could not afford the test, 3 a bench failed); load1 the 1-minute
# load average before the run. gate/power_test.go computes the rates and
# their 95% Clopper-Pearson intervals from OUT:
#
#   go test ./gate -run TestPower -v
#
# The raw timing samples of every run are appended to SAMPLES, one line
# per run, timing row (a case and a unit: sec/op, the wall time, or
# cpu-sec/op, the process's CPU time) and side, the values in round order
# in seconds per op, each the shortest decimal that reads back to the
# gate's float64 (so Judge on them repeats the gate's verdict):
#
#   utc kind budget plant benchmark unit side samples(comma-separated)
#
# The 1m runs of 2026-11-30 in gate/testdata/power-samples.tsv were written
# before the unit column and with 5 significant digits; gate/power_test.go
# reads that format too. SAMPLES with another header is refused. From
# SAMPLES, gate/power_test.go (TestPowerByBudget) derives the smallest
# regression the gate detects with 95% power at other budgets.
#
# usage: scripts/gate-power.sh N BUDGET [PLANT] [OUT] [SAMPLES]
#   N       gate runs of each kind (the issue asks for 30)
#   BUDGET  lowdim gate --budget of each run (e.g. 30s, 5m)
#   PLANT   planted fraction of extra work (default 0.10)
#   OUT     default gate/testdata/power.tsv
#   SAMPLES default gate/testdata/power-samples.tsv
# env: GATE_FLAGS  more lowdim gate flags (e.g. --benchtime 50ms)
set -euo pipefail
n=${1:?usage: scripts/gate-power.sh N BUDGET [PLANT] [OUT]}
budget=${2:?usage: scripts/gate-power.sh N BUDGET [PLANT] [OUT]}
plant=${3:-0.10}
top=$(git rev-parse --show-toplevel)
out=${4:-$top/gate/testdata/power.tsv}
samples=${5:-$top/gate/testdata/power-samples.tsv}
header=$(printf 'utc\tkind\tbudget\tplant\tbenchmark\tunit\tside\tsamples')
if [ -s "$samples" ] && [ "$(head -n 1 "$samples")" != "$header" ]; then
  echo "gate-power: $samples has another header than $(printf '%q' "$header") (written before the unit column?): give a new SAMPLES file" >&2
  exit 2
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The backend make would choose (its probe: cblas.h and -lopenblas link).
tags=lowdim_plant
if printf '#include <cblas.h>\nint main(void) { return cblas_ddot(0, 0, 1, 0, 1) != 0; }\n' |
  "$(go env CC)" -x c - -o /dev/null -lopenblas >/dev/null 2>&1; then
  tags=openblas,lowdim_plant
fi
(cd "$top" && go build -trimpath -tags "$tags" -o "$work/lowdim" ./cmd/lowdim)
bin=$work/lowdim
mkdir -p "$(dirname "$out")" "$(dirname "$samples")"
if [ ! -s "$samples" ]; then
  printf '%s\n' "$header" >"$samples"
fi
if [ ! -s "$out" ]; then
  printf 'kind\tbudget\tplant\texit\trounds\tregressions\ttiming_rows\tload1\tutc\n' >"$out"
fi
for i in $(seq 1 "$n"); do
  for kind in aa planted; do
    p=0
    [ "$kind" = planted ] && p=$plant
    load=$(cut -d' ' -f1 /proc/loadavg)
    utc=$(date -u +%Y-%m-%dT%H:%M:%SZ)
    code=0
    # shellcheck disable=SC2086
    "$bin" gate --base-bin "$bin" --head-bin "$bin" --plant-head "$p" --budget "$budget" \
      --json "$work/gate.json" ${GATE_FLAGS:-} >"$work/gate.txt" 2>"$work/gate.err" || code=$?
    rounds=0 regs=0 rows=0
    if [ -s "$work/gate.json" ] && [ "$code" -le 1 ]; then
      read -r rounds regs rows < <(python3 - "$work/gate.json" "$samples" "$utc" "$kind" "$budget" "$p" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
rows = [r for r in j["rows"] if r["kind"] == "timing" and r["verdict"] != "new"]
with open(sys.argv[2], "a") as f:
    for r in rows:
        for side in ("base", "head"):
            vals = ",".join(repr(float(v)) for v in r[side]["samples"])
            f.write("\t".join(sys.argv[3:7] + [r["benchmark"], r["unit"], side, vals]) + "\n")
print(j["rounds"], sum(r["verdict"] == "regression" for r in rows), len(rows))
PY
)
    fi
    printf '%s\t%s\t%s\t%d\t%d\t%d\t%d\t%s\t%s\n' "$kind" "$budget" "$p" "$code" "$rounds" "$regs" "$rows" "$load" "$utc" >>"$out"
    echo "gate-power: run $i/$n $kind: exit $code, $rounds rounds, $regs regressions (load $load)" >&2
    rm -f "$work/gate.json"
  done
done
