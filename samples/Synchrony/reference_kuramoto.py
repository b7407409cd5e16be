# The reference formulation of one Kuramoto pass (two conv2d calls on b*cos and b*sin plus global sums, T Euler steps,
# forward + backward), written from the update equation, for timing against the C# paths on the same shapes.
# Usage: /usr/bin/python3 reference_kuramoto.py [threads] [repeats]
import math, sys, time
import torch
import torch.nn.functional as F

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 2
torch.set_num_threads(threads)
N, C, H, k, T, eps, eta = 64, 8, 32, 13, 15, 0.202, 0.006
torch.manual_seed(0)
amp = torch.rand(N, C, H, H)
init = torch.rand(N, C, H, H) * 2 * math.pi - math.pi
r = torch.linspace(-1, 1, k)
kernel = torch.exp(-(r[:, None] ** 2 + r[None, :] ** 2) / 18).repeat(C, C, 1, 1).requires_grad_(True)

def run():
    a = amp.clone().requires_grad_(True)
    b = torch.tanh(a)
    theta, out = init, []
    for _ in range(T):
        bc, bs = b * torch.cos(theta), b * torch.sin(theta)
        cc = F.conv2d(bc, kernel, padding=k // 2) - eps * bc.sum((1, 2, 3), keepdim=True)
        cs = F.conv2d(bs, kernel, padding=k // 2) - eps * bs.sum((1, 2, 3), keepdim=True)
        theta = theta + eta * (torch.cos(theta) * cs - torch.sin(theta) * cc)
        out.append(theta)
    torch.stack(out, 1).sin().sum().backward()

times = []
for i in range(repeats + 1):
    t0 = time.perf_counter(); run(); dt = (time.perf_counter() - t0) * 1000
    if i > 0: times.append(dt)
times.sort()
print(f"pytorch {torch.__version__} reference formulation, {threads} thread(s): median {times[len(times)//2]:.0f} ms / pass over {repeats} repeats")
