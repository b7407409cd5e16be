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
dotnet "$work/cli/bilateral-neuro.dll" train --epochs 1 --train-limit 600 --width 0.125 --seeds 4 --device cpu \
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
# The shards split the 4 seeds (shard 1: 0 and 2, shard 2: 1 and 3); the merged table averages all four.
seeds() { python3 -c "import json,sys; print(sorted(r['Seed'] for r in json.load(open(sys.argv[1]))['Rows']))" "$1"; }
s1=$(seeds "$work/runs/shard-1/results.json"); s2=$(seeds "$work/runs/shard-2/results.json"); sm=$(seeds "$work/runs/merged/results.json")
echo "seeds: shard 1 $s1, shard 2 $s2, merged $sm"
[ "$s1" = "[0, 2]" ] && [ "$s2" = "[1, 3]" ] && [ "$sm" = "[0, 1, 2, 3]" ] || { echo "merged table does not hold both shards' seeds" >&2; exit 1; }
grep -qE '^\| ResNet-9 width 0.125 \| [^|]+ \| 4 \|' "$work/runs/merged/report.md" || { echo "merged report lacks the 4-seed mean row" >&2; exit 1; }
grep -q '"Shard": "merged 2"' "$work/runs/merged/results.json"
echo "slurm sweep check passed"
