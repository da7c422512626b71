#include "engine/memory.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <numeric>
#include <stdexcept>
#include <string>

namespace lsam {
namespace {

size_t round_up(size_t n, size_t a) { return (n + a - 1) / a * a; }

class HeapAllocator final : public Allocator {
 public:
  void* allocate(size_t bytes) override { return aligned_malloc(bytes); }
  void deallocate(void* p, size_t) override { aligned_free(p); }
};

thread_local Allocator* t_current = nullptr;

}  // namespace

// Blocks of 1 MB and more are mapped from the kernel and unmapped when freed. glibc would serve them from its
// heap once a freed mapping has raised its dynamic mmap threshold (up to 32 MB), and the holes that a pass's
// mix of 1-16 MB activations leaves there stay resident: 187-201 MB of peak RSS for MobileSAM's load +
// encode + decode against 134 MB with every such block mapped. Each block starts with a 64-byte header
// holding its mapping's length (0: from aligned_alloc), which keeps the data 64-byte aligned.
constexpr size_t kMapBytes = size_t{1} << 20;
constexpr size_t kHeader = kTensorAlignment;

void* aligned_malloc(size_t bytes) {
  const size_t n = round_up(std::max<size_t>(bytes, 1), kTensorAlignment) + kHeader;
  if (n < bytes) throw std::runtime_error("out of memory allocating " + std::to_string(bytes) + " bytes");
  size_t mapped = 0;
  void* block;
  if (n >= kMapBytes) {
    mapped = round_up(n, static_cast<size_t>(sysconf(_SC_PAGESIZE)));
    block = mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (block == MAP_FAILED) block = nullptr;
  } else {
    block = std::aligned_alloc(kTensorAlignment, n);
  }
  if (!block) throw std::runtime_error("out of memory allocating " + std::to_string(bytes) + " bytes");
  std::memcpy(block, &mapped, sizeof(mapped));
  return static_cast<uint8_t*>(block) + kHeader;
}

void aligned_free(void* p) {
  if (!p) return;
  uint8_t* block = static_cast<uint8_t*>(p) - kHeader;
  size_t mapped;
  std::memcpy(&mapped, block, sizeof(mapped));
  if (mapped)
    munmap(block, mapped);
  else
    std::free(block);
}

Allocator& heap_allocator() {
  static HeapAllocator heap;
  return heap;
}

Allocator& current_allocator() { return t_current ? *t_current : heap_allocator(); }

Arena::~Arena() { aligned_free(block_); }

size_t Arena::unplanned_bytes() const {
  size_t total = 0;
  for (const Buffer& b : buffers_) total += round_up(b.bytes, kTensorAlignment);
  return total;
}

void Arena::begin_pass() {
  if (in_pass_) throw std::logic_error("Arena: nested pass");
  if (live_in_block_ > 0)
    throw std::logic_error("Arena: a tensor from the previous pass is still alive; clone() results out of the arena");
  if (recording_ || deviated_) {
    drop_plan();
    buffers_.clear();
    heap_live_.clear();  // escaped tensors from an older recording are plain heap blocks now
    recording_ = true;
  }
  if (!recording_ && !block_) block_ = static_cast<uint8_t*>(aligned_malloc(block_bytes_));
  deviated_ = false;
  in_pass_ = true;
  event_ = 0;
  next_ = 0;
  live_ = 0;
}

void Arena::end_pass() {
  in_pass_ = false;
  if (!recording_) return;
  for (auto& [ptr, index] : heap_live_)
    if (buffers_[index].last < 0) buffers_[index].last = event_;
  recording_ = false;
  plan();
}

void* Arena::allocate(size_t bytes) {
  if (!in_pass_) return heap_allocator().allocate(bytes);
  if (recording_) {
    void* p = heap_allocator().allocate(bytes);
    heap_live_.emplace_back(p, buffers_.size());
    buffers_.push_back({bytes, event_++, -1, 0});
    live_ += round_up(bytes, kTensorAlignment);
    live_peak_ = std::max(live_peak_, live_);
    return p;
  }
  if (!deviated_ && next_ < buffers_.size() && buffers_[next_].bytes == bytes) {
    ++live_in_block_;
    return block_ + buffers_[next_++].offset;
  }
  deviated_ = true;  // shapes changed: finish this pass on the heap, record afresh next time
  return heap_allocator().allocate(bytes);
}

void Arena::deallocate(void* p, size_t bytes) {
  auto* byte = static_cast<uint8_t*>(p);
  if (block_ && byte >= block_ && byte < block_ + block_bytes_) {
    --live_in_block_;
    return;
  }
  for (size_t i = heap_live_.size(); i-- > 0;) {
    if (heap_live_[i].first != p) continue;
    Buffer& b = buffers_[heap_live_[i].second];
    if (b.last < 0) {
      b.last = event_++;
      live_ -= round_up(b.bytes, kTensorAlignment);
    }
    heap_live_.erase(heap_live_.begin() + static_cast<std::ptrdiff_t>(i));
    break;
  }
  heap_allocator().deallocate(p, bytes);
}

void Arena::plan() {
  std::vector<size_t> order(buffers_.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return buffers_[a].bytes > buffers_[b].bytes; });
  std::vector<size_t> placed;  // indices, kept sorted by offset
  size_t total = 0;
  for (size_t index : order) {
    Buffer& b = buffers_[index];
    const size_t need = round_up(b.bytes, kTensorAlignment);
    size_t offset = 0;
    for (size_t other : placed) {
      const Buffer& o = buffers_[other];
      if (o.last < b.first || b.last < o.first) continue;  // lifetimes are disjoint: bytes can be shared
      if (o.offset >= offset + need) break;                // the gap below `o` fits
      offset = std::max(offset, o.offset + round_up(o.bytes, kTensorAlignment));
    }
    b.offset = offset;
    total = std::max(total, offset + need);
    placed.insert(std::upper_bound(placed.begin(), placed.end(), index,
                                   [&](size_t x, size_t y) { return buffers_[x].offset < buffers_[y].offset; }),
                  index);
  }
  block_bytes_ = total;  // the block itself is allocated when the next pass begins: a single pass never pays for it
}

void Arena::drop_plan() {
  aligned_free(block_);
  block_ = nullptr;
  block_bytes_ = 0;
}

ArenaScope::ArenaScope(Arena& arena) : arena_(arena), previous_(t_current) {
  arena_.begin_pass();
  t_current = &arena_;
}

ArenaScope::~ArenaScope() {
  t_current = previous_;
  arena_.end_pass();
}

}  // namespace lsam
