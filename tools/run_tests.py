#!/usr/bin/env python3
"""Runs every registered test (meson test) and closes with one 'N passed, N failed, N skipped' line.

Each suite runs twice: on the best ISA this CPU has, and with LSAM_ISA=scalar, so every reference path
is exercised end to end as well.
"""
import json
import os
import subprocess
import sys

build = sys.argv[1] if len(sys.argv) > 1 else "build"
counts = {"passed": 0, "failed": 0, "skipped": 0}
failed_names = []
for isa in ("", "scalar"):
    env = dict(os.environ)
    label = "native"
    if isa:
        env["LSAM_ISA"] = isa
        label = isa
    print(f"== meson test ({label} ISA)", flush=True)
    subprocess.run(["meson", "test", "-C", build, "--print-errorlogs", "--num-processes", "1"], env=env)
    with open(os.path.join(build, "meson-logs", "testlog.json")) as log:
        for line in log:
            result = json.loads(line)
            name = f"{result['name']} [{label}]"
            if result["result"] == "OK":
                counts["passed"] += 1
            elif result["result"] == "SKIP":
                counts["skipped"] += 1
                print(f"skipped: {name}")
            else:
                counts["failed"] += 1
                failed_names.append(name)
for name in failed_names:
    print(f"FAILED: {name}")
print(f"{counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped")
sys.exit(1 if counts["failed"] else 0)
