#!/bin/bash
# Merge the 24x24 2,400-step budget run's units (3 model shards; RandomPhases and IdealPhases seeds 1, 2 from
# --only-seeds processes) into one journal and rerun the command over it (nothing retrained).
set -e
D=/tmp/sync/budget-2400-24px; rm -rf $D; mkdir -p $D/checkpoints
cp /tmp/sync/b2400-24px-shard3/checkpoints/Real_seed_*.unit.json $D/checkpoints/
cp /tmp/sync/b2400-24px-shard1/checkpoints/RandomPhases_seed_0.unit.json $D/checkpoints/
cp /tmp/sync/b2400-24px-shard2/checkpoints/IdealPhases_seed_0.unit.json $D/checkpoints/
for s in 1 2; do cp /tmp/sync/b2400-24px-m1-seed$s/checkpoints/RandomPhases_seed_$s.unit.json $D/checkpoints/; cp /tmp/sync/b2400-24px-m2-seed$s/checkpoints/IdealPhases_seed_$s.unit.json $D/checkpoints/; done
ls $D/checkpoints
echo "bilateral-neuro synchrony --models RandomPhases,IdealPhases,Real --seeds 3 --train 12000 --epochs 4 --batch 16 --lr 3e-3 --threads 1 --json --keep-checkpoints --out DIR   # commit $(cat /tmp/sync/bin4/COMMIT); units trained in 7 processes (parts/*-command.txt: --shard 1/3, 2/3 for seed 0, 3/3 for Real, --shard 1/3|2/3 --only-seeds 1|2), merged by parts/merge-b24.sh (nothing retrained)" > $D/command.txt
nice -n 10 dotnet /tmp/sync/bin4/bilateral-neuro.dll synchrony --models RandomPhases,IdealPhases,Real --seeds 3 --train 12000 --epochs 4 --batch 16 --lr 3e-3 --threads 1 --json --keep-checkpoints --out $D > $D/stdout.json 2> $D/stderr.log
R=/work/wt-sync/docs/synchrony-run/round3/budget-2400-24px; mkdir -p $R/parts
cp $D/{command.txt,results.csv,per-seed.csv,comparisons.csv,stderr.log} $R/
for s in b2400-24px-shard1 b2400-24px-shard2 b2400-24px-shard3 b2400-24px-m1-seed1 b2400-24px-m1-seed2 b2400-24px-m2-seed1 b2400-24px-m2-seed2; do cp /tmp/sync/$s/time.txt $R/parts/$s-time.txt; cp /tmp/sync/$s/command.txt $R/parts/$s-command.txt; done
cp /tmp/sync/merge-b24.sh $R/parts/
echo "b2400-24px-shard1/2 were stopped (SIGTERM) 2 s after their seed-0 unit was journaled; their CPU time includes a little of seed 1." > $R/parts/README.txt
