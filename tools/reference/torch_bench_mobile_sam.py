#!/usr/bin/python3
"""Time the PyTorch reference MobileSAM on CPU (baseline for lsam's benchmarks).

Prints one JSON line.  encoder_ms = SamPredictor.set_image (resize + normalise + TinyViT);
decoder_ms = SamPredictor.predict with one positive point, multimask (prompt encoder +
mask decoder + upscaling to the original size + threshold); decoder_batch16_ms_per_prompt =
the same for 16 single-point prompts in one predict_torch call, divided by 16.
decoder_core_ms / decoder_core_batch16_ms_per_prompt: prompt encoder + mask decoder only
(low-res 256x256 logits, no upscaling to the original size).
"""
import argparse
import json
import os
import statistics
import sys
import time

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mobile_sam_ref as R  # noqa: E402
from make_mobile_sam_golden import make_image  # noqa: E402


def median_ms(fn, runs, warmup):
    for _ in range(warmup):
        fn()
    ts = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t) * 1e3)
    return statistics.median(ts)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--checkpoint", required=True, help="state dict in official mobile_sam.pt layout")
    ap.add_argument("--image", help="RGB image (default: synthetic 600x800)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    img = (np.array(Image.open(args.image).convert("RGB")) if args.image
           else make_image(600, 800, seed=0))
    h, w = img.shape[:2]
    pred = R.SamPredictor(R.build_mobile_sam(args.checkpoint))
    rng = np.random.default_rng(0)
    pts = np.stack([rng.uniform(0, w, 16), rng.uniform(0, h, 16)], -1)[:, None]  # (16,1,2)
    with torch.inference_mode():
        enc = median_ms(lambda: pred.set_image(img), args.runs, args.warmup)
        one = median_ms(lambda: pred.predict(pts[0], np.array([1]), multimask_output=True),
                        args.runs * 4, args.warmup)
        coords = torch.as_tensor(R.apply_coords(pts, (h, w)), dtype=torch.float)
        labels = torch.ones(16, 1, dtype=torch.int)
        b16 = median_ms(lambda: pred.predict_torch(coords, labels, multimask_output=True),
                        args.runs, args.warmup)
        pe, dec = pred.model.prompt_encoder, pred.model.mask_decoder

        def core(c, l):
            sparse, dense = pe((c, l), None, None)
            return dec(pred.features, pe.get_dense_pe(), sparse, dense, True)
        core1 = median_ms(lambda: core(coords[:1], labels[:1]), args.runs * 4, args.warmup)
        core16 = median_ms(lambda: core(coords, labels), args.runs, args.warmup)
    print(json.dumps(dict(encoder_ms=round(enc, 2), decoder_ms=round(one, 2),
                          decoder_batch16_ms_per_prompt=round(b16 / 16, 2),
                          decoder_core_ms=round(core1, 2),
                          decoder_core_batch16_ms_per_prompt=round(core16 / 16, 2),
                          threads=args.threads, torch=torch.__version__,
                          image_hw=[h, w], runs=args.runs)))


if __name__ == "__main__":
    main()
