#!/usr/bin/python3
"""Writes PyTorch checkpoints for the weights tests, fuzzing and benchmark (needs torch; use /usr/bin/python3).

    make_checkpoints.py cases DIR        good checkpoints of every layout + expectations (see torch_cases.py)
    make_checkpoints.py seeds DIR        small valid checkpoints (seed_*) and crafted bad ones (bad_*) for
                                         tests/fuzz/corpus/torch
    make_checkpoints.py mobile_sam OUT   a random state dict with MobileSAM's exact keys and shapes (~40 MB)
"""
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bad_inputs  # noqa: E402
import torch_cases  # noqa: E402

SEED_CASES = ["mobile_sam_zip", "mobile_sam_legacy", "mobile_sam_deflated", "mobile_sam_proto4", "fastsam_f16",
              "yolov8_det_ema"]


def main(argv):
    if len(argv) != 3 or argv[1] not in ("cases", "seeds", "mobile_sam"):
        print(__doc__, file=sys.stderr)
        return 2
    what, dest = argv[1], argv[2]
    if what == "mobile_sam":
        torch_cases.write_full_mobile_sam(dest)
        return 0
    os.makedirs(dest, exist_ok=True)
    if what == "cases":
        names = torch_cases.write_cases(dest)
        with open(os.path.join(dest, "cases.txt"), "w") as f:
            f.write("\n".join(names) + "\n")
        return 0
    work = dest + ".work"
    os.makedirs(work, exist_ok=True)
    torch_cases.write_cases(work)
    for name in SEED_CASES:
        shutil.copy(os.path.join(work, name + ".pt"), os.path.join(dest, "seed_" + name + ".pt"))
    torch_cases.write_tiny_yolo(os.path.join(dest, "seed_tiny_yolo"))
    bad = os.path.join(work, "bad")
    os.makedirs(bad)
    for file, _ in bad_inputs.write_bad(bad, os.path.join(work, "mobile_sam_zip.pt")):
        if os.path.getsize(os.path.join(bad, file)) < 100000:
            shutil.copy(os.path.join(bad, file), os.path.join(dest, "bad_" + file))
    shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
