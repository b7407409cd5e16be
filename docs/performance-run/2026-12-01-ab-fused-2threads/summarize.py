#!/usr/bin/env python3
"""Table of the idle interleaved A/B (old-1, new-1, old-2, new-2): ms per pass and ratios, from the *.out files here."""
import glob, os, re
here = os.path.dirname(os.path.abspath(__file__))
print("| run | code | direct port ms | ComplexFft ms | PyTorch 1.13 ms | ComplexFft vs port | ComplexFft vs PyTorch |")
print("|---|---|---|---|---|---|---|")
for name in ["old-1", "new-1", "old-2", "new-2"]:
    text = open(os.path.join(here, name + ".out")).read()
    m = re.search(r"kuramoto: Direct (\d+) ms, Batched \d+ ms, Fft \d+ ms, ComplexFft (\d+) ms, PyTorch (\d+) ms", text)
    d, c, p = (int(x) for x in m.groups())
    code = "f0dd166 (ComplexFft before the fused step)" if name.startswith("old") else "e1ea81c (fused step)"
    print(f"| {name} | {code} | {d:,} | {c:,} | {p:,} | {d / c:.2f}x | {p / c:.2f}x |")
