#!/usr/bin/env python3
"""Regenerates the default run's section and the verdict of docs/face-attention.md from the run's own files.

usage: python3 docs/face-attention/splice.py [RUN_DIR]   (default: docs/face-attention/run-default)

Reads RUN_DIR/face-attention.md (the tables the run wrote), RUN_DIR/time.txt (`/usr/bin/time -v` of the run) and
RUN_DIR/console.txt, and replaces the text between <!-- default-run:begin --> / <!-- default-run:end --> and
<!-- verdict:begin --> / <!-- verdict:end --> in docs/face-attention.md. Every number in those two blocks comes from
these files; the reading rules (what counts as "separated", "not measured") are in this script.
"""
import os, re, sys

here = os.path.dirname(os.path.abspath(__file__))
run = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "run-default")
rel = os.path.relpath(run, os.path.join(here, ".."))
tables = open(os.path.join(run, "face-attention.md")).read()
timing = open(os.path.join(run, "time.txt")).read()


def time_field(name):
    m = re.search(re.escape(name) + r":\s*(.+)", timing)
    return m.group(1).strip() if m else "?"


user, system = float(time_field("User time (seconds)")), float(time_field("System time (seconds)"))
rss_kb = int(time_field("Maximum resident set size (kbytes)"))
wall = time_field("Elapsed (wall clock) time (h:mm:ss or m:ss)")
# RUN_DIR/machine.txt (optional, one line): how the run was made, e.g. "idle 2 threads" or "shared 1 thread".
machine = open(os.path.join(run, "machine.txt")).read().strip() if os.path.exists(os.path.join(run, "machine.txt")) else "shared 1 thread"
idle = machine.startswith("idle")
console = open(os.path.join(run, "console.txt")).read() if os.path.exists(os.path.join(run, "console.txt")) else ""
# A parallel run (samples/FaceAttention --workers N, the default on 2 CPUs) prints its worker count and the peak RSS of
# every process; /usr/bin/time's "Maximum resident set size" is then the largest single process, not the total, so the
# reported peak is the sum of the processes' peaks (an upper bound of the total resident at any moment).
workers_m = re.search(r"^(\d+) worker processes, (\d+) LibTorch thread", console, re.M)
workers = int(workers_m.group(1)) if workers_m else 1
threads_each = int(workers_m.group(2)) if workers_m else None
peak_m = re.search(r"^Peak RSS \(VmHWM\): (.+); sum (\d+) MB", console, re.M)


def md_tables(text):
    """Every Markdown table as a list of dicts keyed by header."""
    out, cur, head = [], None, None
    for line in text.splitlines():
        if not line.startswith("|"):
            if cur is not None:
                out.append(cur)
            cur, head = None, None
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if head is None:
            head, cur = cells, []
        elif set("".join(cells)) <= set("-: "):
            continue
        else:
            cur.append(dict(zip(head, cells)))
    if cur is not None:
        out.append(cur)
    return out


main, probes, paired = md_tables(tables)[:3]
CI = re.compile(r"(-?[\d.]+) \[(-?[\d.]+), (-?[\d.]+)\]")


def ci(text):
    m = CI.match(text or "")
    return tuple(float(g) for g in m.groups()) if m else None


def row(pt, model):
    return next(r for r in main if r["pre-training"] == pt and r["model"] == model)


def separated(a, b):
    return a is not None and b is not None and (a[1] > b[2] or b[1] > a[2])


sources = ["objects", "faces"]
models = [r["model"] for r in main if r["pre-training"] == "objects"]
backbones = [m for m in models if m not in ("FE-AlexNet", "Ungated-AlexNet")]
lines = []

# ---- pre-training competence
head = re.search(r"Pre-training targets \(validation accuracy.*?\): objects ([^,]+), faces ([^.]+)\.", tables)
target = {"objects": head.group(1), "faces": head.group(2)} if head else {"objects": "?", "faces": "?"}
for pt in sources:
    parts = [f"{b} {row(pt, b)['pre-training val. acc. %']} % ({row(pt, b)['seeds at target']} seeds at target, "
             f"{row(pt, b)['pre-training epochs']} epochs)" for b in backbones]
    lines.append(f"  * {pt} (target {target[pt]}): " + "; ".join(parts) + ".")
pretraining_block = "\n".join(lines)

# ---- FE-AlexNet vs AlexNet (and the ungated control)
def pair(pt, comparison, metric):
    for r in paired:
        if r["pre-training"] == pt and r["comparison"].startswith(comparison) and r["metric"].startswith(metric):
            return r
    return None


fe_lines, fe_found = [], []
for pt in ["objects", "faces", "random init"]:
    r = pair(pt, "FE-AlexNet - AlexNet", "transfer accuracy")
    if r is None:
        continue
    holm = r["Holm p"]
    pse, slope = pair(pt, "FE-AlexNet - AlexNet", "PSE"), pair(pt, "FE-AlexNet - AlexNet", "slope")
    def psy(p):
        if p is None or p["n"] == "-":
            return f"not measured ({p['comparison'].split(': ')[-1] if p else 'no row'})"
        if int(p["n"]) < 3:
            return f"not measured (only {p['n']} seeds fitted for both)"
        return f"{p['mean diff.']} {p['95 % CI']} ({p['reading']})"
    fe_lines.append(f"  * after {pt}: transfer accuracy {r['mean diff.']} points {r['95 % CI']} (n = {r['n']}, Holm p = {holm}, "
                    f"{r['reading']}); PSE {psy(pse)}; slope {psy(slope)}. Ungated-AlexNet − AlexNet: "
                    f"{pair(pt, 'Ungated-AlexNet - AlexNet', 'transfer accuracy')['mean diff.']} "
                    f"{pair(pt, 'Ungated-AlexNet - AlexNet', 'transfer accuracy')['95 % CI']}; FE-AlexNet − Ungated-AlexNet: "
                    f"{pair(pt, 'FE-AlexNet - Ungated-AlexNet', 'transfer accuracy')['mean diff.']} "
                    f"{pair(pt, 'FE-AlexNet - Ungated-AlexNet', 'transfer accuracy')['95 % CI']}.")
    try:
        significant = float(holm) < 0.05 and r["reading"] in ("higher", "lower")
    except ValueError:
        significant = False
    if significant:
        fe_found.append(f"{r['reading']} after {pt}")
alex_fitted = {pt: {m: row(pt, m)["fitted seeds"] for m in ("AlexNet", "FE-AlexNet", "Ungated-AlexNet")} for pt in ["objects", "faces", "random init"]}
fitted_text = "; ".join(f"{pt}: " + ", ".join(f"{m} {v}" for m, v in d.items()) for pt, d in alex_fitted.items())
alex_transfer = "; ".join(f"{pt}: " + ", ".join(f"{m} {row(pt, m)['transfer acc. %']} %" for m in ("AlexNet", "FE-AlexNet"))
                          for pt in ["objects", "faces", "random init"])
if fe_found:
    fe_head = ("**FE-AlexNet vs AlexNet: transfer accuracy " + ", ".join(fe_found) +
               " (paired over seeds, Holm p < 0.05); the psychometric differences follow.**")
else:
    fe_head = ("**FE-AlexNet vs AlexNet: not measured.** No paired transfer-accuracy difference excludes 0 after Holm "
               "correction, and PSE and slope are compared only where at least 3 seeds gave a fitted curve for both models.")

# ---- probes: last conv block, objects vs faces vs random init
probe_lines, probe_sep = [], []
for b in backbones:
    cells = {}
    for r in probes:
        if r["backbone"] == b:
            last = [v for k, v in r.items() if k.startswith("layer") and v]
            cells[r["pre-training"]] = last[-1]
    vals = {pt: ci(cells.get(pt, "").split(": ", 1)[-1]) for pt in ("objects", "faces", "random init")}
    def fmt(pt):
        return cells.get(pt, "-")
    rel_of = []
    for a_, b_ in (("faces", "objects"), ("faces", "random init"), ("objects", "random init")):
        if separated(vals[a_], vals[b_]):
            rel_of.append(f"{a_} {'>' if vals[a_][0] > vals[b_][0] else '<'} {b_}")
    probe_sep.extend(f"{b}: {x}" for x in rel_of)
    probe_lines.append(f"  * {b}: objects {fmt('objects')}, faces {fmt('faces')}, random init {fmt('random init')}"
                       + (f" — CIs apart: {', '.join(rel_of)}" if rel_of else " — all CIs overlap") + ".")
if probe_sep:
    probe_head = ("**Pre-training weight bias (probes): " + "; ".join(probe_sep) + "** (last conv block, 95 % CIs over "
                  "seeds that do not overlap); every other pair of sources overlaps.")
else:
    probe_head = ("**Pre-training weight bias (probes): not separated.** For every backbone the last conv block's "
                  "valence probe CIs (over seeds) of object, face and random-init pre-training overlap.")

# ---- psychometrics
psy_lines = []
for r in main:
    if "/" not in r["fitted seeds"]:
        continue                      # the humans' row
    fitted, n = (int(x) for x in r["fitted seeds"].split("/"))
    if fitted >= 3:
        pse_ci, slope_ci = ci(r["PSE"]), ci(r["slope (dP/dx at PSE)"])
        pse_h = "includes" if pse_ci and pse_ci[1] <= 0.514 <= pse_ci[2] else "excludes"
        slope_h = "includes" if slope_ci and slope_ci[1] <= 4.19 <= slope_ci[2] else "excludes"
        psy_lines.append(f"{r['model']} after {r['pre-training']} ({r['fitted seeds']} fitted): PSE {r['PSE']} ({pse_h} 0.514), "
                         f"slope {r['slope (dP/dx at PSE)']} ({slope_h} 4.19)")
psy_head = ("**Psychometrics: models with at least 3 fitted seeds** — " + "; ".join(psy_lines) + "."
            if psy_lines else "**Psychometrics: not measured** — no model has 3 or more seeds with a fitted curve on the averaged face.")

if peak_m:
    peak_gb = int(peak_m.group(2)) / 1024
    peak_text = (f"**peak RSS {peak_gb:.2f} GB** summed over the processes ({peak_m.group(1)}, VmHWM; the sum of the peaks "
                 f"bounds the total resident at any moment; `Maximum resident set size` of time.txt, the largest single process, {rss_kb} kB)")
else:
    peak_gb = rss_kb / 1024 / 1024
    peak_text = f"**peak RSS {peak_gb:.2f} GB**\n(`Maximum resident set size` {rss_kb} kB)"
if workers > 1:
    how = (f"the sample's process and its {workers} worker processes with {threads_each} LibTorch thread each (`--workers {workers}`, the default on 2 CPUs; CPU time "
           f"includes the workers), " + ("on the idle 2-core Intel(R) Xeon(R) Processor (lscpu model 167), nothing else running" if idle
                                       else "on the shared 2-core machine (other jobs running), so the wall time is not a speed figure"))
else:
    how = ("one process, " + ("the default threads (2) on the idle 2-core Intel(R) Xeon(R) Processor (lscpu model 167), nothing else running" if idle
                             else "`--threads 1`, on the shared 2-core machine, so the wall time is not a speed figure"))

default_run = f"""<!-- generated by: python3 docs/face-attention/splice.py; from {rel}/face-attention.md and {rel}/time.txt -->
Measured (`/usr/bin/time -v`, {how}): {f"**wall {wall}**, " if idle else ""}**{user + system:.0f} s CPU** ({user:.0f} s user + {system:.0f} s system), {peak_text}{"" if idle else f", wall {wall}"}. Files: [face-attention.md]({rel}/face-attention.md) (the
tables below, written by the run), [results.csv]({rel}/results.csv) (per seed), [curves.csv]({rel}/curves.csv) (P(happy)
per level and seed), [console.txt]({rel}/console.txt), [time.txt]({rel}/time.txt).

{tables.strip()}
"""

alex_ci = [ci(row(pt, m)["transfer acc. %"]) for pt in ["objects", "faces", "random init"] for m in ("AlexNet", "FE-AlexNet", "Ungated-AlexNet")]
alex_at_chance = all(c is not None and c[1] <= 50 <= c[2] for c in alex_ci)
if fe_found:
    overall = "The paired differences above are the run's evidence on FE-AlexNet; read them with the pre-training accuracies."
else:
    overall = ("The default run neither supports nor refutes the paper's FE-AlexNet claim" +
               (f", and its probes do not separate object, face and random-init pre-training (no weight bias measured at {row('objects', 'AlexNet')['seeds']} seeds)" if not probe_sep else "") + "." +
               (" Every AlexNet-family transfer CI includes 50 % (chance) after every pre-training, so the SE gate is compared"
                " where no AlexNet variant has learned valence at all: the comparison is uninformative, not negative." if alex_at_chance else ""))

verdict = f"""<!-- generated by: python3 docs/face-attention/splice.py; from {rel}/face-attention.md -->
**{overall}**

* **Pre-training** reached these validation accuracies (mean [95 % CI] over seeds; training stopped at the first epoch at
  the target):
{pretraining_block}
* {fe_head}
{chr(10).join(fe_lines)}
  Fitted AlexNet-family curves (seeds): {fitted_text}. Transfer accuracy: {alex_transfer}.
* {probe_head}
{chr(10).join(probe_lines)}
* {psy_head}
"""


def splice(doc, name, body):
    a, b = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    i, j = doc.index(a) + len(a), doc.index(b)
    return doc[:i] + "\n" + body.strip() + "\n" + doc[j:]


doc_path = os.path.join(here, "..", "face-attention.md")
doc = open(doc_path).read()
doc = splice(doc, "default-run", default_run)
doc = splice(doc, "verdict", verdict)
open(doc_path, "w").write(doc)

# README status row (one line, generated from the same files)
readme_path = os.path.join(here, "..", "..", "README.md")
readme = open(readme_path).read().split("\n")
fe_short = ("FE-AlexNet vs AlexNet " + ", ".join(fe_found)) if fe_found else \
    f"FE-AlexNet vs AlexNet not measured: no paired transfer difference over {row('objects', 'AlexNet')['seeds']} seeds excludes 0 after Holm"
status = (f"| face attention | {(wall + ' wall on 2 idle cores (' + format(user + system, '.0f') + ' s CPU)') if idle else (format(user + system, '.0f') + (f' s CPU in {workers} one-thread worker processes' if workers > 1 else ' s CPU on one thread') + ' (shared machine; idle wall not yet measured)')}, peak "
          f"{peak_gb:.2f} GB{' (sum of the processes’ peaks)' if peak_m else ''} ({len(models)} models × 3 pre-trainings, each of {row('objects', 'AlexNet')['seeds']} seeds pre-trains its own backbones to a "
          f"stated {target['objects']} (objects) / {target['faces']} (faces)) | {fe_short}; pre-training reaches the stated target on "
          f"{sum(int(row(pt, b)['seeds at target'].split('/')[0]) for pt in sources for b in backbones)} of "
          f"{sum(int(row(pt, b)['seeds at target'].split('/')[1]) for pt in sources for b in backbones)} (source, backbone, seed) runs "
          f"([face-attention.md](docs/face-attention.md)) |")
readme = [status if line.startswith("| face attention | ") and "`samples/" not in line else line for line in readme]
open(readme_path, "w").write("\n".join(readme))
print(f"spliced {rel} into docs/face-attention.md: {user + system:.0f} s CPU, {rss_kb} kB peak")
