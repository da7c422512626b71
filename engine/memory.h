// Aligned storage and the allocator hook that lets a forward pass run out of one planned arena.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace lsam {

constexpr size_t kTensorAlignment = 64;

// 64-byte aligned heap block; throws std::bad_alloc-derived error with the size on failure.
void* aligned_malloc(size_t bytes);
void aligned_free(void* p);

class Allocator {
 public:
  virtual ~Allocator() = default;
  virtual void* allocate(size_t bytes) = 0;
  virtual void deallocate(void* p, size_t bytes) = 0;
};

// Plain 64-byte aligned heap memory.
Allocator& heap_allocator();

// The allocator Tensor::empty uses on this thread; the heap unless an ArenaScope is active.
Allocator& current_allocator();

// Liveness-planned arena for a repeated computation with a fixed allocation sequence (a forward pass at
// fixed shapes). The first pass records every allocation's size and lifetime while serving it from the
// heap; plan() then packs the buffers into one block, reusing bytes of buffers whose lifetimes do not
// overlap (greedy by size, lowest fitting offset, as in TFLite's arena planner). Later passes are served
// from the block with no allocation at all. A pass whose sequence deviates from the recording falls back to
// the heap for the rest of that pass and re-records, so a wrong plan can cost speed, never correctness.
// Tensors that must outlive the pass must be copied out (Tensor::clone) before the next pass starts.
class Arena final : public Allocator {
 public:
  Arena() = default;
  ~Arena() override;
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  void begin_pass();
  void end_pass();

  void* allocate(size_t bytes) override;
  void deallocate(void* p, size_t bytes) override;

  bool planned() const { return !recording_; }
  size_t planned_bytes() const { return block_bytes_; }
  // Sum of all buffer sizes in the recorded pass: what a no-reuse allocator would need.
  size_t unplanned_bytes() const;
  // Highest sum of simultaneously live buffers seen in the recorded pass: the lower bound for the plan.
  size_t live_peak_bytes() const { return live_peak_; }

 private:
  struct Buffer {
    size_t bytes;
    int64_t first, last;  // event indices of allocation and release
    size_t offset;
  };
  void plan();
  void drop_plan();

  std::vector<Buffer> buffers_;
  std::vector<std::pair<void*, size_t>> heap_live_;  // pointer -> buffer index while recording
  int64_t event_ = 0;
  size_t next_ = 0;          // next buffer index in a replayed pass
  bool recording_ = true;
  bool in_pass_ = false;
  bool deviated_ = false;
  int64_t live_in_block_ = 0;  // block-served buffers not yet released
  size_t live_ = 0, live_peak_ = 0;
  uint8_t* block_ = nullptr;
  size_t block_bytes_ = 0;
};

// Makes `arena` the current allocator on this thread for the scope and brackets one pass.
class ArenaScope {
 public:
  explicit ArenaScope(Arena& arena);
  ~ArenaScope();
  ArenaScope(const ArenaScope&) = delete;
  ArenaScope& operator=(const ArenaScope&) = delete;

 private:
  Arena& arena_;
  Allocator* previous_;
};

}  // namespace lsam
