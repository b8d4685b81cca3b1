#!/usr/bin/env bash
# The whole GPU check in one run of at most ~8 minutes, everything it writes under one output folder.
#
#   scripts/gpu_check.sh [OUTDIR]          # on the GPU machine (default OUTDIR: $OUT, else ./gpu-check-out)
#   scripts/gpu_check.sh --sim [OUTDIR]    # the same steps under numba-cuda's simulator, at small sizes
#
# Steps, each its own process with its own time limit (docs/gpu.md, "The GPU check script"):
#   1. environment: kbench.gpurecord (CUDA device, NVML device and state, versions) -> environment.json,
#      `kbench info --json` -> machine.json, nvidia-smi -q -> nvidia-smi.txt
#   2. kbench check on the GPU targets -> check.json
#   3. the GPU ceilings (roofline.DeviceBandwidth, roofline.DevicePeakFlops) -> ceilings.json
#   4. gpu_efficiency.GpuEfficiency -> efficiency.json
#   5. the GPU tier of the suite, in-process (kbench.gpusuite), until the time budget -> tier.json
#   6. summary.txt / summary.json; the exit status: 0 all ok, 2 broken.
# Every step's output goes to logs/<step>.log. Needs only Python with numba, numba-cuda (and CuPy for the
# CuPy targets); NVML comes from the nvidia-ml-py wheel carried in wheels/ (imported from the zip, nothing
# installed). asv is not needed.
set -u

SIM=0
if [ "${1:-}" = "--sim" ]; then SIM=1; shift; fi
OUTDIR="${1:-${OUT:-gpu-check-out}}"
TOTAL="${KBENCH_GPU_CHECK_SECONDS:-465}"   # hard end of the run, seconds after start (8 min = 480)
PY="${PYTHON:-python3}"

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mkdir -p "$OUTDIR/logs" || exit 2
OUTDIR="$(cd "$OUTDIR" && pwd)"
START=$(date +%s)

WHEEL="$(ls "$REPO"/wheels/nvidia_ml_py-*.whl 2>/dev/null | head -n 1)"
export PYTHONPATH="$REPO/src:$REPO${WHEEL:+:$WHEEL}${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
export CUPY_CACHE_DIR="$OUTDIR/.cache/cupy"   # CuPy's kernel cache, removed at the end
if [ "$SIM" = 1 ]; then
  export NUMBA_ENABLE_CUDASIM=1
  SIMFLAG=--sim
else
  SIMFLAG=
  if [ "${NUMBA_ENABLE_CUDASIM:-0}" != "0" ] && [ -n "${NUMBA_ENABLE_CUDASIM:-}" ]; then
    echo "NUMBA_ENABLE_CUDASIM is set: that is the simulator, not a GPU; use --sim for a simulator run" >&2
  fi
fi

left() { echo $(( START + TOTAL - $(date +%s) )); }
STEPS=()
step() {  # step NAME LIMIT_SECONDS command...
  local name=$1 limit=$2; shift 2
  local remaining; remaining=$(left)
  if [ "$limit" -gt $(( remaining - 15 )) ]; then limit=$(( remaining - 15 )); fi
  if [ "$limit" -lt 5 ]; then
    echo "== $name: not started, no time left" | tee -a "$OUTDIR/logs/steps.log"
    STEPS+=("--step" "$name=skipped-no-time"); return
  fi
  echo "== $name (limit ${limit}s, $(left)s left)" | tee -a "$OUTDIR/logs/steps.log"
  timeout --kill-after=5 "$limit" "$@" >"$OUTDIR/logs/$name.log" 2>&1
  local rc=$?
  tail -n 5 "$OUTDIR/logs/$name.log"
  echo "== $name: exit $rc after $(( $(date +%s) - START ))s in all" | tee -a "$OUTDIR/logs/steps.log"
  STEPS+=("--step" "$name=$rc")
}

cd "$REPO" || exit 2
step environment 60 "$PY" -m kbench.gpurecord --out "$OUTDIR/environment.json"
timeout 60 "$PY" -m kbench.cli info --json >"$OUTDIR/machine.json" 2>>"$OUTDIR/logs/environment.log" || true
if command -v nvidia-smi >/dev/null 2>&1; then timeout 20 nvidia-smi -q >"$OUTDIR/nvidia-smi.txt" 2>&1 || true; fi
step check 90 "$PY" -m kbench.gpucheck check --out "$OUTDIR/check.json"
step ceilings 60 "$PY" -m kbench.gpusuite ceilings $SIMFLAG --out "$OUTDIR/ceilings.json"
step efficiency 150 "$PY" -m kbench.gpusuite efficiency $SIMFLAG --out "$OUTDIR/efficiency.json"
# the tier starts parameter sets until 45 s before the end, and is stopped 20 s before it
TIER_LIMIT=$(( $(left) - 20 )); TIER_BUDGET=$(( $(left) - 45 ))
if [ "$TIER_BUDGET" -lt 5 ]; then TIER_BUDGET=5; fi
step tier "$TIER_LIMIT" "$PY" -m kbench.gpusuite tier $SIMFLAG --budget "$TIER_BUDGET" --out "$OUTDIR/tier.json"

rm -rf "$OUTDIR/.cache"
"$PY" -m kbench.gpucheck summary "$OUTDIR" $SIMFLAG "${STEPS[@]}"
rc=$?
echo "total $(( $(date +%s) - START ))s; results in $OUTDIR"
exit $rc
