#!/bin/sh
# Runs one ablation row for one seed (the exact command behind every row of docs/beyond.md).
# usage: docs/beyond-run/run.sh VARIANT SEED [extra sample options]
set -e
v=$1; s=$2; shift 2
out=docs/beyond-run/$v-seed$s
mkdir -p "$out"
timeout 900 dotnet run -c Release --no-build --project samples/Beyond -- --variants "$v" --seed "$s" --train-limit 600 --out "$out" "$@" 2>&1 | tee "$out/console.log"
