#!/usr/bin/env python3
"""Markdown table of the CPU-time A/B in this folder (cpu-*.txt from `--cases kuramoto-parts`, *.time.txt from /usr/bin/time -v)."""
import re, glob, os
here = os.path.dirname(os.path.abspath(__file__))
order = ["cpu-old-1", "cpu-new-1", "cpu-new-2", "cpu-old-2", "cpu-new-3", "cpu-old-3", "cpu-new-4"]
print("| run (in order) | code | direct port ms | ComplexFft ms | ratio to the port | process user+sys s | process peak RSS MB |")
print("|---|---|---|---|---|---|---|")
for name in order:
    text = open(os.path.join(here, name + ".txt")).read()
    d = float(re.search(r"Direct: T=15 forward \+ backward\s+([\d.]+)", text).group(1))
    c = float(re.search(r"ComplexFft: T=15 forward \+ backward\s+([\d.]+)", text).group(1))
    t = open(os.path.join(here, name + ".time.txt")).read()
    cpu = float(re.search(r"User time \(seconds\): ([\d.]+)", t).group(1)) + float(re.search(r"System time \(seconds\): ([\d.]+)", t).group(1))
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1)) / 1024
    code = {"old": "main f0dd166", "new": "kuramoto"}[name.split("-")[1]]
    if name in ("cpu-new-1", "cpu-new-2"): code += " (spectrum saved)"
    print(f"| {name} | {code} | {d:,.0f} | {c:,.0f} | {d / c:.2f}x | {cpu:.1f} | {rss:,.0f} |")
