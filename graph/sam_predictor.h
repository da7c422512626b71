// SamPredictor's contract in C++: set an image once (the encoder runs and the embedding is cached), then
// prompt it any number of times. Pre- and post-processing follow the official predictor exactly: resize
// the longest side to 1024 with PIL's bilinear filter, normalise, pad bottom/right; upscale the low-res
// logits to 1024, crop the padding away, resize to the original size, threshold at 0.
#pragma once

#include <array>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "engine/memory.h"
#include "engine/tensor.h"
#include "graph/sam_mask_decoder.h"
#include "graph/sam_prompt_encoder.h"
#include "graph/tiny_vit.h"

namespace lsam::graph {

// A prompt in original-image pixel coordinates.
struct Prompt {
  std::vector<std::array<float, 2>> points;  // x, y
  std::vector<int> labels;                   // 1 foreground, 0 background
  std::optional<std::array<float, 4>> box;   // x0, y0, x1, y1
  Tensor mask_input;                         // optional low-res logits [256, 256] from an earlier prediction
  bool multimask = false;
};

struct Prediction {
  Tensor masks;           // u8 [n, H, W]: 1 inside the object
  Tensor iou;             // f32 [n]
  Tensor low_res_logits;  // f32 [n, 256, 256]
};

struct SamTimings {
  double encode_ms = 0, decode_ms = 0;
};

class MobileSam {
 public:
  explicit MobileSam(const WeightStore& w);

  const TinyViT& encoder() const { return encoder_; }
  const SamPromptEncoder& prompt_encoder() const { return prompt_encoder_; }
  const SamMaskDecoder& mask_decoder() const { return mask_decoder_; }
  const std::array<float, 3>& pixel_mean() const { return pixel_mean_; }
  const std::array<float, 3>& pixel_std() const { return pixel_std_; }
  int64_t image_size() const { return encoder_.config().image_size; }

 private:
  TinyViT encoder_;
  SamPromptEncoder prompt_encoder_;
  SamMaskDecoder mask_decoder_;
  std::array<float, 3> pixel_mean_{}, pixel_std_{};
};

class SamPredictor {
 public:
  explicit SamPredictor(std::shared_ptr<const MobileSam> model);

  // rgb: interleaved 8-bit RGB, row-major [height, width, 3].
  void set_image(const uint8_t* rgb, int64_t height, int64_t width);
  bool has_image() const { return embedding_.defined(); }

  // With masks = false only the IoU scores and low-res logits are computed (Prediction::masks stays
  // undefined): enough to rank candidates or to feed a later prompt's mask_input.
  Prediction predict(const Prompt& prompt, bool masks = true) const;
  // Prompts with the same structure (point count, box, mask, multimask) share one decoder call.
  std::vector<Prediction> predict_batch(const std::vector<Prompt>& prompts, bool masks = true) const;

  // The cached embedding with the image geometry, to prompt later without the encoder.
  void save_embedding(const std::string& path) const;
  void load_embedding(const std::string& path);

  const Tensor& embedding() const { return embedding_; }  // NHWC [1, 64, 64, 256]
  const SamTimings& timings() const { return timings_; }
  // Bytes of the planned activation arenas (0 until a pass has been recorded).
  size_t encoder_arena_bytes() const { return encoder_arena_.planned_bytes(); }
  size_t decoder_arena_bytes() const;
  int64_t original_height() const { return orig_h_; }
  int64_t original_width() const { return orig_w_; }
  int64_t input_height() const { return input_h_; }
  int64_t input_width() const { return input_w_; }

  // Steps of the pipeline, public for parity tests.
  Tensor preprocess(const uint8_t* rgb, int64_t height, int64_t width) const;  // NHWC [1, 1024, 1024, 3]
  graph::SamPrompt to_model_frame(const Prompt& p) const;
  Tensor postprocess(const Tensor& low_res_logits) const;  // [n, 256, 256] -> u8 [n, H, W]

 private:
  // Prompts that share a decoder call: points, box, mask input, multimask.
  using PromptStructure = std::tuple<size_t, bool, bool, bool>;
  // A decoder pass's allocations depend on the prompt structure and the batch size.
  using DecoderShape = std::pair<PromptStructure, int64_t>;

  void check_prompt(const Prompt& p) const;
  // One batched decoder call for prompts[members], all of the given structure, into results[members].
  void decode(const std::vector<Prompt>& prompts, const PromptStructure& structure, std::span<const size_t> members,
              bool masks, std::vector<Prediction>& results) const;

  const SamImageCache& image_cache() const;

  std::shared_ptr<const MobileSam> model_;
  Tensor embedding_;
  mutable std::optional<SamImageCache> image_cache_;  // built on the first mask-free prompt of an image
  int64_t orig_h_ = 0, orig_w_ = 0, input_h_ = 0, input_w_ = 0;
  // One arena per decoder shape, so that alternating single and batched prompts both replay a plan.
  mutable Arena encoder_arena_;
  mutable std::map<DecoderShape, Arena> decoder_arenas_;
  mutable SamTimings timings_;
};

// The official ResizeLongestSide target: longest side = target, the other rounded half up.
std::array<int64_t, 2> resize_longest_side(int64_t height, int64_t width, int64_t target);

}  // namespace lsam::graph
