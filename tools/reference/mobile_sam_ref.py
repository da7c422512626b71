"""Compact PyTorch reference implementation of MobileSAM (TinyViT-5M encoder + SAM
prompt encoder / mask decoder) and of SamPredictor.

Written from scratch for lsam's parity tests.  Module/parameter names are chosen so that
`state_dict()` has exactly the key set and shapes of the released `mobile_sam.pt`, so the
official checkpoint loads with strict=True and our checkpoints load into the official code.
"""
import itertools
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

IMG_SIZE = 1024          # encoder input (square, padded)
EMBED_SIZE = 64          # image embedding spatial size
PROMPT_DIM = 256
PIXEL_MEAN = [123.675, 116.28, 103.53]
PIXEL_STD = [58.395, 57.12, 57.375]
MASK_THRESHOLD = 0.0

# TinyViT-5M as configured by MobileSAM's build_sam_vit_t
TINYVIT_CFG = dict(embed_dims=[64, 128, 160, 320], depths=[2, 2, 6, 2],
                   num_heads=[2, 4, 5, 10], window_sizes=[7, 7, 14, 7],
                   mlp_ratio=4.0, mbconv_expand_ratio=4.0, local_conv_size=3)


# ----------------------------------------------------------------------------- common
class LayerNorm2d(nn.Module):
    """LayerNorm over the channel dim of an NCHW tensor (eps 1e-6)."""

    def __init__(self, c, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(c))
        self.bias = nn.Parameter(torch.zeros(c))
        self.eps = eps

    def forward(self, x):
        u = x.mean(1, keepdim=True)
        s = (x - u).pow(2).mean(1, keepdim=True)
        x = (x - u) / torch.sqrt(s + self.eps)
        return self.weight[:, None, None] * x + self.bias[:, None, None]


class Conv2d_BN(nn.Sequential):
    """Bias-free conv followed by BatchNorm2d (eval mode: running stats, eps 1e-5)."""

    def __init__(self, cin, cout, k=1, stride=1, pad=0, groups=1):
        super().__init__()
        self.c = nn.Conv2d(cin, cout, k, stride, pad, groups=groups, bias=False)
        self.bn = nn.BatchNorm2d(cout)


# ----------------------------------------------------------------------------- TinyViT
class PatchEmbed(nn.Module):
    def __init__(self, cin, dim):
        super().__init__()
        self.seq = nn.Sequential(Conv2d_BN(cin, dim // 2, 3, 2, 1), nn.GELU(),
                                 Conv2d_BN(dim // 2, dim, 3, 2, 1))

    def forward(self, x):
        return self.seq(x)


class MBConv(nn.Module):
    def __init__(self, dim, expand_ratio):
        super().__init__()
        hid = int(dim * expand_ratio)
        self.conv1 = Conv2d_BN(dim, hid)
        self.conv2 = Conv2d_BN(hid, hid, 3, 1, 1, groups=hid)
        self.conv3 = Conv2d_BN(hid, dim)
        self.act = nn.GELU()

    def forward(self, x):
        y = self.act(self.conv1(x))
        y = self.act(self.conv2(y))
        return self.act(self.conv3(y) + x)   # GELU *after* the residual add


class PatchMerging(nn.Module):
    """1x1 conv -> GELU -> depthwise 3x3 -> GELU -> 1x1 conv; output as tokens (B, L, C)."""

    def __init__(self, in_res, dim, out_dim):
        super().__init__()
        self.in_res = in_res
        # MobileSAM quirk: no spatial downsampling into the last stage (keeps 64x64).
        # The official code keys this on out_dim in (320, 448, 576).
        stride = 1 if out_dim in (320, 448, 576) else 2
        self.conv1 = Conv2d_BN(dim, out_dim)
        self.conv2 = Conv2d_BN(out_dim, out_dim, 3, stride, 1, groups=out_dim)
        self.conv3 = Conv2d_BN(out_dim, out_dim)
        self.act = nn.GELU()

    def forward(self, x):
        if x.ndim == 3:  # tokens -> NCHW
            x = x.transpose(1, 2).reshape(x.shape[0], -1, *self.in_res)
        x = self.act(self.conv1(x))
        x = self.act(self.conv2(x))
        return self.conv3(x).flatten(2).transpose(1, 2)


class ConvLayer(nn.Module):
    def __init__(self, dim, out_dim, in_res, depth, expand_ratio):
        super().__init__()
        self.blocks = nn.ModuleList(MBConv(dim, expand_ratio) for _ in range(depth))
        self.downsample = PatchMerging(in_res, dim, out_dim)

    def forward(self, x):
        for blk in self.blocks:
            x = blk(x)
        return self.downsample(x)


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)
        self.act = nn.GELU()

    def forward(self, x):
        return self.fc2(self.act(self.fc1(self.norm(x))))


class WindowAttention(nn.Module):
    """Pre-norm MHSA inside a ws x ws window with a learned relative-position bias."""

    def __init__(self, dim, num_heads, ws):
        super().__init__()
        self.num_heads, self.hd = num_heads, dim // num_heads
        self.norm = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        # Bias table is indexed by (|dy|, |dx|) in order of first appearance when scanning
        # point pairs row-major; that order works out to idx = |dy| * ws + |dx|.
        pts = list(itertools.product(range(ws), range(ws)))
        offsets, idxs = {}, []
        for p1 in pts:
            for p2 in pts:
                off = (abs(p1[0] - p2[0]), abs(p1[1] - p2[1]))
                idxs.append(offsets.setdefault(off, len(offsets)))
        self.attention_biases = nn.Parameter(torch.zeros(num_heads, len(offsets)))
        # not saved in the official state dict (persistent=False)
        self.register_buffer("attention_bias_idxs",
                             torch.LongTensor(idxs).view(len(pts), len(pts)), persistent=False)

    def forward(self, x):  # (B, N, C)
        B, N, _ = x.shape
        # qkv output is laid out per head as [q_h | k_h | v_h], NOT [q | k | v]
        qkv = self.qkv(self.norm(x)).view(B, N, self.num_heads, 3 * self.hd)
        q, k, v = qkv.permute(0, 2, 1, 3).split(self.hd, dim=3)
        attn = (q @ k.transpose(-2, -1)) * self.hd ** -0.5 \
            + self.attention_biases[:, self.attention_bias_idxs]
        x = (attn.softmax(-1) @ v).transpose(1, 2).reshape(B, N, -1)
        return self.proj(x)


class TinyViTBlock(nn.Module):
    def __init__(self, dim, in_res, num_heads, ws, mlp_ratio, local_conv_size):
        super().__init__()
        self.in_res, self.ws = in_res, ws
        self.attn = WindowAttention(dim, num_heads, ws)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))
        self.local_conv = Conv2d_BN(dim, dim, local_conv_size, 1, local_conv_size // 2, groups=dim)

    def forward(self, x):  # (B, L, C)
        (H, W), ws = self.in_res, self.ws
        B, L, C = x.shape
        y = x.view(B, H, W, C)
        # Zero-pad bottom/right to a multiple of the window.  Padded tokens are NOT masked:
        # they go through the attention LayerNorm (-> its bias) and are attended to as keys.
        pb, pr = (-H) % ws, (-W) % ws
        if pb or pr:
            y = F.pad(y, (0, 0, 0, pr, 0, pb))
        Hp, Wp = H + pb, W + pr
        y = y.view(B, Hp // ws, ws, Wp // ws, ws, C).transpose(2, 3).reshape(-1, ws * ws, C)
        y = self.attn(y)
        y = y.view(B, Hp // ws, Wp // ws, ws, ws, C).transpose(2, 3).reshape(B, Hp, Wp, C)
        x = x + y[:, :H, :W].reshape(B, L, C)
        # depthwise conv + BN between attention and MLP, with no residual of its own
        x = self.local_conv(x.transpose(1, 2).reshape(B, C, H, W)).flatten(2).transpose(1, 2)
        return x + self.mlp(x)


class BasicLayer(nn.Module):
    def __init__(self, dim, out_dim, in_res, depth, num_heads, ws, mlp_ratio, local_conv_size,
                 downsample):
        super().__init__()
        self.blocks = nn.ModuleList(
            TinyViTBlock(dim, in_res, num_heads, ws, mlp_ratio, local_conv_size)
            for _ in range(depth))
        self.downsample = PatchMerging(in_res, dim, out_dim) if downsample else None

    def forward(self, x):
        for blk in self.blocks:
            x = blk(x)
        return self.downsample(x) if self.downsample is not None else x


class TinyViT(nn.Module):
    def __init__(self, img_size=IMG_SIZE, in_chans=3, num_classes=1000, embed_dims=(), depths=(),
                 num_heads=(), window_sizes=(), mlp_ratio=4.0, mbconv_expand_ratio=4.0,
                 local_conv_size=3):
        super().__init__()
        self.img_size = img_size
        dims = embed_dims
        self.patch_embed = PatchEmbed(in_chans, dims[0])
        r = img_size // 4
        # Stage input resolutions: 256, 128, 64, 64 (quirk: stage 3 is not downsampled,
        # the official code uses 2**(i-1) for i == 3).
        res = [(r >> (i - 1 if i == 3 else i),) * 2 for i in range(4)]
        self.layers = nn.ModuleList()
        for i in range(4):
            out_dim = dims[min(i + 1, 3)]
            if i == 0:
                self.layers.append(ConvLayer(dims[0], out_dim, res[0], depths[0], mbconv_expand_ratio))
            else:
                self.layers.append(BasicLayer(dims[i], out_dim, res[i], depths[i], num_heads[i],
                                              window_sizes[i], mlp_ratio, local_conv_size,
                                              downsample=i < 3))
        # Classifier head left over from TinyViT: unused, but present in mobile_sam.pt.
        self.norm_head = nn.LayerNorm(dims[-1])
        self.head = nn.Linear(dims[-1], num_classes)
        self.neck = nn.Sequential(nn.Conv2d(dims[-1], PROMPT_DIM, 1, bias=False),
                                  LayerNorm2d(PROMPT_DIM),
                                  nn.Conv2d(PROMPT_DIM, PROMPT_DIM, 3, padding=1, bias=False),
                                  LayerNorm2d(PROMPT_DIM))

    def forward_stages(self, x):
        """Returns every stage output: patch_embed (NCHW), layers.0-3 (tokens B,L,C), neck."""
        out = {"patch_embed": self.patch_embed(x)}
        x = out["patch_embed"]
        for i, layer in enumerate(self.layers):
            x = out[f"layer{i}"] = layer(x)
        B, L, C = x.shape
        s = int(math.isqrt(L))
        out["neck"] = self.neck(x.transpose(1, 2).reshape(B, C, s, s))
        return out

    def forward(self, x):
        return self.forward_stages(x)["neck"]


# ----------------------------------------------------------------------------- prompt encoder
class PositionEmbeddingRandom(nn.Module):
    def __init__(self, num_pos_feats=128):
        super().__init__()
        self.register_buffer("positional_encoding_gaussian_matrix", torch.randn(2, num_pos_feats))

    def _pe_encoding(self, coords):  # coords in [0,1], (..., 2) as (x, y)
        c = (2 * coords - 1) @ self.positional_encoding_gaussian_matrix
        c = 2 * np.pi * c
        return torch.cat([torch.sin(c), torch.cos(c)], dim=-1)

    def forward(self, size):
        h, w = size
        grid = torch.ones(h, w)
        y = (grid.cumsum(0) - 0.5) / h
        x = (grid.cumsum(1) - 0.5) / w
        return self._pe_encoding(torch.stack([x, y], -1)).permute(2, 0, 1)  # C x H x W

    def forward_with_coords(self, coords, image_size):
        c = coords.clone().float()
        c[..., 0] = c[..., 0] / image_size[1]
        c[..., 1] = c[..., 1] / image_size[0]
        return self._pe_encoding(c)


class PromptEncoder(nn.Module):
    def __init__(self, embed_dim=PROMPT_DIM, embed_size=(EMBED_SIZE, EMBED_SIZE),
                 input_size=(IMG_SIZE, IMG_SIZE), mask_in_chans=16):
        super().__init__()
        self.embed_dim, self.embed_size, self.input_size = embed_dim, embed_size, input_size
        self.pe_layer = PositionEmbeddingRandom(embed_dim // 2)
        # 0: negative point, 1: positive point, 2: box top-left, 3: box bottom-right
        self.point_embeddings = nn.ModuleList(nn.Embedding(1, embed_dim) for _ in range(4))
        self.not_a_point_embed = nn.Embedding(1, embed_dim)
        self.mask_downscaling = nn.Sequential(
            nn.Conv2d(1, mask_in_chans // 4, 2, 2), LayerNorm2d(mask_in_chans // 4), nn.GELU(),
            nn.Conv2d(mask_in_chans // 4, mask_in_chans, 2, 2), LayerNorm2d(mask_in_chans),
            nn.GELU(), nn.Conv2d(mask_in_chans, embed_dim, 1))
        self.no_mask_embed = nn.Embedding(1, embed_dim)

    def get_dense_pe(self):
        return self.pe_layer(self.embed_size).unsqueeze(0)

    def _embed_points(self, points, labels, pad):
        points = points + 0.5  # pixel centre
        if pad:  # padding point (0,0) label -1 is appended AFTER the +0.5 shift
            points = torch.cat([points, torch.zeros(points.shape[0], 1, 2)], 1)
            labels = torch.cat([labels, -torch.ones(labels.shape[0], 1, dtype=labels.dtype)], 1)
        emb = self.pe_layer.forward_with_coords(points, self.input_size)
        emb[labels == -1] = 0.0
        emb[labels == -1] += self.not_a_point_embed.weight
        emb[labels == 0] += self.point_embeddings[0].weight
        emb[labels == 1] += self.point_embeddings[1].weight
        return emb

    def _embed_boxes(self, boxes):
        corners = self.pe_layer.forward_with_coords((boxes + 0.5).reshape(-1, 2, 2), self.input_size)
        corners[:, 0, :] += self.point_embeddings[2].weight
        corners[:, 1, :] += self.point_embeddings[3].weight
        return corners

    def forward(self, points, boxes, masks):
        bs = (points[0].shape[0] if points is not None else
              boxes.shape[0] if boxes is not None else
              masks.shape[0] if masks is not None else 1)
        sparse = torch.empty(bs, 0, self.embed_dim)
        if points is not None:
            sparse = torch.cat([sparse, self._embed_points(*points, pad=boxes is None)], 1)
        if boxes is not None:
            sparse = torch.cat([sparse, self._embed_boxes(boxes)], 1)
        if masks is not None:
            dense = self.mask_downscaling(masks)
        else:
            dense = self.no_mask_embed.weight.reshape(1, -1, 1, 1).expand(bs, -1, *self.embed_size)
        return sparse, dense


# ----------------------------------------------------------------------------- mask decoder
class MLPBlock(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.lin1 = nn.Linear(dim, hidden)
        self.lin2 = nn.Linear(hidden, dim)
        self.act = nn.ReLU()

    def forward(self, x):
        return self.lin2(self.act(self.lin1(x)))


class Attention(nn.Module):
    """Multi-head attention whose internal width is dim // downsample_rate."""

    def __init__(self, dim, num_heads, downsample_rate=1):
        super().__init__()
        inner = dim // downsample_rate
        self.num_heads = num_heads
        self.q_proj = nn.Linear(dim, inner)
        self.k_proj = nn.Linear(dim, inner)
        self.v_proj = nn.Linear(dim, inner)
        self.out_proj = nn.Linear(inner, dim)

    def _heads(self, x):
        b, n, c = x.shape
        return x.reshape(b, n, self.num_heads, c // self.num_heads).transpose(1, 2)

    def forward(self, q, k, v):
        q, k, v = self._heads(self.q_proj(q)), self._heads(self.k_proj(k)), self._heads(self.v_proj(v))
        attn = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]), dim=-1)
        out = (attn @ v).transpose(1, 2)
        return self.out_proj(out.reshape(out.shape[0], out.shape[1], -1))


class TwoWayAttentionBlock(nn.Module):
    def __init__(self, dim, num_heads, mlp_dim, downsample_rate, skip_first_layer_pe):
        super().__init__()
        self.self_attn = Attention(dim, num_heads)
        self.norm1 = nn.LayerNorm(dim)
        self.cross_attn_token_to_image = Attention(dim, num_heads, downsample_rate)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = MLPBlock(dim, mlp_dim)
        self.norm3 = nn.LayerNorm(dim)
        self.norm4 = nn.LayerNorm(dim)
        self.cross_attn_image_to_token = Attention(dim, num_heads, downsample_rate)
        self.skip_first_layer_pe = skip_first_layer_pe

    def forward(self, queries, keys, query_pe, key_pe):
        if self.skip_first_layer_pe:  # first block: no PE and NO residual around self-attn
            queries = self.self_attn(queries, queries, queries)
        else:
            q = queries + query_pe
            queries = queries + self.self_attn(q, q, queries)
        queries = self.norm1(queries)
        q, k = queries + query_pe, keys + key_pe
        queries = self.norm2(queries + self.cross_attn_token_to_image(q, k, keys))
        queries = self.norm3(queries + self.mlp(queries))
        q = queries + query_pe
        keys = self.norm4(keys + self.cross_attn_image_to_token(k, q, queries))
        return queries, keys


class TwoWayTransformer(nn.Module):
    def __init__(self, depth=2, dim=PROMPT_DIM, num_heads=8, mlp_dim=2048, downsample_rate=2):
        super().__init__()
        self.layers = nn.ModuleList(
            TwoWayAttentionBlock(dim, num_heads, mlp_dim, downsample_rate, i == 0)
            for i in range(depth))
        self.final_attn_token_to_image = Attention(dim, num_heads, downsample_rate)
        self.norm_final_attn = nn.LayerNorm(dim)

    def forward(self, image_embedding, image_pe, point_embedding):
        keys = image_embedding.flatten(2).permute(0, 2, 1)
        key_pe = image_pe.flatten(2).permute(0, 2, 1)
        queries = point_embedding
        for layer in self.layers:
            queries, keys = layer(queries, keys, point_embedding, key_pe)
        q, k = queries + point_embedding, keys + key_pe
        queries = self.norm_final_attn(queries + self.final_attn_token_to_image(q, k, keys))
        return queries, keys


class MLP(nn.Module):
    def __init__(self, din, hidden, dout, num_layers):
        super().__init__()
        dims = [din] + [hidden] * (num_layers - 1) + [dout]
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims[:-1], dims[1:]))

    def forward(self, x):
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < len(self.layers) - 1:
                x = F.relu(x)
        return x


class MaskDecoder(nn.Module):
    def __init__(self, dim=PROMPT_DIM, num_multimask_outputs=3, iou_head_depth=3,
                 iou_head_hidden_dim=256):
        super().__init__()
        self.transformer = TwoWayTransformer()
        self.num_mask_tokens = num_multimask_outputs + 1
        self.iou_token = nn.Embedding(1, dim)
        self.mask_tokens = nn.Embedding(self.num_mask_tokens, dim)
        self.output_upscaling = nn.Sequential(
            nn.ConvTranspose2d(dim, dim // 4, 2, 2), LayerNorm2d(dim // 4), nn.GELU(),
            nn.ConvTranspose2d(dim // 4, dim // 8, 2, 2), nn.GELU())
        self.output_hypernetworks_mlps = nn.ModuleList(
            MLP(dim, dim, dim // 8, 3) for _ in range(self.num_mask_tokens))
        self.iou_prediction_head = MLP(dim, iou_head_hidden_dim, self.num_mask_tokens, iou_head_depth)

    def predict_masks(self, image_embeddings, image_pe, sparse, dense):
        out_tokens = torch.cat([self.iou_token.weight, self.mask_tokens.weight], 0)
        tokens = torch.cat([out_tokens.unsqueeze(0).expand(sparse.shape[0], -1, -1), sparse], 1)
        src = torch.repeat_interleave(image_embeddings, tokens.shape[0], 0) + dense
        pos = torch.repeat_interleave(image_pe, tokens.shape[0], 0)
        b, c, h, w = src.shape
        hs, src = self.transformer(src, pos, tokens)
        up = self.output_upscaling(src.transpose(1, 2).reshape(b, c, h, w))
        hyper = torch.stack([mlp(hs[:, 1 + i]) for i, mlp in
                             enumerate(self.output_hypernetworks_mlps)], 1)
        b, c, h, w = up.shape
        masks = (hyper @ up.view(b, c, h * w)).view(b, -1, h, w)
        return masks, self.iou_prediction_head(hs[:, 0])

    def forward(self, image_embeddings, image_pe, sparse, dense, multimask_output):
        masks, iou = self.predict_masks(image_embeddings, image_pe, sparse, dense)
        sl = slice(1, None) if multimask_output else slice(0, 1)
        return masks[:, sl], iou[:, sl]


# ----------------------------------------------------------------------------- Sam
class Sam(nn.Module):
    def __init__(self):
        super().__init__()
        self.image_encoder = TinyViT(**TINYVIT_CFG)
        self.prompt_encoder = PromptEncoder()
        self.mask_decoder = MaskDecoder()
        # non-persistent, as in the official code: not part of mobile_sam.pt
        self.register_buffer("pixel_mean", torch.tensor(PIXEL_MEAN).view(-1, 1, 1), False)
        self.register_buffer("pixel_std", torch.tensor(PIXEL_STD).view(-1, 1, 1), False)

    def preprocess(self, x):
        """Normalise, then zero-pad bottom/right to 1024x1024 (padding is 0 AFTER normalising)."""
        x = (x - self.pixel_mean) / self.pixel_std
        h, w = x.shape[-2:]
        return F.pad(x, (0, IMG_SIZE - w, 0, IMG_SIZE - h))

    def postprocess_masks(self, masks, input_size, original_size):
        masks = F.interpolate(masks, (IMG_SIZE, IMG_SIZE), mode="bilinear", align_corners=False)
        masks = masks[..., :input_size[0], :input_size[1]]
        return F.interpolate(masks, original_size, mode="bilinear", align_corners=False)


def build_mobile_sam(checkpoint=None):
    model = Sam()
    if checkpoint is not None:
        model.load_state_dict(torch.load(checkpoint, map_location="cpu"), strict=True)
    return model.eval()


@torch.no_grad()
def build_random_mobile_sam(seed=0):
    """Random MobileSAM that exercises every path with activations in a sane range.

    Starting from PyTorch's default init (conv/linear kaiming-uniform, embeddings and the PE
    gaussian matrix N(0,1)) we randomise everything that defaults to a constant, so that
    no term silently vanishes in a parity test:
      * BatchNorm: weight 1+0.2N, bias 0.2N, running_mean 0.2N, running_var U(0.5,2),
        num_batches_tracked = 1000 (includes MBConv.conv3 whose official init weight is 0).
      * LayerNorm / LayerNorm2d: weight 1+0.2N, bias 0.2N.
      * TinyViT attention_biases: 0.5N.
      * conv/linear biases already random from the default init.
    """
    torch.manual_seed(seed)
    model = Sam()
    g = torch.Generator().manual_seed(seed + 1)

    def rn(t, scale, base=0.0):
        t.copy_(base + scale * torch.randn(t.shape, generator=g))

    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            rn(m.weight, 0.2, 1.0)
            rn(m.bias, 0.2)
            rn(m.running_mean, 0.2)
            m.running_var.copy_(0.5 + 1.5 * torch.rand(m.running_var.shape, generator=g))
            m.num_batches_tracked.fill_(1000)
        elif isinstance(m, (nn.LayerNorm, LayerNorm2d)):
            rn(m.weight, 0.2, 1.0)
            rn(m.bias, 0.2)
        elif isinstance(m, WindowAttention):
            rn(m.attention_biases, 0.5)
    return model.eval()


# ----------------------------------------------------------------------------- predictor
def get_preprocess_shape(h, w, long_side=IMG_SIZE):
    scale = long_side * 1.0 / max(h, w)
    return int(h * scale + 0.5), int(w * scale + 0.5)


def resize_longest_side(image, long_side=IMG_SIZE):
    """uint8 HxWx3 -> uint8, exactly torchvision resize(to_pil_image(img), (h, w)) == PIL BILINEAR
    (PIL's resampling filter is widened when downscaling, i.e. it antialiases)."""
    h, w = get_preprocess_shape(*image.shape[:2], long_side)
    bilinear = getattr(Image, "Resampling", Image).BILINEAR
    return np.array(Image.fromarray(image).resize((w, h), bilinear))


def apply_coords(coords, original_size, long_side=IMG_SIZE):
    """(..., 2) xy in original pixels -> resized-input pixels; computed in float64."""
    oh, ow = original_size
    nh, nw = get_preprocess_shape(oh, ow, long_side)
    coords = np.array(coords, dtype=np.float64)
    coords[..., 0] *= nw / ow
    coords[..., 1] *= nh / oh
    return coords


class SamPredictor:
    def __init__(self, model):
        self.model = model
        self.features = None

    @torch.no_grad()
    def set_image(self, image, image_format="RGB"):
        if image_format == "BGR":
            image = image[..., ::-1]
        self.original_size = image.shape[:2]
        self.input_image = resize_longest_side(np.ascontiguousarray(image))
        self.input_size = self.input_image.shape[:2]
        x = torch.as_tensor(self.input_image).permute(2, 0, 1)[None].float()
        self.input_tensor = self.model.preprocess(x)
        self.stages = self.model.image_encoder.forward_stages(self.input_tensor)
        self.features = self.stages["neck"]

    def predict(self, point_coords=None, point_labels=None, box=None, mask_input=None,
                multimask_output=True, return_logits=False):
        """Single prompt set (numpy in, numpy out) as SamPredictor.predict."""
        coords = labels = boxes = masks = None
        if point_coords is not None:
            coords = torch.as_tensor(apply_coords(point_coords, self.original_size),
                                     dtype=torch.float)[None]
            labels = torch.as_tensor(point_labels, dtype=torch.int)[None]
        if box is not None:
            b = apply_coords(np.asarray(box).reshape(-1, 2, 2), self.original_size).reshape(-1, 4)
            boxes = torch.as_tensor(b, dtype=torch.float)
        if mask_input is not None:
            masks = torch.as_tensor(mask_input, dtype=torch.float)[None]
        out = self.predict_torch(coords, labels, boxes, masks, multimask_output, return_logits)
        return tuple(t[0].numpy() for t in out[:3])

    @torch.no_grad()
    def predict_torch(self, point_coords, point_labels, boxes=None, mask_input=None,
                      multimask_output=True, return_logits=False):
        """Batched prompts already in resized-input coordinates (BxNx2, BxN, Bx4, Bx1x256x256).
        Returns masks, iou_predictions, low_res_logits, sparse, dense."""
        points = (point_coords, point_labels) if point_coords is not None else None
        pe = self.model.prompt_encoder
        sparse, dense = pe(points, boxes, mask_input)
        low_res, iou = self.model.mask_decoder(self.features, pe.get_dense_pe(), sparse, dense,
                                               multimask_output)
        masks = self.model.postprocess_masks(low_res, self.input_size, self.original_size)
        if not return_logits:
            masks = masks > MASK_THRESHOLD
        return masks, iou, low_res, sparse, dense
