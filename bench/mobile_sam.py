#!/usr/bin/env python3
"""MobileSAM, lsam vs PyTorch on the same checkpoint and image, in one run.

    /usr/bin/python3 bench/mobile_sam.py [--build build] [--checkpoint mobile_sam.pt] [--image IMG] [--runs 5]

"decoder" rows time SamPredictor.predict (prompt encoder, mask decoder, masks upscaled to the image and
thresholded); "decoder core" rows stop at the low-res logits. Without --checkpoint a random checkpoint in
the official layout is made with tools/reference (the timings do not depend on the weights' values).
Prints both sides' medians and the ratios; with --markdown, a table for the README.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_json(cmd, env=None):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--checkpoint")
    ap.add_argument("--image")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args()

    work = tempfile.mkdtemp(prefix="lsam-bench-")
    ckpt, image = args.checkpoint, args.image
    if not ckpt or not image:
        subprocess.run([sys.executable, os.path.join(ROOT, "tools/reference/make_mobile_sam_golden.py"), "--out", work,
                        "--image-size", "600x800", "--no-intermediates"], check=True, capture_output=True)
        ckpt = ckpt or os.path.join(work, "mobile_sam.pt")
        image = image or os.path.join(work, "img600x800.png")
    lsam = os.path.join(args.build, "tools", "lsam")
    converted = os.path.join(work, "mobile_sam.lsam")
    subprocess.run([lsam, "convert", ckpt, converted], check=True, capture_output=True)

    env = dict(os.environ, LSAM_NUM_THREADS=str(args.threads), OMP_NUM_THREADS=str(args.threads))
    ours = run_json([os.path.join(args.build, "bench", "lsam_bench_mobile_sam"), "-m", converted, "-i", image,
                     "--runs", str(args.runs), "--json"], env)
    torch = run_json([sys.executable, os.path.join(ROOT, "tools/reference/torch_bench_mobile_sam.py"), "--checkpoint",
                      ckpt, "--image", image, "--runs", str(args.runs), "--threads", str(args.threads)], env)

    rows = [
        ("encoder (ms)", ours["encoder_ms"], torch["encoder_ms"]),
        ("decoder, 1 prompt (ms)", ours["decoder_ms"], torch["decoder_ms"]),
        ("decoder, 16 batched (ms/prompt)", ours["decoder_batch16_ms_per_prompt"], torch["decoder_batch16_ms_per_prompt"]),
        ("decoder core, 1 prompt (ms)", ours["decoder_core_ms"], torch["decoder_core_ms"]),
        ("decoder core, 16 batched (ms/prompt)", ours["decoder_core_batch16_ms_per_prompt"],
         torch["decoder_core_batch16_ms_per_prompt"]),
    ]
    if args.markdown:
        print("| stage | lsam | PyTorch %s | speed-up |" % torch["torch"])
        print("|---|---:|---:|---:|")
        for name, a, b in rows:
            print(f"| {name} | {a:.1f} | {b:.1f} | {b / a:.2f}x |")
    else:
        print(f"{'stage':34s} {'lsam':>10s} {'torch':>10s} {'speed-up':>9s}")
        for name, a, b in rows:
            print(f"{name:34s} {a:10.1f} {b:10.1f} {b / a:8.2f}x")
    print(f"encoder: {ours['encoder_gflop']:.1f} GFLOP at {ours['encoder_gflops']:.1f} GFLOP/s = "
          f"{100 * ours['encoder_gflops'] / ours['peak_gflops']:.0f}% of the measured {ours['peak_gflops']:.0f} GFLOP/s "
          f"FMA peak; isa {ours['isa']}, {ours['threads']} threads; torch {torch['torch']} with {torch['threads']} threads")
    print(f"load {ours['load_ms']:.1f} ms (.lsam), peak RSS {ours['peak_rss_mb']:.0f} MB (load + encode + decode)")
    print(f"largest non-matmul op type in the encoder profile: {ours['largest_non_matmul_op']}, "
          f"{ours['largest_non_matmul_share_pct']:.1f}% of encoder time")


if __name__ == "__main__":
    main()
