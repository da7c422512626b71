// Subcommands of the `lsam` tool. Each returns the process exit status and reports failures as one line,
// "lsam: FILE: problem", on stderr.
#pragma once

int cmd_convert(int argc, char** argv);  // lsam convert IN.pt OUT.lsam [--family F]
int cmd_info(int argc, char** argv);     // lsam info FILE

namespace lsam::cli {
int cmd_segment(int argc, char** argv);  // lsam segment -m MODEL -i IMAGE --point ... -o MASK.png
int cmd_demo(int argc, char** argv);     // lsam demo [-m MODEL] [-i IMAGE] [-o DIR]
}  // namespace lsam::cli
