#!/bin/sh
# Runs one ablation row for one seed (the exact command behind every row of docs/beyond.md).
# usage: [LIMIT=2500] docs/beyond-run/run.sh VARIANT SEED [extra sample options]
# LIMIT is the number of training images (2500 = the bilateral quick preset; the first table used 600).
set -e
v=$1; s=$2; shift 2
limit=${LIMIT:-2500}
out=docs/beyond-run/$limit/$v-seed$s
mkdir -p "$out"
timeout 1800 dotnet run -c Release --no-build --project samples/Beyond -- --variants "$v" --seed-list "$s" --train-limit "$limit" --out "$out" "$@" 2>&1 | tee "$out/console.log"
