#!/bin/sh
# Runs rows one after another (one heavy process at a time): docs/beyond-run/queue.sh "paper:0 asymmetric:0 ..."
# (LIMIT, DIR and THREADS are passed on to run.sh). One line per run: start/end time, load, CPU seconds (user+sys), peak RSS.
for job in $1; do
  v=${job%%:*}; s=${job##*:}
  echo "=== $v seed $s start $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)"
  docs/beyond-run/run.sh "$v" "$s" > /dev/null 2>&1 || echo "=== $v seed $s FAILED"
  t=docs/beyond-run/${DIR:-${LIMIT:-2500}}/$v-seed$s/time.txt
  cpu=$(awk -F': ' '/User time/{u=$2} /System time/{s=$2} END{printf "%.1f", u+s}' "$t" 2>/dev/null)
  rss=$(awk -F': ' '/Maximum resident/{print $2}' "$t" 2>/dev/null)
  echo "=== $v seed $s end $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg) cpu ${cpu}s maxrss ${rss}KB"
done
