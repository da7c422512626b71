// The streamed inverted bottleneck against its three convs run one after another on whole maps: bit-identical
// at either stride, with and without the shortcut, over several images, column strips and row runs, at one
// thread and at two.
#include "graph/inverted_bottleneck.h"

#include <doctest/doctest.h>

#include <memory>

#include "graph/graph_test_util.h"
#include "kernels/conv/conv.h"

namespace lsam::graph {
namespace {

using test::random_tensor;

Conv random_conv(const Conv2dParams& p, Activation act, uint64_t& seed) {
  const Tensor w = random_tensor({p.out_channels, p.in_channels / p.groups * p.kernel_h * p.kernel_w}, seed++);
  const Tensor b = random_tensor({p.out_channels}, seed++);
  return Conv{std::make_shared<Conv2d>(p, w.data<float>(), b.data<float>(), act)};
}

}  // namespace

TEST_CASE("inverted bottleneck: streamed rows give the unfused convs' output, bit for bit") {
  uint64_t seed = 11;
  test::ThreadCountGuard guard;
  struct Case {
    int64_t n, h, w, c, hidden, out, stride;
    bool shortcut;
    Activation after;
  };
  // Hidden 256 cuts rows into strips of 64 pixels (stride 1) or 36 (stride 2): 150 columns are 3 or 5 strips,
  // the last one short.
  for (const Case& k : {Case{1, 9, 150, 16, 256, 16, 1, true, Activation::gelu},
                        Case{2, 7, 13, 8, 24, 8, 1, true, Activation::gelu}, Case{1, 11, 150, 16, 256, 24, 2, false, Activation::none},
                        Case{2, 10, 9, 5, 12, 7, 2, false, Activation::none}, Case{1, 1, 1, 3, 6, 3, 1, true, Activation::relu},
                        Case{1, 2, 3, 3, 6, 4, 2, false, Activation::none}}) {
    const Conv expand = random_conv({k.c, k.hidden, 1, 1, 1, 1, 0, 0, 1}, Activation::gelu, seed);
    const Conv depthwise =
        random_conv({k.hidden, k.hidden, 3, 3, k.stride, k.stride, 1, 1, k.hidden}, Activation::gelu, seed);
    const Conv project = random_conv({k.hidden, k.out, 1, 1, 1, 1, 0, 0, 1}, Activation::none, seed);
    const Tensor x = random_tensor({k.n, k.h, k.w, k.c}, seed++);
    Tensor want = project(depthwise(expand(x)), k.shortcut ? &x : nullptr);
    activation_inplace(want, k.after);
    for (int threads : {1, 2}) {
      set_num_threads(threads);
      const Tensor got = inverted_bottleneck(expand, depthwise, project, x, k.shortcut, k.after);
      INFO("case ", k.n, "x", k.h, "x", k.w, "x", k.c, " hidden ", k.hidden, " stride ", k.stride, ", ", threads,
           " threads");
      REQUIRE(got.shape() == want.shape());
      CHECK(test::same_bits(got, want));
    }
  }
}

TEST_CASE("inverted bottleneck: convs that do not chain are refused") {
  uint64_t seed = 1200;
  const Conv expand = random_conv({8, 16, 1, 1, 1, 1, 0, 0, 1}, Activation::gelu, seed);
  const Conv depthwise = random_conv({16, 16, 3, 3, 2, 2, 1, 1, 16}, Activation::gelu, seed);
  const Conv project = random_conv({16, 8, 1, 1, 1, 1, 0, 0, 1}, Activation::none, seed);
  const Tensor x = random_tensor({1, 6, 6, 8}, seed++);
  CHECK_THROWS_AS(inverted_bottleneck(expand, depthwise, project, x, true, Activation::none), std::invalid_argument);
  CHECK_THROWS_AS(inverted_bottleneck(project, depthwise, expand, x, false, Activation::none), std::invalid_argument);
  CHECK_THROWS_AS(inverted_bottleneck(expand, depthwise, project, random_tensor({1, 6, 6, 4}, seed++), false,
                                      Activation::none),
                  std::invalid_argument);
  const Conv depthwise5x5 = random_conv({16, 16, 5, 5, 1, 1, 2, 2, 16}, Activation::gelu, seed);
  CHECK_THROWS_AS(inverted_bottleneck(expand, depthwise5x5, project, x, false, Activation::none), std::invalid_argument);
  const Conv strided_expand = random_conv({8, 16, 1, 1, 2, 2, 0, 0, 1}, Activation::gelu, seed);
  CHECK_THROWS_AS(inverted_bottleneck(strided_expand, depthwise, project, x, false, Activation::none),
                  std::invalid_argument);
}

}  // namespace lsam::graph
