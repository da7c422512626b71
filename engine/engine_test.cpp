#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "engine/cpu.h"
#include "engine/memory.h"
#include "engine/profiler.h"
#include "engine/tensor.h"
#include "engine/threads.h"

using namespace lsam;

TEST_CASE("tensor views share storage and keep strides honest") {
  Tensor t = Tensor::empty({2, 3, 4});
  float* p = t.data<float>();
  for (int i = 0; i < 24; ++i) p[i] = static_cast<float>(i);
  CHECK(t.is_contiguous());
  Tensor s = t.slice(1, 1, 3);
  CHECK(s.shape() == Shape{2, 2, 4});
  CHECK(!s.is_contiguous());
  CHECK(s.data<float>()[0] == 4.0f);
  Tensor c = s.contiguous();
  CHECK(c.is_contiguous());
  CHECK(c.data<float>()[8] == 16.0f);  // [1,0,0] -> 12 + 4
  Tensor pt = t.permute({2, 0, 1}).contiguous();
  CHECK(pt.shape() == Shape{4, 2, 3});
  CHECK(pt.data<float>()[1] == 4.0f);  // [0,0,1] -> t[0,1,0]
  CHECK(t.reshape({6, -1}).shape() == Shape{6, 4});
  CHECK(t.select(0, 1).data<float>()[0] == 12.0f);
  CHECK(reinterpret_cast<uintptr_t>(t.raw()) % kTensorAlignment == 0);
}

TEST_CASE("contiguous copies of strided views match element-wise indexing") {
  Tensor t = Tensor::empty({3, 4, 5, 6});
  for (int i = 0; i < 360; ++i) t.data<float>()[i] = static_cast<float>(i);
  const auto at = [&](int64_t a, int64_t b, int64_t c, int64_t d) { return t.data<float>()[((a * 4 + b) * 5 + c) * 6 + d]; };
  // Inner dims dense (runs of 5 x 6), a middle slice (runs of 6), a permute (runs of 1), a size-1 dim.
  const Tensor rows = t.slice(1, 1, 3).contiguous(), cols = t.slice(3, 2, 5).contiguous();
  const Tensor perm = t.permute({3, 0, 2, 1}).contiguous(), one = t.slice(0, 2, 3).slice(2, 1, 4).contiguous();
  bool same = true;
  for (int64_t a = 0; a < 3; ++a)
    for (int64_t b = 0; b < 4; ++b)
      for (int64_t c = 0; c < 5; ++c)
        for (int64_t d = 0; d < 6; ++d) {
          if (b >= 1 && b < 3) same &= rows.data<float>()[((a * 2 + b - 1) * 5 + c) * 6 + d] == at(a, b, c, d);
          if (d >= 2 && d < 5) same &= cols.data<float>()[((a * 4 + b) * 5 + c) * 3 + d - 2] == at(a, b, c, d);
          same &= perm.data<float>()[((d * 3 + a) * 5 + c) * 4 + b] == at(a, b, c, d);
          if (a == 2 && c >= 1 && c < 4) same &= one.data<float>()[(b * 3 + c - 1) * 6 + d] == at(a, b, c, d);
        }
  CHECK(same);
  CHECK(t.slice(1, 2, 2).permute({1, 0, 2, 3}).contiguous().numel() == 0);
}

TEST_CASE("tensor shape errors are exceptions with the shapes") {
  Tensor t = Tensor::empty({2, 3});
  CHECK_THROWS_WITH_AS(t.reshape({4, 2}), "cannot reshape f32[2, 3] to [4, 2]", std::invalid_argument);
  CHECK_THROWS_AS(t.slice(0, 1, 5), std::invalid_argument);
  CHECK_THROWS_AS(t.data<int8_t>(), std::invalid_argument);
  CHECK_THROWS_AS(t.expect({3, 2}, DType::f32, "x"), std::invalid_argument);
  CHECK_THROWS_AS(Tensor::empty({int64_t{1} << 30, int64_t{1} << 30, 4}), std::invalid_argument);
  CHECK_THROWS_AS(t.permute({0, 0}), std::invalid_argument);
  CHECK_THROWS_AS(Tensor::empty({0, int64_t{1} << 40, int64_t{1} << 40}), std::invalid_argument);  // empty, yet its strides overflow
}

TEST_CASE("f16 conversion round-trips every half exactly") {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    const float f = f16_to_f32(static_cast<uint16_t>(h));
    if (std::isnan(f)) continue;
    REQUIRE(f32_to_f16(f) == h);
  }
  CHECK(f16_to_f32(0x3c00) == 1.0f);
  CHECK(f32_to_f16(65520.0f) == 0x7c00);               // rounds to infinity
  CHECK(f32_to_f16(1.0f + 1.0f / 2048) == 0x3c00);     // tie to even
  CHECK(f32_to_f16(1.0f + 3.0f / 2048) == 0x3c02);     // tie to even, upwards
}

namespace {
// A chain a -> b -> c -> d where each buffer dies once its successor exists: two slots suffice.
size_t run_chain(Arena& arena, std::vector<void*>* pointers) {
  ArenaScope scope(arena);
  Tensor a = Tensor::empty({1000});
  Tensor b = Tensor::empty({1000});
  if (pointers) pointers->push_back(a.raw());
  a = Tensor();
  Tensor c = Tensor::empty({1000});
  if (pointers) pointers->push_back(c.raw());
  b = Tensor();
  Tensor d = Tensor::empty({1000});
  return static_cast<size_t>(d.numel());
}
}  // namespace

// Small blocks come from the C heap, 1 MB and more from their own mappings: both 64-byte aligned, writable to
// the last byte requested, and freed by aligned_free (null included).
TEST_CASE("aligned_malloc: heap and mapped blocks are aligned, usable and freed") {
  for (size_t bytes : {size_t{0}, size_t{1}, size_t{100}, size_t{(1 << 20) - 64}, size_t{1} << 20, size_t{5 << 20}}) {
    auto* p = static_cast<uint8_t*>(aligned_malloc(bytes));
    CHECK(reinterpret_cast<uintptr_t>(p) % kTensorAlignment == 0);
    std::memset(p, 0xab, bytes);
    if (bytes) CHECK(p[bytes - 1] == 0xab);
    aligned_free(p);
  }
  aligned_free(nullptr);
  CHECK_THROWS(aligned_malloc(~size_t{0} - 8));
  // A freed mapping serves the next block that fits it (up to half its size), without a new mapping's faults.
  void* first = aligned_malloc(size_t{37} << 20);
  aligned_free(first);
  void* second = aligned_malloc(size_t{36} << 20);
  CHECK(second == first);
  aligned_free(second);
}

TEST_CASE("arena reuses bytes of buffers whose lifetimes do not overlap") {
  Arena arena;
  run_chain(arena, nullptr);
  REQUIRE(arena.planned());
  CHECK(arena.unplanned_bytes() == 4032 * 4);
  CHECK(arena.planned_bytes() == arena.live_peak_bytes());  // this pattern packs perfectly
  CHECK(arena.planned_bytes() < arena.unplanned_bytes());
  std::vector<void*> p;
  run_chain(arena, &p);
  CHECK(p[0] == p[1]);  // c took a's bytes
}

TEST_CASE("arena refuses to let a result escape into the next pass") {
  Arena arena;
  Tensor kept;
  {
    ArenaScope scope(arena);
    kept = Tensor::empty({16});
  }
  { ArenaScope scope(arena); Tensor t = Tensor::empty({16}); }  // second pass replays; kept was heap-served
  Tensor escaped;
  {
    ArenaScope scope(arena);
    escaped = Tensor::empty({16});
  }
  CHECK_THROWS_AS(ArenaScope{arena}, std::logic_error);
  escaped = Tensor();
  ArenaScope ok(arena);
}

TEST_CASE("arena falls back to the heap when the allocation sequence changes") {
  Arena arena;
  { ArenaScope s(arena); Tensor t = Tensor::empty({10}); }
  {
    ArenaScope s(arena);
    Tensor t = Tensor::empty({20});  // differs from the plan
    t.data<float>()[19] = 1.0f;
  }
  { ArenaScope s(arena); Tensor t = Tensor::empty({20}); }
  CHECK(arena.planned_bytes() >= 80);
}

TEST_CASE("ISA levels parse, and unsupported levels are refused") {
  CHECK(parse_isa("avx2") == Isa::avx2);
  CHECK_THROWS(parse_isa("sse9"));
  CHECK(isa_supported(Isa::scalar));
  const Isa saved = active_isa();
  set_active_isa(Isa::scalar);
  CHECK(active_isa() == Isa::scalar);
  if (!isa_supported(Isa::avx512)) CHECK_THROWS(set_active_isa(Isa::avx512));
  set_active_isa(saved);
}

TEST_CASE("split_range covers [0, n) exactly") {
  for (int parts = 1; parts < 7; ++parts) {
    int64_t next = 0;
    for (int i = 0; i < parts; ++i) {
      Range r = split_range(10, parts, i);
      CHECK(r.begin == next);
      next = r.end;
    }
    CHECK(next == 10);
  }
}

TEST_CASE("profiler records the outermost scope only") {
  profiler::clear();
  profiler::set_enabled(true);
  {
    LSAM_PROFILE("outer", 100, 10);
    LSAM_PROFILE("inner", 50, 5);
  }
  profiler::set_enabled(false);
  { LSAM_PROFILE("off", 1, 1); }
  auto s = profiler::summarize();
  REQUIRE(s.size() == 1);
  CHECK(s[0].op == "outer");
  CHECK(s[0].flops == 100);
  CHECK(profiler::report(100).find("outer") != std::string::npos);
  profiler::clear();
}

TEST_CASE("profiler: fastest_calls keeps each call's fastest pass and refuses different passes") {
  using profiler::Record;
  const std::vector<Record> a = {{"gemm", 0, 5.0, 10, 1}, {"softmax", 5, 2.0, 1, 1}};
  const std::vector<Record> b = {{"gemm", 0, 4.0, 10, 1}, {"softmax", 4, 3.0, 1, 1}};
  const std::vector<Record> fastest = profiler::fastest_calls({a, b});
  REQUIRE(fastest.size() == 2);
  CHECK(fastest[0].duration_us == 4.0);
  CHECK(fastest[1].duration_us == 2.0);
  const auto ops = profiler::summarize(fastest);
  REQUIRE(ops.size() == 2);
  CHECK(ops[0].op == "gemm");
  CHECK(ops[0].total_ms == doctest::Approx(0.004));
  CHECK(profiler::report(fastest, 0).find("softmax") != std::string::npos);
  CHECK_THROWS_AS(profiler::fastest_calls({a, {a[0]}}), std::invalid_argument);
  CHECK_THROWS_AS(profiler::fastest_calls({a, {a[1], a[0]}}), std::invalid_argument);
  CHECK(profiler::fastest_calls({}).empty());
}
