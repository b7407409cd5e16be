#!/usr/bin/env python3
"""Stage-2 validation curves of a bilateral run from the CLI's epoch log (stderr, one 'Epoch e/N: ...' line per epoch):
writes curves.csv beside the log and prints a Markdown table (best epoch, best of epochs 1-20, best of 21-N).
Usage: stage2_curves.py LOG [EPOCHS=60]. Runs are named in the experiment's order: seed 0 clean, seed 0 original, ..."""
import os, re, sys

log, total = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 60
names = ["seed 0 clean", "seed 0 original", "seed 1 clean", "seed 1 original"]
runs, cur = [], None
for line in open(log):
    m = re.search(rf"Epoch (\d+)/{total}: .*validation fine/loss [0-9.]+, fine/accuracy ([0-9.]+), coarse/loss [0-9.]+, coarse/accuracy ([0-9.]+)", line)
    if not m: continue
    e = int(m.group(1))
    if e == 1: cur = []; runs.append(cur)
    cur.append((e, float(m.group(2)), float(m.group(3))))
with open(os.path.join(os.path.dirname(log), "curves.csv"), "w") as f:
    f.write("run,epoch,val_fine_accuracy,val_coarse_accuracy\n")
    for n, r in zip(names, runs):
        for e, fi, co in r: f.write(f"{n},{e},{fi},{co}\n")
print("| stage-2 run (60 epochs) | selected on | best epoch (value) | best of epochs 1-20 | best of epochs 21-60 |")
print("|---|---|---|---|---|")
for n, r in zip(names, runs):
    orig = "original" in n
    sc = [(e, fi + co if orig else fi) for e, fi, co in r]
    best = max(sc, key=lambda t: (t[1], -t[0]))
    early = max(v for e, v in sc if e <= 20)
    late = max((v for e, v in sc if e > 20), default=float("nan"))
    print(f"| {n} | {'fine + coarse' if orig else 'fine'} | {best[0]} ({best[1]:.3f}) | {early:.3f} | {late:.3f} |")
