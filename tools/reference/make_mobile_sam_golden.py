#!/usr/bin/python3
"""Write a random-weight MobileSAM checkpoint (official layout), synthetic test images and
golden tensors for lsam's C++ parity tests.  See README.md for the file layout."""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
from PIL import Image, ImageDraw

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mobile_sam_ref as R  # noqa: E402

DEFAULT_SIZES = ["600x800", "640x480", "1200x1100"]  # HxW: landscape, portrait, downscaled


def make_image(h, w, seed):
    """Deterministic RGB uint8 image: colour gradients + filled shapes + uniform noise."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    xx, yy = xx / w, yy / h
    base = np.stack([40 + 150 * xx, 40 + 150 * yy, 128 + 60 * np.sin(6 * np.pi * (xx + yy))], -1)
    img = Image.fromarray(base.round().clip(0, 255).astype(np.uint8))
    d = ImageDraw.Draw(img)
    P = lambda fx, fy: (round(fx * w), round(fy * h))  # noqa: E731
    d.rectangle([P(0.15, 0.20), P(0.45, 0.60)], fill=(220, 40, 40))
    d.ellipse([P(0.55, 0.15), P(0.85, 0.50)], fill=(30, 200, 60))
    d.polygon([P(0.50, 0.62), P(0.92, 0.95), P(0.28, 0.92)], fill=(40, 60, 230))
    for _ in range(6):
        cx, cy, r = rng.uniform(0.05, 0.95), rng.uniform(0.05, 0.95), rng.uniform(0.02, 0.06)
        col = tuple(int(c) for c in rng.integers(0, 256, 3))
        d.ellipse([P(cx - r, cy - r), P(cx + r, cy + r)], fill=col)
    arr = np.asarray(img).astype(np.int16) + rng.integers(-12, 13, (h, w, 3))
    return arr.clip(0, 255).astype(np.uint8)


def prompt_cases(h, w):
    """Prompt cases in original-image pixel coordinates (x, y)."""
    P = lambda fx, fy: [float(round(fx * w)), float(round(fy * h))]  # noqa: E731
    pos, neg = P(0.30, 0.40), P(0.70, 0.33)
    rect_box = P(0.15, 0.20) + P(0.45, 0.60)
    ell_box = P(0.53, 0.13) + P(0.87, 0.52)
    return [
        dict(name="point_pos_mm", point_coords=[pos], point_labels=[1], multimask_output=True),
        dict(name="point_pos", point_coords=[pos], point_labels=[1], multimask_output=False),
        dict(name="points_pos_neg", point_coords=[pos, neg], point_labels=[1, 0],
             multimask_output=False),
        dict(name="points_pos_neg_mm", point_coords=[pos, neg], point_labels=[1, 0],
             multimask_output=True),
        dict(name="box", box=rect_box, multimask_output=False),
        dict(name="box_mm", box=rect_box, multimask_output=True),
        dict(name="point_box", point_coords=[P(0.70, 0.33), P(0.60, 0.45)], point_labels=[1, 0],
             box=ell_box, multimask_output=False),
        # mask input = best (by iou) low-res logits of point_pos_mm
        dict(name="points_mask", point_coords=[pos, neg], point_labels=[1, 0],
             mask_from="point_pos_mm", multimask_output=False),
        dict(name="mask_only", mask_from="point_pos_mm", multimask_output=False),
        # 4 independent single-point prompts decoded in one batch (predict_torch)
        dict(name="batch4_points_mm", batch=True,
             point_coords=[[P(0.30, 0.40)], [P(0.70, 0.33)], [P(0.60, 0.80)], [P(0.05, 0.05)]],
             point_labels=[[1], [1], [1], [0]], multimask_output=True),
    ]


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--image-size", nargs="+", default=DEFAULT_SIZES, metavar="HxW")
    ap.add_argument("--no-intermediates", action="store_true",
                    help="skip the large encoder stage tensors (input tensor, stage outputs)")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    t0 = time.time()
    torch.set_num_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)

    def save(name, arr):
        np.save(os.path.join(args.out, name), np.ascontiguousarray(arr))
        return name

    def t2n(t):
        return t.detach().numpy()

    model = R.build_random_mobile_sam(args.seed)
    torch.save(model.state_dict(), os.path.join(args.out, "mobile_sam.pt"))
    pred = R.SamPredictor(model)
    with torch.no_grad():
        meta = dict(
            generator="tools/reference/make_mobile_sam_golden.py", seed=args.seed,
            torch_version=torch.__version__, checkpoint="mobile_sam.pt",
            layouts=dict(
                stages="NCHW float32 (token outputs (1,L,C) of layers 0-3 are transposed to "
                       "(1,C,H,W) with H=W=sqrt(L))",
                outputs="leading prompt-batch dim B (1 unless batch): sparse (B,N,256), "
                        "dense (B,256,64,64), low_res_logits (B,C,256,256), iou (B,C), "
                        "masks uint8 0/1 (B,C,H,W) at original size",
                mask_input="(1,256,256) float32 as passed to SamPredictor.predict",
                coords="x,y in original-image pixels; *_model are after ResizeLongestSide "
                       "(float64 scale, then float32), before the +0.5 shift"),
            dense_pe=save("dense_pe.npy", t2n(model.prompt_encoder.get_dense_pe())),
            no_mask_dense=save("no_mask_dense.npy", t2n(model.prompt_encoder(None, None, None)[1])),
            images=[])

        for size in args.image_size:
            h, w = (int(v) for v in size.lower().split("x"))
            tag = f"img{h}x{w}"
            rgb = make_image(h, w, seed=1000 + h * 7 + w)
            Image.fromarray(rgb).save(os.path.join(args.out, tag + ".png"))
            pred.set_image(rgb)
            im = dict(name=tag, png=tag + ".png", rgb=save(tag + "_rgb.npy", rgb),
                      original_size=[h, w], input_size=list(pred.input_size),
                      resized_uint8=save(tag + "_resized.npy", pred.input_image),
                      image_embedding=save(tag + "_embedding.npy", t2n(pred.features)),
                      cases=[])
            if not args.no_intermediates:
                im["input_tensor"] = save(tag + "_input.npy", t2n(pred.input_tensor))
                stages = {}
                for k, v in pred.stages.items():
                    if v.ndim == 3:
                        s = int(round(v.shape[1] ** 0.5))
                        v = v.transpose(1, 2).reshape(1, -1, s, s)
                    if k != "neck":
                        stages[k] = dict(file=save(f"{tag}_{k}.npy", t2n(v)), shape=list(v.shape))
                im["stages"] = stages

            results = {}
            for c in prompt_cases(h, w):
                name, pre = c["name"], f"{tag}_{c['name']}_"
                coords = labels = boxes = mask_in = None
                if c.get("point_coords") is not None:
                    pc = np.array(c["point_coords"], dtype=np.float64)
                    pc = pc if c.get("batch") else pc[None]
                    coords = torch.as_tensor(R.apply_coords(pc, (h, w)), dtype=torch.float)
                    labels = torch.as_tensor(np.array(c["point_labels"]).reshape(pc.shape[:2]),
                                             dtype=torch.int)
                    c["point_coords_model"] = coords[0 if not c.get("batch") else slice(None)].tolist()
                if c.get("box") is not None:
                    b = R.apply_coords(np.array(c["box"]).reshape(-1, 2, 2), (h, w)).reshape(-1, 4)
                    boxes = torch.as_tensor(b, dtype=torch.float)
                    c["box_model"] = boxes[0].tolist()
                if c.get("mask_from"):
                    src = results[c["mask_from"]]
                    best = int(src["iou"][0].argmax())
                    mi = src["low_res"][0, best:best + 1]            # (1,256,256)
                    c["mask_input"] = save(pre + "mask_input.npy", t2n(mi))
                    c["mask_from_index"] = best
                    mask_in = mi[None]
                masks, iou, low_res, sparse, dense = pred.predict_torch(
                    coords, labels, boxes, mask_in, c["multimask_output"])
                results[name] = dict(iou=iou, low_res=low_res)
                c["outputs"] = dict(
                    sparse=save(pre + "sparse.npy", t2n(sparse)),
                    dense=(save(pre + "dense.npy", t2n(dense)) if mask_in is not None
                           else meta["no_mask_dense"]),
                    low_res_logits=save(pre + "low_res_logits.npy", t2n(low_res)),
                    iou_predictions=save(pre + "iou.npy", t2n(iou)),
                    masks=save(pre + "masks.npy", t2n(masks).astype(np.uint8)))
                c["iou_values"] = iou.tolist()
                c["mask_fraction"] = masks.float().mean(dim=(2, 3)).tolist()
                sanity_check(f"{tag}/{name}", low_res, iou)
                im["cases"].append(c)
            sanity_check(f"{tag}/embedding", pred.features, None)
            meta["images"].append(im)

    with open(os.path.join(args.out, "cases.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print(f"wrote {args.out} ({len(meta['images'])} images) in {time.time() - t0:.1f} s")


def sanity_check(what, logits, iou):
    """Fail loudly if the random model degenerates (NaN, constant sign, collapsed scale)."""
    t = logits.float()
    assert torch.isfinite(t).all(), f"{what}: non-finite values"
    if iou is None:
        assert 0.3 < t.std().item() < 5, f"{what}: embedding std {t.std().item():.3g}"
        return
    assert torch.isfinite(iou).all(), f"{what}: non-finite iou"
    pos = (t > 0).float().mean().item()
    assert 0.01 < pos < 0.99, f"{what}: logits nearly all one sign ({pos:.3f} positive)"


if __name__ == "__main__":
    main()
