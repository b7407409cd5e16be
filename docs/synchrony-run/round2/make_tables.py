#!/usr/bin/env python3
"""Prints the round-2 tables of docs/synchrony.md from the committed run outputs in this folder.

Each run folder holds the sample's stdout (stdout.log: its fair table is computed by Analysis/Statistics: MeanCi per
model, CompareAll with Holm against RandomPhases), per-seed.csv and results.csv. Usage: python3 make_tables.py
"""
import csv, os, sys

here = os.path.dirname(os.path.abspath(__file__))
runs = [("fair-w1", "end to end, synchrony weight 1 (fair table)"),
        ("w01", "end to end, synchrony weight 0.1"),
        ("kernel-first", "kernel-first: 1 kernel epoch on the synchrony loss, then 2 epochs classifier with the kernel frozen"),
        ("larger-cheap", "larger budget, no Kuramoto models: 3,000 images, 4 epochs"),
        ("larger-6000", "larger budget, phase controls only: 6,000 images, 4 epochs")]

def fair_block(path):
    lines = open(path, encoding="utf-8").read().splitlines()
    start = next((i for i, l in enumerate(lines) if l.startswith("Fair table")), None)
    if start is None:
        return None, []
    rows = []
    for l in lines[start + 3:]:
        if not l.startswith("|"):
            break
        rows.append([c.strip() for c in l.strip("|").split("|")])
    return lines[start], rows

print("| run | model | optimiser steps per seed | seeds | exact match, overlap 0 (mean [95 % CI]) | paired difference vs RandomPhases (t CI, boot CI, wins, p, Holm p) |")
print("|---|---|---:|---:|---|---|")
for folder, label in runs:
    log = os.path.join(here, folder, "stdout.log")
    if not os.path.exists(log):
        print(f"| {label} | not run | | | | |")
        continue
    header, rows = fair_block(log)
    if not rows:
        print(f"| {label} | unfinished (no table in stdout.log) | | | | |")
        continue
    for model, steps, seeds, ci, diff in rows:
        print(f"| {label} | {model} | {steps} | {seeds} | {ci} | {diff} |")

print()
print("Per-seed exact match (overlap 0) and coherence/separation rows (results.csv, condition 'overlap 0'):")
print()
print("| run | model | per-seed exact match | label accuracy | F1 | coherence | separation |")
print("|---|---|---|---:|---:|---:|---:|")
for folder, label in runs:
    ps, rs = os.path.join(here, folder, "per-seed.csv"), os.path.join(here, folder, "results.csv")
    if not (os.path.exists(ps) and os.path.exists(rs)):
        continue
    seeds = {}
    for r in csv.DictReader(open(ps)):
        if r["condition"] == "overlap 0":
            seeds.setdefault(r["model"], []).append(f'{float(r["exact_match"]):.3f}')
    for r in csv.DictReader(open(rs)):
        if r["condition"] != "overlap 0":
            continue
        f = lambda k: "n/a" if r[k] in ("", "NaN") else f"{float(r[k]):.3f}"
        print(f'| {folder} | {r["model"]} | {" ".join(seeds.get(r["model"], []))} | {f("label_accuracy")} | {f("f1")} | {f("coherence")} | {f("separation")} |')
