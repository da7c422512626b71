#!/usr/bin/python3
"""Meson test: writes checkpoints of every release layout with torch, checks them with lsam_weights_check,
then runs the `lsam` tool on good and malformed files. Exits 77 (skipped) when torch is missing.

    run_torch_tests.py LSAM_TOOL CHECKER [--keep]
"""
import os
import resource
import shutil
import subprocess
import sys
import tempfile

try:
    import numpy  # noqa: F401
    import torch  # noqa: F401
except ImportError as e:
    print(f"skipped: needs torch and numpy ({e}); run with /usr/bin/python3", file=sys.stderr)
    sys.exit(77)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bad_inputs  # noqa: E402
import torch_cases  # noqa: E402

MEMORY_LIMIT = 3 << 30  # address space per tool run: a reader that trusts a size field would hit it
failures = []


def limited():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def run(tool, *args):
    p = subprocess.run([tool, *args], capture_output=True, text=True, timeout=120, preexec_fn=limited)
    return p.returncode, p.stdout, p.stderr


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL", what, file=sys.stderr)


def expect_error(tool, path, fragment, command="info"):
    args = [command, path] + ([path + ".out.lsam"] if command == "convert" else [])
    rc, out, err = run(tool, *args)
    lines = err.splitlines()
    what = f"lsam {command} {os.path.basename(path)}"
    check(rc == 1, f"{what}: exit {rc}, expected 1 ({err.strip()[:200]})")
    check(len(lines) == 1 and lines[0].startswith("lsam: " + path + ": "), f"{what}: stderr is not one 'lsam: FILE: ...' line: {err[:300]!r}")
    check(fragment in err, f"{what}: error lacks {fragment!r}: {err.strip()[:300]}")
    if command == "convert":
        check(not os.path.exists(path + ".out.lsam") and not os.path.exists(path + ".out.lsam.tmp"), f"{what}: left an output file")


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    tool, checker = os.path.abspath(argv[1]), os.path.abspath(argv[2])
    work = tempfile.mkdtemp(prefix="lsam_weights_")
    try:
        names = torch_cases.write_cases(work)
        with open(os.path.join(work, "cases.txt"), "w") as f:
            f.write("\n".join(names) + "\n")

        # MobileSAM's real key set and shapes
        full = os.path.join(work, "mobile_sam_full")
        sd = torch_cases.write_full_mobile_sam(full + ".pt")
        tensors, sources = torch_cases.folded(sd, {}, 1e-5)
        config = {"embed_dims": "64,128,160,320", "depths": "2,2,6,2", "num_heads": "0,4,5,10",
                  "window_sizes": "0,7,14,7", "mlp_ratio": "4", "mbconv_expand_ratio": "4", "neck_dim": "256",
                  "prompt_embed_dim": "256", "num_multimask_outputs": "3", "decoder_depth": "2",
                  "decoder_mlp_dim": "2048", "image_size": "1024"}
        torch_cases.write_expect(full, "mobile_sam", config, tensors, sources, ["bn_folded"])
        with open(os.path.join(work, "cases.txt"), "a") as f:
            f.write("mobile_sam_full\n")
        names.append("mobile_sam_full")

        p = subprocess.run([checker, work], capture_output=True, text=True, timeout=600)
        sys.stdout.write(p.stdout)
        sys.stderr.write(p.stderr)
        check(p.returncode == 0, f"lsam_weights_check exit {p.returncode}")

        for name in names:
            pt = os.path.join(work, name + ".pt")
            family = open(os.path.join(work, name + ".expect")).readline().split()[1]
            rc, out, err = run(tool, "info", pt)
            check(rc == 0 and f"family:     {family}" in out, f"lsam info {name}.pt: exit {rc} {err.strip()}")
            lsam = os.path.join(work, name + ".cli.lsam")
            rc, out, err = run(tool, "convert", pt, lsam)
            check(rc == 0 and os.path.exists(lsam), f"lsam convert {name}.pt: exit {rc} {err.strip()}")
            rc, out, err = run(tool, "info", lsam)
            check(rc == 0 and f"family:     {family}" in out and "lsam v1" in out, f"lsam info {name}.cli.lsam: {rc} {err.strip()}")

        bad = os.path.join(work, "bad")
        os.makedirs(bad)
        cases = bad_inputs.write_bad(bad, os.path.join(work, "mobile_sam_zip.pt"))
        cases += bad_inputs.write_bad_legacy(bad, os.path.join(work, "mobile_sam_legacy.pt"))
        cases += bad_inputs.write_bad_lsam(bad, os.path.join(work, "mobile_sam_zip.cli.lsam"))
        for file, fragment in cases:
            expect_error(tool, os.path.join(bad, file), fragment)
        for file, fragment in cases[:6]:
            expect_error(tool, os.path.join(bad, file), fragment, command="convert")

        rc, _, err = run(tool, "convert", os.path.join(work, "sam_vit_b.pt"), os.path.join(work, "x.lsam"), "--family", "sam_vit_l")
        check(rc == 1 and "as sam_vit_l: embed dim 768 and depth 12 do not match" in err, f"--family sam_vit_l: {rc} {err.strip()}")
        rc, _, err = run(tool, "convert", os.path.join(work, "mobile_sam_zip.pt"), os.path.join(work, "x.lsam"), "--family", "nope")
        check(rc == 1 and "unknown model family 'nope'" in err, f"--family nope: {rc} {err.strip()}")
        rc, _, err = run(tool, "info", os.path.join(work, "does_not_exist.pt"))
        check(rc == 1 and "cannot open" in err, f"missing file: {rc} {err.strip()}")
        for args in ([], ["convert", "only_one.pt"], ["info"], ["frobnicate"]):
            rc, _, _ = run(tool, *args)
            check(rc == 2, f"lsam {' '.join(args)}: usage error should exit 2, got {rc}")
    finally:
        if "--keep" in argv:
            print("kept", work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
