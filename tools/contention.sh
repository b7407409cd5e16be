#!/usr/bin/env bash
# Contention check: runs one small `bilateral-neuro train` job alone, then two copies side by side on the same cores,
# and prints each wall time and the ratio (slower of the pair / solo). Target: <= 2.5 (two jobs sharing the cores
# should each take about 2x their solo time; spinning OpenMP workers made it 5-10x).
# Run it on an otherwise IDLE machine only (timings on a shared machine are meaningless):
#   tools/contention.sh [THREADS_PER_JOB]
# THREADS_PER_JOB defaults to the machine's CPUs (the worst case: 2x oversubscribed when paired).
# CONTENTION_ARGS replaces the job's options (default: --epochs 2 --train-limit 3000 --width 0.25).
# Exit code 0 when the ratio is within the target, 1 when not, 2 when a job failed.
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${1:-$(nproc)}
read -r -a job_args <<< "${CONTENTION_ARGS:---epochs 2 --train-limit 3000 --width 0.25}"
dotnet build src/BilateralNeuro.Cli -c Release -v quiet -nologo >/dev/null
cli=src/BilateralNeuro.Cli/bin/Release/net10.0/bilateral-neuro.dll
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
job() {  # job NAME: one training run; writes its wall seconds to $work/NAME.time
  local start end
  start=$(date +%s.%N)
  if ! dotnet "$cli" train "${job_args[@]}" --device cpu --threads "$threads" --json --out "$work/$1" >/dev/null 2>"$work/$1.log"; then
    echo "job $1 failed:" >&2; tail -5 "$work/$1.log" >&2; return 2
  fi
  end=$(date +%s.%N)
  echo "$end - $start" | bc -l > "$work/$1.time"
}
job warmup                      # the first run pays for JIT and file-cache warm-up
job solo
job pair-a & pa=$!
job pair-b & pb=$!
wait $pa && wait $pb || exit 2
solo=$(cat "$work/solo.time"); a=$(cat "$work/pair-a.time"); b=$(cat "$work/pair-b.time")
worst=$(echo "if ($a > $b) $a else $b" | bc -l)
ratio=$(echo "$worst / $solo" | bc -l)
printf 'threads per job %s on %s CPUs; OMP_WAIT_POLICY=%s; job: train %s\n' "$threads" "$(nproc)" "${OMP_WAIT_POLICY:-(BilateralNeuro default PASSIVE)}" "${job_args[*]}"
printf 'solo %.1f s; side by side %.1f s and %.1f s; ratio (slower of the pair / solo) %.2f (target <= 2.5)\n' "$solo" "$a" "$b" "$ratio"
awk -v r="$ratio" 'BEGIN { exit (r <= 2.5) ? 0 : 1 }'
