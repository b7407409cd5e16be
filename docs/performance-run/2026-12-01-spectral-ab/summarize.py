#!/usr/bin/env python3
"""Table of the idle interleaved A/B of --cases kuramoto (old-N, new-N in run order): ms per pass and ratios from the
*.out files here, then one generated summary line per code version. code.txt maps each run to its commit."""
import os, re
here = os.path.dirname(os.path.abspath(__file__))
code = dict(line.split(None, 1) for line in open(os.path.join(here, "code.txt")).read().splitlines() if line.strip())
names = [n for r in range(1, 10) for n in (f"old-{r}", f"new-{r}") if os.path.exists(os.path.join(here, n + ".out"))]
print("| run (in order) | code | direct port ms | ComplexFft ms | PyTorch 1.13 ms | ComplexFft vs port | ComplexFft vs PyTorch | ≥ 3x both |")
print("|---|---|---|---|---|---|---|---|")
ratios = {}
for name in names:
    text = open(os.path.join(here, name + ".out")).read()
    m = re.search(r"kuramoto: Direct (\d+) ms, Batched \d+ ms, Fft \d+ ms, ComplexFft (\d+) ms, PyTorch (\d+) ms", text)
    d, c, p = (int(x) for x in m.groups())
    ratios.setdefault(code[name], []).append((d / c, p / c))
    print(f"| {name} | {code[name]} | {d:,} | {c:,} | {p:,} | {d / c:.2f}x | {p / c:.2f}x | {'yes' if min(d / c, p / c) >= 3 else 'no'} |")
print()
for label, rs in ratios.items():
    met = sum(1 for a, b in rs if min(a, b) >= 3)
    print(f"- {label}: ≥ 3x against both in {met} of {len(rs)} runs; vs the port "
          f"{min(a for a, _ in rs):.2f}-{max(a for a, _ in rs):.2f}x, vs PyTorch {min(b for _, b in rs):.2f}-{max(b for _, b in rs):.2f}x.")

