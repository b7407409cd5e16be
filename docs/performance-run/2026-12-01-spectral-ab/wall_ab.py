#!/usr/bin/env python3
"""Table of the in-process A/B (kuramoto-wall-ab.txt here): median ms per forward + backward pass per variant and shape."""
import os, re
here = os.path.dirname(os.path.abspath(__file__))
text = open(os.path.join(here, "kuramoto-wall-ab.txt")).read()
print("| shape | LibTorch mixing, autograd step | C# loops, autograd step | C# loops on 1 thread, autograd step | C# loops + fused step | fused vs LibTorch mixing |")
print("|---|---|---|---|---|---|")
for block in text.split("kuramoto wall (")[1:]:
    shape = re.match(r"threads \d+, (batch \d+, \w+, k \d+)", block).group(1)
    med = [float(x) for x in re.findall(r"median ([\d.]+) ms", block)[:4]]
    print(f"| {shape} | {med[0]:.0f} ms | {med[1]:.0f} ms | {med[2]:.0f} ms | {med[3]:.0f} ms | {med[0] / med[3]:.2f}x faster |")
