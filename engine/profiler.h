// Per-op profiler: wall time, FLOPs and bytes moved for each kernel call.
// Off by default; when off a scope costs one predictable branch. Only the outermost scope on the
// calling thread records (a conv that runs a GEMM is one "conv" record), and scopes opened inside an
// OpenMP parallel region are ignored, so totals never double count.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lsam::profiler {

extern bool g_enabled;
inline bool enabled() { return g_enabled; }
void set_enabled(bool on);

struct Record {
  const char* op;      // static string: kernel family, e.g. "gemm", "attention"
  double start_us;     // since the profiler was enabled
  double duration_us;
  double flops;
  double bytes;
};

class Scope {
 public:
  Scope(const char* op, double flops, double bytes) {
    if (enabled()) begin(op, flops, bytes);
  }
  ~Scope() {
    if (active_) end();
  }
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

 private:
  void begin(const char* op, double flops, double bytes);
  void end();
  bool active_ = false;
  const char* op_ = nullptr;
  double flops_ = 0, bytes_ = 0;
  int64_t start_ns_ = 0;
};

std::vector<Record> records();
void clear();

struct OpSummary {
  std::string op;
  int64_t calls = 0;
  double total_ms = 0, flops = 0, bytes = 0;
  double gflops() const { return total_ms > 0 ? flops / (total_ms * 1e6) : 0; }
  double gbytes_per_s() const { return total_ms > 0 ? bytes / (total_ms * 1e6) : 0; }
};

// Ops sorted by total time, descending: of the recorded calls, or of any list of records.
std::vector<OpSummary> summarize();
std::vector<OpSummary> summarize(const std::vector<Record>& records);

// Human-readable table: op, calls, ms, % of time, GFLOP/s, % of `peak_gflops` (skipped when 0), GB/s.
std::string report(double peak_gflops);
std::string report(const std::vector<Record>& records, double peak_gflops);

// Call by call, the fastest of several passes that made the same calls (each element one pass's records()):
// on a shared machine, where another job can stall any call of a single pass, the least noisy account of
// where a pass's time goes. Throws std::invalid_argument when the passes' op sequences differ.
std::vector<Record> fastest_calls(const std::vector<std::vector<Record>>& passes);

// Chrome trace event format (chrome://tracing, ui.perfetto.dev).
void write_chrome_trace(const std::string& path);

}  // namespace lsam::profiler

#define LSAM_PROFILE_CAT2(a, b) a##b
#define LSAM_PROFILE_CAT(a, b) LSAM_PROFILE_CAT2(a, b)
#define LSAM_PROFILE(op, flops, bytes) \
  ::lsam::profiler::Scope LSAM_PROFILE_CAT(lsam_profile_scope_, __LINE__)((op), (flops), (bytes))
