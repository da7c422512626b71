#include "engine/memory.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <numeric>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace lsam {
namespace {

size_t round_up(size_t n, size_t a) { return (n + a - 1) / a * a; }

class HeapAllocator final : public Allocator {
 public:
  void* allocate(size_t bytes) override { return aligned_malloc(bytes); }
  void deallocate(void* p, size_t) override { aligned_free(p); }
};

thread_local Allocator* t_current = nullptr;

// Blocks of 1 MB and more are mapped from the kernel, and a freed one is kept for reuse while the kept ones
// total at most 64 MB (the oldest unmapped first). glibc would serve such blocks from its heap once a freed
// mapping has raised its dynamic mmap threshold (up to 32 MB), and the holes that a pass's mix of 1-16 MB
// activations leaves there stay resident: MobileSAM's load + encode + decode peaked at 187-201 MB that way.
// Unmapping every freed block (134 MB) made the first, unplanned encode 40% slower, all of it page faults on
// fresh mappings; keeping up to 64 MB of them for blocks of up to twice their size, as a pass allocates the
// same sizes over and over, gives 164 MB and a first encode as fast as glibc's. Each block starts with a
// 64-byte header holding its mapping's length (0: from aligned_alloc), which keeps the data 64-byte aligned.
constexpr size_t kMapBytes = size_t{1} << 20;
constexpr size_t kKeptBytes = size_t{64} << 20;
constexpr size_t kHeader = kTensorAlignment;

class KeptMappings {
 public:
  // A kept mapping of at least `bytes` and at most twice that (the smallest such), or null.
  void* take(size_t bytes, size_t& length) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto best = kept_.end();
    for (auto it = kept_.begin(); it != kept_.end(); ++it)
      if (it->second >= bytes && it->second - bytes <= bytes && (best == kept_.end() || it->second < best->second))
        best = it;
    if (best == kept_.end()) return nullptr;
    void* p = best->first;
    length = best->second;
    total_ -= length;
    kept_.erase(best);
    return p;
  }
  void keep(void* p, size_t length) {
    std::lock_guard<std::mutex> lock(mutex_);
    kept_.emplace_back(p, length);
    total_ += length;
    while (total_ > kKeptBytes) {
      munmap(kept_.front().first, kept_.front().second);
      total_ -= kept_.front().second;
      kept_.erase(kept_.begin());
    }
  }

 private:
  std::mutex mutex_;
  std::vector<std::pair<void*, size_t>> kept_;  // oldest first
  size_t total_ = 0;
};

KeptMappings& kept_mappings() {
  static auto* kept = new KeptMappings;  // never destroyed: threads' scratch buffers are freed at their exit
  return *kept;
}

}  // namespace

void* aligned_malloc(size_t bytes) {
  const size_t n = round_up(std::max<size_t>(bytes, 1), kTensorAlignment) + kHeader;
  if (n < bytes) throw std::runtime_error("out of memory allocating " + std::to_string(bytes) + " bytes");
  size_t mapped = 0;
  void* block;
  if (n >= kMapBytes) {
    mapped = round_up(n, static_cast<size_t>(sysconf(_SC_PAGESIZE)));
    block = kept_mappings().take(mapped, mapped);
    if (!block) block = mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
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
    kept_mappings().keep(block, mapped);
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
