#!/usr/bin/env python3
"""Compares this run's results.csv with the idle sequential default of session 24 (default-idle-s24): the largest
absolute difference per column, and the overlap-0 readings the docs quote (coherence, separation, exact match).
Usage: python3 compare.py [RUN_DIR] [REFERENCE_DIR]   (defaults: this folder, ../default-idle-s24)"""
import csv, math, os, sys

here = os.path.dirname(os.path.abspath(__file__))
run = sys.argv[1] if len(sys.argv) > 1 else here
ref = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "..", "default-idle-s24")

def rows(folder):
    with open(os.path.join(folder, "results.csv"), newline="") as f:
        return {(r["model"], r["condition"]): r for r in csv.DictReader(f)}

a, b = rows(run), rows(ref)
assert a.keys() == b.keys(), "the two runs have different (model, condition) rows"
columns = ["exact_match", "exact_match_std", "label_accuracy", "f1", "coherence", "separation"]
print("| column | largest abs difference | at (model, condition) |")
print("|---|---:|---|")
for c in columns:
    worst, where = 0.0, "-"
    for k in a:
        x, y = float(a[k][c]), float(b[k][c])
        if math.isnan(x) and math.isnan(y):
            continue
        d = abs(x - y)
        if d > worst:
            worst, where = d, f"{k[0]}, {k[1]}"
    print(f"| {c} | {worst:.4g} | {where} |")
print()
print("| model (overlap 0) | coherence this / ref | separation this / ref | exact match this / ref |")
print("|---|---|---|---|")
for k in a:
    if k[1] == "overlap 0":
        r, s = a[k], b[k]
        print(f"| {k[0]} | {float(r['coherence']):.3f} / {float(s['coherence']):.3f} | {float(r['separation']):.3f} / {float(s['separation']):.3f} | {float(r['exact_match']):.3f} / {float(s['exact_match']):.3f} |")
