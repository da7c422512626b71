#!/usr/bin/env python3
"""Fails if a per-ISA static library defines a weak (COMDAT) symbol.

Inline functions and template instantiations are emitted as weak symbols in every object that uses them,
and the linker keeps one arbitrary copy. If that copy came from an AVX-512 object, baseline code would
call AVX-512 instructions on CPUs without them. ISA sources must therefore keep all helpers at internal
linkage; this check proves they do.
"""
import subprocess
import sys

bad = []
for lib in sys.argv[1:]:
    out = subprocess.run(["nm", "--defined-only", "-C", lib], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        parts = line.split(maxsplit=2)
        if len(parts) == 3 and parts[1] in ("W", "V", "u"):
            bad.append(f"{lib}: {parts[2]}")
for b in bad:
    print("weak symbol in an ISA library:", b)
print(f"checked {len(sys.argv) - 1} libraries: {'FAIL' if bad else 'ok'}")
sys.exit(1 if bad else 0)
