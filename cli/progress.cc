#include "progress.h"

#include "cli_common.h"

namespace gumshoe::cli {
namespace {

std::string Clock(double seconds) {
  if (seconds < 0) seconds = 0;
  auto s = static_cast<unsigned long long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%llu:%02llu:%02llu", s / 3600, s / 60 % 60, s % 60);
  else std::snprintf(buf, sizeof buf, "%llu:%02llu", s / 60, s % 60);
  return buf;
}

}  // namespace

std::string ProgressLine::Format(const IngestProgress& p, double elapsed) {
  double mb = static_cast<double>(p.bytes_read) / 1e6;
  double rate = elapsed > 0 ? mb / elapsed : 0;
  std::string eta = "--";
  if (p.bytes_total > 0 && p.bytes_read > 0 && p.bytes_read <= p.bytes_total && elapsed > 0) {
    eta = Clock(elapsed * static_cast<double>(p.bytes_total - p.bytes_read) / static_cast<double>(p.bytes_read));
  } else if (p.files_total > 0 && p.files_done > 0 && p.files_done <= p.files_total && elapsed > 0) {
    eta = Clock(elapsed * static_cast<double>(p.files_total - p.files_done) / static_cast<double>(p.files_done));
  }
  char buf[160];
  std::snprintf(buf, sizeof buf, "%llu/%llu files, %llu records, %.1f MB/s, %s elapsed, ETA %s",
                static_cast<unsigned long long>(p.files_done), static_cast<unsigned long long>(p.files_total),
                static_cast<unsigned long long>(p.records), rate, Clock(elapsed).c_str(), eta.c_str());
  return buf;
}

void ProgressLine::Update(const IngestProgress& p) {
  auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  drawn_ = true;
  double elapsed = std::chrono::duration<double>(now - start_).count();
  std::fprintf(out_, "\r\033[K%s", Format(p, elapsed).c_str());
  std::fflush(out_);
}

void ProgressLine::Clear() {
  if (!drawn_) return;
  std::fprintf(out_, "\r\033[K");
  std::fflush(out_);
}

std::string SkippedFilesLine(const std::vector<std::string>& skipped, size_t max_names) {
  std::string line = std::to_string(skipped.size()) + (skipped.size() == 1 ? " file" : " files") +
                     " skipped as unknown (no ingestor reads them): ";
  for (size_t i = 0; i < skipped.size() && i < max_names; ++i) line += (i == 0 ? "" : ", ") + TerminalSafe(skipped[i]);
  if (skipped.size() > max_names) line += ", ... and " + std::to_string(skipped.size() - max_names) + " more";
  return line;
}

}  // namespace gumshoe::cli
