#!/bin/sh
# The queue behind docs/beyond-run/2500-t1 (current code, one LibTorch thread, one process at a time, nice 10),
# seeds interleaved so that every row has the same seeds if the queue is stopped early.
# usage (from the repository root, after `nice -n 10 dotnet build samples/Beyond -c Release`): sh docs/beyond-run/2500-t1/plan.sh
export DIR=2500-t1 THREADS=1
q() { docs/beyond-run/queue.sh "$1" >> docs/beyond-run/2500-t1/queue.log 2>&1; }
for s in 0 1 2 3 4; do   # 1. learned allocation and its controls
  q "lattice:$s lattice+budget:$s lattice+fixedsplit:$s lattice+equalpressure:$s lattice+swapped:$s"
done
for s in 0 1 2 3 4; do   # 2. recurrence controls
  q "lattice+t1:$s lattice+ff:$s"
done
export EXTRA=--probe
for s in 0 1 2 3 4; do   # 3. label-free hemispheres and their references (probe on every row)
  q "labelfree:$s paper:$s selfsup:$s"
done
unset EXTRA
for s in 0 1 2 3 4; do   # 4. the other rows of the 2026-11-26 table (callosal: already run, seeds 0-4)
  q "asymmetric:$s contrastive:$s sync:$s coupled:$s frozenphase:$s callosal+selfsup:$s sync+callosal:$s sync+callosal+selfsup:$s frozenphase+callosal+selfsup:$s"
done
