// The ingestor interface (private to the ingest layer).
//
// An Ingestor knows one log source. For each input file the framework asks
// every ingestor to Sniff the path and first bytes, picks the most confident
// (or the one forced with --source), and creates a FileParser for that file.
// The framework then feeds the parser either JSON records (the elements of a
// `{"Records":[...]}`/`{"Findings":[...]}` wrapper, of a top-level array, or
// one value per line) or text lines, and handles dedup, batching and stats.
//
// Rules for parsers:
// - Read JSON only through json_util.h accessors (no GetString on a wrong type).
// - For each record: ctx.BeginRecord(identity) first; if it returns false the
//   record is a duplicate, emit nothing. Then emit into ctx.delta(), or call
//   ctx.Reject("reason") and emit nothing. Reasons are short snake_case names;
//   the framework prefixes the ingestor name ("cloudtrail.missing_eventTime").
// - Never throw.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

#include "gumshoe/delta.h"
#include "gumshoe/ingest.h"

namespace gumshoe::ingest {

// Where the current record came from.
struct Position {
  std::string_view path;  // display path of the input ("-" for stdin)
  uint64_t line = 0;      // 1-based line of the record start (0 if unknown)
  uint64_t offset = 0;    // byte offset of the record start in the (decompressed) stream
};

class RecordContext {
 public:
  virtual ~RecordContext() = default;
  // Starts a record. `identity` is its stable ID within the source (eventID,
  // finding id + updatedAt, the line text). Returns false for a duplicate.
  virtual bool BeginRecord(std::string_view identity) = 0;
  // The delta to emit into. Valid between BeginRecord and the next record.
  virtual GraphDelta& delta() = 0;
  // Rejects the current record (or the current line when no record began).
  virtual void Reject(std::string_view reason) = 0;
  // Counts an oddity in a record that is kept anyway.
  virtual void Anomaly(std::string_view name) = 0;
  // Counts a record that carries no data (flow-log NODATA/SKIPDATA).
  virtual void NoData() = 0;
  // A record that was begun and neither rejected nor marked no-data is
  // counted ok when the next one starts.
  virtual const Position& position() const = 0;
  // "path:line" (or "path@offset"), for Evidence refs of text sources.
  virtual std::string EvidenceRef() const = 0;
  virtual const IngestOptions& options() const = 0;
  virtual Timestamp now() const = 0;
};

class FileParser {
 public:
  virtual ~FileParser() = default;
  // One JSON record; `value` lives until the call returns.
  virtual void OnJson(const rapidjson::Value& value, RecordContext& ctx) { (void)value; ctx.Reject("unsupported_json"); }
  // One text line without its line terminator.
  virtual void OnLine(std::string_view line, RecordContext& ctx) { (void)line; ctx.Reject("unsupported_text"); }
  // End of the file (flush multi-line state such as a Tor block).
  virtual void Finish(RecordContext& ctx) { (void)ctx; }
};

struct FileInfo {
  std::string path;      // as given or found while walking
  bool json = false;     // content starts with '{' or '['
};

class Ingestor {
 public:
  virtual ~Ingestor() = default;
  virtual std::string_view name() const = 0;
  virtual std::string_view description() const = 0;
  // Confidence 0..100 that the input is this source, from its path and its
  // first (decompressed) bytes. 0 = certainly not.
  virtual int Sniff(std::string_view path, std::string_view head) const = 0;
  virtual std::unique_ptr<FileParser> NewParser(const FileInfo& info, const IngestOptions& options) const = 0;
};

}  // namespace gumshoe::ingest
