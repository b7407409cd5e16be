#!/bin/sh
# Runs rows one after another (one heavy process at a time): docs/beyond-run/queue.sh "paper:0 asymmetric:0 ..."
for job in $1; do
  v=${job%%:*}; s=${job##*:}
  echo "=== $v seed $s start $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)"
  docs/beyond-run/run.sh "$v" "$s" > /dev/null 2>&1 || echo "=== $v seed $s FAILED"
  echo "=== $v seed $s end $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)"
done
