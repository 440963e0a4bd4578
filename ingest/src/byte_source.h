// Byte sources: streaming readers over the inputs of an ingest (private to the
// ingest layer).
//
// A ByteSource hands out the bytes of one input in chunks. OpenInput() opens a
// regular file or "-" (stdin) and, when the first two bytes are the gzip magic
// 1f 8b (whatever the file name), wraps it in a streaming zlib inflater that
// handles multi-member gzip files. Memory use is bounded: a source holds at
// most one compressed chunk (kRawChunkBytes) plus zlib's window.
//
// Errors: Read() returns the bytes decoded before a fault first; the fault
// (broken gzip data or tail, too many decompressed bytes) is returned by the
// next call, as a Status whose message names the file and, for gzip faults,
// the compressed byte offset. Once Read() failed or returned 0 it keeps doing so.
//
// Thread-safety: a ByteSource is used by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gumshoe/status.h"

namespace gumshoe::ingest {

// Bytes read from a file or stdin per read(2) call.
inline constexpr size_t kRawChunkBytes = 1u << 20;

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to `n` bytes into `buf`. Returns the count; 0 means the end.
  virtual Result<size_t> Read(char* buf, size_t n) = 0;
  // Bytes consumed from the underlying file so far (compressed size for gzip).
  virtual uint64_t raw_bytes() const = 0;
  // Whether the input is gzip-compressed.
  virtual bool compressed() const { return false; }
};

struct ByteSourceOptions {
  // Largest decompressed size of a gzip input; beyond it Read() fails with
  // LimitExceeded (the gzip-bomb guard). Plain inputs are not limited.
  uint64_t max_decompressed_bytes = 8ull << 30;
};

// Opens `path` ("-" = stdin). `display` names the input in error messages.
// Errors: NotFound for a missing file, IoError for other open failures.
Result<std::unique_ptr<ByteSource>> OpenInput(const std::string& path, const std::string& display,
                                              const ByteSourceOptions& options);

// Wraps an in-memory buffer (tests, and the gzip layer over any source).
std::unique_ptr<ByteSource> NewStringSource(std::string data);

// Decompresses `raw` if it starts with the gzip magic; returns it unchanged
// (with the peeked bytes put back) otherwise. Read errors of `raw` pass through.
Result<std::unique_ptr<ByteSource>> MaybeGunzip(std::unique_ptr<ByteSource> raw, const std::string& display,
                                                const ByteSourceOptions& options);

// Expands the inputs of an ingest into the list of files to read, in order:
// "-" and regular files as given; directories walked recursively in sorted
// (byte-wise) name order, skipping hidden entries (name starting with '.')
// and directories already visited (symlink loops). Every other entry that is
// not read is a problem appended to `errors` with its path and reason
// ("path: dangling symbolic link (not read)", "path: File name too long (not
// read)", "path: a FIFO, not a log file (not read)"); the walk goes on.
// `walked`, when given, receives for each file whether it was found by
// walking a directory (true) or named by the caller (false).
void ExpandInputs(const std::vector<std::string>& paths, std::vector<std::string>* files,
                  std::vector<std::string>* errors, std::vector<bool>* walked = nullptr);

// Lines of a byte stream: split on '\n', a trailing '\r' stripped. Lines longer
// than `max_line_bytes` are not buffered; they are reported to OnTooLong and
// read through to the next newline. The sink is called for each line in order.
class LineSplitter {
 public:
  class Sink {
   public:
    virtual ~Sink() = default;
    // `line` is valid until the call returns. `number` is 1-based; `offset`
    // is the byte offset of the line start in the stream.
    virtual void OnLine(std::string_view line, uint64_t number, uint64_t offset) = 0;
    virtual void OnLineTooLong(uint64_t number, uint64_t offset) = 0;
  };

  LineSplitter(Sink& sink, size_t max_line_bytes) : sink_(sink), max_line_bytes_(max_line_bytes) {}
  // Feeds the next chunk of the stream.
  void Feed(std::string_view chunk);
  // End of the stream: delivers a last line without a newline.
  void Finish();

 private:
  void Deliver(std::string_view line, uint64_t offset);
  Sink& sink_;
  size_t max_line_bytes_;
  std::string carry_;       // the start of a line split across chunks
  bool skipping_ = false;   // inside a too-long line
  bool pending_ = false;    // carry_ holds (the start of) a line, possibly empty
  uint64_t line_ = 0;       // number of the line being read
  uint64_t line_start_ = 0; // its offset
  uint64_t offset_ = 0;     // offset of the next chunk
};

}  // namespace gumshoe::ingest
