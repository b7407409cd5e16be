#!/bin/sh
# `git bisect run` step for the engine check (issue 15): in a detached worktree of main's history, build the Beyond
# sample and run `callosal` seed 0 at 2,500 training images on ONE LibTorch thread; "good" = the same four accuracies
# as the 2026-11-26 commit 282dc33 gives on this machine with one thread (fine 0.802, coarse 0.959, validation fine
# 0.816, validation coarse 0.972), "bad" = any other result, 125 (skip) = the commit does not build or run.
# usage (from the worktree): git bisect start BAD GOOD && git bisect run sh PATH/bisect-step.sh
LOG=${LOG:-/tmp/beyond-bisect}
mkdir -p "$LOG"
c=$(git rev-parse --short HEAD)
nice -n 10 dotnet build samples/Beyond -c Release > "$LOG/build-$c.log" 2>&1 || exit 125
dll=samples/Beyond/bin/Release/net10.0/Beyond.dll
out="$LOG/run-$c"
rm -rf "$out"
seedarg="--seed-list"; dotnet "$dll" --help 2>&1 | grep -q -- "--seed-list" || seedarg="--seed"
OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 /usr/bin/time -v -o "$out.time" nice -n 10 dotnet "$dll" --variants callosal $seedarg 0 --train-limit 2500 --out "$out" > "$out.log" 2>&1 || exit 125
r=$(python3 -c "
import csv,sys
r=next(csv.DictReader(open('$out/results.csv')))
print(' '.join(r[k] for k in ('fine accuracy','coarse accuracy','validation fine accuracy','validation coarse accuracy')))")
echo "$c $r" >> "$LOG/bisect-results.txt"
[ "$r" = "0.802 0.959 0.816 0.972" ] && exit 0 || exit 1
