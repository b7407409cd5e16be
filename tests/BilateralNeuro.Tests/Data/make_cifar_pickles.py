#!/usr/bin/python3
"""Writes the small CIFAR-100 python-version fixtures in Corpus/cifar-python (run once; tests do not need Python).

Content (shared with Cifar100PickleFixture.cs, which checks it): image i of a split with n images has pixel j equal to
(i * 31 + j * 7 + salt) % 256, salt 0 for train and 101 for test; fine labels cycle through FINE, coarse labels are
CIFAR-100's superclass of each. meta names are "fine_<k>" / "coarse_<k>".
Usage: python3 make_cifar_pickles.py OUTDIR   (needs python3-numpy)
"""
import os, pickle, sys
import numpy as np

FINE = [0, 37, 99, 5, 58]
COARSE_OF = {0: 4, 37: 9, 99: 13, 5: 6, 58: 18}

def split(n, salt):
    i = np.arange(n).reshape(n, 1)
    j = np.arange(3072).reshape(1, 3072)
    data = ((i * 31 + j * 7 + salt) % 256).astype(np.uint8)
    fine = [FINE[k % len(FINE)] for k in range(n)]
    return {"filenames": ["img_%d.png" % k for k in range(n)], "batch_label": "fixture",
            "fine_labels": fine, "coarse_labels": [COARSE_OF[f] for f in fine], "data": data}

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
meta = {"fine_label_names": ["fine_%d" % k for k in range(100)], "coarse_label_names": ["coarse_%d" % k for k in range(20)]}
for proto in (2, 4):
    for name, obj in (("train", split(5, 0)), ("test", split(3, 101)), ("meta", meta)):
        with open(os.path.join(out, "py3-proto%d-%s" % (proto, name)), "wb") as f:
            pickle.dump(obj, f, protocol=proto)
