#!/usr/bin/env python3
"""Inputs and torch / PIL outputs for the kernel parity check (parity_main.cpp, lsam_kernel_parity).

usage: gen_kernels.py OUT_DIR

Writes OUT_DIR/manifest.txt, one case per line: "<op> <name> [key=value ...]", and the case's arrays as
OUT_DIR/<name>.<array>.npy. Shapes are those of MobileSAM / SAM and YOLOv8, plus odd ones for the edges.
"""
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

OUT = sys.argv[1]
rng = np.random.default_rng(20240611)
manifest = []


def case(op, name, arrays, **params):
    for key, value in arrays.items():
        np.save(os.path.join(OUT, f"{name}.{key}.npy"), np.ascontiguousarray(value))
    manifest.append(" ".join([op, name] + [f"{k}={v}" for k, v in params.items()]))


def randn(*shape, scale=1.0, shift=0.0):
    return (rng.standard_normal(shape) * scale + shift).astype(np.float32)


def t(a):
    return torch.from_numpy(a)


# LayerNorm over the last dim (TinyViT / SAM transformer widths), and SAM's LayerNorm2d on NCHW, written as SAM
# writes it: the same op as a LayerNorm over channels of the NHWC tensor.
for rows, dim, eps in [(5, 3, 1e-5), (257, 64, 1e-5), (100, 160, 1e-6), (4096, 256, 1e-6), (64, 320, 1e-5),
                       (17, 1280, 1e-6)]:
    x, g, b = randn(rows, dim, scale=2.0, shift=0.5), randn(dim, shift=1.0), randn(dim)
    y = F.layer_norm(t(x), (dim,), t(g), t(b), eps).numpy()
    case("layernorm", f"layernorm_{rows}x{dim}", dict(x=x, gamma=g, beta=b, y=y), eps=repr(eps))
for c, hw in [(256, 64), (32, 17)]:
    x, g, b, eps = randn(1, c, hw, hw, scale=3.0, shift=-1.0), randn(c, shift=1.0), randn(c), 1e-6
    xt = t(x)
    u = xt.mean(1, keepdim=True)
    s = (xt - u).pow(2).mean(1, keepdim=True)
    y = (t(g)[:, None, None] * ((xt - u) / torch.sqrt(s + eps)) + t(b)[:, None, None]).numpy()
    case("layernorm2d", f"layernorm2d_{c}x{hw}", dict(x=x, gamma=g, beta=b, y=y), eps=repr(eps))

# Softmax over the last dim: TinyViT window attention (49 keys), SAM's decoder (4096 image tokens), odd widths.
for rows, dim, scale in [(300, 49, 4.0), (64, 4096, 8.0), (1000, 17, 20.0), (33, 1280, 3.0), (7, 1, 1.0)]:
    x = randn(rows, dim, scale=scale)
    case("softmax", f"softmax_{rows}x{dim}", dict(x=x, y=torch.softmax(t(x), -1).numpy()))

# Activations on a dense sweep plus the edges of every approximation.
x = np.concatenate([np.linspace(-12, 12, 240001, dtype=np.float32),
                    np.array([0, -0.0, 1e-30, -1e-30, 5.6568542, -5.6568542, 30, -30, 87, -87, 88.5, -88.5, 100, -100,
                              1e30, -1e30], dtype=np.float32)])
for act, fn in [("gelu", F.gelu), ("silu", F.silu), ("relu", F.relu)]:
    case("activation", f"act_{act}", dict(x=x, y=fn(t(x)).numpy()), act=act)

# Bilinear interpolation on planar [C, H, W]: SAM's postprocessing (256 -> 1024, crop to the resized image,
# resize to the original size) with and without antialias, and odd shapes. A crop is [:crop_h, :crop_w].
bilinear = [
    ("mask_256_1024", (3, 256, 256), None, (1024, 1024)),
    ("crop_768x1024_600x800", (1, 1024, 1024), (768, 1024), (600, 800)),
    ("crop_1024x683_1500x1000", (1, 1024, 1024), (1024, 683), (1500, 1000)),
    ("up_64_256", (2, 64, 64), None, (256, 256)),
    ("down_256_64", (2, 256, 256), None, (64, 64)),
    ("odd_37x53_100x71", (3, 37, 53), None, (100, 71)),
    ("mixed_300x200_128x500", (1, 300, 200), None, (128, 500)),
    ("thin_17x1_5x9", (2, 17, 1), None, (5, 9)),
    ("same_33x33", (1, 33, 33), None, (33, 33)),
]
for name, shape, crop, size in bilinear:
    x = randn(*shape, scale=8.0)
    xc = x if crop is None else x[:, :crop[0], :crop[1]]
    crop = crop or shape[1:]
    for aa in (False, True):
        y = F.interpolate(t(np.ascontiguousarray(xc))[None], size, mode="bilinear", align_corners=False,
                          antialias=aa)[0].numpy()
        case("bilinear", f"bilinear_{name}_{'aa' if aa else 'plain'}", dict(x=x, y=y), antialias=int(aa),
             crop_h=crop[0], crop_w=crop[1])


# PIL's Image.resize(BILINEAR) on uint8 images: SAM's preprocessing sizes (longest side to 1024) down and up,
# single-pass cases, grey images, and natural-looking content next to noise.
def smooth(h, w, c):
    yy, xx = np.mgrid[0:h, 0:w]
    base = 127 + 100 * np.sin(xx[..., None] / 37.0 + np.arange(c)) * np.cos(yy[..., None] / 23.0)
    return (base + rng.integers(-20, 21, (h, w, c))).clip(0, 255).astype(np.uint8)


pil = [  # (w, h) in, (w, h) out, channels, content
    ((800, 600), (1024, 768), 3, "noise"),
    ((480, 640), (768, 1024), 3, "noise"),
    ((1500, 1000), (1024, 683), 3, "noise"),
    ((1800, 1200), (1024, 683), 3, "smooth"),
    ((300, 200), (1024, 683), 3, "noise"),
    ((640, 480), (640, 300), 3, "noise"),
    ((500, 400), (250, 400), 3, "smooth"),
    ((37, 23), (16, 50), 3, "noise"),
    ((333, 257), (200, 301), 1, "noise"),
    ((1, 1), (5, 3), 3, "noise"),
    ((3000, 2000), (1024, 683), 3, "smooth"),
]
for (w, h), (ow, oh), c, content in pil:
    img = rng.integers(0, 256, (h, w, c), dtype=np.uint8) if content == "noise" else smooth(h, w, c)
    pil_img = Image.fromarray(img[..., 0] if c == 1 else img)
    y = np.asarray(pil_img.resize((ow, oh), Image.BILINEAR)).reshape(oh, ow, c)
    case("pil", f"pil_{w}x{h}_{ow}x{oh}_c{c}_{content}", dict(x=img, y=y))

with open(os.path.join(OUT, "manifest.txt"), "w") as f:
    f.write("\n".join(manifest) + "\n")
print(f"gen_kernels.py: {len(manifest)} cases in {OUT} (torch {torch.__version__}, PIL {Image.__version__})")
