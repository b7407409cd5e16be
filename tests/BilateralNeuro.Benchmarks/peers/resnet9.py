"""PyTorch peer of BilateralNeuro's ResNet-9 benchmark cases (same architecture, input, batch, threads, warm-up
and timed steps). Run by the benchmark harness with Debian's python3-torch; prints one JSON line."""
import argparse, json, time
import torch
import torch.nn as nn
import torch.nn.functional as F


def conv_bn_relu(cin, cout, pool):
    layers = [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]
    if pool:
        layers.append(nn.MaxPool2d(2))
    return nn.Sequential(*layers)


class Residual(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.block = nn.Sequential(conv_bn_relu(c, c, False), conv_bn_relu(c, c, False))

    def forward(self, x):
        return self.block(x) + x


class ResNet9(nn.Module):
    def __init__(self, cin=3, width=1.0, classes=100):
        super().__init__()
        c = [max(1, round(v * width)) for v in (64, 128, 256, 512)]
        self.prep = conv_bn_relu(cin, c[0], False)
        self.layer1 = conv_bn_relu(c[0], c[1], True)
        self.res1 = Residual(c[1])
        self.layer2 = conv_bn_relu(c[1], c[2], True)
        self.layer3 = conv_bn_relu(c[2], c[3], True)
        self.res2 = Residual(c[3])
        self.fc = nn.Linear(c[3], classes)

    def forward(self, x):
        x = self.res1(self.layer1(self.prep(x)))
        x = self.res2(self.layer3(self.layer2(x)))
        return self.fc(F.adaptive_avg_pool2d(x, 1).flatten(1))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--case", choices=["train", "infer", "matmul"], required=True)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--steps", type=int, default=10)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    if a.case == "matmul":
        x, y = torch.randn(2048, 2048), torch.randn(2048, 2048)
        for _ in range(a.warmup):
            x @ y
        t = time.perf_counter()
        for _ in range(a.steps):
            x @ y
        dt = (time.perf_counter() - t) / a.steps
        print(json.dumps({"case": a.case, "seconds_per_step": dt, "gflops": 2 * 2048 ** 3 / dt / 1e9}))
        return
    model = ResNet9()
    x = torch.randn(a.batch, 3, 32, 32)
    y = torch.randint(0, 100, (a.batch,))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        if a.case == "train":
            model.train()
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
        else:
            model.eval()
            with torch.no_grad():
                model(x)

    for _ in range(a.warmup):
        step()
    t = time.perf_counter()
    for _ in range(a.steps):
        step()
    dt = (time.perf_counter() - t) / a.steps
    print(json.dumps({"case": a.case, "seconds_per_step": dt, "images_per_second": a.batch / dt, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
