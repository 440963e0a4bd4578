#include <fstream>

#include "cli_common.h"
#include "gumshoe/dot_export.h"

namespace gumshoe::cli {

int WriteTextFile(const CliContext& ctx, const std::string& text, const std::string& path) {
  if (path == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return kExitOk;
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return ReportError(ctx, Status::IoError("cannot write " + TerminalSafe(path)));
  if (ctx.log) ctx.log->info("wrote {}", TerminalSafe(path));
  return kExitOk;
}

int WriteDotFile(const CliContext& ctx, const Subgraph& g, const std::string& path) {
  return WriteTextFile(ctx, ToDot(g, DotOptions{}), path);
}

}  // namespace gumshoe::cli
