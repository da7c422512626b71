"""Stand-ins for the Ultralytics classes a FastSAM / YOLOv8 checkpoint pickles.

The classes are real torch.nn.Modules registered under Ultralytics' module paths, so torch.save writes the
same globals (ultralytics.nn.tasks.SegmentationModel, ultralytics.nn.modules.conv.Conv, ...) and the same
module tree as a released checkpoint, at toy sizes. Nothing here is Ultralytics code: only the structure
(attribute names, nesting, BatchNorm eps 1e-3) matches, because that is what the reader depends on.
"""
import sys
import types

import torch
import torch.nn as nn


def _module(name):
    parts = name.split(".")
    for i in range(1, len(parts) + 1):
        sys.modules.setdefault(".".join(parts[:i]), types.ModuleType(".".join(parts[:i])))
    return sys.modules[name]


def _register(module_name):
    def wrap(cls):
        cls.__module__ = module_name
        setattr(_module(module_name), cls.__name__, cls)
        return cls
    return wrap


@_register("ultralytics.nn.modules.conv")
class Conv(nn.Module):
    def __init__(self, c1, c2, k=1, s=1, eps=0.001):
        super().__init__()
        self.conv = nn.Conv2d(c1, c2, k, s, k // 2, bias=False)
        self.bn = nn.BatchNorm2d(c2, eps=eps, momentum=0.03)
        self.act = nn.SiLU()


@_register("ultralytics.nn.modules.block")
class Bottleneck(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.cv1 = Conv(c, c, 3)
        self.cv2 = Conv(c, c, 3)
        self.add = True


@_register("ultralytics.nn.modules.block")
class C2f(nn.Module):
    def __init__(self, c1, c2, n=1):
        super().__init__()
        self.c = c2 // 2
        self.cv1 = Conv(c1, 2 * self.c, 1)
        self.cv2 = Conv((2 + n) * self.c, c2, 1)
        self.m = nn.ModuleList(Bottleneck(self.c) for _ in range(n))


@_register("ultralytics.nn.modules.block")
class DFL(nn.Module):
    def __init__(self, c1=16):
        super().__init__()
        self.conv = nn.Conv2d(c1, 1, 1, bias=False).requires_grad_(False)
        self.conv.weight.data[:] = torch.arange(c1, dtype=torch.float).view(1, c1, 1, 1)
        self.c1 = c1


@_register("ultralytics.nn.modules.block")
class Proto(nn.Module):
    def __init__(self, c1, c_=16, c2=8):
        super().__init__()
        self.cv1 = Conv(c1, c_, 3)
        self.upsample = nn.ConvTranspose2d(c_, c_, 2, 2, 0, bias=True)
        self.cv2 = Conv(c_, c_, 3)
        self.cv3 = Conv(c_, c2)


@_register("ultralytics.nn.modules.head")
class Detect(nn.Module):
    def __init__(self, nc, ch, reg_max=16):
        super().__init__()
        self.nc, self.nl, self.reg_max = nc, len(ch), reg_max
        self.stride = torch.zeros(self.nl)
        c2, c3 = 16, 16
        self.cv2 = nn.ModuleList(nn.Sequential(Conv(x, c2, 3), Conv(c2, c2, 3), nn.Conv2d(c2, 4 * reg_max, 1)) for x in ch)
        self.cv3 = nn.ModuleList(nn.Sequential(Conv(x, c3, 3), Conv(c3, c3, 3), nn.Conv2d(c3, nc, 1)) for x in ch)
        self.dfl = DFL(reg_max)
        # not part of state_dict(): the reader must skip it as Module.state_dict() does
        self.register_buffer("anchor_cache", torch.zeros(2), persistent=False)


@_register("ultralytics.nn.modules.head")
class Segment(Detect):
    def __init__(self, nc, nm, npr, ch):
        super().__init__(nc, ch)
        self.nm, self.npr = nm, npr
        self.proto = Proto(ch[0], npr, nm)
        self.cv4 = nn.ModuleList(nn.Sequential(Conv(x, 8, 3), Conv(8, 8, 3), nn.Conv2d(8, nm, 1)) for x in ch)


@_register("ultralytics.nn.tasks")
class DetectionModel(nn.Module):
    def __init__(self, head):
        super().__init__()
        self.model = nn.Sequential(Conv(3, 8, 3, 2), Conv(8, 16, 3, 2), C2f(16, 16, 1), head)
        self.stride = torch.tensor([8.0, 16.0, 32.0])[: head.nl]
        self.names = {0: "object"}
        self.yaml = {"nc": head.nc, "scale": "x", "backbone": [[-1, 1, "Conv", [64, 3, 2]]]}


@_register("ultralytics.nn.tasks")
class SegmentationModel(DetectionModel):
    pass


def randomise(model, gen):
    """Every parameter and BatchNorm statistic random, so that no fold term can vanish from the test."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if not name.endswith("dfl.conv.weight"):
                p.copy_(torch.randn(p.shape, generator=gen) * 0.5)
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.copy_(1 + 0.2 * torch.randn(m.weight.shape, generator=gen))
                m.bias.copy_(0.2 * torch.randn(m.bias.shape, generator=gen))
                m.running_mean.copy_(0.2 * torch.randn(m.running_mean.shape, generator=gen))
                m.running_var.copy_(0.5 + 1.5 * torch.rand(m.running_var.shape, generator=gen))
                m.num_batches_tracked.fill_(100)
    return model


def fastsam(gen, eps_override=None):
    model = SegmentationModel(Segment(nc=1, nm=8, npr=16, ch=(16,)))
    if eps_override is not None:  # one BatchNorm built with another eps: the reader must use the pickled value
        model.model[0].bn.eps = eps_override
    return randomise(model, gen)


def yolov8_det(gen):
    return randomise(DetectionModel(Detect(nc=3, ch=(16,))), gen)
