#!/usr/bin/env python3
"""Tables of the fifth session's idle Kuramoto runs (run-N.out here, one code version: commit.txt), the in-process A/B
(kuramoto-wall-ab.txt) and the live-memory run (live-rss.out). Prints markdown; docs/performance.md carries its output."""
import os, re
here = os.path.dirname(os.path.abspath(__file__))
read = lambda n: open(os.path.join(here, n)).read()
commit = read("commit.txt").split()[0]
runs = sorted((n for n in os.listdir(here) if re.fullmatch(r"run-\d+\.out", n)), key=lambda n: int(n[4:-4]))
print(f"| run (in order) | direct port ms | ComplexFft ms | PyTorch 1.13 ms | ComplexFft vs port | ComplexFft vs PyTorch | ≥ 3x both | 2048² matmul GFLOP/s (start, end) |")
print("|---|---|---|---|---|---|---|---|")
ratios = []
for name in runs:
    text = read(name)
    d, c, p = (int(x) for x in re.search(r"kuramoto: Direct (\d+) ms, Batched \d+ ms, Fft \d+ ms, ComplexFft (\d+) ms, PyTorch (\d+) ms", text).groups())
    mm = re.search(r"best of start ([\d.]+), end ([\d.]+)", text)
    ratios.append((d / c, p / c))
    print(f"| {name[:-4]} | {d:,} | {c:,} | {p:,} | {d / c:.2f}x | {p / c:.2f}x | {'yes' if min(d / c, p / c) >= 3 else 'no'} | {mm.group(1)}, {mm.group(2)} |")
met = sum(1 for a, b in ratios if min(a, b) >= 3)
print()
print(f"- {commit}: ≥ 3x against both in {met} of {len(ratios)} runs; vs the port {min(a for a, _ in ratios):.2f}-{max(a for a, _ in ratios):.2f}x, "
      f"vs PyTorch {min(b for _, b in ratios):.2f}-{max(b for _, b in ratios):.2f}x.")
print()
print("| shape | LibTorch mixing, autograd step | C# loops, autograd step | C# loops on 1 thread, autograd step | C# loops + fused step (fourth session) | + elementwise step loops (this session) | step loops vs fused step |")
print("|---|---|---|---|---|---|---|")
for block in read("kuramoto-wall-ab.txt").split("kuramoto wall (")[1:]:
    shape = re.match(r"threads \d+, (batch \d+, \w+, k \d+)", block).group(1)
    med = [float(x) for x in re.findall(r"median ([\d.]+) ms", block)[:5]]
    print(f"| {shape} | {med[0]:.0f} ms | {med[1]:.0f} ms | {med[2]:.0f} ms | {med[3]:.0f} ms | {med[4]:.0f} ms | {med[3] / med[4]:.2f}x faster |")
print()
live = read("live-rss.out")
rows = {m.group(1): (m.group(2), m.group(3)) for m in re.finditer(r"\| Kuramoto (ComplexFft coupling vs direct port|automatic path \(ComplexFft\) vs PyTorch)[^|]*\|(?:[^|]*\|){7}\s*(\d+) / (\d+)", live)}
ours, port = rows["ComplexFft coupling vs direct port"]
_, peer = rows["automatic path (ComplexFft) vs PyTorch"]
print(f"Live memory (`--live-rss`, live-rss.out): ComplexFft {ours} MB, direct port {port} MB, PyTorch {peer} MB.")
