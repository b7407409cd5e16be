#!/usr/bin/env python3
"""Engine check for issue 15: the beyond sample's default variants re-run on the current code (one engine, seeds through
StableSeed; seeds 0 and 1, 2,500 training images) against the 5-seed runs of 2026-11-26 in docs/beyond-run/2500.
Seeds are not paired (the data order per seed changed), so each new seed is placed in the old seeds' distribution.
usage: python3 docs/beyond-run/engine-check/compare.py > docs/beyond-run/engine-check/compare.md"""
import csv, glob, os, statistics as st
here = os.path.dirname(os.path.abspath(__file__))
old_dir = os.path.join(here, "..", "2500")
new = {}
for f in glob.glob(os.path.join(here, "*results.csv")):
    for r in csv.DictReader(open(f)):
        new.setdefault(r["model"], []).append((int(r["seed"]), float(r["fine accuracy"]), float(r["coarse accuracy"])))
print("| variant | old seeds | old fine % mean ± SD | new fine % (seed 0, 1) | new mean − old mean (old SDs) | old coarse % mean ± SD | new coarse % (seed 0, 1) |")
print("|---|---|---|---|---|---|---|")
for v in sorted(new):
    old = []
    for d in sorted(glob.glob(os.path.join(old_dir, f"{v}-seed*"))):
        rows = [r for r in csv.DictReader(open(os.path.join(d, "results.csv"))) if r["model"] == v]
        old += [(float(r["fine accuracy"]), float(r["coarse accuracy"])) for r in rows]
    n = sorted(new[v])
    of, oc = [100 * x[0] for x in old], [100 * x[1] for x in old]
    nf, nc = [100 * x[1] for x in n], [100 * x[2] for x in n]
    z = (st.mean(nf) - st.mean(of)) / st.stdev(of)
    print(f"| {v} | {len(old)} | {st.mean(of):.2f} ± {st.stdev(of):.2f} | {', '.join(f'{x:.1f}' for x in nf)} | "
          f"{st.mean(nf) - st.mean(of):+.2f} ({z:+.2f}) | {st.mean(oc):.2f} ± {st.stdev(oc):.2f} | {', '.join(f'{x:.1f}' for x in nc)} |")
