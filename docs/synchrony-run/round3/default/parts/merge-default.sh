#!/bin/bash
# Merge the default run's units (4 model shards; KomplexNet seeds 1, 2 from --only-seeds processes) into one journal
# and rerun the default command over it: every unit is read from the journal, nothing is retrained.
set -e
D=/tmp/sync/default-merged; rm -rf $D; mkdir -p $D/checkpoints
for s in d24-shard1 d24-shard3 d24-shard4; do cp /tmp/sync/$s/checkpoints/*.unit.json $D/checkpoints/; done
cp /tmp/sync/d24-shard2/checkpoints/KomplexNet_seed_0.unit.json $D/checkpoints/
cp /tmp/sync/d24-komplex-seed1/checkpoints/KomplexNet_seed_1.unit.json $D/checkpoints/
cp /tmp/sync/d24-komplex-seed2/checkpoints/KomplexNet_seed_2.unit.json $D/checkpoints/
ls $D/checkpoints
echo "bilateral-neuro synchrony --threads 1 --json --keep-checkpoints --out DIR   # commit $(cat /tmp/sync/bin4/COMMIT); units trained by: $(for s in d24-shard1 d24-shard2 d24-shard3 d24-shard4 d24-komplex-seed1 d24-komplex-seed2; do head -c 200 /tmp/sync/$s/command.txt | sed 's/ --threads 1 --json --keep-checkpoints --out DIR//'; echo -n ' ;; '; done)" > $D/command.txt
nice -n 10 dotnet /tmp/sync/bin4/bilateral-neuro.dll synchrony --threads 1 --json --keep-checkpoints --out $D > $D/stdout.json 2> $D/stderr.log
