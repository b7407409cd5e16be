#!/usr/bin/env python3
"""Table of the idle interleaved A/B of --cases kuramoto (old-1, new-1, old-2, new-2, old-3, new-3): ms per pass and
ratios from the *.out files here, then one generated summary line per code version."""
import os, re
here = os.path.dirname(os.path.abspath(__file__))
code = {k: open(os.path.join(here, f"commit{s}.txt")).read().split()[0] for k, s in (("old", "-old"), ("new", ""))}
names = [f"{k}-{r}" for r in (1, 2, 3) for k in ("old", "new") if os.path.exists(os.path.join(here, f"{k}-{r}.out"))]
print("| run (in order) | code | direct port ms | ComplexFft ms | PyTorch 1.13 ms | ComplexFft vs port | ComplexFft vs PyTorch | ≥ 3x both |")
print("|---|---|---|---|---|---|---|---|")
ratios = {"old": [], "new": []}
for name in names:
    text = open(os.path.join(here, name + ".out")).read()
    m = re.search(r"kuramoto: Direct (\d+) ms, Batched \d+ ms, Fft \d+ ms, ComplexFft (\d+) ms, PyTorch (\d+) ms", text)
    d, c, p = (int(x) for x in m.groups())
    kind = name.split("-")[0]
    ratios[kind].append((d / c, p / c))
    label = f"{code[kind]} ({'LibTorch mixing, autograd step' if kind == 'old' else 'C# spectral loops + fused step'})"
    print(f"| {name} | {label} | {d:,} | {c:,} | {p:,} | {d / c:.2f}x | {p / c:.2f}x | {'yes' if min(d / c, p / c) >= 3 else 'no'} |")
print()
for kind, rs in ratios.items():
    met = sum(1 for a, b in rs if min(a, b) >= 3)
    print(f"- {code[kind]} ({kind}): ≥ 3x against both in {met} of {len(rs)} runs; vs the port "
          f"{min(a for a, _ in rs):.2f}-{max(a for a, _ in rs):.2f}x, vs PyTorch {min(b for _, b in rs):.2f}-{max(b for _, b in rs):.2f}x.")
