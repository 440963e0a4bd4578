#include "json_splitter.h"

#include <cstring>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace gumshoe::ingest {
namespace {

constexpr std::string_view kMalformed = "malformed_json";
constexpr std::string_view kTruncated = "truncated_json";
constexpr std::string_view kTooLarge = "record_too_large";
constexpr std::string_view kTooDeep = "too_deep";

// Bytes that can continue a number or literal (true/false/null).
inline bool IsScalarByte(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '+' || c == '-' ||
         c == '.';
}

// The first byte in [p, end) that ends or escapes a string or is a newline.
inline const char* SkipPlainStringBytes(const char* p, const char* end) {
#ifdef __SSE2__
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i newline = _mm_set1_epi8('\n');
  while (end - p >= 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                               _mm_cmpeq_epi8(v, newline));
    int mask = _mm_movemask_epi8(hit);
    if (mask != 0) return p + __builtin_ctz(static_cast<unsigned>(mask));
    p += 16;
  }
#endif
  while (p < end && *p != '"' && *p != '\\' && *p != '\n') ++p;
  return p;
}

}  // namespace

void JsonSplitter::StartRecord(const char* p) {
  in_record_ = true;
  skip_ = false;
  rec_start_ = p;
  rec_line_ = line_;
  rec_offset_ = OffsetOf(p);
  rec_base_ = depth_;
  buf_.clear();
}

void JsonSplitter::SkipRecord(std::string_view reason) {
  if (skip_) return;
  skip_ = true;
  skip_reason_ = reason;
  rec_start_ = nullptr;
  buf_.clear();
  if (buf_.capacity() > (1u << 20)) buf_.shrink_to_fit();
}

void JsonSplitter::EndRecord(const char* end) {
  in_record_ = false;
  in_scalar_ = false;
  if (skip_) {
    sink_.OnReject(skip_reason_, rec_line_, rec_offset_);
  } else {
    std::string_view span;
    if (rec_start_ != nullptr) {
      span = std::string_view(rec_start_, static_cast<size_t>(end - rec_start_));
    } else {
      buf_.append(chunk_begin_, static_cast<size_t>(end - chunk_begin_));
      span = buf_;
    }
    if (span.size() > max_record_bytes_) {
      sink_.OnReject(kTooLarge, rec_line_, rec_offset_);
    } else {
      sink_.OnRecord(span, rec_line_, rec_offset_);
    }
  }
  if (mode_ == Mode::kUndecided) {
    mode_ = (rec_base_ == 0 && top_object_ && rec_line_ == line_) ? Mode::kLines : Mode::kStream;
  }
  if (rec_base_ == 0) {
    top_object_ = false;
    expect_key_ = false;
    pending_wrapper_ = false;
    key_is_wrapper_ = false;
  }
  skip_ = false;
  rec_start_ = nullptr;
  buf_.clear();
  if (buf_.capacity() > (4u << 20)) buf_.shrink_to_fit();
}

void JsonSplitter::ResetToTop() {
  depth_ = 0;
  record_depth_ = 0;
  in_string_ = false;
  escape_ = false;
  in_record_ = false;
  in_scalar_ = false;
  skip_ = false;
  rec_start_ = nullptr;
  buf_.clear();
  top_object_ = false;
  expect_key_ = false;
  capturing_key_ = false;
  key_is_wrapper_ = false;
  pending_wrapper_ = false;
}

void JsonSplitter::Garbage(const char* p) {
  sink_.OnReject(kMalformed, line_, OffsetOf(p));
  resync_ = true;
}

void JsonSplitter::BreakLine() {
  // Called at a '\n' (already counted) inside a record or container in
  // JSON-lines mode: the line that just ended is broken.
  if (in_record_) {
    sink_.OnReject(kMalformed, rec_line_, rec_offset_);
  } else {
    sink_.OnReject(kMalformed, line_ - 1, 0);
  }
  ResetToTop();
}

void JsonSplitter::FinishKey() {
  capturing_key_ = false;
  std::string_view key(key_, key_len_);
  key_is_wrapper_ = !key_overflow_ && (key == "Records" || key == "Findings");
}

void JsonSplitter::Feed(std::string_view chunk) {
  const char* begin = chunk.data();
  const char* p = begin;
  const char* end = begin + chunk.size();
  chunk_begin_ = begin;
  chunk_offset_ = offset_;
  // A UTF-8 byte order mark at the start of the stream, possibly split.
  while (bom_matched_ < 3 && p < end && OffsetOf(p) == bom_matched_ &&
         *p == "\xEF\xBB\xBF"[bom_matched_]) {
    ++p;
    ++bom_matched_;
  }
  if (p < end) bom_matched_ = 3;

  while (p < end) {
    if (resync_) {
      const void* nl = std::memchr(p, '\n', static_cast<size_t>(end - p));
      if (nl == nullptr) {
        p = end;
        break;
      }
      p = static_cast<const char*>(nl);
      resync_ = false;
      ResetToTop();
      continue;  // the '\n' is processed (counted) below
    }
    char c = *p;
    if (in_string_) {
      // Fast path: run to the next byte that matters.
      if (!escape_ && !capturing_key_) {
        p = SkipPlainStringBytes(p, end);
        if (p == end) break;
        c = *p;
      }
      if (escape_) {
        escape_ = false;
      } else if (c == '\\') {
        escape_ = true;
      } else if (c == '"') {
        in_string_ = false;
        if (capturing_key_) FinishKey();
        if (in_record_ && depth_ == rec_base_) {
          EndRecord(p + 1);
        }
      } else if (c == '\n') {
        ++line_;
        if (mode_ == Mode::kLines) {
          BreakLine();
          ++p;
          continue;
        }
      } else if (capturing_key_) {
        if (key_len_ < sizeof(key_)) {
          key_[key_len_++] = c;
        } else {
          key_overflow_ = true;
        }
      }
      ++p;
      continue;
    }
    if (in_scalar_) {
      if (IsScalarByte(c)) {
        ++p;
        continue;
      }
      EndRecord(p);  // `c` is handled below
    }
    switch (c) {
      case '\n':
        ++line_;
        if (mode_ == Mode::kLines && (in_record_ || depth_ > 0)) BreakLine();
        break;
      case ' ':
      case '\t':
      case '\r':
        break;
      case '"':
        pending_wrapper_ = false;
        if (depth_ == 0) {
          Garbage(p);
          continue;
        }
        if (!in_record_ && depth_ == record_depth_) StartRecord(p);
        in_string_ = true;
        if (top_object_ && depth_ == 1 && expect_key_) {
          capturing_key_ = true;
          key_len_ = 0;
          key_overflow_ = false;
        }
        break;
      case '{':
      case '[':
        if (depth_ == 0 && !in_record_) {
          if (c == '[') {
            record_depth_ = 1;  // a top-level array of records
          } else {
            StartRecord(p);
            top_object_ = true;
            expect_key_ = true;
          }
          depth_ = 1;
          break;
        }
        if (pending_wrapper_ && c == '[' && depth_ == 1 && top_object_) {
          // `{"Records":[` : the object was a wrapper, not a record.
          pending_wrapper_ = false;
          in_record_ = false;
          skip_ = false;
          rec_start_ = nullptr;
          buf_.clear();
          depth_ = 2;
          record_depth_ = 2;
          if (mode_ == Mode::kUndecided) mode_ = Mode::kStream;
          break;
        }
        pending_wrapper_ = false;
        if (!in_record_ && depth_ == record_depth_) StartRecord(p);
        ++depth_;
        if (in_record_ && depth_ - rec_base_ > max_depth_) SkipRecord(kTooDeep);
        break;
      case '}':
      case ']':
        pending_wrapper_ = false;
        if (depth_ == 0) {
          Garbage(p);
          continue;
        }
        --depth_;
        if (in_record_) {
          if (depth_ == rec_base_) EndRecord(p + 1);
        } else if (depth_ == 0) {
          record_depth_ = 0;
          top_object_ = false;
          expect_key_ = false;
          key_is_wrapper_ = false;
        } else if (depth_ + 1 == record_depth_) {
          record_depth_ = -1;  // the wrapper's array ended; the rest is not records
        }
        break;
      case ',':
        if (depth_ == 0) {
          Garbage(p);
          continue;
        }
        if (top_object_ && depth_ == 1) expect_key_ = true;
        pending_wrapper_ = false;
        break;
      case ':':
        if (depth_ == 0) {
          Garbage(p);
          continue;
        }
        if (top_object_ && depth_ == 1) {
          expect_key_ = false;
          pending_wrapper_ = key_is_wrapper_;
          key_is_wrapper_ = false;
        }
        break;
      default:
        if (depth_ == 0) {
          Garbage(p);
          continue;
        }
        pending_wrapper_ = false;
        if (!in_record_ && depth_ == record_depth_) {
          StartRecord(p);
          in_scalar_ = true;
        }
        break;
    }
    ++p;
  }

  if (in_record_ && !skip_) {
    const char* from = rec_start_ != nullptr ? rec_start_ : begin;
    buf_.append(from, static_cast<size_t>(end - from));
    rec_start_ = nullptr;
    if (buf_.size() > max_record_bytes_) SkipRecord(kTooLarge);
  }
  offset_ += chunk.size();
}

void JsonSplitter::Finish() {
  if (in_record_) {
    sink_.OnReject(kTruncated, rec_line_, rec_offset_);
  } else if (depth_ > 0) {
    sink_.OnReject(kTruncated, line_, offset_);
  }
  ResetToTop();
  resync_ = false;
}

}  // namespace gumshoe::ingest
