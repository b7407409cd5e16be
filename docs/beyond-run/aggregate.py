#!/usr/bin/env python3
"""Aggregates docs/beyond-run/*/results.csv (one row per variant and seed) into the markdown table of docs/beyond.md:
mean ± sample std over seeds. usage: python3 docs/beyond-run/aggregate.py LIMIT [variant order...]
(LIMIT = the training-image count, i.e. the folder docs/beyond-run/LIMIT written by run.sh)."""
import csv, glob, os, statistics, sys

rows = {}
limit = sys.argv[1] if len(sys.argv) > 1 else "2500"
for path in sorted(glob.glob(os.path.join(os.path.dirname(os.path.abspath(__file__)), limit, "*", "results.csv"))):
    with open(path) as f:
        for r in csv.DictReader(f):
            rows.setdefault(r["model"], []).append(r)

def stat(values, pct):
    vals = [float(v) * (100 if pct else 1) for v in values if v not in ("", None)]
    if not vals: return "-"
    m = statistics.mean(vals); s = statistics.stdev(vals) if len(vals) > 1 else 0.0
    if len(vals) == 1: return f"{m:.2f}" if pct else f"{m:.0f}"
    return f"{m:.2f} ± {s:.2f}" if pct else f"{m:.0f} ± {s:.0f}"

order = sys.argv[2:] or list(rows)
print("| variant | seeds | parameters | fine acc % | coarse acc % | validation fine % | train s / seed | effective size (channels / layers / expected steps) or phase coherence (global / spatial) |")
print("|---|---|---|---|---|---|---|---|")
for name in order:
    rs = rows.get(name)
    if not rs: continue
    seeds = ",".join(sorted(r["seed"] for r in rs))
    size = ""
    if "left channels" in rs[0] and rs[0]["left channels"]:
        size = "; ".join(f"{side} {statistics.mean(float(r[side + ' channels']) for r in rs):.0f} / {statistics.mean(float(r[side + ' layers']) for r in rs):.1f} / {statistics.mean(float(r[side + ' steps']) for r in rs):.2f}" for side in ("left", "right"))
    if rs[0].get("phase coherence"):
        size = f"coherence {statistics.mean(float(r['phase coherence']) for r in rs):.3f} / {statistics.mean(float(r['spatial phase coherence']) for r in rs):.3f}"
    vals = [r.get("validation fine accuracy") or "" for r in rs]
    val = stat(vals, True)
    known = [r["seed"] for r in rs if r.get("validation fine accuracy")]
    if 0 < len(known) < len(rs): val += f" (seed {','.join(known)} only)"
    print(f"| {name} | {seeds} | {int(float(rs[0]['parameters'])):,} | {stat([r['fine accuracy'] for r in rs], True)} | {stat([r['coarse accuracy'] for r in rs], True)} | {val} | {stat([r['train seconds'] for r in rs], False)} | {size} |")

# The "best combination" is chosen on validation data only: the row with the best mean validation fine accuracy.
scored = {n: [float(r["validation fine accuracy"]) for r in rows[n] if r.get("validation fine accuracy")] for n in order if n in rows}
scored = {n: v for n, v in scored.items() if v}
if scored:
    best = max(scored, key=lambda n: statistics.mean(scored[n]))
    print(f"\nbest by mean validation fine accuracy: {best} ({statistics.mean(scored[best]) * 100:.2f} %)")

# Paired by seed against the paper row (same seed = same data split, initialisation seed and batch order for the
# shared parts), which removes most of the seed-to-seed spread that the unpaired means carry.
if "paper" in rows:
    base = {r["seed"]: float(r["fine accuracy"]) * 100 for r in rows["paper"]}
    print("\npaired fine-accuracy difference to `paper` (points, mean ± std over common seeds; wins = seeds better):")
    for name in order:
        if name == "paper" or name not in rows: continue
        d = [float(r["fine accuracy"]) * 100 - base[r["seed"]] for r in rows[name] if r["seed"] in base]
        if len(d) < 2: continue
        print(f"  {name}: {statistics.mean(d):+.2f} ± {statistics.stdev(d):.2f} over {len(d)} seeds, better on {sum(x > 0 for x in d)} of {len(d)}")
