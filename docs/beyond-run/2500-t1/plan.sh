#!/bin/sh
# The queue behind docs/beyond-run/2500-t1 (current code, one LibTorch thread, one process at a time, nice 10).
# Seeds 0-2 of every row first, then seeds 3-4, so that every row has >= 3 seeds before any gets 5 (the machine was
# shared at a load average of ~20: a lattice row-seed took ~55 s CPU but ~5 min wall). Already run before this plan:
# callosal seeds 0-4 (08:46-08:49), lattice seed 0 and lattice+budget seed 0 (first version of this plan, same order).
# usage (from the repository root, after `nice -n 10 dotnet build samples/Beyond -c Release`): sh docs/beyond-run/2500-t1/plan.sh
export DIR=2500-t1 THREADS=1
q() { docs/beyond-run/queue.sh "$1" >> docs/beyond-run/2500-t1/queue.log 2>&1; }
skip() { [ -f "docs/beyond-run/2500-t1/$1-seed$2/results.csv" ]; }
qs() { jobs=""; for v in $1; do for s in $2; do skip "$v" "$s" || jobs="$jobs $v:$s"; done; done; [ -n "$jobs" ] && q "$jobs"; }
for seeds in "0 1 2" "3 4"; do
  for s in $seeds; do qs "lattice lattice+budget lattice+fixedsplit" "$s"; done     # 1. learned allocation, its control, the reference
  for s in $seeds; do qs "lattice+swapped lattice+equalpressure" "$s"; done         #    pressure controls
  for s in $seeds; do qs "lattice+t1 lattice+ff" "$s"; done                         # 2. recurrence controls
  export EXTRA=--probe
  for s in $seeds; do qs "labelfree paper selfsup" "$s"; done                       # 3. label-free and its references (probe)
  unset EXTRA
  for s in $seeds; do qs "asymmetric" "$s"; done                                    #    last default variant (engine check)
done
for s in 0 1 2 3 4; do                                                              # 4. the other rows of the 2026-11-26 table
  qs "contrastive sync coupled frozenphase callosal+selfsup sync+callosal sync+callosal+selfsup frozenphase+callosal+selfsup" "$s"
done
