#!/usr/bin/env bash
# Runs a small sweep as a Slurm job array on a single-node cluster on localhost, merges the shards with
# `bilateral-neuro report`, and checks the merged table. Bounded in time; stops the daemons at the end.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/bn-slurm-XXXX)
trap 'bash "$root/.ci/slurm/stop-cluster.sh"; rm -rf "$work"' EXIT
bash "$root/.ci/slurm/start-cluster.sh"
dotnet build "$root/src/BilateralNeuro.Cli" -c Release -o "$work/cli" --nologo -v q
cat > "$work/sweep.sbatch" <<JOB
#!/bin/bash
#SBATCH --job-name=bn-sweep
#SBATCH --array=1-2
#SBATCH --cpus-per-task=1
#SBATCH --time=20
#SBATCH --output=$work/shard-%a.log
dotnet "$work/cli/bilateral-neuro.dll" synchrony --preset quick --epochs 1 --seeds 1 --device cpu \
  --shard \$SLURM_ARRAY_TASK_ID/\$SLURM_ARRAY_TASK_COUNT --out "$work/runs/shard-\$SLURM_ARRAY_TASK_ID"
JOB
job=$(sbatch --parsable "$work/sweep.sbatch")
echo "submitted job array $job"
deadline=$((SECONDS + 1500))
while squeue -h -j "$job" 2>/dev/null | grep -q .; do
  [ $SECONDS -lt $deadline ] || { echo "sweep did not finish in time" >&2; scancel "$job"; cat "$work"/shard-*.log >&2; exit 1; }
  sleep 10
done
for i in 1 2; do
  [ -f "$work/runs/shard-$i/results.json" ] || { echo "shard $i wrote no results" >&2; cat "$work/shard-$i.log" >&2; exit 1; }
done
dotnet "$work/cli/bilateral-neuro.dll" report "$work/runs/shard-1" "$work/runs/shard-2" --out "$work/runs/merged" | tee "$work/merged.txt"
# Every model of the sweep appears once in the merged table: the shards split the models between them.
count() { grep -cE '^\| [^|]+ \| overlap 0 \|' "$1" || true; }
m1=$(count "$work/runs/shard-1/report.md"); m2=$(count "$work/runs/shard-2/report.md"); models=$(count "$work/runs/merged/report.md")
echo "models on 'overlap 0': shard 1 has $m1, shard 2 has $m2, merged has $models"
[ "$m1" -ge 1 ] && [ "$m2" -ge 1 ] && [ "$models" -eq $((m1 + m2)) ] || { echo "merged table does not hold both shards' models" >&2; exit 1; }
grep -q '"Shard": "merged 2"' "$work/runs/merged/results.json"
echo "slurm sweep check passed"
