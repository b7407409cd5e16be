#!/usr/bin/env bash
# Contention check: runs one small `bilateral-neuro train` job alone, then two copies side by side on the same cores,
# and prints each wall time and the ratio (side-by-side / solo). Target: <= 2.5 (two jobs sharing the cores should each
# take at most ~2x their solo time plus a margin; spinning OpenMP workers made it 5-10x).
# Run it on an otherwise IDLE machine only (timings on a shared machine are meaningless):
#   tools/contention.sh [THREADS_PER_JOB] [extra train options...]
# Default: each job gets as many threads as the machine has CPUs (the worst case: 2x oversubscribed when paired).
# Exit code 0 when the ratio is within the target, 1 when not.
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${1:-$(nproc)}
shift || true
extra=("$@")
dotnet build src/BilateralNeuro.Cli -c Release -v quiet -nologo >/dev/null
cli=src/BilateralNeuro.Cli/bin/Release/net10.0/bilateral-neuro.dll
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
job() {  # job NAME: one small training run, prints its wall seconds
  local start end
  start=$(date +%s.%N)
  dotnet "$cli" train --epochs 2 --train-limit 3000 --width 0.25 --device cpu --threads "$threads" --json \
    --out "$work/$1" "${extra[@]}" >/dev/null 2>"$work/$1.log" || { echo "job $1 failed:" >&2; cat "$work/$1.log" >&2; exit 2; }
  end=$(date +%s.%N)
  echo "$end - $start" | bc -l
}
job warmup >/dev/null            # first run pays for JIT and file-cache warm-up
solo=$(job solo)
job pair-a >"$work/a.time" & pa=$!
job pair-b >"$work/b.time" & pb=$!
wait $pa $pb
a=$(cat "$work/a.time"); b=$(cat "$work/b.time")
worst=$(echo "if ($a > $b) $a else $b" | bc -l)
ratio=$(echo "$worst / $solo" | bc -l)
printf 'threads per job %s on %s CPUs; OMP_WAIT_POLICY=%s\n' "$threads" "$(nproc)" "${OMP_WAIT_POLICY:-(BilateralNeuro default PASSIVE)}"
printf 'solo %.1f s; side by side %.1f s and %.1f s; ratio (slower pair / solo) %.2f (target <= 2.5)\n' "$solo" "$a" "$b" "$ratio"
awk -v r="$ratio" 'BEGIN { exit (r <= 2.5) ? 0 : 1 }'
