#!/usr/bin/env python3
"""Generates tables.md for docs/synchrony.md (issue 16, round 3) from the files in this folder only.

Inputs: dryrun-*.json (bilateral-neuro synchrony --dry-run: resolved options, KuramotoRegime line, cost estimate) and
one folder per run holding command.txt, time.txt (/usr/bin/time -v), results.csv, per-seed.csv and, with 2+ seeds,
comparisons.csv (paired by seed against RandomPhases, Holm over the models; written by the CLI).
Usage: python3 docs/synchrony-run/round3/make_tables.py > docs/synchrony-run/round3/tables.md
       python3 docs/synchrony-run/round3/splice.py     # copies tables.md into docs/synchrony.md between its markers
A new run: its folder here (command.txt, time.txt or parts/*-time.txt, results.csv, per-seed.csv, comparisons.csv),
then one entry each in RUNS, SCENE and BATCH below; every table, fact and the longest-runs table pick it up.
"""
import csv, json, os, re, sys

HERE = os.path.dirname(os.path.abspath(__file__))
# The paper's values: Muzellec, Alamia, Serre & VanRullen, TMLR 2025, arXiv 2502.21077, exact match on 2-digit
# multi-MNIST, read off the paper's results plot by the session that first wrote synchrony.md (commit 67271a0: "The
# paper's plot reads about 0.95 exact match for KomplexNet and 0.91 for random phases on 2 digits"). That session
# recorded neither the figure number nor the overlap level it read; the session that made these constants generated
# had no access to the paper beyond its abstract, so both remain to be checked against the paper (PAPER_SOURCE says so).
PAPER = {"KomplexNet": "≈ 0.95", "RandomPhases": "≈ 0.91"}
PAPER_SOURCE = ("arXiv 2502.21077, 2-digit exact match read off its results plot (commit 67271a0); "
                "figure number and overlap level not recorded, to be checked against the paper")
# The reference's training scale (S4b1n3/KomplexNet opts.py / make_multi_mnist.py; SynchronyExperimentOptions.Reference()).
PAPER_SCALE = "30 epochs × 48k images, 32×32"
# Oscillator-map side of each run: --map-size when the command gives it, else SynchronyExperimentOptions.MapSize's
# default at the run's commit (`git grep "public int MapSize" COMMIT -- src`: 16 at 40b613c, 24 at 05d9e08 and ad8c1ab).
SCENE = {"budget-600": 16, "budget-2400": 16, "budget-2400-24px": 24, "default": 24, "d24-kernel-first": 24, "d24-kernel-first-3seeds": 24}
# Batch of each run: --batch when the command gives it, else the default at the run's commit (BatchSize = 16 in
# SynchronyExperimentOptions at 40b613c, `git show 40b613c:src/BilateralNeuro/Experiments/SynchronyExperiment.cs`;
# 8 in dryrun-default.json for 05d9e08). Training image passes per model and seed = optimiser steps × batch.
BATCH = {"budget-600": 16, "budget-2400": 16, "budget-2400-24px": 16, "default": 8, "d24-kernel-first": 8, "d24-kernel-first-3seeds": 8}
MODEL_ORDER = ["Real", "KomplexNet", "KomplexNetFeedback", "RandomPhases", "IdealPhases"]
RUNS = [  # folder, description
    ("budget-600", "budget search, phase controls + real, 16×16 scene, 2,400 images × 4 epochs, batch 16 (600 steps)"),
    ("budget-2400", "budget search, phase controls + real, 16×16 scene, 12,000 images × 4 epochs, batch 16 (2,400 steps)"),
    ("budget-2400-24px", "budget search on the default 24×24 scene, phase controls + real, 12,000 images × 4 epochs, batch 16 (2,400 steps)"),
    ("default", "the default (`bilateral-neuro synchrony`), 24×24 scene, T = 15, k = 13: 1,000 images × 3 epochs, batch 8 (300 steps)"),
    ("d24-kernel-first", "default scene, kernel-first: 1 kernel epoch on the synchrony loss, then 3 classifier epochs (1 seed)"),
    ("d24-kernel-first-3seeds", "default scene, kernel-first as above, KomplexNet and RandomPhases, 3 seeds (fifth session)"),
]

def regime_rows():
    out = ["| preset (dry-run file) | T | k | ε | map | Σ K | ε·C·H·W | local/global | reach (px) | reach / side | η·T·Σ K | regime |",
           "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---|"]
    pat = re.compile(r"T = (\d+), k = (\d+), ε = ([\d.]+), η = ([\d.]+), (\d+)×(\d+)×(\d+): local Σ K (\d+), global ε·C·H·W (\d+), "
                     r"ratio ([\d.]+) .*?reach (\d+) px = ([\d.]+) map sides .*?η·T·Σ K ([\d.]+) .*?; (inside|outside) the reference regime")
    for name in ["dryrun-default.json", "dryrun-reference.json", "dryrun-old-quick.json", "dryrun-16px.json"]:
        path = os.path.join(HERE, name)
        if not os.path.exists(path): continue
        doc = json.load(open(path))
        line = next(u for u in doc["Units"] if u.startswith("regime: "))
        m = pat.search(line)
        T, k, eps, eta, c, h, w, sk, g, ratio, reach, rps, integ, where = m.groups()
        out.append(f"| {name[7:-5]} | {T} | {k} | {float(eps):.3f} | {c}×{h}×{w} | {sk} | {g} | {ratio} | {reach} | {rps} | {integ} | {where} |")
    return out

def estimate_lines():
    out = []
    for name in ["dryrun-default.json", "dryrun-reference.json", "dryrun-old-quick.json"]:
        path = os.path.join(HERE, name)
        if not os.path.exists(path): continue
        doc = json.load(open(path))
        total = next(u for u in doc["Units"] if u.startswith("estimate: total"))
        out.append(f"- `{name}`: {len([u for u in doc['Units'] if ' seed ' in u and not u.startswith(('regime', 'estimate'))])} units; {total[len('estimate: '):]}")
    return out

def parse_time(path):
    t = {}
    for line in open(path):
        k, _, v = line.strip().rpartition(": ")
        t[k] = v
    cpu = float(t["User time (seconds)"]) + float(t["System time (seconds)"])
    # time -v reports KiB; peak RSS in GiB. "Percent of CPU this job got" shows how contended the shared machine was.
    return (cpu, t["Elapsed (wall clock) time (h:mm:ss or m:ss)"], int(t["Maximum resident set size (kbytes)"]) / 1024 / 1024,
            t["Percent of CPU this job got"])

def read_time(run):
    path = os.path.join(HERE, run, "time.txt")
    if os.path.exists(path):
        cpu, wall, rss, pct = parse_time(path)
        return cpu, wall, rss, f"the process got {int(pct.rstrip('%'))} % of a CPU"
    parts = os.path.join(HERE, run, "parts")
    if not os.path.isdir(parts): return None
    # A run split over processes (shards, --only-seeds): CPU is the sum, peak RSS the largest process.
    ts = [parse_time(os.path.join(parts, f)) for f in sorted(os.listdir(parts)) if f.endswith("-time.txt")]
    pcts = sorted(int(t[3].rstrip("%")) for t in ts)
    return (sum(t[0] for t in ts), f"{len(ts)} processes: " + ", ".join(t[1] for t in ts), max(t[2] for t in ts),
            f"the processes got {pcts[0]}–{pcts[-1]} % of a CPU")

def first_condition_rows(run):
    rows = list(csv.DictReader(open(os.path.join(HERE, run, "results.csv"))))
    cond = rows[0]["condition"]
    return cond, [r for r in rows if r["condition"] == cond], rows

def per_seed(run, cond):
    d = {}
    for r in csv.DictReader(open(os.path.join(HERE, run, "per-seed.csv"))):
        if r["condition"] == cond: d.setdefault(r["model"], []).append(float(r["exact_match"]))
    return d

def comparisons(run):
    path = os.path.join(HERE, run, "comparisons.csv")
    if not os.path.exists(path): return {}
    out = {}
    for r in csv.DictReader(open(path)):
        f = lambda k: float(r[k]) if r[k] else float("nan")
        out[r["comparison"].split(" - ")[0]] = (f"{f('mean_diff'):+.3f} [{f('ci_low'):+.3f}, {f('ci_high'):+.3f}], "
            f"{r['wins']}/{int(r['wins']) + int(r['losses']) + int(r['ties'])} wins, t p {f('t_p'):.3g}, Holm p {f('holm_p'):.3g}")
    return out

def fl(r, k):
    v = r.get(k, "")
    return float(v) if v not in ("", None) else float("nan")

def main():
    p = print
    p("<!-- generated by make_tables.py from the files in this folder; do not edit by hand -->")
    p("#### Regime quantities (KuramotoRegime, from `--dry-run`)\n")
    for l in regime_rows(): p(l)
    p("\nCost estimates printed by `--dry-run` (SynchronyCostEstimate):\n")
    for l in estimate_lines(): p(l)
    p("\n#### No-learning dynamics by scene size (dynamics-scene-size.txt)\n")
    p("| map side | k | ε | local/global | KuramotoRegime | within-object coherence start → step 15 | separation step 15 |")
    p("|---:|---:|---:|---:|---|---|---:|")
    for line in open(os.path.join(HERE, "dynamics-scene-size.txt")):
        if line.startswith("#") or not line.strip(): continue
        side, k, eps, ratio, where, c0, _, c1, sep = line.split()
        p(f"| {side} | {k} | {eps} | {ratio} | {where} | {c0} → {c1} | {sep} |")
    probe = os.path.join(HERE, "cost-probe", "times.txt")
    if os.path.exists(probe):
        p("\n#### Cost probe (16×16, T = 15, k = 13; 320 training + 200 evaluation image passes, 1 seed; cost-probe/)\n")
        p("| model | user + sys CPU (s) | peak RSS (GiB) |")
        p("|---|---:|---:|")
        vals = {}
        for line in open(probe):
            m, _, rest = line.partition(": ")
            k, _, v = rest.strip().rpartition(": ")
            vals.setdefault(m, {})[k] = v
        for m, t in vals.items():
            p(f"| {m} | {float(t['User time (seconds)']) + float(t['System time (seconds)']):.1f} | {int(t['Maximum resident set size (kbytes)']) / 1024 / 1024:.2f} |")
    orders = {}
    for run, what in RUNS:
        if not os.path.exists(os.path.join(HERE, run, "results.csv")):
            p(f"\n#### {run}: not finished (no results.csv)\n"); continue
        cmd = open(os.path.join(HERE, run, "command.txt")).read().strip()
        cond, rows, _ = first_condition_rows(run)
        seeds = per_seed(run, cond)
        comp = comparisons(run)
        p(f"\n#### {run}: {what}\n\n`{cmd}`\n")
        t = read_time(run)
        if t: p(f"CPU time (user + sys) {t[0] / 60:.1f} min, wall {t[1]} (shared machine: {t[3]}; time.txt), peak RSS {t[2]:.2f} GiB.\n")
        p(f"Condition '{cond}' (exact match: both labels right; label acc and F1 of logit > 0, mean over seeds: predicting no label gives label acc 0.800, F1 0):\n")
        p("| model | optimiser steps / seed | seeds | exact match mean [95 % CI] | per seed | label acc | F1 | coherence | separation | vs RandomPhases (paired diff [t CI], wins, p, Holm p) |")
        p("|---|---:|---:|---|---|---:|---:|---:|---:|---|")
        for r in sorted(rows, key=lambda r: -fl(r, "exact match accuracy")):
            m = r["model"]
            ci = f"[{fl(r, 'exact match ci low'):.3f}, {fl(r, 'exact match ci high'):.3f}]" if r.get("exact match ci low") else "(1 seed)"
            coh, sep = fl(r, "coherence"), fl(r, "separation")
            p(f"| {m} | {int(fl(r, 'optimizer steps')):,} | {len(seeds.get(m, []))} | {fl(r, 'exact match accuracy'):.3f} {ci} | "
              f"{' '.join(f'{v:.3f}' for v in seeds.get(m, []))} | {fl(r, 'label accuracy'):.3f} | {fl(r, 'F1'):.3f} | {'n/a' if coh != coh else f'{coh:.3f}'} | {'n/a' if sep != sep else f'{sep:.3f}'} | "
              f"{'reference' if m == 'RandomPhases' else comp.get(m, 'not compared')} |")
        orders[run] = [r["model"] for r in sorted(rows, key=lambda r: -fl(r, "exact match accuracy"))]
    p("\n#### Orderings by mean exact match (overlap 0)\n")
    for run, o in orders.items(): p(f"- {run}: {' > '.join(o)}")
    if "default" in orders:
        done = [r for r, _ in RUNS if r in orders and r.startswith("budget")]
        for longest in done[1:]:
            shared = [m for m in orders[longest] if m in orders["default"]]
            a = [m for m in orders["default"] if m in shared]
            p(f"- default vs the longest run ({longest}) on their shared models: default {' > '.join(a)}; {longest} {' > '.join(shared)}: "
              f"{'same order' if a == shared else 'different order'}")
    if "default" in orders:
        _, rows, _ = first_condition_rows("default")
        p("\n#### The default beside the paper's values (2 digits, overlap 0)\n")
        p(f"| model | default (300 steps, 24×24) | paper ({PAPER_SCALE}) |")
        p("|---|---:|---:|")
        for r in rows: p(f"| {r['model']} | {fl(r, 'exact match accuracy'):.3f} | {PAPER.get(r['model'], 'not read')} |")

def comparison_row(run, model):
    path = os.path.join(HERE, run, "comparisons.csv")
    if not os.path.exists(path): return None
    for r in csv.DictReader(open(path)):
        if r["comparison"] == f"{model} - RandomPhases": return r
    return None

def facts():
    """Sentences with every number the verdict quotes, generated from comparisons.csv / results.csv."""
    p = print
    p("\n#### Facts for the verdict (generated)\n")
    for run, _ in RUNS:
        for model in ["IdealPhases", "KomplexNet", "KomplexNetFeedback", "Real"]:
            r = comparison_row(run, model)
            if r is None: continue
            lo, hi, holm = float(r["ci_low"]), float(r["ci_high"]), float(r["holm_p"])
            sep = "separated (95 % t CI excludes 0, Holm p < 0.05)" if (lo > 0 or hi < 0) and holm < 0.05 else "not separated"
            direction = "ahead of" if float(r["mean_diff"]) > 0 else "behind"
            steps = next(x for x in csv.DictReader(open(os.path.join(HERE, run, "results.csv"))) if x["model"] == model)["optimizer steps"]
            p(f"- {run} ({int(float(steps)):,} steps): {model} {direction} RandomPhases by {float(r['mean_diff']):+.3f} "
              f"[{lo:+.3f}, {hi:+.3f}], {r['wins']}/{int(r['wins']) + int(r['losses']) + int(r['ties'])} seeds won, Holm p {holm:.3g}: {sep}.")

def overlap0(run):
    """{model: (mean exact match, optimiser steps, seeds)} at overlap 0 from RUN/results.csv and RUN/per-seed.csv."""
    path = os.path.join(HERE, run, "results.csv")
    if not os.path.exists(path): return {}
    cond, rows, _ = first_condition_rows(run)
    assert cond == "overlap 0", f"{run}: first condition is {cond!r}, expected 'overlap 0'"
    seeds = per_seed(run, cond)
    return {r["model"]: (fl(r, "exact match accuracy"), int(fl(r, "optimizer steps")), len(seeds.get(r["model"], []))) for r in rows}

def longest_runs():
    """The runs with the most optimiser steps per model beside the paper's values, from their results.csv files."""
    p = print
    data = {run: overlap0(run) for run, _ in RUNS}
    data = {run: d for run, d in data.items() if d}
    steps = {run: max(s for _, s, _ in d.values()) for run, d in data.items()}
    most = max(steps.values())
    longest = [run for run, _ in RUNS if steps.get(run) == most]
    models = [m for m in MODEL_ORDER if any(m in d for d in data.values()) or m in PAPER]
    p("\n#### The longest runs beside the paper's values (2 digits, overlap 0)\n")
    p(f"Generated from {', '.join(f'`{r}/results.csv`' for r in longest)} (the runs with the most optimiser steps per "
      f"model, {most:,}): exact match at overlap 0, mean over the seeds in `per-seed.csv` "
      f"({', '.join(f'{r}: {max(n for _, _, n in data[r].values())}' for r in longest)}). "
      f"Paper: {PAPER_SOURCE}.\n")
    p("| model | " + " | ".join(f"{r} ({most:,} steps, {SCENE[r]}×{SCENE[r]})" for r in longest) + f" | paper ({PAPER_SCALE}) |")
    p("|---|" + "---:|" * (len(longest) + 1))
    for m in models:
        cells = [f"{data[r][m][0]:.3f}" if m in data[r] else "not run" for r in longest]
        p(f"| {m} | {' | '.join(cells)} | {PAPER.get(m, 'not read')} |")
    missing = [m for m in models if not all(m in data[r] for r in longest)]
    for m in missing:
        runs = [(r, data[r][m]) for r, _ in RUNS if r in data and m in data[r]]
        where = "; ".join(f"{r} ({s:,} steps, {n} seed{'s' if n != 1 else ''}, {SCENE[r]}×{SCENE[r]}): {v:.3f}" for r, (v, s, n) in runs)
        p(f"\n{m} is not in the longest runs; the runs here that trained it: {where or 'none'}.")

def scale_facts():
    """Training image passes of each run against the reference scale read from dryrun-reference.json."""
    p = print
    ref = json.load(open(os.path.join(HERE, "dryrun-reference.json")))["Options"]
    train = round(ref["TrainImages"] * (1 - ref["ValidationFraction"]))
    passes = train * ref["Training"]["Epochs"]
    p(f"- the reference scale (`dryrun-reference.json`): {train:,} training images × {ref['Training']['Epochs']} epochs = "
      f"{passes:,} training image passes per model and seed, {passes / ref['Training']['BatchSize']:,.0f} optimiser steps at batch "
      f"{ref['Training']['BatchSize']}.")
    for run, _ in RUNS:
        d = overlap0(run)
        for m, (_, steps, n) in d.items():
            if m not in PAPER: continue
            mine = steps * BATCH[run]
            kf = " (kernel stage included)" if "--kernel-first" in open(os.path.join(HERE, run, "command.txt")).read() and m.startswith("KomplexNet") else ""
            ratio = f"{passes / mine:,.1f}".rstrip("0").rstrip(".")
            p(f"- {run}: {m} {steps:,} steps × batch {BATCH[run]} = {mine:,} training image passes{kf}, {ratio}× fewer than the reference scale.")

main()
facts()
scale_facts()
longest_runs()
