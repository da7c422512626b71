// `lsam SUBCOMMAND ...`: dispatches to the subcommands in commands.h.
#include <cstdio>
#include <cstring>
#include <exception>

#include "tools/lsam/commands.h"

namespace {

struct Command {
  const char* name;
  int (*run)(int, char**);
  const char* usage;
};

constexpr Command kCommands[] = {
    {"demo", lsam::cli::cmd_demo, "demo [-m MODEL] [-i IMAGE] [-o DIR]   segment from one point, write mask + overlay"},
    {"segment", lsam::cli::cmd_segment,
     "segment -m MODEL -i IMAGE [--point X,Y[,1|0]]... [--box X0,Y0,X1,Y1] -o MASK.png\n"
     "               [--overlay OUT.png] [--multimask] [--profile [trace.json]] [--json]\n"
     "               [--save-embedding FILE | --embedding FILE]"},
    {"convert", cmd_convert, "convert IN.pt OUT.lsam [--family F]   PyTorch checkpoint -> .lsam"},
    {"info", cmd_info, "info FILE                             what a .pt or .lsam file holds"},
};

int usage(std::FILE* out) {
  std::fprintf(out, "usage: lsam COMMAND ...\n");
  for (const Command& c : kCommands) std::fprintf(out, "  lsam %s\n", c.usage);
  return out == stdout ? 0 : 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage(stderr);
  if (!std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "help")) return usage(stdout);
  for (const Command& c : kCommands) {
    if (std::strcmp(argv[1], c.name)) continue;
    try {
      return c.run(argc - 1, argv + 1);
    } catch (const std::exception& e) {  // every failure is one line and a non-zero status, never a crash
      std::fprintf(stderr, "lsam: %s\n", e.what());
      return 1;
    }
  }
  std::fprintf(stderr, "lsam: unknown command '%s'\n", argv[1]);
  return usage(stderr);
}
