"""Good checkpoints in every layout the weights layer reads, each with what the C++ side must produce.

A case is written as NAME.pt plus NAME.expect (text) and NAME.bin (the expected f32 tensors, little-endian).
NAME.expect lines:
    family F
    transform T                      (zero or more)
    config KEY VALUE                 (the complete expected configuration)
    tensor NAME SOURCE_DTYPE BYTE_OFFSET RANK D0 D1 ...
Expected tensors are computed independently of the C++ code: torch's own f32 conversion, and the BatchNorm
fold done in float64 numpy with the formula of weights/bn_fold.h, so the comparison is bit-exact.
"""
import io
import os
import struct
import sys
import zipfile
from collections import OrderedDict

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ultralytics_standins as ul  # noqa: E402

SOURCE_NAMES = {torch.float32: "f32", torch.float64: "f64", torch.float16: "f16", torch.bfloat16: "bf16",
                torch.int64: "i64", torch.int32: "i32", torch.int16: "i16", torch.int8: "i8", torch.uint8: "u8",
                torch.bool: "bool"}


def randn(gen, *shape, scale=1.0):
    return torch.randn(*shape, generator=gen) * scale


def add_conv_bn(sd, gen, prefix, cout, cin, k, conv="c"):
    sd[f"{prefix}.{conv}.weight"] = randn(gen, cout, cin, k, k, scale=0.5)
    sd[f"{prefix}.bn.weight"] = 1 + randn(gen, cout, scale=0.2)
    sd[f"{prefix}.bn.bias"] = randn(gen, cout, scale=0.2)
    sd[f"{prefix}.bn.running_mean"] = randn(gen, cout, scale=0.2)
    sd[f"{prefix}.bn.running_var"] = 0.5 + 1.5 * torch.rand(cout, generator=gen)
    sd[f"{prefix}.bn.num_batches_tracked"] = torch.tensor(7)


def add_sam_decoder(sd, gen, dim):
    sd["mask_decoder.iou_token.weight"] = randn(gen, 1, dim)
    sd["mask_decoder.mask_tokens.weight"] = randn(gen, 4, dim)
    sd["mask_decoder.transformer.layers.0.mlp.lin1.weight"] = randn(gen, 2 * dim, dim)


def sam_decoder_config(dim, mlp=True):
    c = {"prompt_embed_dim": str(dim), "num_multimask_outputs": "3", "decoder_depth": "1", "image_size": "1024"}
    if mlp:
        c["decoder_mlp_dim"] = str(2 * dim)
    return c


def mini_mobile_sam(gen):
    """The tensors mobile_sam detection and configuration look at, at toy sizes, plus every storage layout
    and element type a state dict can hold."""
    sd = OrderedDict()
    add_conv_bn(sd, gen, "image_encoder.patch_embed.seq.0", 4, 3, 3)
    add_conv_bn(sd, gen, "image_encoder.patch_embed.seq.2", 8, 4, 3)
    add_conv_bn(sd, gen, "image_encoder.layers.0.blocks.0.conv1", 32, 8, 1)
    add_conv_bn(sd, gen, "image_encoder.layers.0.blocks.0.conv2", 32, 1, 3)
    add_conv_bn(sd, gen, "image_encoder.layers.0.blocks.0.conv3", 8, 32, 1)
    for b in range(2):
        p = f"image_encoder.layers.1.blocks.{b}."
        sd[p + "attn.attention_biases"] = randn(gen, 2, 49)
        sd[p + "attn.norm.weight"] = randn(gen, 16)
        sd[p + "attn.qkv.weight"] = randn(gen, 48, 16)
        sd[p + "mlp.fc1.weight"] = randn(gen, 64, 16)
        add_conv_bn(sd, gen, p + "local_conv", 16, 1, 3)
    sd["image_encoder.neck.0.weight"] = randn(gen, 16, 16, 1, 1)
    add_sam_decoder(sd, gen, 16)
    # storage layouts: views share one storage, at offsets, transposed, strided, broadcast
    base = randn(gen, 6, 5)
    sd["extra.transposed"] = base.t()
    shared = randn(gen, 40)
    sd["extra.view_a"] = shared[3:13].view(2, 5)
    sd["extra.view_b"] = shared[20:40:2]
    sd["extra.expanded"] = randn(gen, 1, 4).expand(3, 4)
    sd["extra.permuted"] = randn(gen, 2, 3, 4).permute(2, 0, 1)
    # element types
    sd["extra.f64"] = torch.randn(5, generator=gen, dtype=torch.float64) * 1e3
    sd["extra.f16"] = randn(gen, 7).half()
    sd["extra.bf16"] = randn(gen, 7).bfloat16()
    sd["extra.i64"] = torch.tensor([-3, 0, 5, 1 << 40, -(1 << 62)])
    sd["extra.i32"] = torch.tensor([-7, 8, 1 << 30], dtype=torch.int32)
    sd["extra.i16"] = torch.tensor([-300, 301], dtype=torch.int16)
    sd["extra.i8"] = torch.tensor([-128, 127], dtype=torch.int8)
    sd["extra.u8"] = torch.tensor([0, 255], dtype=torch.uint8)
    sd["extra.bool"] = torch.tensor([True, False, True])
    sd["extra.scalar"] = torch.tensor(3.5)
    sd["extra.empty"] = torch.zeros(0, 3)
    config = {"embed_dims": "8,16", "depths": "1,2", "num_heads": "0,2", "window_sizes": "0,7", "mlp_ratio": "4",
              "mbconv_expand_ratio": "4", "neck_dim": "16", **sam_decoder_config(16)}
    return sd, config


def mini_efficient_sam(gen):
    """EfficientSAM-Ti's identifying tensors; released as {'model': state_dict}. Some in bfloat16."""
    sd = OrderedDict()
    sd["image_encoder.patch_embed.proj.weight"] = randn(gen, 192, 3, 16, 16, scale=0.1)
    sd["image_encoder.pos_embed"] = randn(gen, 1, 197, 192).bfloat16()
    sd["image_encoder.blocks.0.attn.qkv.weight"] = randn(gen, 576, 192).bfloat16()
    sd["image_encoder.blocks.0.mlp.fc1.weight"] = randn(gen, 768, 1).expand(768, 192)
    sd["image_encoder.neck.0.weight"] = randn(gen, 256, 192, 1, 1)
    add_sam_decoder(sd, gen, 256)
    del sd["mask_decoder.transformer.layers.0.mlp.lin1.weight"]
    sd["mask_decoder.transformer.layers.0.norm1.weight"] = randn(gen, 256)
    config = {"embed_dim": "192", "depth": "1", "num_heads": "3", "patch_size": "16", "pos_embed_grid": "14",
              "mlp_dim": "768", "neck_dim": "256", **sam_decoder_config(256, mlp=False)}
    return sd, config


def mini_sam_vit_b(gen):
    """SAM ViT-B's identifying tensors (12 blocks, 4 of them global). The big ones are broadcast views, so
    the file stays small while the reader materialises them in full."""
    sd = OrderedDict()
    sd["image_encoder.patch_embed.proj.weight"] = randn(gen, 768, 1, 1, 1).expand(768, 3, 16, 16)
    sd["image_encoder.pos_embed"] = randn(gen, 1, 1, 64, 768).half().expand(1, 64, 64, 768)
    for i in range(12):
        span = 64 if i in (2, 5, 8, 11) else 14
        sd[f"image_encoder.blocks.{i}.attn.rel_pos_h"] = randn(gen, 2 * span - 1, 64).half()
    sd["image_encoder.blocks.0.mlp.lin1.weight"] = randn(gen, 3072, 1).expand(3072, 768)
    sd["image_encoder.neck.0.weight"] = randn(gen, 256, 768, 1, 1)
    add_sam_decoder(sd, gen, 256)
    config = {"embed_dim": "768", "depth": "12", "num_heads": "12", "patch_size": "16", "window_size": "14",
              "global_attn_indexes": "2,5,8,11", "mlp_dim": "3072", "neck_dim": "256", **sam_decoder_config(256)}
    return sd, config


def folded(sd, eps_by_module, default_eps):
    """The state dict after BatchNorm folding, in the converter's order, as float32 numpy arrays."""
    def f64(t):
        return t.to(torch.float32).numpy().astype(np.float64)

    out = OrderedDict()
    sources = {}
    for name, t in sd.items():
        src = SOURCE_NAMES[t.dtype]
        module, _, leaf = name.rpartition(".")
        parent, _, own = module.rpartition(".")
        pre = parent + "." if parent else ""
        if own == "bn" and any(k in sd for k in (pre + "c.weight", pre + "conv.weight")):
            continue  # folded away
        if own in ("c", "conv") and leaf == "bias" and (pre + "bn.running_var") in sd:
            continue  # replaced by the folded bias
        if own in ("c", "conv") and leaf == "weight" and (pre + "bn.running_var") in sd:
            bn = pre + "bn."
            eps = eps_by_module.get(pre + "bn", default_eps)
            scale = f64(sd[bn + "weight"]) / np.sqrt(f64(sd[bn + "running_var"]) + eps)
            w = f64(t)
            out[name] = (w * scale.reshape((-1,) + (1,) * (w.ndim - 1))).astype(np.float32)
            b = f64(sd[module + ".bias"]) if (module + ".bias") in sd else np.zeros_like(scale)
            out[module + ".bias"] = ((b - f64(sd[bn + "running_mean"])) * scale + f64(sd[bn + "bias"])).astype(np.float32)
            sources[name] = sources[module + ".bias"] = src
            continue
        out[name] = t.to(torch.float32).contiguous().numpy()
        sources[name] = src
    return out, sources


def write_expect(path_stem, family, config, tensors, sources, transforms):
    lines = [f"family {family}"] + [f"transform {t}" for t in transforms]
    lines += [f"config {k} {v}" for k, v in sorted(config.items())]
    offset = 0
    with open(path_stem + ".bin", "wb") as blob:
        for name, a in tensors.items():
            lines.append(" ".join(["tensor", name, sources[name], str(offset), str(a.ndim)] + [str(d) for d in a.shape]))
            data = np.ascontiguousarray(a, dtype="<f4").tobytes()
            blob.write(data)
            offset += len(data)
    with open(path_stem + ".expect", "w") as f:
        f.write("\n".join(lines) + "\n")


def rewrite_zip(src, dst, compression=zipfile.ZIP_STORED):
    """The same archive written again by Python's zipfile, e.g. with deflated entries."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", compression=compression) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, zin.read(info.filename))


def rewrite_zip64(src, dst):
    """The same archive with every size and offset moved to ZIP64 fields: 0xffffffff in the central
    directory and the end record, the real values in ZIP64 extra fields and the ZIP64 end record (what a
    writer must do past 4 GiB, done here at a small size)."""
    out, central = bytearray(), bytearray()
    with zipfile.ZipFile(src) as zin:
        infos = zin.infolist()
        for info in infos:
            data, name = zin.read(info.filename), info.filename.encode()
            crc, offset = zipfile.crc32(data), len(out)
            out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, 0, 0, 0, crc, len(data), len(data), len(name), 0)
            out += name + data
            extra = struct.pack("<HHQQQ", 1, 24, len(data), len(data), offset)
            central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, 0, 0, 0, crc, 0xFFFFFFFF, 0xFFFFFFFF,
                                   len(name), len(extra), 0, 0, 0, 0, 0xFFFFFFFF) + name + extra
    cd_offset = len(out)
    out += central
    end64 = len(out)
    out += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, len(infos), len(infos), len(central), cd_offset)
    out += struct.pack("<IIQI", 0x07064B50, 0, end64, 1)
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    with open(dst, "wb") as f:
        f.write(out)


def ultralytics_expectation(model):
    sd = model.state_dict()
    eps = {name: m.eps for name, m in model.named_modules() if isinstance(m, torch.nn.BatchNorm2d)}
    return sd, eps


def write_cases(out):
    """Writes every case into `out` and returns their names."""
    gen = torch.Generator().manual_seed(1234)
    names = []

    def case(name, family, config, sd, eps, default_eps, save):
        tensors, sources = folded(sd, eps, default_eps)
        transforms = ["bn_folded"] if any(k.endswith("bn.running_var") for k in sd) else []
        stem = os.path.join(out, name)
        save(stem + ".pt")
        write_expect(stem, family, config, tensors, sources, transforms)
        names.append(name)

    sd, config = mini_mobile_sam(gen)
    case("mobile_sam_zip", "mobile_sam", config, sd, {}, 1e-5, lambda p: torch.save(sd, p))
    case("mobile_sam_legacy", "mobile_sam", config, sd, {}, 1e-5,
         lambda p: torch.save(sd, p, _use_new_zipfile_serialization=False))

    def via_buffer(p, **kw):  # folder 'archive' instead of the file stem; pickle protocol 4 (FRAME, MEMOIZE...)
        buf = io.BytesIO()
        torch.save(sd, buf, **kw)
        with open(p, "wb") as f:
            f.write(buf.getvalue())
    case("mobile_sam_proto4", "mobile_sam", config, sd, {}, 1e-5, lambda p: via_buffer(p, pickle_protocol=4))
    case("mobile_sam_deflated", "mobile_sam", config, sd, {}, 1e-5,
         lambda p: rewrite_zip(os.path.join(out, "mobile_sam_zip.pt"), p, zipfile.ZIP_DEFLATED))
    case("mobile_sam_zip64", "mobile_sam", config, sd, {}, 1e-5,
         lambda p: rewrite_zip64(os.path.join(out, "mobile_sam_zip.pt"), p))

    sd, config = mini_efficient_sam(gen)
    case("efficient_sam_vitt", "efficient_sam_vitt", config, sd, {}, 1e-5,
         lambda p: torch.save({"model": sd, "epoch": 11}, p))

    sd, config = mini_sam_vit_b(gen)
    case("sam_vit_b", "sam_vit_b", config, sd, {}, 1e-5, lambda p: torch.save(sd, p))

    seg = ul.fastsam(gen, eps_override=0.002).half()
    sd, eps = ultralytics_expectation(seg)
    config = {"head_index": "3", "num_levels": "1", "num_classes": "1", "reg_max": "16", "base_channels": "8",
              "num_masks": "8", "proto_channels": "16", "stride": "8"}
    ckpt = {"epoch": -1, "best_fitness": None, "model": seg, "ema": None, "updates": None, "optimizer": None,
            "train_args": {"imgsz": 1024, "task": "segment"}, "date": "2023-06-21T00:00:00", "version": "8.0.120"}
    case("fastsam_f16", "fastsam", config, sd, eps, 1e-3, lambda p: torch.save(ckpt, p))

    raw, ema = ul.yolov8_det(gen), ul.yolov8_det(gen)  # the reader must take 'ema'
    sd, eps = ultralytics_expectation(ema)
    config = {"head_index": "3", "num_levels": "1", "num_classes": "3", "reg_max": "16", "base_channels": "8",
              "stride": "8"}
    case("yolov8_det_ema", "yolov8_det", config, sd, eps, 1e-3, lambda p: torch.save({"model": raw, "ema": ema}, p))
    return names


def write_tiny_yolo(stem):
    """The smallest state dict any family accepts (yolov8_det), as zip and legacy files: fast fuzz seeds."""
    gen = torch.Generator().manual_seed(5)
    sd = OrderedDict()
    sd["model.0.conv.weight"] = randn(gen, 2, 3, 1, 1).half()
    sd["model.1.cv2.0.2.weight"] = randn(gen, 4, 2, 1, 1)
    sd["model.1.cv3.0.2.weight"] = randn(gen, 1, 2, 1, 1)
    sd["model.1.dfl.conv.weight"] = torch.arange(4.0).view(1, 4, 1, 1)
    torch.save(sd, stem + ".pt")
    torch.save(sd, stem + "_legacy.pt", _use_new_zipfile_serialization=False)


def write_full_mobile_sam(path, seed=0):
    """A random state dict with MobileSAM's exact key set and shapes (tools/reference/mobile_sam_ref.py)."""
    ref_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "reference")
    sys.path.insert(0, ref_dir)
    import mobile_sam_ref  # noqa: E402
    sd = mobile_sam_ref.build_random_mobile_sam(seed).state_dict()
    torch.save(sd, path)
    return sd
