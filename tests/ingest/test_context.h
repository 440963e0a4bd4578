// A RecordContext for unit-testing FileParsers without the framework: records
// go into one GraphDelta; rejects and anomalies are counted by reason.
#pragma once

#include <map>
#include <set>
#include <string>

#include "gumshoe/time_util.h"
#include "ingestor.h"

namespace gumshoe::ingest::testing {

class TestContext : public RecordContext {
 public:
  explicit TestContext(std::string path = "test.log") : path_(std::move(path)) { pos_.path = path_; }

  bool BeginRecord(std::string_view identity) override {
    ++begun;
    if (!identities.insert(std::string(identity)).second) {
      ++duplicates;
      return false;
    }
    return true;
  }
  GraphDelta& delta() override { return delta_; }
  void Reject(std::string_view reason) override {
    ++rejects[std::string(reason)];
    reject_lines[std::string(reason)].insert(pos_.line);
  }
  void Anomaly(std::string_view name) override { ++anomalies[std::string(name)]; }
  void NoData() override { ++no_data; }
  const Position& position() const override { return pos_; }
  std::string EvidenceRef() const override { return path_ + ":" + std::to_string(pos_.line); }
  const IngestOptions& options() const override { return options_; }
  Timestamp now() const override { return now_; }

  // Feeds lines 1..n to a parser, tracking line numbers.
  void FeedLines(FileParser& parser, const std::string& text) {
    size_t start = 0;
    while (start <= text.size()) {
      size_t nl = text.find('\n', start);
      std::string_view line(text.data() + start, (nl == std::string::npos ? text.size() : nl) - start);
      ++pos_.line;
      if (!(nl == std::string::npos && line.empty())) parser.OnLine(line, *this);
      if (nl == std::string::npos) break;
      start = nl + 1;
    }
    parser.Finish(*this);
  }

  IngestOptions options_;
  Timestamp now_ = 1798761600;  // 2027-01-01
  Position pos_;
  GraphDelta delta_;
  std::set<std::string> identities;
  std::map<std::string, int> rejects, anomalies;
  std::map<std::string, std::set<uint64_t>> reject_lines;
  int begun = 0, duplicates = 0, no_data = 0;

 private:
  std::string path_;
};

}  // namespace gumshoe::ingest::testing
