#!/usr/bin/env python3
"""CPU seconds per row of bilateral runs, from the status lines' process CPU stamps ('[mm:ss, CPU N s]'; the sample
and the CLI print them). The CPU of a row is its stamp minus the previous stamp, so a model's training lands on the
first row recorded after it (e.g. 'left ... alone' carries the whole specialised network's training) and the first
row of a run also carries start-up (data, JIT, cost estimate). Prints a Markdown table, one column per console log.
Usage: row_cpu.py LABEL=CONSOLE [LABEL=CONSOLE ...]"""
import re, sys

line_re = re.compile(r"seed (\d+): (.+?)\s+(?:fine|coarse) accuracy .*\[(\d+):(\d+), CPU (\d+) s\]")
runs = []
for arg in sys.argv[1:]:
    label, path = arg.split("=", 1)
    rows, last = {}, 0
    for line in open(path, encoding="utf-8"):
        m = line_re.search(line)
        if not m: continue
        seed, row, cpu = int(m.group(1)), m.group(2).strip(), int(m.group(5))
        rows[(seed, row)] = cpu - last
        last = cpu
    runs.append((label, rows, last))

keys = []
for _, rows, _ in runs:
    for k in rows:
        if k not in keys: keys.append(k)
print("| seed | row (CPU since the previous row) | " + " | ".join(f"{l} CPU s" for l, _, _ in runs) + " |")
print("|---|---|" + "---|" * len(runs))
for seed, row in keys:
    print(f"| {seed} | {row} | " + " | ".join(str(r.get((seed, row), "–")) for _, r, _ in runs) + " |")
def total(rows, pred): return sum(v for (s, r), v in rows.items() if pred(r))
print("| | **rows without VGG-11 (ResNet-9/18/34, ensembles; incl. start-up)** | " + " | ".join(f"**{total(r, lambda x: 'VGG-11' not in x)}**" for _, r, _ in runs) + " |")
print("| | **VGG-11 rows** | " + " | ".join(f"**{total(r, lambda x: 'VGG-11' in x)}**" for _, r, _ in runs) + " |")
print("| | **process CPU at the last row** | " + " | ".join(f"**{last}**" for _, _, last in runs) + " |")
