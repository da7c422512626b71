#include "engine/threads.h"

#include <omp.h>

#include <cstdlib>
#include <stdexcept>
#include <string>

namespace lsam {
namespace {

int initial_threads() {
  int n = omp_get_max_threads();
  if (const char* env = std::getenv("LSAM_NUM_THREADS"); env && *env) {
    char* end = nullptr;
    const long v = std::strtol(env, &end, 10);
    if (*end || v < 1 || v > 4096) throw std::runtime_error(std::string("LSAM_NUM_THREADS=") + env + ": expected an integer in 1..4096");
    n = static_cast<int>(v);
  }
  omp_set_num_threads(n);
  return n;
}

int& thread_count() {
  static int n = initial_threads();
  return n;
}

}  // namespace

int num_threads() { return thread_count(); }

void set_num_threads(int n) {
  if (n < 1) throw std::runtime_error("thread count must be >= 1");
  thread_count() = n;
  omp_set_num_threads(n);
}

int available_threads() { return omp_in_parallel() ? 1 : num_threads(); }

}  // namespace lsam
