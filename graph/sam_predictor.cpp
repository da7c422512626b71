#include "graph/sam_predictor.h"

#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <stdexcept>
#include <tuple>

#include "engine/profiler.h"
#include "engine/threads.h"
#include "kernels/resize/resize.h"
#include "weights/weight_store.h"

namespace lsam::graph {
namespace {

constexpr int64_t kMaxImageSide = 1 << 15;

double elapsed_ms(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - since).count();
}

std::array<float, 3> read_rgb_buffer(const WeightStore& w, const char* name, std::array<float, 3> fallback) {
  // Sam registers pixel_mean/std as non-persistent buffers, so released checkpoints lack them.
  if (!w.contains(name)) return fallback;
  const float* v = w.get(name, {3, 1, 1}).data<float>();
  return {v[0], v[1], v[2]};
}

}  // namespace

std::array<int64_t, 2> resize_longest_side(int64_t height, int64_t width, int64_t target) {
  const double scale = static_cast<double>(target) / static_cast<double>(std::max(height, width));
  return {static_cast<int64_t>(static_cast<double>(height) * scale + 0.5),
          static_cast<int64_t>(static_cast<double>(width) * scale + 0.5)};
}

MobileSam::MobileSam(const WeightStore& w)
    : encoder_(w, "image_encoder."), prompt_encoder_(w, "prompt_encoder."), mask_decoder_(w, "mask_decoder.") {
  pixel_mean_ = read_rgb_buffer(w, "pixel_mean", {123.675f, 116.28f, 103.53f});
  pixel_std_ = read_rgb_buffer(w, "pixel_std", {58.395f, 57.12f, 57.375f});
}

SamPredictor::SamPredictor(std::shared_ptr<const MobileSam> model) : model_(std::move(model)) {}

Tensor SamPredictor::preprocess(const uint8_t* rgb, int64_t height, int64_t width) const {
  const int64_t S = model_->image_size();
  const auto [h, w] = resize_longest_side(height, width, S);
  Tensor resized = Tensor::empty({h, w, 3}, DType::u8);
  resize_u8_pil_bilinear(rgb, height, width, 3, resized.data<uint8_t>(), h, w);
  Tensor x = Tensor::zeros({1, S, S, 3});  // padding is zero after normalisation, as Sam.preprocess
  const uint8_t* src = resized.data<uint8_t>();
  float* dst = x.data<float>();
  const auto& mean = model_->pixel_mean();
  const auto& std = model_->pixel_std();
  for (int64_t y = 0; y < h; ++y)
    for (int64_t i = 0; i < w * 3; ++i) {
      const size_t c = static_cast<size_t>(i % 3);
      dst[y * S * 3 + i] = (static_cast<float>(src[y * w * 3 + i]) - mean[c]) / std[c];
    }
  return x;
}

void SamPredictor::set_image(const uint8_t* rgb, int64_t height, int64_t width) {
  if (height < 1 || width < 1 || height > kMaxImageSide || width > kMaxImageSide)
    throw std::invalid_argument("image size " + std::to_string(width) + "x" + std::to_string(height) +
                                " is outside 1.." + std::to_string(kMaxImageSide));
  const auto start = std::chrono::steady_clock::now();
  const Tensor x = preprocess(rgb, height, width);
  {
    ArenaScope scope(encoder_arena_);
    embedding_ = model_->encoder().forward(x).clone();
  }
  image_cache_.reset();
  orig_h_ = height;
  orig_w_ = width;
  const auto input = resize_longest_side(height, width, model_->image_size());
  input_h_ = input[0];
  input_w_ = input[1];
  timings_.encode_ms = elapsed_ms(start);
}

void SamPredictor::check_prompt(const Prompt& p) const {
  if (!has_image()) throw std::logic_error("predict called before set_image");
  if (p.points.size() != p.labels.size()) throw std::invalid_argument("every point needs a label");
  if (p.points.empty() && !p.box && !p.mask_input.defined())
    throw std::invalid_argument("a prompt needs at least a point, a box or a mask");
  const auto w = static_cast<float>(orig_w_), h = static_cast<float>(orig_h_);
  auto inside = [&](float x, float y) { return std::isfinite(x) && std::isfinite(y) && x >= 0 && y >= 0 && x <= w && y <= h; };
  for (size_t i = 0; i < p.points.size(); ++i) {
    if (!inside(p.points[i][0], p.points[i][1]))
      throw std::invalid_argument("point (" + std::to_string(p.points[i][0]) + ", " + std::to_string(p.points[i][1]) +
                                  ") is outside the " + std::to_string(orig_w_) + "x" + std::to_string(orig_h_) + " image");
    if (p.labels[i] != 0 && p.labels[i] != 1) throw std::invalid_argument("point labels must be 0 or 1");
  }
  if (p.box) {
    const auto& b = *p.box;
    if (!inside(b[0], b[1]) || !inside(b[2], b[3]) || b[0] > b[2] || b[1] > b[3])
      throw std::invalid_argument("box must satisfy 0 <= x0 <= x1 <= width and 0 <= y0 <= y1 <= height");
  }
  if (p.mask_input.defined()) p.mask_input.expect({256, 256}, DType::f32, "mask input");
}

SamPrompt SamPredictor::to_model_frame(const Prompt& p) const {
  // ResizeLongestSide.apply_coords: scale each axis by new/old size in double, then to float.
  const double sx = static_cast<double>(input_w_) / static_cast<double>(orig_w_);
  const double sy = static_cast<double>(input_h_) / static_cast<double>(orig_h_);
  SamPrompt m;
  for (const auto& pt : p.points)
    m.points.push_back({static_cast<float>(pt[0] * sx), static_cast<float>(pt[1] * sy)});
  m.labels = p.labels;
  if (p.box) {
    const auto& b = *p.box;
    m.has_box = true;
    m.box = {static_cast<float>(b[0] * sx), static_cast<float>(b[1] * sy), static_cast<float>(b[2] * sx),
             static_cast<float>(b[3] * sy)};
  }
  m.mask = p.mask_input;
  return m;
}

Tensor SamPredictor::postprocess(const Tensor& low_res) const {
  // Sam.postprocess_masks, then > 0: upscale to the padded model frame, crop the padding, resize to the image.
  const int64_t n = low_res.dim(0), low = low_res.dim(1), S = model_->image_size();
  Tensor masks = Tensor::empty({n, orig_h_, orig_w_}, DType::u8);
  resize_crop_resize_threshold_u8(low_res.data<float>(), n, low, low, S, S, input_h_, input_w_, masks.data<uint8_t>(),
                                  orig_h_, orig_w_);
  return masks;
}

const SamImageCache& SamPredictor::image_cache() const {
  if (!image_cache_) {  // outside any arena: it lives as long as the image
    const SamPromptEncoder& pe = model_->prompt_encoder();
    const int64_t grid = embedding_.dim(1), dim = embedding_.dim(3);
    image_cache_ = model_->mask_decoder().prepare(embedding_.reshape({grid, grid, dim}), pe.dense_pe(),
                                                  pe.dense(SamPrompt{}));
  }
  return *image_cache_;
}

Prediction SamPredictor::predict(const Prompt& prompt, bool masks) const {
  return predict_batch({prompt}, masks).front();
}

size_t SamPredictor::decoder_arena_bytes() const {
  size_t bytes = 0;
  for (const auto& [shape, arena] : decoder_arenas_) bytes += arena.planned_bytes();
  return bytes;
}

std::vector<Prediction> SamPredictor::predict_batch(const std::vector<Prompt>& prompts, bool masks) const {
  for (const Prompt& p : prompts) check_prompt(p);
  const auto start = std::chrono::steady_clock::now();
  // Group prompts whose token layouts match, so each group is one batched decoder call.
  std::map<PromptStructure, std::vector<size_t>> groups;
  for (size_t i = 0; i < prompts.size(); ++i) {
    const Prompt& p = prompts[i];
    groups[{p.points.size(), p.box.has_value(), p.mask_input.defined(), p.multimask}].push_back(i);
  }
  // Larger groups run in chunks of kChunk prompts. Each prompt carries its own 4 MB of image tokens through
  // the two-way transformer: a chunk's stay in the last-level cache from op to op, and a batch of any size
  // needs no more memory than one chunk.
  constexpr size_t kChunk = 4;
  std::vector<Prediction> results(prompts.size());
  for (const auto& [structure, group] : groups)
    for (size_t first = 0; first < group.size(); first += kChunk)
      decode(prompts, structure, std::span(group).subspan(first, std::min(kChunk, group.size() - first)), masks,
             results);
  timings_.decode_ms = elapsed_ms(start);
  return results;
}

void SamPredictor::decode(const std::vector<Prompt>& prompts, const PromptStructure& structure,
                          std::span<const size_t> members, bool masks, std::vector<Prediction>& results) const {
  const auto B = static_cast<int64_t>(members.size());
  const bool has_mask = std::get<2>(structure);
  const SamImageCache* cache = has_mask ? nullptr : &image_cache();
  const DecoderShape shape{structure, B};
  constexpr size_t kMaxArenas = 8;  // distinct shapes kept planned; beyond that, start over
  if (decoder_arenas_.size() >= kMaxArenas && !decoder_arenas_.contains(shape)) decoder_arenas_.clear();
  ArenaScope scope(decoder_arenas_[shape]);

  const SamPromptEncoder& pe = model_->prompt_encoder();
  const int64_t grid = embedding_.dim(1), dim = embedding_.dim(3);
  Tensor sparse, dense = has_mask ? Tensor::empty({B, grid, grid, dim}) : Tensor();
  for (int64_t b = 0; b < B; ++b) {
    const SamPrompt m = to_model_frame(prompts[members[static_cast<size_t>(b)]]);
    const Tensor s = pe.sparse(m);
    if (!sparse.defined()) sparse = Tensor::empty({B, s.dim(0), dim});
    std::memcpy(sparse.data<float>() + b * s.numel(), s.data<float>(), s.nbytes());
    if (has_mask) {
      const Tensor d = pe.dense(m);
      std::memcpy(dense.data<float>() + b * d.numel(), d.data<float>(), d.nbytes());
    }
  }
  const SamDecoderOutput out = model_->mask_decoder().forward(embedding_.reshape({grid, grid, dim}), pe.dense_pe(),
                                                             sparse, dense, std::get<3>(structure), cache);
  // Results leave the arena (its memory serves the next pass) as heap copies.
  const int64_t count = out.iou.dim(1), low = out.low_res_logits.dim(-1);
  for (int64_t b = 0; b < B; ++b) {
    Prediction& r = results[members[static_cast<size_t>(b)]];
    const Tensor logits = out.low_res_logits.select(0, b);
    r.low_res_logits = logits.clone();
    r.iou = out.iou.select(0, b).clone();
    if (masks) r.masks = postprocess(logits.reshape({count, low, low})).clone();
  }
}

namespace {
constexpr char kEmbeddingMagic[8] = {'L', 'S', 'A', 'M', 'E', 'M', 'B', '1'};

uint64_t fnv1a(const void* data, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; ++i) h = (h ^ static_cast<const uint8_t*>(data)[i]) * 1099511628211ull;
  return h;
}
}  // namespace

void SamPredictor::save_embedding(const std::string& path) const {
  if (!has_image()) throw std::logic_error("save_embedding called before set_image");
  std::ofstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error(path + ": cannot open for writing");
  const int64_t header[6] = {orig_h_, orig_w_, input_h_, input_w_, embedding_.dim(1), embedding_.dim(3)};
  const uint64_t sum = fnv1a(embedding_.raw(), embedding_.nbytes());
  f.write(kEmbeddingMagic, sizeof kEmbeddingMagic);
  f.write(reinterpret_cast<const char*>(header), sizeof header);
  f.write(static_cast<const char*>(embedding_.raw()), static_cast<std::streamsize>(embedding_.nbytes()));
  f.write(reinterpret_cast<const char*>(&sum), sizeof sum);
  if (!f) throw std::runtime_error(path + ": write failed");
}

void SamPredictor::load_embedding(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error(path + ": cannot open");
  char magic[8];
  int64_t header[6];
  f.read(magic, sizeof magic);
  f.read(reinterpret_cast<char*>(header), sizeof header);
  if (!f || std::memcmp(magic, kEmbeddingMagic, sizeof magic) != 0)
    throw std::runtime_error(path + ": not an lsam image embedding");
  const int64_t grid = model_->image_size() / 16, dim = model_->prompt_encoder().embed_dim();
  if (header[4] != grid || header[5] != dim)
    throw std::runtime_error(path + ": embedding is " + std::to_string(header[4]) + "x" + std::to_string(header[4]) +
                             "x" + std::to_string(header[5]) + ", this model needs " + std::to_string(grid) + "x" +
                             std::to_string(grid) + "x" + std::to_string(dim));
  for (int i = 0; i < 4; ++i)
    if (header[i] < 1 || header[i] > kMaxImageSide) throw std::runtime_error(path + ": corrupt image geometry");
  Tensor e = Tensor::empty({1, grid, grid, dim});
  uint64_t sum = 0;
  f.read(static_cast<char*>(e.raw()), static_cast<std::streamsize>(e.nbytes()));
  f.read(reinterpret_cast<char*>(&sum), sizeof sum);
  if (!f) throw std::runtime_error(path + ": truncated embedding file");
  if (sum != fnv1a(e.raw(), e.nbytes())) throw std::runtime_error(path + ": checksum mismatch");
  embedding_ = e;
  image_cache_.reset();
  orig_h_ = header[0];
  orig_w_ = header[1];
  input_h_ = header[2];
  input_w_ = header[3];
}

}  // namespace lsam::graph
