#!/usr/bin/env python3
"""Markdown table of a bilateral run folder: mean ± sd over seeds from results.csv, paired differences against the
reference row (95 % t CI, sign test wins/losses, Holm p) from comparisons.csv. Usage: table.py RUN_DIR"""
import csv, statistics, sys, os

run = sys.argv[1]
rows = list(csv.DictReader(open(os.path.join(run, "results.csv"))))
comp = list(csv.DictReader(open(os.path.join(run, "comparisons.csv"))))
models = list(dict.fromkeys(r["model"] for r in rows))

def ms(model, metric):
    v = [float(r[metric]) for r in rows if r["model"] == model and r.get(metric)]
    if not v: return "-"
    sd = statistics.stdev(v) if len(v) > 1 else float("nan")
    return f"{100*statistics.mean(v):.2f} ± {100*sd:.2f}"

def diff(model, metric):
    for c in comp:
        if c["metric"] == metric and c["row"] == model:
            f = lambda k: 100 * float(c[k])
            holm = float(c["holm_p"]) if c["holm_p"] else float("nan")
            return f"{f('mean_diff'):+.2f} [{f('ci_low'):+.2f}, {f('ci_high'):+.2f}], {c['wins']}/{c['losses']}, Holm p {holm:.2f}"
    return "reference" if comp and model == comp[0]["reference"] else "-"

seeds = sorted({r["seed"] for r in rows})
print(f"Seeds: {', '.join(seeds)}. Differences are row minus '{comp[0]['reference'] if comp else '?'}' in percentage points, "
      "paired by seed: mean [95 % t CI], wins/losses, Holm-adjusted t-test p across each metric's rows.\n")
print("| model | parameters | fine acc % | coarse acc % | Δ fine | Δ coarse |")
print("|---|---|---|---|---|---|")
for m in models:
    p = next(r["parameters"] for r in rows if r["model"] == m)
    print(f"| {m} | {int(float(p)):,} | {ms(m, 'fine accuracy')} | {ms(m, 'coarse accuracy')} | {diff(m, 'fine accuracy')} | {diff(m, 'coarse accuracy')} |")
