// libFuzzer target: the JSON record splitter and its resynchronisation after
// a broken record (issue 21.4). Invariants: every record handed out is exactly
// the input's bytes at its offset; feeding the same input in chunks of any
// size gives the same records and rejects; memory stays bounded.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "json_splitter.h"

namespace {

struct Out : gumshoe::ingest::JsonSplitter::Sink {
  std::vector<std::pair<uint64_t, std::string>> records;
  std::vector<std::pair<uint64_t, std::string>> rejects;
  void OnRecord(std::string_view text, uint64_t, uint64_t offset) override { records.emplace_back(offset, text); }
  void OnReject(std::string_view reason, uint64_t, uint64_t offset) override { rejects.emplace_back(offset, reason); }
};

Out Run(std::string_view text, size_t chunk) {
  Out out;
  gumshoe::ingest::JsonSplitter splitter(out, 4096, 32);
  for (size_t i = 0; i < text.size(); i += chunk) {
    // A private copy per chunk: the splitter must not keep pointers into it.
    std::string piece(text.substr(i, chunk));
    splitter.Feed(piece);
    if (splitter.buffered_bytes() > (8u << 20)) __builtin_trap();
  }
  splitter.Finish();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  size_t chunk = 1 + data[0] % 61;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  Out whole = Run(text, text.size() + 1);
  for (const auto& [offset, record] : whole.records) {
    if (offset > text.size() || text.substr(offset, record.size()) != record) __builtin_trap();
  }
  Out pieces = Run(text, chunk);
  if (pieces.records != whole.records || pieces.rejects != whole.rejects) __builtin_trap();
  return 0;
}
