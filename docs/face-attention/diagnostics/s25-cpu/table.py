#!/usr/bin/env python3
"""Per-stage CPU table of one face-attention unit from the instrumented harness's output files.

usage: python3 table.py FILE...   (e.g. fine-obj1.txt fine-rand1.txt)
Each FILE ends with 'total cpu X s' and one line per stage ('  <stage>  <seconds> s'); stages are grouped as below.
"""
import re, sys

groups = [
    ("pre-training: forward", ["pt step forward"]),
    ("pre-training: backward", ["pt step backward"]),
    ("pre-training: optimiser (Adam)", ["pt step optimizer"]),
    ("pre-training: validation passes", ["pt validation"]),
    ("pre-training: best weights + checkpoint", ["pt best+checkpoint", "pt restore best"]),
    ("pre-training: batch loading, zero_grad, rest", ["pt step load", "pt step zero_grad", "pt train steps", "pt fit setup", "pt misc"]),
    ("pre-training data (objects resize / identity faces)", ["pretraining data"]),
    ("rendering the seed's valence sets + morph", ["render valence sets"]),
    ("probes: pooled activations + ridge fits", ["probes (extract+fit)"]),
    ("frozen-feature caches (views, validation, test, morph)", ["caches"]),
    ("transfer: forward", ["tr step forward"]),
    ("transfer: backward", ["tr step backward"]),
    ("transfer: optimiser (Adam)", ["tr step optimizer"]),
    ("transfer: validation, test, morph fit, rest", ["tr validation", "tr test+morph fit", "tr step load", "tr step zero_grad", "tr train steps",
                                                   "tr build model", "tr best+checkpoint", "tr restore best", "tr fit end", "tr fit setup", "tr misc"]),
]
files = sys.argv[1:]
data = []
for f in files:
    text = open(f).read()
    total = float(re.search(r"total cpu ([\d.]+)s", text).group(1))
    stages = {m.group(1).strip(): float(m.group(2)) for m in re.finditer(r"^  (.+?)\s+([\d.]+) s$", text, re.M)}
    data.append((total, stages))
print("| stage | " + " | ".join(f"`{f}` s" for f in files) + " |")
print("|---|" + "---:|" * len(files))
for name, keys in groups:
    print(f"| {name} | " + " | ".join(f"{sum(s.get(k, 0.0) for k in keys):.1f}" for _, s in data) + " |")
print("| other (start-up, JIT, backbone init, state copy) | " + " | ".join(
    f"{t - sum(sum(s.get(k, 0.0) for k in keys) for _, keys in groups):.1f}" for t, s in data) + " |")
print("| **total (process CPU, user + sys)** | " + " | ".join(f"**{t:.1f}**" for t, _ in data) + " |")
