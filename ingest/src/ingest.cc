// The ingest runner: inputs -> byte sources -> splitter -> FileParser ->
// GraphDelta -> GraphStore::Apply, with dedup, batching and stats.
#include "gumshoe/ingest.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <exception>
#include <filesystem>
#include <future>
#include <memory>
#include <atomic>
#include <mutex>
#include <system_error>
#include <thread>
#include <tuple>
#include <unordered_set>
#include <utility>
#include <vector>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include "gumshoe/utf8.h"

#include "byte_source.h"
#include "ingestor.h"
#include "json_splitter.h"
#include "registry.h"
#include "runner.h"

namespace gumshoe {

void IngestStats::MergeFrom(const IngestStats& other) {
  files += other.files;
  bytes += other.bytes;
  records_total += other.records_total;
  records_ok += other.records_ok;
  duplicates += other.duplicates;
  rejected += other.rejected;
  no_data += other.no_data;
  batches += other.batches;
  for (const auto& [k, v] : other.records_by_source) records_by_source[k] += v;
  for (const auto& [k, v] : other.rejects) rejects[k] += v;
  for (const auto& [k, v] : other.anomalies) anomalies[k] += v;
  for (const auto& [k, v] : other.examples) {
    auto& mine = examples[k];
    for (const std::string& e : v) {
      if (std::find(mine.begin(), mine.end(), e) == mine.end()) mine.push_back(e);
    }
  }
  file_errors.insert(file_errors.end(), other.file_errors.begin(), other.file_errors.end());
  skipped_files.insert(skipped_files.end(), other.skipped_files.begin(), other.skipped_files.end());
}

namespace {

void AppendCountMap(std::string& out, const std::map<std::string, uint64_t>& m) {
  out.push_back('{');
  bool first = true;
  for (const auto& [k, v] : m) {
    if (!first) out.push_back(',');
    first = false;
    out += ingest::JsonQuote(k);
    out.push_back(':');
    out += std::to_string(v);
  }
  out.push_back('}');
}

void AppendStringList(std::string& out, const std::vector<std::string>& list) {
  out.push_back('[');
  for (size_t i = 0; i < list.size(); ++i) {
    if (i > 0) out.push_back(',');
    out += ingest::JsonQuote(list[i]);
  }
  out.push_back(']');
}

}  // namespace

std::string IngestStats::ToJson() const {
  std::string out = "{\"anomalies\":";
  AppendCountMap(out, anomalies);
  out += ",\"batches\":" + std::to_string(batches);
  out += ",\"bytes\":" + std::to_string(bytes);
  out += ",\"duplicates\":" + std::to_string(duplicates);
  out += ",\"examples\":{";
  bool first = true;
  for (const auto& [k, v] : examples) {
    if (!first) out.push_back(',');
    first = false;
    out += ingest::JsonQuote(k);
    out.push_back(':');
    AppendStringList(out, v);
  }
  out += "},\"file_errors\":";
  AppendStringList(out, file_errors);
  out += ",\"files\":" + std::to_string(files);
  out += ",\"no_data\":" + std::to_string(no_data);
  out += ",\"records_by_source\":";
  AppendCountMap(out, records_by_source);
  out += ",\"records_ok\":" + std::to_string(records_ok);
  out += ",\"records_total\":" + std::to_string(records_total);
  out += ",\"rejected\":" + std::to_string(rejected);
  out += ",\"rejects\":";
  AppendCountMap(out, rejects);
  out += ",\"skipped_files\":";
  AppendStringList(out, skipped_files);
  out.push_back('}');
  return out;
}

namespace ingest {
namespace {

// Bytes of decompressed content the ingestors see when sniffing.
constexpr size_t kSniffBytes = 64u << 10;
// Records between progress callbacks.
constexpr uint64_t kProgressEvery = 50000;
// Parsing threads: "auto" takes one per core up to kMaxAutoThreads; no more
// than kMaxThreads in any case.
constexpr size_t kMaxAutoThreads = 4;
constexpr size_t kMaxThreads = 64;
// The reusable first block of the per-record JSON allocator.
constexpr size_t kJsonPoolBytes = 256u << 10;

// Iterative: no recursion on deep input. Encoding is validated only when the
// record has non-ASCII bytes (most records are pure ASCII; validation is the
// most expensive part of parsing them).
constexpr unsigned kParseFlags = rapidjson::kParseIterativeFlag;
constexpr unsigned kParseValidatingFlags = kParseFlags | rapidjson::kParseValidateEncodingFlag;

bool IsAscii(std::string_view s) {
  const char* p = s.data();
  size_t n = s.size();
  uint64_t acc = 0;
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    acc |= w;
  }
  for (; n > 0; ++p, --n) acc |= static_cast<unsigned char>(*p);
  return (acc & 0x8080808080808080ull) == 0;
}

using JsonDocument = rapidjson::GenericDocument<rapidjson::UTF8<>, rapidjson::MemoryPoolAllocator<>>;

bool LooksLikeJson(std::string_view head) {
  if (head.size() >= 3 && head.substr(0, 3) == "\xEF\xBB\xBF") head.remove_prefix(3);
  for (char c : head) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    return c == '{' || c == '[';
  }
  return false;
}

std::string BaseName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos || slash + 1 == path.size()) return path;
  return path.substr(slash + 1);
}

// How evidence ("<name>:<line>") names each input file: a file found by
// walking a directory given to Ingest by its path relative to that
// directory (AWSLogs/1/vpcflowlogs/.../x.log.gz: unambiguous within an
// export tree), a file given itself by its base name, stdin as "-". The
// walk names files "<dir>/<relative path>"; the first input directory that
// prefixes a file is the one that found it (a directory walked twice is
// skipped the second time).
std::vector<std::string> EvidenceNames(const std::vector<std::string>& inputs, const std::vector<std::string>& files,
                                       const std::vector<bool>& walked) {
  std::vector<std::string> names;
  names.reserve(files.size());
  for (size_t i = 0; i < files.size(); ++i) {
    const std::string& f = files[i];
    std::string name = f == "-" ? f : BaseName(f);
    if (i < walked.size() && walked[i]) {
      for (const std::string& root : inputs) {
        if (root.empty() || root == "-" || f.size() <= root.size() || f.compare(0, root.size(), root) != 0) continue;
        if (root.back() != '/' && f[root.size()] != '/') continue;
        size_t rel = root.size();
        while (rel < f.size() && f[rel] == '/') ++rel;
        if (rel < f.size()) {
          name = f.substr(rel);
          break;
        }
      }
    }
    names.push_back(std::move(name));
  }
  return names;
}

// Where a list entry (file error, skipped file, reject example) came from, so
// that the lists of several runners merge into input order.
struct Ordered {
  size_t file = 0;
  uint64_t line = 0;
  uint64_t offset = 0;
  std::string text;
  bool operator<(const Ordered& o) const {
    return std::tie(file, line, offset, text) < std::tie(o.file, o.line, o.offset, o.text);
  }
};

// What the runners of one ingest call share: the input list, the record
// identities claimed but not yet applied, the first store error, progress.
// Thread-safe.
class SharedRun {
 public:
  SharedRun(const std::vector<std::string>& files, const std::vector<bool>& walked, const IngestOptions& options)
      : files_(files), walked_(walked), options_(options) {
    if (!options_.progress) return;
    for (const std::string& f : files_) {
      std::error_code ec;
      uint64_t size = f == "-" ? 0 : std::filesystem::file_size(f, ec);
      if (!ec) bytes_total_ += size;
    }
  }

  // The next input to process, or false when none is left or the run failed.
  bool NextFile(size_t* index) {
    if (failed_.load(std::memory_order_relaxed)) return false;
    size_t i = next_file_.fetch_add(1, std::memory_order_relaxed);
    if (i >= files_.size()) return false;
    *index = i;
    return true;
  }
  const std::string& file(size_t i) const { return files_[i]; }
  bool walked(size_t i) const { return walked_[i]; }
  // The file's name in evidence refs (see EvidenceNames); set before the
  // runners start.
  const std::string& evidence_name(size_t i) const { return evidence_names_[i]; }
  void SetEvidenceNames(std::vector<std::string> names) { evidence_names_ = std::move(names); }

  // Claims a record identity for the caller's delta; false when another
  // record (of any runner) holds it and has not been applied yet.
  bool Claim(const RecordId& id) {
    std::lock_guard<std::mutex> lock(claims_mu_);
    return claims_.insert(id);
  }
  void Release(const RecordId& id) {
    std::lock_guard<std::mutex> lock(claims_mu_);
    claims_.erase(id);
  }
  // After a delta is applied its identities are in the store: drop the claims.
  void ReleaseApplied(const GraphDelta& delta) {
    std::lock_guard<std::mutex> lock(claims_mu_);
    for (const RecordId& id : delta.records()) {
      claims_.erase(id);
      applied_.Add(id);
    }
    if (!delta.records().empty()) any_applied_.store(true, std::memory_order_release);
  }
  // Whether a record found in the store may have been applied by this run
  // (a Bloom filter: no false negatives; a false positive only costs a fold).
  bool MaybeAppliedThisRun(const RecordId& id) {
    // A re-ingest of stored records applies nothing: no lock on its fast path.
    if (!any_applied_.load(std::memory_order_acquire)) return false;
    std::lock_guard<std::mutex> lock(claims_mu_);
    return applied_.MayContain(id);
  }

  void Fail() { failed_.store(true, std::memory_order_relaxed); }
  bool failed() const { return failed_.load(std::memory_order_relaxed); }

  void AddProgress(uint64_t files, uint64_t bytes, uint64_t records) {
    files_done_ += files;
    bytes_done_ += bytes;
    records_ += records;
  }
  void ReportProgress(const std::string& current_file, uint64_t current_bytes) {
    if (!options_.progress) return;
    IngestProgress p;
    p.current_file = current_file;
    p.files_done = files_done_.load();
    p.bytes_read = bytes_done_.load() + current_bytes;
    p.records = records_.load();
    p.files_total = files_.size();
    p.bytes_total = bytes_total_;
    std::lock_guard<std::mutex> lock(progress_mu_);
    options_.progress(p);
  }

 private:
  const std::vector<std::string>& files_;
  const std::vector<bool>& walked_;
  std::vector<std::string> evidence_names_;
  const IngestOptions& options_;
  std::atomic<size_t> next_file_{0};
  std::atomic<bool> failed_{false};
  std::mutex claims_mu_;
  RecordIdSet claims_;
  // The identities this run applied (guarded by claims_mu_): a duplicate of
  // one of them is another copy within the run (see Runner::FoldDuplicate).
  class Bloom {
   public:
    void Add(const RecordId& id) {
      if (bits_.empty()) bits_.assign(kWords, 0);
      for (uint64_t h : Hashes(id)) bits_[(h >> 6) % kWords] |= uint64_t{1} << (h & 63);
    }
    bool MayContain(const RecordId& id) const {
      if (bits_.empty()) return false;
      for (uint64_t h : Hashes(id))
        if ((bits_[(h >> 6) % kWords] & (uint64_t{1} << (h & 63))) == 0) return false;
      return true;
    }

   private:
    static constexpr size_t kWords = size_t{1} << 20;  // 8 MiB, allocated on first use
    static std::array<uint64_t, 4> Hashes(const RecordId& id) {
      uint64_t a, b;  // record ids are already uniform hashes
      std::memcpy(&a, id.data(), 8);
      std::memcpy(&b, id.data() + 8, 8);
      return {a, b, a ^ (b << 21 | b >> 43), b + a * 0x9e3779b97f4a7c15ull};
    }
    std::vector<uint64_t> bits_;
  };
  Bloom applied_;
  std::atomic<bool> any_applied_{false};
  std::atomic<uint64_t> files_done_{0}, bytes_done_{0}, records_{0};
  uint64_t bytes_total_ = 0;
  std::mutex progress_mu_;
};

class Runner final : public RecordContext, public JsonSplitter::Sink, public LineSplitter::Sink {
 public:
  // `runners`: how many runners share the run; each gets that share of the batch limits.
  Runner(GraphStore& store, const IngestOptions& options, SharedRun& shared, size_t runners)
      : store_(store),
        options_(options),
        shared_(shared),
        batch_bytes_(std::max<size_t>(options.batch_bytes / std::max<size_t>(runners, 1), 1)),
        batch_records_(std::max<size_t>(options.batch_records / std::max<size_t>(runners, 1), 1)),
        pool_buffer_(new char[kJsonPoolBytes]),
        pool_(pool_buffer_.get(), kJsonPoolBytes),
        doc_(&pool_),
        chunk_(new char[kRawChunkBytes + 1]) {
    now_ = options.now != 0 ? options.now : static_cast<Timestamp>(std::time(nullptr));
  }

  // Processes inputs until none is left; then applies what is left. A
  // returned error means the store failed and the run must stop.
  Status Run(const std::vector<const Ingestor*>& ingestors, const Ingestor* forced) {
    size_t index = 0;
    while (store_error_.ok() && shared_.NextFile(&index)) {
      file_index_ = index;
      Status s = RunFile(shared_.file(index), ingestors, forced, shared_.walked(index));
      if (!s.ok()) {
        shared_.Fail();
        return s;
      }
    }
    if (shared_.failed() && store_error_.ok()) return Status::Ok();  // another runner reports it
    Status s = Finish();
    if (!s.ok()) shared_.Fail();
    return s;
  }

  // Per-file problems go to file_errors_; a returned error means the store
  // failed and the run must stop.
  Status RunFile(const std::string& path, const std::vector<const Ingestor*>& ingestors,
                 const Ingestor* forced, bool walked) {
    display_ = path;
    evidence_base_ = shared_.evidence_name(file_index_);
    pos_ = Position{};
    pos_.path = display_;
    ByteSourceOptions bso;
    bso.max_decompressed_bytes = options_.max_decompressed_bytes;
    Result<std::unique_ptr<ByteSource>> opened = OpenInput(path, display_, bso);
    if (!opened.ok()) {
      FileError(opened.status().message());
      return Status::Ok();
    }
    std::unique_ptr<ByteSource> src = std::move(opened).value();
    src_ = src.get();

    Status read_error;
    size_t head_size = 0;
    while (head_size < kSniffBytes) {
      Result<size_t> got = src->Read(chunk_.get() + head_size, kSniffBytes - head_size);
      if (!got.ok()) {
        read_error = got.status();
        break;
      }
      if (*got == 0) break;
      head_size += *got;
    }
    std::string_view head(chunk_.get(), head_size);

    if (head_size == 0 && read_error.ok()) {
      // An empty input: nothing to detect or read.
      ++stats_.files;
      stats_.bytes += src->raw_bytes();
      shared_.AddProgress(1, src->raw_bytes(), 0);
      src_ = nullptr;
      ReportProgress();
      return Status::Ok();
    }

    const Ingestor* chosen = forced;
    if (chosen == nullptr) {
      int best = 0;
      for (const Ingestor* ing : ingestors) {
        int score = ing->Sniff(path, head);
        if (score > best) {
          best = score;
          chosen = ing;
        }
      }
    }
    if (chosen == nullptr) {
      if (!read_error.ok() && head_size == 0) {
        FileError(read_error.message());
      } else if (walked) {
        ++stats_.files;
        skipped_files_.push_back(Ordered{file_index_, 0, 0, display_});
      } else {
        FileError(display_ + ": cannot tell which log source this is (use --source)");
      }
      stats_.bytes += src->raw_bytes();
      shared_.AddProgress(1, src->raw_bytes(), 0);
      src_ = nullptr;
      ReportProgress();
      return Status::Ok();
    }
    name_ = std::string(chosen->name());
    FileInfo info;
    info.path = path;
    info.json = LooksLikeJson(head);
    std::unique_ptr<FileParser> parser = chosen->NewParser(info, options_);
    if (parser == nullptr) {
      FileError(display_ + ": the " + name_ + " ingestor cannot read this file");
      src_ = nullptr;
      return Status::Ok();
    }
    parser_ = parser.get();
    ++stats_.files;

    try {
      if (info.json) {
        JsonSplitter splitter(*this, options_.max_record_bytes, options_.max_json_depth);
        Pump(splitter, *src, head, read_error);
        if (read_error.ok() && store_error_.ok()) splitter.Finish();
      } else {
        LineSplitter splitter(*this, options_.max_record_bytes);
        Pump(splitter, *src, head, read_error);
        if (read_error.ok() && store_error_.ok()) splitter.Finish();
      }
      if (store_error_.ok()) {
        StartItem();
        parser_->Finish(*this);
        FinishItem();
      }
    } catch (const std::exception& e) {
      FinishItem();
      FileError(display_ + ": internal error: " + e.what());
    }
    if (!read_error.ok()) FileError(read_error.message());
    stats_.bytes += src->raw_bytes();
    shared_.AddProgress(1, src->raw_bytes(), 0);
    parser_ = nullptr;
    src_ = nullptr;
    ReportProgress();
    return store_error_;
  }

  // Applies what is left and fills in the totals.
  Status Finish() {
    GUMSHOE_RETURN_IF_ERROR(store_error_);
    GUMSHOE_RETURN_IF_ERROR(FlushDelta());
    GUMSHOE_RETURN_IF_ERROR(WaitForApply());
    stats_.records_total = stats_.records_ok + stats_.duplicates + stats_.rejected + stats_.no_data;
    return Status::Ok();  // IngestWith flushes the store once every runner is done
  }

  IngestStats& stats() { return stats_; }
  // The lists whose order follows the input, for MergeRunners.
  std::vector<Ordered>& file_errors() { return file_errors_; }
  std::vector<Ordered>& skipped_files() { return skipped_files_; }
  std::map<std::string, std::vector<Ordered>>& examples() { return examples_; }

  // RecordContext.
  bool BeginRecord(std::string_view identity) override {
    if (item_ != Item::kFresh && item_ != Item::kNone) {
      FinishItem();  // a second record within one item
    }
    RecordId id = store_.hasher().RecordIdOf(name_, identity);
    // Claim first, then look in the store: a claim is dropped only after its
    // delta is written, so one of the two always sees an earlier copy.
    bool duplicate = !shared_.Claim(id);
    bool this_run = duplicate;  // another runner holds it: a copy within this run
    if (!duplicate) {
      Result<bool> stored = store_.ContainsRecord(id);
      if (!stored.ok()) {
        if (store_error_.ok()) store_error_ = stored.status();
      } else {
        duplicate = *stored;
      }
      if (duplicate) {
        shared_.Release(id);
        this_run = shared_.MaybeAppliedThisRun(id);
      }
    }
    if (duplicate) {
      item_ = Item::kDuplicate;
      if (!this_run) return false;
      // Another copy of this record was read in this run (by whichever
      // thread came first): parse this one too, into a scratch delta, so
      // that its file:line evidence can compete with the kept copy's.
      folding_ = true;
      return true;
    }
    pending_id_ = id;
    pending_begun_ = true;
    item_ = Item::kBegun;
    return true;
  }
  GraphDelta& delta() override { return folding_ ? scratch_ : *active_; }
  void Reject(std::string_view reason) override {
    if (folding_) return;  // a duplicate: counted as such
    std::string key = name_;
    key.push_back('.');
    key.append(reason);
    ++stats_.rejects[key];
    auto& examples = examples_[key];
    if (examples.size() < options_.max_examples_per_reason) {
      examples.push_back(Ordered{file_index_, pos_.line, pos_.offset,
                                 pos_.line != 0 ? display_ + ":" + std::to_string(pos_.line)
                                                : display_ + "@" + std::to_string(pos_.offset)});
    }
    item_ = Item::kRejected;
  }
  void Anomaly(std::string_view name) override {
    if (folding_) return;
    std::string key = name_;
    key.push_back('.');
    key.append(name);
    ++stats_.anomalies[key];
  }
  void NoData() override {
    if (folding_) return;
    if (item_ == Item::kBegun || item_ == Item::kFresh) item_ = Item::kNoData;
  }
  const Position& position() const override { return pos_; }
  std::string EvidenceRef() const override {
    return pos_.line != 0 ? evidence_base_ + ":" + std::to_string(pos_.line)
                          : evidence_base_ + "@" + std::to_string(pos_.offset);
  }
  const IngestOptions& options() const override { return options_; }
  Timestamp now() const override { return now_; }

  // JsonSplitter::Sink.
  void OnRecord(std::string_view text, uint64_t line, uint64_t offset) override {
    if (!store_error_.ok()) return;
    pos_.line = line;
    pos_.offset = offset;
    StartItem();
    doc_.SetNull();
    pool_.Clear();
    // RapidJSON parses NUL-terminated text fastest: terminate the span in
    // place. It lies either in chunk_ (which has one spare byte at the end)
    // or is the splitter's whole record buffer (a std::string, whose
    // terminator is already '\0'); the byte is restored after parsing. A NUL
    // inside the record ends the text early and fails the parse, as it must.
    // The parse is in situ: strings are unescaped and terminated inside the
    // span itself, which nothing reads afterwards (the splitter is past it).
    char* begin = const_cast<char*>(text.data());
    char* end = begin + text.size();
    char saved = *end;
    *end = '\0';
    if (IsAscii(text)) {
      doc_.ParseInsitu<kParseFlags>(begin);
    } else {
      doc_.ParseInsitu<kParseValidatingFlags>(begin);
    }
    *end = saved;
    if (doc_.HasParseError()) {
      bool encoding = doc_.GetParseError() == rapidjson::kParseErrorStringInvalidEncoding &&
                      doc_.GetErrorOffset() < text.size() &&
                      static_cast<unsigned char>(text[doc_.GetErrorOffset()]) >= 0x80;
      Reject(encoding ? "invalid_utf8" : "malformed_json");
    } else {
      parser_->OnJson(doc_, *this);
    }
    FinishItem();
  }
  void OnReject(std::string_view reason, uint64_t line, uint64_t offset) override {
    if (!store_error_.ok()) return;
    pos_.line = line;
    pos_.offset = offset;
    StartItem();
    Reject(reason);
    FinishItem();
  }

  // LineSplitter::Sink.
  void OnLine(std::string_view line, uint64_t number, uint64_t offset) override {
    if (!store_error_.ok()) return;
    pos_.line = number;
    pos_.offset = offset;
    StartItem();
    parser_->OnLine(line, *this);
    FinishItem();
  }
  void OnLineTooLong(uint64_t number, uint64_t offset) override { OnReject("line_too_long", number, offset); }

 private:
  enum class Item { kNone, kFresh, kBegun, kRejected, kNoData, kDuplicate };

  template <typename Splitter>
  void Pump(Splitter& splitter, ByteSource& src, std::string_view head, Status& read_error) {
    splitter.Feed(head);
    while (read_error.ok() && store_error_.ok()) {
      Result<size_t> got = src.Read(chunk_.get(), kRawChunkBytes);
      if (!got.ok()) {
        read_error = got.status();
        break;
      }
      if (*got == 0) break;
      splitter.Feed(std::string_view(chunk_.get(), *got));
    }
  }

  void StartItem() {
    if (item_ != Item::kNone) FinishItem();
    item_ = Item::kFresh;
  }

  void FinishItem() {
    switch (item_) {
      case Item::kBegun:
        ++stats_.records_ok;
        ++stats_.records_by_source[name_];
        active_->AddRecord(pending_id_);
        break;
      case Item::kNoData:
        ++stats_.no_data;
        if (pending_begun_) active_->AddRecord(pending_id_);
        break;
      case Item::kRejected:
        ++stats_.rejected;
        if (pending_begun_) shared_.Release(pending_id_);
        break;
      case Item::kDuplicate:
        ++stats_.duplicates;
        if (folding_) FoldDuplicate();
        break;
      case Item::kNone:
      case Item::kFresh:
        return;
    }
    item_ = Item::kNone;
    pending_begun_ = false;
    if (++items_ % kProgressEvery == 0) {
      shared_.AddProgress(0, 0, kProgressEvery);
      ReportProgress();
    }
    if (active_->ApproxBytes() > batch_bytes_ || active_->records().size() >= batch_records_) {
      Status s = FlushDelta();
      if (!s.ok() && store_error_.ok()) store_error_ = s;
    }
  }

  // Evidence of a duplicate copy within the run. The copy kept is the one a
  // thread reached first; so that the graph does not depend on that, the
  // other copy's file:line evidence (its EvidenceRef) is offered to the same
  // edges with weight 0: counts stay those of one copy, and first/last
  // evidence become the least/greatest (time, ref) of all copies whatever
  // the order (MergeEdgeStats). Evidence that does not name the position
  // ("cloudtrail:<eventID>") is the same in every copy and is left alone.
  void FoldDuplicate() {
    folding_ = false;
    const std::string ref = EvidenceRef();
    for (const GraphDelta::EdgeEntry& e : scratch_.edges()) {
      const EdgeStats& s = e.stats;
      if (s.first_evidence.ref == ref)
        active_->AddEdge(e.src->ref(), e.kind, e.dst->ref(), EdgeObservation{s.first_evidence.time, 0, ref, 0});
      if (s.last_evidence.ref == ref && s.last_evidence.time != s.first_evidence.time)
        active_->AddEdge(e.src->ref(), e.kind, e.dst->ref(), EdgeObservation{s.last_evidence.time, 0, ref, 0});
    }
    scratch_.Clear();
  }

  // Hands the active delta to the store. With apply_in_background the Apply
  // runs on a worker thread while parsing goes on into the other delta; at
  // most one Apply is in flight, so at most two deltas exist.
  Status FlushDelta() {
    GUMSHOE_RETURN_IF_ERROR(WaitForApply());
    if (active_->empty()) return Status::Ok();
    if (options_.apply_in_background) {
      GraphDelta* batch = active_;
      try {
        // The worker also releases the claims and clears the delta, off the
        // parsing thread.
        pending_apply_ = std::async(std::launch::async, [this, batch] {
          Status s = store_.Apply(*batch);
          if (s.ok()) shared_.ReleaseApplied(*batch);
          batch->Clear();
          return s;
        });
        inflight_ = batch;
        active_ = batch == &delta_a_ ? &delta_b_ : &delta_a_;
        return Status::Ok();
      } catch (const std::system_error&) {
        // No thread available: apply on this one.
      }
    }
    Status s = store_.Apply(*active_);
    if (s.ok()) shared_.ReleaseApplied(*active_);
    active_->Clear();
    if (!s.ok()) return s;
    ++stats_.batches;
    return Status::Ok();
  }

  // Waits for the Apply in flight, if any.
  Status WaitForApply() {
    if (inflight_ == nullptr) return Status::Ok();
    Status s = pending_apply_.get();
    inflight_ = nullptr;
    if (!s.ok()) return s;
    ++stats_.batches;
    return Status::Ok();
  }

  void ReportProgress() { shared_.ReportProgress(display_, src_ != nullptr ? src_->raw_bytes() : 0); }

  void FileError(std::string text) { file_errors_.push_back(Ordered{file_index_, 0, file_errors_.size(), std::move(text)}); }

  GraphStore& store_;
  const IngestOptions& options_;
  SharedRun& shared_;
  const size_t batch_bytes_;
  const size_t batch_records_;
  Timestamp now_ = 0;
  IngestStats stats_;
  Status store_error_;
  // Records and graph changes go into *active_; *inflight_ (when not null)
  // is being applied by pending_apply_. Declared before pending_apply_, so
  // a running Apply finishes before the deltas go away.
  GraphDelta delta_a_, delta_b_;
  GraphDelta* active_ = &delta_a_;
  GraphDelta* inflight_ = nullptr;
  std::future<Status> pending_apply_;
  // A duplicate within the run is parsed into scratch_ (folding_) for its evidence.
  GraphDelta scratch_;
  bool folding_ = false;

  std::unique_ptr<char[]> pool_buffer_;
  rapidjson::MemoryPoolAllocator<> pool_;
  JsonDocument doc_;
  std::unique_ptr<char[]> chunk_;

  // The current file.
  std::string display_;
  std::string evidence_base_;
  std::string name_;
  FileParser* parser_ = nullptr;
  ByteSource* src_ = nullptr;
  Position pos_;
  size_t file_index_ = 0;
  std::vector<Ordered> file_errors_, skipped_files_;
  std::map<std::string, std::vector<Ordered>> examples_;

  // The current item (record or line).
  Item item_ = Item::kNone;
  RecordId pending_id_{};
  bool pending_begun_ = false;  // pending_id_ belongs to the current item
  uint64_t items_ = 0;
};

bool NeedsEscape(uint32_t cp) { return IsUnsafeCodePoint(cp); }

}  // namespace

std::string JsonQuote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out.push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    uint32_t cp = 0;
    size_t len = DecodeUtf8(s, i, &cp);
    if (len == 0) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    if (cp == '"') {
      out += "\\\"";
    } else if (cp == '\\') {
      out += "\\\\";
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\t') {
      out += "\\t";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (NeedsEscape(cp)) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned>(cp));
      out += buf;
    } else {
      out.append(s.substr(i, len));
    }
    i += len;
  }
  out.push_back('"');
  return out;
}

Result<IngestStats> IngestWith(GraphStore& store, const std::vector<const Ingestor*>& ingestors,
                               const std::vector<std::string>& paths, const IngestOptions& options) {
  if (paths.empty()) return Status::InvalidArgument("no input paths given");
  const Ingestor* forced = nullptr;
  if (!options.source.empty()) {
    for (const Ingestor* ing : ingestors) {
      if (ing->name() == options.source) forced = ing;
    }
    if (forced == nullptr) {
      std::string known;
      for (const Ingestor* ing : ingestors) {
        if (!known.empty()) known += ", ";
        known += ing->name();
      }
      return Status::InvalidArgument("unknown source '" + options.source + "' (known: " +
                                     (known.empty() ? std::string("none") : known) + ")");
    }
  }
  Timestamp started = static_cast<Timestamp>(std::time(nullptr));

  std::vector<std::string> files;
  std::vector<bool> walked;
  std::vector<std::string> expand_errors;
  ExpandInputs(paths, &files, &expand_errors, &walked);

  size_t threads = options.threads;
  if (threads == 0) threads = std::clamp<size_t>(std::thread::hardware_concurrency(), 1, kMaxAutoThreads);
  threads = std::clamp<size_t>(std::min(threads, files.size()), 1, kMaxThreads);
  SharedRun shared(files, walked, options);
  shared.SetEvidenceNames(EvidenceNames(paths, files, walked));
  std::vector<std::unique_ptr<Runner>> runners;
  for (size_t i = 0; i < threads; ++i) runners.push_back(std::make_unique<Runner>(store, options, shared, threads));
  std::vector<Status> results(threads);
  std::vector<std::thread> workers;
  for (size_t i = 1; i < threads; ++i) {
    try {
      workers.emplace_back([&, i] {
        try {
          results[i] = runners[i]->Run(ingestors, forced);
        } catch (const std::exception& e) {  // e.g. bad_alloc outside a parser
          shared.Fail();
          results[i] = Status::Internal(std::string("ingest thread: ") + e.what());
        }
      });
    } catch (const std::system_error&) {
      break;  // no thread: the runners that did start take every file
    }
  }
  results[0] = runners[0]->Run(ingestors, forced);
  for (std::thread& t : workers) t.join();
  // The store is flushed once for the whole run, after every runner is done
  // (a runner that finished early flushing while the others still write would
  // only cut their memtables short); also when a runner failed, so that what
  // the others applied is on disk, not only in the unsynced log.
  for (const Status& r : results) {
    if (!r.ok()) {
      (void)store.Flush();  // best effort: the runner's error is the one to report
      return r;
    }
  }

  // Merge the runners' counts; the lists follow input order, whichever
  // runner read which file.
  IngestStats stats;
  std::vector<Ordered> errors, skipped;
  std::map<std::string, std::vector<Ordered>> examples;
  for (auto& r : runners) {
    stats.MergeFrom(r->stats());
    errors.insert(errors.end(), r->file_errors().begin(), r->file_errors().end());
    skipped.insert(skipped.end(), r->skipped_files().begin(), r->skipped_files().end());
    for (auto& [reason, list] : r->examples()) {
      examples[reason].insert(examples[reason].end(), list.begin(), list.end());
    }
  }
  stats.file_errors = std::move(expand_errors);
  std::sort(errors.begin(), errors.end());
  for (Ordered& e : errors) stats.file_errors.push_back(std::move(e.text));
  std::sort(skipped.begin(), skipped.end());
  for (Ordered& e : skipped) stats.skipped_files.push_back(std::move(e.text));
  for (auto& [reason, list] : examples) {
    std::sort(list.begin(), list.end());
    auto& out = stats.examples[reason];
    for (size_t i = 0; i < list.size() && i < options.max_examples_per_reason; ++i) out.push_back(std::move(list[i].text));
  }

  char stamp[32];
  std::snprintf(stamp, sizeof(stamp), "run/%012lld-", static_cast<long long>(started));
  uint64_t n = 0;
  GUMSHOE_RETURN_IF_ERROR(store.ScanMeta(stamp, [&](std::string_view, std::string_view) {
    ++n;
    return true;
  }));
  GUMSHOE_RETURN_IF_ERROR(store.PutMeta(std::string(stamp) + std::to_string(n), stats.ToJson()));
  GUMSHOE_RETURN_IF_ERROR(store.Flush());
  return stats;
}

}  // namespace ingest

Result<IngestStats> Ingest(GraphStore& store, const std::vector<std::string>& paths,
                           const IngestOptions& options) {
  std::vector<const ingest::Ingestor*> ingestors;
  for (const auto& ing : ingest::Ingestors()) ingestors.push_back(ing.get());
  return ingest::IngestWith(store, ingestors, paths, options);
}

}  // namespace gumshoe
