"""Persistent PyTorch peer for the benchmark harness: builds one case (the same model, input, batch and threads as
the C# side), then answers on stdin/stdout so the harness can interleave our timing blocks with the peer's:
  'run N'  -> runs N steps, prints {"seconds": total}
  'reset'  -> resets the peak RSS (VmHWM), prints {"rss_mb": VmRSS}
  'rss'    -> prints {"peak_rss_mb": VmHWM}
  'quit'   -> exits
First line printed is {"ready": true, "torch": version}. Usage: peer_server.py CASE --threads T [--batch B]."""
import argparse, json, math, os, sys, time
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from resnet9 import ResNet9  # noqa: E402


class Bilateral(nn.Module):
    """Two ResNet-9 hemispheres (features = global average pool) and the bilateral head: dropout on the concatenated
    features, one linear layer per output (fine, coarse), as BilateralNetwork/BilateralHead."""

    def __init__(self, cin, width, fine, coarse, dropout):
        super().__init__()
        self.left = ResNet9(cin, width)
        self.right = ResNet9(cin, width)
        self.left.fc = nn.Identity()
        self.right.fc = nn.Identity()
        f = max(1, round(512 * width))
        self.drop = nn.Dropout(dropout)
        self.fine = nn.Linear(2 * f, fine)
        self.coarse = nn.Linear(2 * f, coarse)

    def forward(self, x):
        h = self.drop(torch.cat([self.left(x), self.right(x)], 1))
        return self.fine(h), self.coarse(h)


def alexnet(cin, width, classes, dropout=0.5):
    """The library's AlexNet layout (torchvision's), every width scaled."""
    s = lambda c: max(1, round(c * width))
    c1, c2, c3, c4, c5, h = s(64), s(192), s(384), s(256), s(256), s(4096)
    features = nn.Sequential(
        nn.Conv2d(cin, c1, 11, stride=4, padding=2), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Conv2d(c1, c2, 5, padding=2), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Conv2d(c2, c3, 3, padding=1), nn.ReLU(),
        nn.Conv2d(c3, c4, 3, padding=1), nn.ReLU(),
        nn.Conv2d(c4, c5, 3, padding=1), nn.ReLU(), nn.MaxPool2d(3, 2))
    classifier = nn.Sequential(nn.Dropout(dropout), nn.Linear(c5 * 36, h), nn.ReLU(),
                               nn.Dropout(dropout), nn.Linear(h, h), nn.ReLU(), nn.Linear(h, classes))
    return features, nn.AdaptiveAvgPool2d((6, 6)), classifier


def build(a):
    torch.manual_seed(0)
    if a.case == "matmul":
        x, y = torch.randn(2048, 2048), torch.randn(2048, 2048)
        return lambda: x @ y
    if a.case in ("resnet9-train", "resnet9-infer"):
        model = ResNet9(3, a.width)
        x = torch.randn(a.batch, 3, 32, 32)
        y = torch.randint(0, 100, (a.batch,))
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        if a.case == "resnet9-infer":
            model.eval()
            def infer():
                with torch.no_grad():
                    model(x)
            return infer
        model.train()
        def train():
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
        return train
    if a.case == "bilateral-train":
        model = Bilateral(3, a.width, 100, 20, 0.6)
        x = torch.randn(a.batch, 3, 32, 32)
        yf = torch.randint(0, 100, (a.batch,))
        yc = torch.randint(0, 20, (a.batch,))
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        model.train()
        def step():
            opt.zero_grad()
            f, c = model(x)
            (F.cross_entropy(f, yf) + F.cross_entropy(c, yc)).backward()
            opt.step()
        return step
    if a.case == "kuramoto":
        # The reference formulation (samples/Synchrony/reference_kuramoto.py): two 'same' conv2d of b cos and b sin
        # with the C x C x k x k kernel plus global sums, T Euler steps, forward + backward.
        N, C, H, k, T, eps, eta = a.batch, 8, 32, 13, 15, 0.202, 0.006
        amp = torch.rand(N, C, H, H)
        init = torch.rand(N, C, H, H) * 2 * math.pi - math.pi
        r = torch.linspace(-1, 1, k)
        kernel = torch.exp(-(r[:, None] ** 2 + r[None, :] ** 2) / 18).repeat(C, C, 1, 1).requires_grad_(True)
        def run():
            kernel.grad = None
            am = amp.clone().requires_grad_(True)
            b = torch.tanh(am)
            theta, out = init, []
            for _ in range(T):
                bc, bs = b * torch.cos(theta), b * torch.sin(theta)
                cc = F.conv2d(bc, kernel, padding=k // 2) - eps * bc.sum((1, 2, 3), keepdim=True)
                cs = F.conv2d(bs, kernel, padding=k // 2) - eps * bs.sum((1, 2, 3), keepdim=True)
                theta = theta + eta * (torch.cos(theta) * cs - torch.sin(theta) * cc)
                out.append(theta)
            torch.stack(out, 1).sin().sum().backward()
        return run
    if a.case == "alexnet-frozen":
        # Transfer with frozen features, uncached: frozen conv features under no_grad (eval), then the classifier
        # (fc6, fc7, new output layer) trained with Adam.
        features, pool, classifier = alexnet(3, a.width, 2)
        for p in features.parameters():
            p.requires_grad = False
        features.eval()
        classifier.train()
        x = torch.randn(a.batch, 3, a.size, a.size)
        y = torch.randint(0, 2, (a.batch,))
        opt = torch.optim.Adam(classifier.parameters(), lr=1e-4)
        def step():
            with torch.no_grad():
                f = pool(features(x)).flatten(1)
            opt.zero_grad()
            F.cross_entropy(classifier(f), y).backward()
            opt.step()
        return step
    raise SystemExit(f"unknown case {a.case}")


def status_mb(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass
    return status_mb("VmRSS:")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("case")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--width", type=float, default=1.0)
    p.add_argument("--size", type=int, default=64)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    step = build(a)
    print(json.dumps({"ready": True, "torch": torch.__version__}), flush=True)
    for line in sys.stdin:
        cmd = line.split()
        if not cmd or cmd[0] == "quit":
            break
        if cmd[0] == "run":
            n = int(cmd[1])
            t = time.perf_counter()
            for _ in range(n):
                step()
            print(json.dumps({"seconds": time.perf_counter() - t}), flush=True)
        elif cmd[0] == "reset":
            print(json.dumps({"rss_mb": reset_peak()}), flush=True)
        elif cmd[0] == "rss":
            print(json.dumps({"peak_rss_mb": status_mb("VmHWM:")}), flush=True)


if __name__ == "__main__":
    main()
