// The ingest progress line and summaries: what a responder watching a long
// ingest sees on stderr.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "gumshoe/ingest.h"

namespace gumshoe::cli {

// A one-line progress display redrawn in place ("\r", erase to end of line):
// files done of total, records, MB/s, elapsed, ETA. Redraws at most every
// 100 ms. The caller decides whether to show it (a terminal, no -q); the
// callback may come from any ingest thread (Ingest serialises the calls).
class ProgressLine {
 public:
  explicit ProgressLine(FILE* out) : out_(out), start_(std::chrono::steady_clock::now()) {}
  void Update(const IngestProgress& p);
  // Erases the line (call once the ingest returns).
  void Clear();
  // The text of the line for `p` after `elapsed` seconds (no control characters).
  static std::string Format(const IngestProgress& p, double elapsed);

 private:
  FILE* out_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_{};
  bool drawn_ = false;
};

// "3 files skipped as unknown (no ingestor reads them): a, b, c" naming at
// most `max_names` of them (terminal-safe), "... and N more" after.
std::string SkippedFilesLine(const std::vector<std::string>& skipped, size_t max_names = 5);

}  // namespace gumshoe::cli
