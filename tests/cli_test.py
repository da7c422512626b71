#!/usr/bin/env python3
"""The `lsam` command as a user meets it: segment, embeddings, JSON output, the demo, and every kind of
bad input ending in one clear line on stderr and a non-zero status (never a crash or a hang).

usage: cli_test.py LSAM_TOOL WORK_DIR      (exits 77, skipped, when this Python has no torch)
"""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
failures = []


def run(args, timeout=300):
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout)


def check(name, ok, detail=""):
    print(f"{'ok  ' if ok else 'FAIL'} {name}{'' if ok else ': ' + detail}", flush=True)
    if not ok:
        failures.append(name)


def expect_error(name, args, needle, usage_follows=False):
    r = run(args)
    lines = r.stderr.strip().splitlines()
    one_line = len(lines) == 1 or (usage_follows and len(lines) > 1 and lines[1].startswith("usage"))
    ok = r.returncode > 0 and one_line and needle in lines[0]
    check(f"error: {name}", ok, f"status {r.returncode}, stderr {r.stderr!r}")


def main():
    lsam, work = sys.argv[1:3]
    try:
        import torch  # noqa: F401
    except ImportError:
        print("skipped: this Python cannot import torch (apt-get install python3-torch)")
        return 77
    os.makedirs(work, exist_ok=True)
    subprocess.run([sys.executable, os.path.join(ROOT, "tools/reference/make_mobile_sam_golden.py"), "--out", work,
                    "--image-size", "480x640", "--no-intermediates"], check=True, capture_output=True)
    pt, img = os.path.join(work, "mobile_sam.pt"), os.path.join(work, "img480x640.png")
    model = os.path.join(work, "m.lsam")
    r = run([lsam, "convert", pt, model])
    check("convert", r.returncode == 0, r.stderr)
    r = run([lsam, "info", pt])
    check("info on .pt names the family", r.returncode == 0 and "mobile_sam" in r.stdout, r.stdout + r.stderr)

    # A segmentation, its JSON report, and the same masks through a saved embedding.
    mask1, mask2, over = (os.path.join(work, n) for n in ("a.png", "b.png", "over.png"))
    emb = os.path.join(work, "img.emb")
    r = run([lsam, "segment", "-m", model, "-i", img, "--point", "300,200", "--point", "100,50,0", "--box",
             "200,100,500,400", "-o", mask1, "--overlay", over, "--save-embedding", emb, "--json"])
    check("segment --json", r.returncode == 0, r.stderr)
    if r.returncode == 0:
        report = json.loads(r.stdout)
        check("json fields", all(k in report for k in ("scores", "load_ms", "encode_ms", "decode_ms")), r.stdout)
        check("mask and overlay written", os.path.getsize(mask1) > 0 and os.path.getsize(over) > 0)
    r = run([lsam, "segment", "-m", pt, "-i", img, "--point", "300,200", "--point", "100,50,0", "--box",
             "200,100,500,400", "-o", mask2, "--embedding", emb])
    check("segment from a saved embedding and the .pt", r.returncode == 0, r.stderr)
    if r.returncode == 0:
        check("same mask from the embedding", open(mask1, "rb").read() == open(mask2, "rb").read())
    r = run([lsam, "segment", "-m", model, "-i", img, "--point", "300,200", "--multimask", "-o", mask2, "--profile",
             os.path.join(work, "trace.json")])
    check("multimask with profile", r.returncode == 0 and "gemm" in r.stdout and "mask 2" in r.stdout, r.stdout + r.stderr)
    if r.returncode == 0:
        trace = json.load(open(os.path.join(work, "trace.json")))
        check("chrome trace has events", len(trace["traceEvents"]) > 10)
    r = run([lsam, "demo", "-o", os.path.join(work, "demo")])
    check("demo on the embedded default", r.returncode == 0 and "RANDOM weights" in r.stdout, r.stdout + r.stderr)

    # Bad input.
    text = os.path.join(work, "not_an_image.jpg")
    with open(text, "w") as f:
        f.write("hello")
    seg = [lsam, "segment", "-m", model, "-i", img, "-o", mask2]
    expect_error("no prompt", seg, "--point")
    expect_error("point outside the image", seg + ["--point", "641,10"], "outside")
    expect_error("negative point", seg + ["--point", "-1,10"], "outside")
    expect_error("malformed point", seg + ["--point", "1,x"], "not a number")
    expect_error("bad label", seg + ["--point", "1,2,7"], "label")
    expect_error("inverted box", seg + ["--box", "300,300,100,100"], "box")
    expect_error("unreadable image", [lsam, "segment", "-m", model, "-i", text, "--point", "1,1", "-o", mask2],
                 "cannot read image")
    expect_error("missing image", [lsam, "segment", "-m", model, "-i", "/nonexistent.png", "--point", "1,1", "-o",
                                   mask2], "nonexistent")
    expect_error("image as model", [lsam, "segment", "-m", img, "-i", img, "--point", "1,1", "-o", mask2], img)
    expect_error("missing model", [lsam, "segment", "-m", "/nonexistent.pt", "-i", img, "--point", "1,1", "-o",
                                   mask2], "nonexistent")
    truncated = os.path.join(work, "truncated.lsam")
    with open(model, "rb") as f, open(truncated, "wb") as g:
        g.write(f.read()[: os.path.getsize(model) // 2])
    expect_error("truncated model", [lsam, "segment", "-m", truncated, "-i", img, "--point", "1,1", "-o", mask2],
                 truncated)
    expect_error("embedding of another image size", [lsam, "segment", "-m", model, "-i", os.path.join(work, "demo",
                 "input.png"), "--point", "1,1", "-o", mask2, "--embedding", emb], "embedding")
    expect_error("garbage embedding", [lsam, "segment", "-m", model, "-i", img, "--point", "1,1", "-o", mask2,
                                       "--embedding", text], "embedding")
    expect_error("unknown option", seg + ["--frobnicate"], "unknown option")
    expect_error("unknown command", [lsam, "frobnicate"], "unknown command", usage_follows=True)
    print(f"{len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
