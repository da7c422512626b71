#!/usr/bin/env python3
"""MobileSAM end to end against PyTorch: make a random checkpoint in the official layout and golden outputs
with tools/reference, convert it with `lsam convert`, and compare every stage with lsam_mobile_sam_parity,
from the .lsam and from the .pt directly.

usage: mobile_sam_parity.py LSAM_TOOL PARITY_PROGRAM WORK_DIR
Exits 77 (skipped) when this Python has no torch.
"""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    lsam, parity, work = sys.argv[1:4]
    try:
        import torch  # noqa: F401
    except ImportError:
        print("skipped: this Python cannot import torch (apt-get install python3-torch)")
        return 77
    os.makedirs(work, exist_ok=True)
    # 600x800 and 640x480 upscale with PIL, 1200x1100 downscales (antialiased); all are non-square.
    subprocess.run([sys.executable, os.path.join(ROOT, "tools/reference/make_mobile_sam_golden.py"), "--out", work,
                    "--image-size", "600x800", "640x480", "1200x1100"], check=True)
    pt = os.path.join(work, "mobile_sam.pt")
    converted = os.path.join(work, "mobile_sam.lsam")
    subprocess.run([lsam, "convert", pt, converted], check=True)
    status = 0
    for model in (converted, pt):
        print(f"== {os.path.basename(model)}", flush=True)
        status |= subprocess.run([parity, work, model]).returncode
    return 1 if status else 0


if __name__ == "__main__":
    sys.exit(main())
