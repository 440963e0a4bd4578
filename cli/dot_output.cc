#include <fstream>

#include "cli_common.h"
#include "gumshoe/dot_export.h"

namespace gumshoe::cli {

int WriteDotFile(const CliContext& ctx, const Subgraph& g, const std::string& path) {
  std::string dot = ToDot(g, DotOptions{});
  if (path == "-") {
    std::fwrite(dot.data(), 1, dot.size(), stdout);
    return kExitOk;
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << dot;
  out.close();
  if (!out) return ReportError(ctx, Status::IoError("cannot write " + path));
  if (ctx.log) ctx.log->info("wrote {}", path);
  return kExitOk;
}

}  // namespace gumshoe::cli
