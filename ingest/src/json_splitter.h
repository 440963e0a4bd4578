// JsonSplitter: finds the records in a stream of JSON text, chunk by chunk,
// without recursion and buffering at most one record (private to ingest).
//
// Shapes recognised (they can follow each other in one stream):
// - a wrapper object `{"Records":[r1, r2, ...]}` (CloudTrail S3 delivery) or
//   `{"Findings":[...]}` (GuardDuty GetFindings): the elements of the array are
//   the records. The wrapper key may come after other keys; other members of
//   the wrapper are ignored.
// - a top-level array `[r1, r2, ...]`: its elements are the records.
// - top-level objects one after the other, one per line (JSON lines) or
//   pretty-printed over many lines: each object is a record.
//
// Modes: the first record decides. When it is a top-level object that starts
// and ends on one line, the stream is JSON lines: a newline inside a string
// or inside a value means that line's record is broken; it is rejected as
// "malformed_json" and scanning resumes at the next line, so the next line's
// record is kept. Otherwise newlines are whitespace.
//
// The splitter tracks only depth, in-string and escape state byte by byte; it
// does not validate JSON (the record's parser does). Rejects it reports (the
// framework prefixes the ingestor name):
// - "malformed_json": bytes that cannot start a value at top level (the rest
//   of that line is skipped), or a broken line in JSON-lines mode;
// - "truncated_json": the stream ends inside a record or inside a wrapper;
// - "record_too_large": a record longer than max_record_bytes (skipped to its
//   end without being buffered);
// - "too_deep": a record nested deeper than max_depth (skipped to its end).
// A UTF-8 byte order mark at the start of the stream is skipped.
//
// Resynchronisation: inside a record the splitter checks the JSON grammar
// (which token may follow which, matching brackets, no raw newline in a
// string), so a broken record (an unterminated string, a missing or extra
// bracket, a stray byte) is caught where it breaks, not at the end of the
// file. It is reported once, as "malformed_json" at the record's offset, and
// the records after it are kept:
// - in an array or a Records/Findings wrapper, the splitter looks for the next
//   element that starts like the broken one: `,` `{` and the broken record's
//   first key (any key when it had none), and resumes there;
// - for top-level objects (JSON lines, concatenated objects), it resumes at
//   the next line (or at the byte itself when it is the first on its line).
// A stray closing bracket between records is one "malformed_json" at its
// offset. What comes after the last element of a wrapper whose last record
// is broken (e.g. a second wrapper in the same stream) is not read.
//
// Thread-safety: one splitter per stream, used by one thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace gumshoe::ingest {

class JsonSplitter {
 public:
  class Sink {
   public:
    virtual ~Sink() = default;
    // One record's JSON text (exactly the value, no surrounding whitespace),
    // valid until the call returns. The sink may overwrite the bytes of the
    // span and the one byte after it (it is writable memory the splitter no
    // longer reads), e.g. to parse in situ. `line` is the 1-based line and `offset`
    // the byte offset of the record's first byte.
    virtual void OnRecord(std::string_view text, uint64_t line, uint64_t offset) = 0;
    // A reject with one of the reasons listed above.
    virtual void OnReject(std::string_view reason, uint64_t line, uint64_t offset) = 0;
  };

  enum class Mode { kUndecided, kLines, kStream };

  JsonSplitter(Sink& sink, size_t max_record_bytes, int max_depth)
      : sink_(sink), max_record_bytes_(max_record_bytes), max_depth_(max_depth) {}

  // Feeds the next chunk of the stream.
  void Feed(std::string_view chunk);
  // End of the stream: reports a truncated record or wrapper.
  void Finish();

  Mode mode() const { return mode_; }
  // Bytes buffered for the current record (tests check memory stays bounded).
  size_t buffered_bytes() const { return buf_.capacity(); }

 private:
  void StartRecord(const char* p);
  void EndRecord(const char* end);  // `end` is one past the record's last byte
  void SkipRecord(std::string_view reason);
  void Garbage(const char* p);
  void BreakLine();
  void ResetToTop();
  void FinishKey();
  // The grammar check inside records.
  enum class Expect : uint8_t { kValue, kValueOrEnd, kKeyOrEnd, kKey, kColon, kCommaOrEnd };
  void Push(char open);
  bool Pop(char close);  // false: the closer does not match the open container
  // A grammar violation at `p` inside the current record: reports it and
  // sets up the resynchronisation. Returns true when the byte at `p` must be
  // processed again (it may start the next record), false to skip it.
  bool Broken(const char* p);
  // Looks for the next record start while hunting_; returns where to go on.
  const char* Hunt(const char* p, const char* end);
  // Scans one segment of the stream at `offset`; returns true when it stopped
  // at a broken record to replay its bytes (replay_ holds them and replay_at_
  // where the segment goes on).
  bool Scan(const char* begin, const char* end, uint64_t offset);
  uint64_t OffsetOf(const char* p) const { return chunk_offset_ + static_cast<uint64_t>(p - chunk_begin_); }
  // Whether the record in progress is longer than max_record_bytes_ before p.
  bool OverLimit(const char* p) const { return in_record_ && OffsetOf(p) - rec_offset_ > max_record_bytes_; }

  Sink& sink_;
  size_t max_record_bytes_;
  int64_t max_depth_;

  Mode mode_ = Mode::kUndecided;
  uint64_t line_ = 1;
  uint64_t bom_matched_ = 0;  // bytes of a leading byte order mark skipped
  uint64_t offset_ = 0;  // stream offset of the next chunk
  const char* chunk_begin_ = nullptr;
  uint64_t chunk_offset_ = 0;

  int64_t depth_ = 0;         // open containers
  int64_t record_depth_ = 0;  // depth at which values are records; -1: none
  bool in_string_ = false;
  bool escape_ = false;
  bool resync_ = false;       // skipping to the next newline

  // The current record.
  bool in_record_ = false;
  bool in_scalar_ = false;    // a number/true/false/null record
  bool skip_ = false;         // not buffered: too large or too deep
  std::string_view skip_reason_;
  int64_t rec_base_ = 0;      // depth_ when the record started
  uint64_t rec_line_ = 0;
  uint64_t rec_offset_ = 0;
  const char* rec_start_ = nullptr;  // in the current chunk, or null: starts in buf_
  std::string buf_;

  // Wrapper detection: keys at depth 1 of a top-level object.
  bool top_object_ = false;
  bool expect_key_ = false;
  bool capturing_key_ = false;
  bool key_is_wrapper_ = false;
  bool pending_wrapper_ = false;  // saw `"Records":`; a '[' next opens the wrapper
  char key_[16] = {};
  size_t key_len_ = 0;
  bool key_overflow_ = false;

  // Grammar state (only checked inside records). stack_ holds the open
  // containers ('{' or '['), at most kMaxStack of them; deeper ones are not checked.
  static constexpr size_t kMaxStack = 512;
  std::string stack_;
  Expect expect_ = Expect::kValue;
  bool inner_scalar_ = false;   // in a number/literal inside a record
  bool line_blank_ = true;      // only whitespace since the last newline
  // The current record's first key (to recognise the next element after a
  // broken one), captured while capturing_first_.
  bool capturing_first_ = false;
  std::string rec_key_;
  // Resynchronisation inside an array of records.
  bool hunting_ = false;
  int hunt_state_ = 0;
  size_t hunt_matched_ = 0;
  size_t hunt_ws_ = 0;
  std::string hunt_key_;
  std::string hunt_prefix_;  // bytes of the candidate start held from earlier chunks
  const char* cand_ptr_ = nullptr;
  uint64_t cand_line_ = 0;
  uint64_t cand_offset_ = 0;
  // The bytes of a broken record after its first one, scanned again (the
  // next record may start inside them, e.g. after an unterminated string).
  std::string replay_;
  const char* replay_at_ = nullptr;
  // Bytes of broken records scanned again so far. Replays stop once they
  // would pass kReplayAllowance plus the stream offset of the break: a bound
  // that depends on where the bytes are, not on how they were chunked.
  static constexpr uint64_t kReplayAllowance = 1u << 20;
  uint64_t replayed_bytes_ = 0;
};

}  // namespace gumshoe::ingest
