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
  expect_ = Expect::kValue;
  inner_scalar_ = false;
  rec_key_.clear();
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
  inner_scalar_ = false;
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
  stack_.clear();
  expect_ = Expect::kValue;
  inner_scalar_ = false;
  capturing_first_ = false;
  hunting_ = false;
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

void JsonSplitter::Push(char open) {
  if (stack_.size() < kMaxStack && static_cast<size_t>(depth_) == stack_.size()) stack_.push_back(open);
}

bool JsonSplitter::Pop(char close) {
  if (depth_ <= 0) return true;
  if (static_cast<size_t>(depth_) != stack_.size()) return true;  // deeper than kMaxStack: not checked
  char open = stack_.back();
  if ((open == '{') != (close == '}')) return false;
  stack_.pop_back();
  return true;
}

bool JsonSplitter::Broken(const char* p) {
  // A record already longer than the limit where it breaks is too large,
  // whether or not a chunk ended inside it since it passed the limit.
  if (!skip_ && OverLimit(p)) SkipRecord(kTooLarge);
  sink_.OnReject(skip_ ? skip_reason_ : kMalformed, rec_line_, rec_offset_);
  const bool top = rec_base_ == 0;
  const bool was_skipped = skip_;
  // The record's bytes after its first one, for the replay.
  std::string tail;
  bool replay = false;
  if (!top && !was_skipped && replay_at_ == nullptr) {
    if (rec_start_ != nullptr) {
      tail.assign(rec_start_ + 1, p);
    } else if (!buf_.empty()) {
      tail.assign(buf_, 1, std::string::npos);
      tail.append(chunk_begin_, static_cast<size_t>(p - chunk_begin_));
    }
    replay = !tail.empty() && replayed_bytes_ + tail.size() <= kReplayAllowance + OffsetOf(p);
  }
  const uint64_t replay_line = rec_line_;
  const uint64_t replay_offset = rec_offset_ + 1;
  in_record_ = false;
  in_string_ = false;
  escape_ = false;
  in_scalar_ = false;
  inner_scalar_ = false;
  skip_ = false;
  capturing_key_ = false;
  capturing_first_ = false;
  rec_start_ = nullptr;
  buf_.clear();
  if (top) {
    const bool at_line_start = *p == '\n' || line_blank_;
    ResetToTop();
    if (at_line_start) return true;  // the byte starts the next line or record
    resync_ = true;
    return false;
  }
  depth_ = rec_base_;
  if (stack_.size() > static_cast<size_t>(depth_)) stack_.resize(static_cast<size_t>(depth_));
  expect_ = Expect::kCommaOrEnd;
  hunting_ = true;
  hunt_key_ = rec_key_;
  hunt_state_ = *p == '{' ? 1 : 0;
  hunt_prefix_.clear();
  cand_ptr_ = nullptr;
  if (replay) {
    replayed_bytes_ += tail.size();
    replay_ = std::move(tail);
    replay_at_ = p;
    line_ = replay_line;
    chunk_offset_ = replay_offset;  // where the replayed bytes are in the stream
    hunt_state_ = 0;  // from the start of the replayed bytes
  }
  return true;
}

const char* JsonSplitter::Hunt(const char* p, const char* end) {
  for (; p < end; ++p) {
    char c = *p;
    if (c == '\n') ++line_;
    bool ws = c == ' ' || c == '\t' || c == '\r' || c == '\n';
    switch (hunt_state_) {
      case 0:
        if (c == ',') hunt_state_ = 1;
        break;
      case 1:
        if (ws) break;
        if (c == '{') {
          hunt_state_ = 2;
          hunt_ws_ = 0;
          cand_ptr_ = p;
          cand_line_ = line_;
          cand_offset_ = OffsetOf(p);
          hunt_prefix_.clear();
        } else if (c != ',') {
          hunt_state_ = 0;
        }
        break;
      case 2:
        if (ws && ++hunt_ws_ <= 64) break;
        if (c == '"') {
          hunt_state_ = 3;
          hunt_matched_ = 0;
        } else {
          hunt_state_ = c == ',' ? 1 : 0;
        }
        break;
      case 3: {
        bool closes = c == '"' && (hunt_key_.empty() ? hunt_matched_ > 0 : hunt_matched_ == hunt_key_.size());
        if (closes) {
          // The next record: `{` and its first key are behind; `:` comes next.
          hunting_ = false;
          in_record_ = true;
          skip_ = false;
          rec_base_ = depth_;
          rec_line_ = cand_line_;
          rec_offset_ = cand_offset_;
          if (cand_ptr_ != nullptr) {
            rec_start_ = cand_ptr_;
            buf_.clear();
          } else {
            rec_start_ = nullptr;
            buf_ = hunt_prefix_;
          }
          Push('{');
          ++depth_;
          expect_ = Expect::kColon;
          rec_key_ = hunt_key_;
          return p + 1;
        }
        bool ok = hunt_key_.empty() ? (c != '"' && c != '\\' && static_cast<unsigned char>(c) >= 0x20 && hunt_matched_ < 64)
                                    : (hunt_matched_ < hunt_key_.size() && c == hunt_key_[hunt_matched_]);
        if (ok) {
          ++hunt_matched_;
        } else {
          hunt_state_ = c == ',' ? 1 : 0;
        }
        break;
      }
    }
  }
  // A candidate start split across segments: keep its bytes.
  if (hunt_state_ >= 2) {
    const char* from = cand_ptr_ != nullptr ? cand_ptr_ : chunk_begin_;
    hunt_prefix_.append(from, static_cast<size_t>(end - from));
    cand_ptr_ = nullptr;
  }
  return end;
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
  const char* seg = p;
  uint64_t seg_offset = OffsetOf(p);
  // A broken record's bytes are scanned again, as a segment of their own,
  // before the rest of the chunk; replays inside a replay only hunt forward.
  while (Scan(seg, end, seg_offset)) {
    std::string replayed = std::move(replay_);
    replay_.clear();
    const char* resume = replay_at_;
    uint64_t resume_offset = chunk_offset_ + static_cast<uint64_t>(replayed.size());
    bool again = Scan(replayed.data(), replayed.data() + replayed.size(), chunk_offset_);
    (void)again;  // a break inside the replayed bytes only hunts forward
    replay_at_ = nullptr;
    replay_.clear();
    seg = resume;
    seg_offset = resume_offset;
  }
  offset_ += chunk.size();
}

bool JsonSplitter::Scan(const char* begin, const char* end, uint64_t offset) {
  const char* p = begin;
  chunk_begin_ = begin;
  chunk_offset_ = offset;

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
    if (hunting_) {
      p = Hunt(p, end);
      continue;
    }
    char c = *p;
    if (in_string_) {
      // Fast path: run to the next byte that matters.
      if (!escape_ && !capturing_key_ && !capturing_first_) {
        p = SkipPlainStringBytes(p, end);
        if (p == end) break;
        c = *p;
      }
      if (c == '\n' && !escape_) {
        if (mode_ == Mode::kLines) {
          ++line_;
          BreakLine();
          line_blank_ = true;
          ++p;
          continue;
        }
        if (in_record_) {
          // A raw newline cannot be in a JSON string: the record is broken.
          bool again = Broken(p);
          if (replay_at_ != nullptr && !replay_.empty() && p == replay_at_) return true;
          if (!again) ++p;
          continue;
        }
        ++line_;
        line_blank_ = true;
        ++p;
        continue;
      }
      if (escape_) {
        escape_ = false;
        if (capturing_first_ && rec_key_.size() < 64) rec_key_.push_back(c);
      } else if (c == '\\') {
        escape_ = true;
        if (capturing_first_ && rec_key_.size() < 64) rec_key_.push_back(c);
      } else if (c == '"') {
        in_string_ = false;
        if (capturing_key_) FinishKey();
        capturing_first_ = false;
        if (in_record_ && depth_ == rec_base_) {
          EndRecord(p + 1);
        }
      } else {
        if (capturing_key_) {
          if (key_len_ < sizeof(key_)) {
            key_[key_len_++] = c;
          } else {
            key_overflow_ = true;
          }
        }
        if (capturing_first_ && rec_key_.size() < 64) rec_key_.push_back(c);
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
    if (inner_scalar_) {
      if (IsScalarByte(c)) {
        ++p;
        continue;
      }
      inner_scalar_ = false;
      expect_ = Expect::kCommaOrEnd;
    }
    if (c == '\n') {
      ++line_;
      line_blank_ = true;
      if (mode_ == Mode::kLines && (in_record_ || depth_ > 0)) BreakLine();
      ++p;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r') {
      ++p;
      continue;
    }
    // The grammar inside a record (its opening byte is checked by the
    // container it is in, leniently).
    if (in_record_ && !in_scalar_ && depth_ > rec_base_) {
      bool ok;
      switch (c) {
        case '{':
        case '[':
          ok = expect_ == Expect::kValue || expect_ == Expect::kValueOrEnd;
          break;
        case '}':
          ok = expect_ == Expect::kKeyOrEnd || expect_ == Expect::kCommaOrEnd;
          break;
        case ']':
          ok = expect_ == Expect::kValueOrEnd || expect_ == Expect::kCommaOrEnd;
          break;
        case '"':
          ok = expect_ != Expect::kColon && expect_ != Expect::kCommaOrEnd;
          break;
        case ':':
          ok = expect_ == Expect::kColon;
          break;
        case ',':
          ok = expect_ == Expect::kCommaOrEnd;
          break;
        default:
          ok = IsScalarByte(c) && (expect_ == Expect::kValue || expect_ == Expect::kValueOrEnd);
          break;
      }
      if (ok && (c == '}' || c == ']') && static_cast<size_t>(depth_) == stack_.size() && !stack_.empty()) {
        ok = (stack_.back() == '{') == (c == '}');
      }
      if (!ok) {
        bool again = Broken(p);
        if (replay_at_ != nullptr && !replay_.empty() && p == replay_at_) return true;
        if (!again) ++p;
        continue;
      }
    }
    line_blank_ = false;
    switch (c) {
      case '"':
        pending_wrapper_ = false;
        if (depth_ == 0) {
          Garbage(p);
          continue;
        }
        if (!in_record_ && depth_ == record_depth_) StartRecord(p);
        in_string_ = true;
        if (in_record_ && depth_ > rec_base_) {
          bool key = expect_ == Expect::kKeyOrEnd || expect_ == Expect::kKey;
          if (key && expect_ == Expect::kKeyOrEnd && depth_ == rec_base_ + 1 && rec_key_.empty()) {
            capturing_first_ = true;
          }
          expect_ = key ? Expect::kColon : Expect::kCommaOrEnd;
        }
        if (top_object_ && depth_ == 1 && expect_key_) {
          capturing_key_ = true;
          key_len_ = 0;
          key_overflow_ = false;
        }
        break;
      case '{':
      case '[':
        if (depth_ == 0 && !in_record_) {
          Push(c);
          if (c == '[') {
            record_depth_ = 1;  // a top-level array of records
          } else {
            StartRecord(p);
            top_object_ = true;
            expect_key_ = true;
            expect_ = Expect::kKeyOrEnd;
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
          Push('[');
          depth_ = 2;
          record_depth_ = 2;
          if (mode_ == Mode::kUndecided) mode_ = Mode::kStream;
          break;
        }
        pending_wrapper_ = false;
        if (!in_record_ && depth_ == record_depth_) StartRecord(p);
        Push(c);
        ++depth_;
        if (in_record_) expect_ = c == '{' ? Expect::kKeyOrEnd : Expect::kValueOrEnd;
        if (in_record_ && depth_ - rec_base_ > max_depth_) SkipRecord(OverLimit(p) ? kTooLarge : kTooDeep);
        break;
      case '}':
      case ']':
        pending_wrapper_ = false;
        if (depth_ == 0) {
          Garbage(p);
          continue;
        }
        if (!Pop(c)) {
          // A stray closing bracket between records: skipped.
          sink_.OnReject(kMalformed, line_, OffsetOf(p));
          break;
        }
        --depth_;
        if (in_record_) {
          expect_ = Expect::kCommaOrEnd;
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
        if (in_record_ && depth_ > rec_base_) {
          expect_ = !stack_.empty() && static_cast<size_t>(depth_) == stack_.size() && stack_.back() == '{'
                        ? Expect::kKey
                        : Expect::kValue;
        }
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
        if (in_record_) expect_ = Expect::kValue;
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
        } else if (in_record_ && depth_ > rec_base_) {
          inner_scalar_ = true;
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
  return false;
}

void JsonSplitter::Finish() {
  if (hunting_) {
    // The broken record was reported; no record started after it.
  } else if (in_record_) {
    sink_.OnReject(kTruncated, rec_line_, rec_offset_);
  } else if (depth_ > 0) {
    sink_.OnReject(kTruncated, line_, offset_);
  }
  ResetToTop();
  resync_ = false;
}

}  // namespace gumshoe::ingest
