#include "engine/profiler.h"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <stdexcept>

namespace lsam::profiler {

bool g_enabled = false;

namespace {

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct State {
  std::mutex mutex;
  std::vector<Record> records;
  int64_t origin_ns = now_ns();
};

State& state() {
  static State s;
  return s;
}

thread_local int t_depth = 0;

}  // namespace

void set_enabled(bool on) {
  if (on && !g_enabled) state().origin_ns = now_ns();
  g_enabled = on;
}

void Scope::begin(const char* op, double flops, double bytes) {
  if (omp_in_parallel() || t_depth++ > 0) {
    if (!omp_in_parallel()) active_ = true;  // keeps the depth balanced without recording
    return;
  }
  active_ = true;
  op_ = op;
  flops_ = flops;
  bytes_ = bytes;
  start_ns_ = now_ns();
}

void Scope::end() {
  --t_depth;
  if (!op_) return;
  const int64_t stop = now_ns();
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  s.records.push_back({op_, (start_ns_ - s.origin_ns) * 1e-3, (stop - start_ns_) * 1e-3, flops_, bytes_});
}

std::vector<Record> records() {
  std::lock_guard<std::mutex> lock(state().mutex);
  return state().records;
}

void clear() {
  std::lock_guard<std::mutex> lock(state().mutex);
  state().records.clear();
  state().origin_ns = now_ns();
}

std::vector<OpSummary> summarize() { return summarize(records()); }

std::vector<OpSummary> summarize(const std::vector<Record>& records) {
  std::map<std::string, OpSummary> by_op;
  for (const Record& r : records) {
    OpSummary& s = by_op[r.op];
    s.op = r.op;
    s.calls++;
    s.total_ms += r.duration_us * 1e-3;
    s.flops += r.flops;
    s.bytes += r.bytes;
  }
  std::vector<OpSummary> out;
  for (auto& [name, s] : by_op) out.push_back(s);
  std::sort(out.begin(), out.end(), [](const OpSummary& a, const OpSummary& b) { return a.total_ms > b.total_ms; });
  return out;
}

std::string report(double peak_gflops) { return report(records(), peak_gflops); }

std::string report(const std::vector<Record>& records, double peak_gflops) {
  const std::vector<OpSummary> ops = summarize(records);
  double total_ms = 0, total_flops = 0;
  for (const OpSummary& s : ops) total_ms += s.total_ms, total_flops += s.flops;
  std::string out;
  char line[256];
  std::snprintf(line, sizeof line, "%-22s %7s %10s %7s %9s %7s %9s\n", "op", "calls", "ms", "time%", "GFLOP/s",
                "peak%", "GB/s");
  out += line;
  auto row = [&](const std::string& name, int64_t calls, double ms, double flops, double bytes) {
    const double gf = ms > 0 ? flops / (ms * 1e6) : 0;
    const double gb = ms > 0 ? bytes / (ms * 1e6) : 0;
    char peak[16] = "-";
    if (peak_gflops > 0 && flops > 0) std::snprintf(peak, sizeof peak, "%.1f", 100.0 * gf / peak_gflops);
    std::snprintf(line, sizeof line, "%-22s %7lld %10.3f %7.1f %9.2f %7s %9.2f\n", name.c_str(),
                  static_cast<long long>(calls), ms, total_ms > 0 ? 100.0 * ms / total_ms : 0.0, gf, peak, gb);
    out += line;
  };
  int64_t calls = 0;
  double bytes = 0;
  for (const OpSummary& s : ops) {
    row(s.op, s.calls, s.total_ms, s.flops, s.bytes);
    calls += s.calls;
    bytes += s.bytes;
  }
  row("total", calls, total_ms, total_flops, bytes);
  return out;
}

std::vector<Record> fastest_calls(const std::vector<std::vector<Record>>& passes) {
  if (passes.empty()) return {};
  std::vector<Record> fastest = passes.front();
  for (const std::vector<Record>& pass : passes) {
    if (pass.size() != fastest.size())
      throw std::invalid_argument("profiler: passes made " + std::to_string(fastest.size()) + " and " +
                                  std::to_string(pass.size()) + " calls");
    for (size_t i = 0; i < pass.size(); ++i) {
      if (std::string(pass[i].op) != fastest[i].op)
        throw std::invalid_argument("profiler: call " + std::to_string(i) + " is " + pass[i].op + " in one pass and " +
                                    fastest[i].op + " in another");
      if (pass[i].duration_us < fastest[i].duration_us) fastest[i] = pass[i];
    }
  }
  return fastest;
}

void write_chrome_trace(const std::string& path) {
  std::ofstream f(path);
  if (!f) throw std::runtime_error("cannot write trace file '" + path + "'");
  f << "{\"traceEvents\":[\n";
  bool first = true;
  for (const Record& r : records()) {
    char ev[512];
    std::snprintf(ev, sizeof ev,
                  "%s{\"name\":\"%s\",\"ph\":\"X\",\"pid\":1,\"tid\":1,\"ts\":%.3f,\"dur\":%.3f,"
                  "\"args\":{\"GFLOP\":%.6f,\"MB\":%.6f}}",
                  first ? "" : ",\n", r.op, r.start_us, r.duration_us, r.flops * 1e-9, r.bytes * 1e-6);
    f << ev;
    first = false;
  }
  f << "\n],\"displayTimeUnit\":\"ms\"}\n";
}

}  // namespace lsam::profiler
