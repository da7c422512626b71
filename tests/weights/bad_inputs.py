"""Malformed checkpoints, each paired with a fragment of the one-line error the reader must give.

Crafted torch zips are assembled by hand (raw_zip) so that offsets, sizes and compression can lie.
"""
import collections
import os
import pickle
import struct
import zlib

import torch


def raw_zip(entries, cd_offset_shift=0, local_offset_shift=0):
    """entries: (name, payload, method, declared_size, crc); payload is already compressed for method 8."""
    out, central = bytearray(), bytearray()
    for name, payload, method, size, crc in entries:
        n = name.encode()
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0, crc, len(payload), size, len(n), 0) + n + payload
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0, crc, len(payload), size,
                               len(n), 0, 0, 0, 0, 0, offset + local_offset_shift) + n
    cd_offset = len(out)
    out += central
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central),
                       cd_offset + cd_offset_shift, 0)
    return bytes(out)


def stored(name, data):
    return (name, data, 0, len(data), zlib.crc32(data))


def deflated(name, data, declared=None):
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    payload = c.compress(data) + c.flush()
    return (name, payload, 8, len(data) if declared is None else declared, zlib.crc32(data))


class Storage:
    """Stands for a torch storage: pickled as the persistent id torch.save writes."""

    def __init__(self, key, numel, kind="FloatStorage"):
        self.key, self.numel, self.kind = key, numel, kind


class Tensor:
    def __init__(self, storage, offset, size, stride):
        self.args = (storage, offset, tuple(size), tuple(stride), False, collections.OrderedDict())

    def __reduce__(self):
        return torch._utils._rebuild_tensor_v2, self.args


class Pickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            return ("storage", getattr(torch, obj.kind), obj.key, "cpu", obj.numel)
        return None


def torch_pickle(obj, protocol=2):
    import io
    buf = io.BytesIO()
    Pickler(buf, protocol=protocol).dump(obj)
    return buf.getvalue()


def torch_zip(pkl, storages=None, extra=()):
    entries = [stored("archive/data.pkl", pkl)]
    entries += [stored(f"archive/data/{k}", v) for k, v in (storages or {}).items()]
    entries += [stored("archive/version", b"3\n")] + list(extra)
    return raw_zip(entries)


def one_tensor(size, stride, offset=0, numel=10, data_bytes=40, key="0"):
    s = Storage(key, numel)
    return torch_zip(torch_pickle({"w": Tensor(s, offset, size, stride)}), {"0": b"\0" * data_bytes})


class Evil:
    def __reduce__(self):
        return os.system, ("echo this must never run",)


def write_bad(out, good_pt):
    """Writes the crafted files into `out`; returns [(file name, expected error fragment)]."""
    cases = []

    def bad(name, data, fragment):
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
        cases.append((name, fragment))

    good = open(good_pt, "rb").read()
    bad("empty.pt", b"", "not a PyTorch checkpoint")
    bad("text.pt", b"hello, world\n" * 3, "not a PyTorch checkpoint")
    bad("stack_underflow.pt", torch_zip(b"\x80\x02R."), "stack underflow")
    bad("no_mark.pt", torch_zip(b"\x80\x02t."), "no MARK")
    bad("deep_marks.pt", torch_zip(b"\x80\x02" + b"(" * 70000 + b"."), "nested MARKs")
    n = 200000
    bad("deep_lists.pt", torch_zip(b"\x80\x02" + b"]" * n + b"a" * (n - 1) + b"."), "not a state dict or a model")
    bad("memo_unset.pt", torch_zip(b"\x80\x02h\x05."), "never set")
    bad("huge_string.pt", torch_zip(b"\x80\x02X\xff\xff\xff\x7f"), "runs past the end")
    bad("bad_opcode.pt", torch_zip(b"\x80\x02\xff."), "unsupported pickle opcode")
    bad("absurd_shape.pt", one_tensor((10**6, 10**6), (10**6, 1)), "exceeds its storage")
    bad("huge_storage.pt", one_tensor((10,), (1,), numel=10**12), "need")
    bad("storage_oob.pt", one_tensor((5,), (1,), offset=8), "exceeds its storage")
    bad("negative_stride.pt", one_tensor((5,), (-1,)), "out of range")
    bad("empty_but_huge.pt", one_tensor((0, 1 << 40, 1 << 40), (1, 1, 1)), "more than 2^40 elements")
    bad("rank7.pt", one_tensor((1,) * 7, (1,) * 7), "rank 7")
    bad("missing_storage.pt", one_tensor((5,), (1,), key="7"), "missing storage record")
    bad("evil_global.pt", torch_zip(torch_pickle({"w": Evil()})), "w (an object 'posix.system')")
    mixed = {"a": Tensor(Storage("0", 2), 0, (2,), (1,)), "w": Evil()}
    bad("evil_in_state_dict.pt", torch_zip(torch_pickle(mixed), {"0": b"\0" * 8}), "'w' is an object 'posix.system', not a tensor")
    bad("big_endian.pt", torch_zip(torch_pickle({}), extra=[stored("archive/byteorder", b"big")]), "big-endian")
    sd = {"a": Tensor(Storage("0", 2), 0, (2,), (1,)), "b": Tensor(Storage("0", 2), 0, (1,), (1,))}
    bad("no_family.pt", torch_zip(torch_pickle(sd), {"0": b"\0" * 8}), "no known model family: 2 tensors, first keys: a, b")
    # zip bombs: a directory claiming more than DEFLATE can expand, and a stream longer than declared
    bad("zip_bomb_ratio.pt", raw_zip([deflated("archive/data.pkl", b"\0" * 1000, declared=4_000_000_000)]), "more than DEFLATE")
    bad("zip_bomb_overflow.pt", raw_zip([deflated("archive/data.pkl", b"\0" * (1 << 20), declared=100)]), "exceeds the declared size")
    bad("zip_cd_offset.pt", raw_zip([stored("archive/data.pkl", b"\x80\x02}.")], cd_offset_shift=1 << 20), "outside the file")
    bad("zip_local_offset.pt", raw_zip([stored("archive/data.pkl", b"\x80\x02}.")], local_offset_shift=5), "local header")
    bad("zip_no_pickle.pt", raw_zip([stored("archive/version", b"3\n")]), "without a data.pkl")
    corrupt = bytearray(good)
    corrupt[200] ^= 0x40  # inside data.pkl, which starts right after the first local header
    bad("zip_crc.pt", bytes(corrupt), "CRC-32 mismatch")
    bad("zip_truncated.pt", good[: len(good) // 2], "end-of-central-directory")
    return cases


def write_bad_legacy(out, legacy_pt):
    data = open(legacy_pt, "rb").read()
    cases = []
    for i, cut in enumerate([14, len(data) // 3, len(data) - 100, len(data) - 1]):
        name = f"legacy_cut{i}.pt"
        with open(os.path.join(out, name), "wb") as f:
            f.write(data[:cut])
        cases.append((name, "truncated"))
    return cases


def write_bad_lsam(out, good_lsam):
    """Corruptions of a converted file: header bytes, data bytes, length, version."""
    data = open(good_lsam, "rb").read()
    cases = []

    def bad(name, blob, fragment):
        with open(os.path.join(out, name), "wb") as f:
            f.write(blob)
        cases.append((name, fragment))

    header = bytearray(data)
    header[70] ^= 1
    bad("header_flip.lsam", bytes(header), "header checksum mismatch")
    body = bytearray(data)
    body[-70] ^= 1
    bad("data_flip.lsam", bytes(body), "data checksum mismatch")
    bad("truncated.lsam", data[:-64], "header sizes do not match")
    bad("short.lsam", data[:40], "not an .lsam file")
    bad("version.lsam", data[:4] + struct.pack("<I", 99) + data[8:], "version 99")
    return cases
