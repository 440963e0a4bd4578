#include "byte_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libdeflate.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <set>
#include <system_error>
#include <utility>

namespace gumshoe::ingest {
namespace {

class FdSource final : public ByteSource {
 public:
  FdSource(int fd, bool owned, std::string display) : fd_(fd), owned_(owned), display_(std::move(display)) {}
  ~FdSource() override {
    if (owned_) ::close(fd_);
  }
  FdSource(const FdSource&) = delete;
  FdSource& operator=(const FdSource&) = delete;

  Result<size_t> Read(char* buf, size_t n) override {
    for (;;) {
      ssize_t got = ::read(fd_, buf, n);
      if (got >= 0) {
        raw_ += static_cast<uint64_t>(got);
        return static_cast<size_t>(got);
      }
      if (errno == EINTR) continue;
      return Status::IoError(display_ + ": read failed: " + std::strerror(errno));
    }
  }
  uint64_t raw_bytes() const override { return raw_; }

 private:
  int fd_;
  bool owned_;
  std::string display_;
  uint64_t raw_ = 0;
};

class StringSource final : public ByteSource {
 public:
  explicit StringSource(std::string data) : data_(std::move(data)) {}
  Result<size_t> Read(char* buf, size_t n) override {
    size_t k = std::min(n, data_.size() - pos_);
    std::memcpy(buf, data_.data() + pos_, k);
    pos_ += k;
    return k;
  }
  uint64_t raw_bytes() const override { return pos_; }

 private:
  std::string data_;
  size_t pos_ = 0;
};

// Returns `prefix` first, then the rest of `inner`.
class PrefixedSource final : public ByteSource {
 public:
  PrefixedSource(std::string prefix, std::unique_ptr<ByteSource> inner)
      : prefix_(std::move(prefix)), inner_(std::move(inner)) {}
  Result<size_t> Read(char* buf, size_t n) override {
    if (pos_ < prefix_.size()) {
      size_t k = std::min(n, prefix_.size() - pos_);
      std::memcpy(buf, prefix_.data() + pos_, k);
      pos_ += k;
      return k;
    }
    return inner_->Read(buf, n);
  }
  uint64_t raw_bytes() const override { return inner_->raw_bytes() - (prefix_.size() - pos_); }

 private:
  std::string prefix_;
  size_t pos_ = 0;
  std::unique_ptr<ByteSource> inner_;
};

// Streaming gzip decoder (zlib inflate), multi-member aware.
class GzipSource final : public ByteSource {
 public:
  GzipSource(std::unique_ptr<ByteSource> raw, std::string display, uint64_t limit)
      : raw_(std::move(raw)), display_(std::move(display)), limit_(limit), in_(kRawChunkBytes) {
    std::memset(&zs_, 0, sizeof(zs_));
    init_ok_ = inflateInit2(&zs_, 15 + 16) == Z_OK;  // 16: gzip wrapper only
  }
  ~GzipSource() override {
    if (init_ok_) inflateEnd(&zs_);
  }
  GzipSource(const GzipSource&) = delete;
  GzipSource& operator=(const GzipSource&) = delete;

  bool compressed() const override { return true; }
  uint64_t raw_bytes() const override { return raw_->raw_bytes(); }

  Result<size_t> Read(char* buf, size_t n) override {
    if (!init_ok_) return Status::Internal(display_ + ": cannot initialise zlib");
    if (!error_.ok()) return error_;
    if (done_ || n == 0) return size_t{0};
    size_t produced = 0;
    while (produced < n) {
      if (zs_.avail_in == 0 && !raw_eof_) {
        Result<size_t> got = raw_->Read(in_.data(), in_.size());
        if (!got.ok()) {
          error_ = got.status();
          break;
        }
        if (*got == 0) {
          raw_eof_ = true;
        } else {
          zs_.next_in = reinterpret_cast<Bytef*>(in_.data());
          zs_.avail_in = static_cast<uInt>(*got);
          fed_ += *got;
        }
      }
      if (zs_.avail_in == 0 && raw_eof_) {
        if (member_started_) {
          error_ = Status::Corruption(display_ + ": truncated gzip data at compressed offset " +
                                      std::to_string(Consumed()));
        } else {
          done_ = true;
        }
        break;
      }
      if (!member_started_) {
        // Between members: trailing zero padding is tolerated, anything else
        // must be the magic of a next member (zlib checks it).
        while (zs_.avail_in > 0 && *zs_.next_in == 0) {
          ++zs_.next_in;
          --zs_.avail_in;
          padding_ = true;
        }
        if (zs_.avail_in == 0) continue;
        if (padding_) {
          error_ = Status::Corruption(display_ + ": garbage after gzip padding at compressed offset " +
                                      std::to_string(Consumed()));
          break;
        }
        member_started_ = true;
      }
      zs_.next_out = reinterpret_cast<Bytef*>(buf + produced);
      zs_.avail_out = static_cast<uInt>(std::min<size_t>(n - produced, 1u << 30));
      size_t before_out = zs_.avail_out;
      int rc = inflate(&zs_, Z_NO_FLUSH);
      size_t out = before_out - zs_.avail_out;
      produced += out;
      decompressed_ += out;
      if (decompressed_ > limit_) {
        produced -= static_cast<size_t>(decompressed_ - limit_);
        decompressed_ = limit_;
        error_ = Status::LimitExceeded(display_ + ": more than " + std::to_string(limit_) +
                                       " decompressed bytes (max_decompressed_bytes), stopped at compressed offset " +
                                       std::to_string(Consumed()));
        break;
      }
      if (rc == Z_STREAM_END) {
        member_started_ = false;
        inflateReset(&zs_);
        continue;
      }
      if (rc == Z_BUF_ERROR) continue;  // needs more input or output; loop handles both
      if (rc != Z_OK) {
        error_ = Status::Corruption(display_ + ": corrupt gzip data at compressed offset " +
                                    std::to_string(Consumed()) + " (" + (zs_.msg ? zs_.msg : "zlib error") + ")");
        break;
      }
    }
    if (produced > 0) return produced;
    if (!error_.ok()) return error_;
    return size_t{0};
  }

 private:
  uint64_t Consumed() const { return fed_ - zs_.avail_in; }

  std::unique_ptr<ByteSource> raw_;
  std::string display_;
  uint64_t limit_;
  std::vector<char> in_;
  z_stream zs_;
  bool init_ok_ = false;
  bool raw_eof_ = false;
  bool member_started_ = false;
  bool padding_ = false;
  bool done_ = false;
  uint64_t fed_ = 0;
  uint64_t decompressed_ = 0;
  Status error_;
};

// Gzip inputs up to this compressed size are inflated whole by libdeflate
// (several times faster than zlib's streaming inflate), when their content
// fits in kWholeGzipMaxOutput bytes and the decompressed-size limit.
constexpr size_t kWholeGzipMaxInput = 16u << 20;
constexpr size_t kWholeGzipMaxOutput = 64u << 20;
// Bytes read from the raw input at a time while looking for its end.
constexpr size_t kGzipReadChunk = 256u << 10;

// Serves an input inflated whole in memory.
class InflatedSource final : public ByteSource {
 public:
  InflatedSource(std::unique_ptr<char[]> data, size_t size, uint64_t raw_bytes)
      : data_(std::move(data)), size_(size), raw_bytes_(raw_bytes) {}
  bool compressed() const override { return true; }
  uint64_t raw_bytes() const override { return raw_bytes_; }
  Result<size_t> Read(char* buf, size_t n) override {
    size_t k = std::min(n, size_ - pos_);
    std::memcpy(buf, data_.get() + pos_, k);
    pos_ += k;
    return k;
  }

 private:
  std::unique_ptr<char[]> data_;
  size_t size_;
  size_t pos_ = 0;
  uint64_t raw_bytes_;
};

// Inflates every gzip member of `in` with libdeflate; false (and nothing
// kept) when the data is not a clean sequence of members followed by optional
// zero padding, or inflates to more than `max_out` bytes. The caller then
// streams it through zlib, which says exactly where and why it breaks.
bool InflateWhole(std::string_view in, size_t max_out, std::unique_ptr<char[]>* out, size_t* out_size) {
  std::unique_ptr<libdeflate_decompressor, void (*)(libdeflate_decompressor*)> d(
      libdeflate_alloc_decompressor(), libdeflate_free_decompressor);
  if (d == nullptr || in.size() < 18) return false;
  // The last member's trailer holds its size mod 2^32: the usual single-member
  // file inflates in one pass.
  uint32_t isize = 0;
  std::memcpy(&isize, in.data() + in.size() - 4, 4);  // little-endian, as x86
  size_t cap = std::min(max_out, std::max<size_t>({isize, 4 * in.size(), 64u << 10}));
  std::unique_ptr<char[]> buf(new char[cap]);
  size_t used = 0, pos = 0;
  while (pos < in.size()) {
    if (in[pos] == 0) {
      // Trailing zero padding: allowed only up to the end.
      for (size_t i = pos; i < in.size(); ++i) {
        if (in[i] != 0) return false;
      }
      break;
    }
    size_t in_used = 0, produced = 0;
    libdeflate_result r = libdeflate_gzip_decompress_ex(d.get(), in.data() + pos, in.size() - pos, buf.get() + used,
                                                        cap - used, &in_used, &produced);
    if (r == LIBDEFLATE_SUCCESS) {
      used += produced;
      pos += in_used;
      continue;
    }
    if (r != LIBDEFLATE_INSUFFICIENT_SPACE || cap >= max_out) return false;
    size_t bigger = std::min(max_out, cap * 2);
    std::unique_ptr<char[]> grown(new char[bigger]);
    std::memcpy(grown.get(), buf.get(), used);
    buf = std::move(grown);
    cap = bigger;
  }
  *out = std::move(buf);
  *out_size = used;
  return true;
}

void Walk(const std::filesystem::path& dir, std::set<std::pair<dev_t, ino_t>>& visited,
          std::vector<std::string>* files, std::vector<std::string>* errors) {
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) {
    errors->push_back(dir.string() + ": " + std::strerror(errno));
    return;
  }
  if (!visited.emplace(st.st_dev, st.st_ino).second) return;  // a symlink loop
  std::error_code ec;
  std::vector<std::filesystem::path> entries;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.empty() || name[0] == '.') continue;
    entries.push_back(it->path());
  }
  if (ec) errors->push_back(dir.string() + ": " + ec.message());
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.filename().native() < b.filename().native(); });
  for (const auto& p : entries) {
    // Every entry that is not read is reported with its reason: a dangling
    // or looping symlink, a path too long to open, a FIFO, socket or device
    // (never opened: a FIFO would block the ingest).
    struct stat est;
    if (::stat(p.c_str(), &est) != 0) {
      int err = errno;
      struct stat lst;
      bool dangling = err == ENOENT && ::lstat(p.c_str(), &lst) == 0 && S_ISLNK(lst.st_mode);
      errors->push_back(p.string() + ": " + (dangling ? std::string("dangling symbolic link") : std::strerror(err)) +
                        " (not read)");
      continue;
    }
    if (S_ISDIR(est.st_mode)) {
      Walk(p, visited, files, errors);
    } else if (S_ISREG(est.st_mode)) {
      files->push_back(p.string());
    } else {
      const char* what = S_ISFIFO(est.st_mode) ? "a FIFO" : S_ISSOCK(est.st_mode) ? "a socket"
                         : S_ISCHR(est.st_mode) || S_ISBLK(est.st_mode) ? "a device" : "not a regular file";
      errors->push_back(p.string() + ": " + what + ", not a log file (not read)");
    }
  }
}

}  // namespace

Result<std::unique_ptr<ByteSource>> OpenInput(const std::string& path, const std::string& display,
                                              const ByteSourceOptions& options) {
  std::unique_ptr<ByteSource> raw;
  if (path == "-") {
    raw = std::make_unique<FdSource>(STDIN_FILENO, false, display);
  } else {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      std::string msg = display + ": " + std::strerror(errno);
      if (errno == ENOENT) return Status::NotFound(msg);
      return Status::IoError(msg);
    }
    struct stat st;
    if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
      ::close(fd);
      return Status::InvalidArgument(display + ": is a directory");
    }
    raw = std::make_unique<FdSource>(fd, true, display);
  }
  return MaybeGunzip(std::move(raw), display, options);
}

std::unique_ptr<ByteSource> NewStringSource(std::string data) {
  return std::make_unique<StringSource>(std::move(data));
}

Result<std::unique_ptr<ByteSource>> MaybeGunzip(std::unique_ptr<ByteSource> raw, const std::string& display,
                                                const ByteSourceOptions& options) {
  std::string magic;
  char buf[2];
  while (magic.size() < 2) {
    GUMSHOE_ASSIGN_OR_RETURN(size_t got, raw->Read(buf, 2 - magic.size()));
    if (got == 0) break;
    magic.append(buf, got);
  }
  bool gzip = magic.size() == 2 && static_cast<unsigned char>(magic[0]) == 0x1f &&
              static_cast<unsigned char>(magic[1]) == 0x8b;
  if (!gzip) return std::unique_ptr<ByteSource>(std::make_unique<PrefixedSource>(std::move(magic), std::move(raw)));
  // Read up to kWholeGzipMaxInput bytes; an input that ends within it is
  // inflated whole when it can be.
  // Reads go through a fixed buffer: growing `head` by a read's full size
  // would zero that much memory for every file, most of which are a few KiB.
  std::string head = std::move(magic);
  bool ended = false;
  std::unique_ptr<char[]> chunk(new char[kGzipReadChunk]);
  while (head.size() <= kWholeGzipMaxInput) {
    size_t want = std::min(kGzipReadChunk, kWholeGzipMaxInput + 1 - head.size());
    Result<size_t> got = raw->Read(chunk.get(), want);
    if (!got.ok() || *got == 0) {
      ended = got.ok();
      break;  // a read error is met again, and reported, by the streaming path
    }
    head.append(chunk.get(), *got);
  }
  if (ended) {
    std::unique_ptr<char[]> data;
    size_t size = 0;
    size_t max_out = static_cast<size_t>(std::min<uint64_t>(options.max_decompressed_bytes, kWholeGzipMaxOutput));
    if (InflateWhole(head, max_out, &data, &size)) {
      return std::unique_ptr<ByteSource>(std::make_unique<InflatedSource>(std::move(data), size, raw->raw_bytes()));
    }
  }
  std::unique_ptr<ByteSource> src = std::make_unique<PrefixedSource>(std::move(head), std::move(raw));
  return std::unique_ptr<ByteSource>(
      std::make_unique<GzipSource>(std::move(src), display, options.max_decompressed_bytes));
}

void ExpandInputs(const std::vector<std::string>& paths, std::vector<std::string>* files,
                  std::vector<std::string>* errors, std::vector<bool>* walked) {
  std::set<std::pair<dev_t, ino_t>> visited;
  auto mark = [&](size_t before, bool from_walk) {
    if (walked != nullptr) walked->resize(files->size(), from_walk);
    (void)before;
  };
  for (const std::string& path : paths) {
    size_t before = files->size();
    if (path == "-") {
      files->push_back(path);
      mark(before, false);
      continue;
    }
    std::error_code ec;
    auto status = std::filesystem::status(path, ec);
    if (ec || !std::filesystem::exists(status)) {
      // Let the open report the precise error (missing, permission denied).
      files->push_back(path);
      mark(before, false);
      continue;
    }
    if (std::filesystem::is_directory(status)) {
      Walk(path, visited, files, errors);
      mark(before, true);
    } else {
      files->push_back(path);
      mark(before, false);
    }
  }
}

void LineSplitter::Deliver(std::string_view line, uint64_t offset) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  sink_.OnLine(line, line_, offset);
}

void LineSplitter::Feed(std::string_view chunk) {
  const char* p = chunk.data();
  const char* end = p + chunk.size();
  uint64_t base = offset_;
  offset_ += chunk.size();
  while (p < end) {
    if (!pending_ && !skipping_) {
      ++line_;
      line_start_ = base + static_cast<uint64_t>(p - chunk.data());
      pending_ = true;
      carry_.clear();
    }
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
    const char* stop = nl ? nl : end;
    size_t seg = static_cast<size_t>(stop - p);
    if (skipping_) {
      // Inside a too-long line: drop bytes up to its newline.
    } else if (carry_.empty() && nl != nullptr && seg <= max_line_bytes_ + 1) {
      std::string_view line(p, seg);
      if (line.size() > max_line_bytes_ && !(line.size() == max_line_bytes_ + 1 && line.back() == '\r')) {
        sink_.OnLineTooLong(line_, line_start_);
      } else {
        Deliver(line, line_start_);
      }
      pending_ = false;
      p = nl + 1;
      continue;
    } else if (carry_.size() + seg > max_line_bytes_ + 1) {
      sink_.OnLineTooLong(line_, line_start_);
      carry_.clear();
      carry_.shrink_to_fit();
      skipping_ = true;
    } else {
      carry_.append(p, seg);
    }
    if (nl == nullptr) break;
    if (!skipping_) {
      if (carry_.size() > max_line_bytes_ && !(carry_.size() == max_line_bytes_ + 1 && carry_.back() == '\r')) {
        sink_.OnLineTooLong(line_, line_start_);
      } else {
        Deliver(carry_, line_start_);
      }
    }
    carry_.clear();
    skipping_ = false;
    pending_ = false;
    p = nl + 1;
  }
}

void LineSplitter::Finish() {
  if (pending_ && !skipping_ && !carry_.empty()) {
    if (carry_.size() > max_line_bytes_) {
      sink_.OnLineTooLong(line_, line_start_);
    } else {
      Deliver(carry_, line_start_);
    }
  }
  carry_.clear();
  pending_ = false;
  skipping_ = false;
}

}  // namespace gumshoe::ingest
