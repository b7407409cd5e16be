#!/bin/sh
# Runs one ablation row for one seed (the exact command behind every row of docs/beyond.md).
# usage: [LIMIT=2500] [DIR=folder] [THREADS=1] [EXTRA="--probe"] docs/beyond-run/run.sh VARIANT SEED [extra sample options]
# LIMIT is the number of training images (2500 = the bilateral quick preset; the first table used 600); DIR the folder
# under docs/beyond-run (default: LIMIT); THREADS, if set, is passed as --threads. The sample must be built first
# (nice -n 10 dotnet build samples/Beyond -c Release); the run uses that build as is (no rebuild between rows), writes
# OUT/command.txt (the exact command) and OUT/time.txt (/usr/bin/time -v: CPU time, peak RSS).
set -e
v=$1; s=$2; shift 2
limit=${LIMIT:-2500}
dir=${DIR:-$limit}
out=docs/beyond-run/$dir/$v-seed$s
mkdir -p "$out"
set -- dotnet samples/Beyond/bin/Release/net10.0/Beyond.dll --variants "$v" --seed-list "$s" --train-limit "$limit" --out "$out" ${THREADS:+--threads "$THREADS"} $EXTRA "$@"
echo "nice -n 10 $*" > "$out/command.txt"
/usr/bin/time -v -o "$out/time.txt" timeout 1800 nice -n 10 "$@" > "$out/console.log" 2>&1
