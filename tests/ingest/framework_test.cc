// The ingest framework end to end with a test-only "kv" ingestor: shapes,
// gzip, limits, directory walks, dedup, batching and stats.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fcntl.h>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "gumshoe/ingest.h"
#include "gumshoe/memory_store.h"
#include "ingestor.h"
#include "json_util.h"
#include "registry.h"
#include "runner.h"

namespace gumshoe::ingest {
namespace {

namespace fs = std::filesystem;

// "kv": JSON records {"kv":1,"id":..,"src":ip,"dst":ip,"t":secs} or text
// lines "id src dst t" after a "#kv" header. Emits src -network_flow-> dst.
class KvParser : public FileParser {
 public:
  void OnJson(const rapidjson::Value& v, RecordContext& ctx) override {
    auto id = Str(Member(v, "id"));
    if (!id) {
      ctx.Reject("missing_id");
      return;
    }
    if (!ctx.BeginRecord(*id)) return;
    if (Member(v, "nodata") != nullptr) {
      ctx.NoData();
      return;
    }
    auto src = Str(Member(v, "src"));
    auto dst = Str(Member(v, "dst"));
    auto t = Int(Member(v, "t"));
    if (!src || !dst || !t) {
      ctx.Reject("missing_field");
      return;
    }
    if (Member(v, "odd") != nullptr) ctx.Anomaly("odd");
    Emit(*src, *dst, *t, ctx);
  }
  void OnLine(std::string_view line, RecordContext& ctx) override {
    if (line.empty() || line[0] == '#') return;
    std::vector<std::string> f;
    std::istringstream in{std::string(line)};
    for (std::string w; in >> w;) f.push_back(w);
    if (f.size() != 4) {
      ctx.Reject("bad_fields");
      return;
    }
    if (!ctx.BeginRecord(line)) return;
    Emit(f[1], f[2], std::atoll(f[3].c_str()), ctx);
  }

 private:
  static void Emit(std::string_view src, std::string_view dst, Timestamp t, RecordContext& ctx) {
    std::string ev = ctx.EvidenceRef();
    EdgeObservation obs;
    obs.time = t;
    obs.evidence = ev;
    ctx.delta().AddEdge(EntityRef{EntityKind::kIpAddress, std::string(src)}, EdgeKind::kNetworkFlow,
                        EntityRef{EntityKind::kIpAddress, std::string(dst)}, obs);
  }
};

class KvIngestor : public Ingestor {
 public:
  explicit KvIngestor(std::string name = "kv", int score = 60) : name_(std::move(name)), score_(score) {}
  std::string_view name() const override { return name_; }
  std::string_view description() const override { return "test records"; }
  int Sniff(std::string_view path, std::string_view head) const override {
    (void)path;
    return head.find("\"kv\"") != std::string_view::npos || head.find("#kv") != std::string_view::npos ? score_ : 0;
  }
  std::unique_ptr<FileParser> NewParser(const FileInfo&, const IngestOptions&) const override {
    return std::make_unique<KvParser>();
  }

 private:
  std::string name_;
  int score_;
};

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "gumshoe-ingest-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string operator/(const std::string& name) const { return (fs::path(path_) / name).string(); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

void WriteFile(const std::string& path, const std::string& data) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream out(path, std::ios::binary);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

// One gzip member of `data`.
std::string Gzip(const std::string& data, int level = 6) {
  z_stream zs{};
  REQUIRE(deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out(deflateBound(&zs, data.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&zs, Z_FINISH) == Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::string Record(int i, int t_offset = 0) {
  return "{\"kv\":1,\"id\":\"r" + std::to_string(i) + "\",\"src\":\"10.0." + std::to_string(i % 7) +
         ".1\",\"dst\":\"192.0.2." + std::to_string(i % 11) + "\",\"t\":" +
         std::to_string(1700000000 + i * 60 + t_offset) + "}";
}

std::string Lines(int from, int to) {
  std::string s;
  for (int i = from; i < to; ++i) s += Record(i) + "\n";
  return s;
}

// Canonical text of a store's entities and edges (ids differ between stores).
std::string Dump(const GraphStore& s, bool evidence = true) {
  std::vector<std::string> rows;
  Status st = s.ScanEntities(std::nullopt, [&](const Entity& e) {
    std::ostringstream row;
    row << EntityKindName(e.kind) << ":" << e.key << " " << e.first_seen << ".." << e.last_seen;
    rows.push_back(row.str());
    Status es = s.ScanEdges(s.IdOf(e.kind, e.key), Direction::kOut, std::nullopt, [&](const Edge& edge) {
      auto dst = s.GetEntity(edge.dst);
      std::ostringstream er;
      er << "  " << e.key << " -" << EdgeKindName(edge.kind) << "-> " << (dst.ok() && *dst ? (*dst)->key : "?")
         << " n=" << edge.stats.count << " " << edge.stats.first_seen << ".." << edge.stats.last_seen
         << " hours=" << edge.stats.hourly.size();
      if (evidence) er << " ev=" << edge.stats.first_evidence.ref << "," << edge.stats.last_evidence.ref;
      rows.push_back(er.str());
      return true;
    });
    REQUIRE(es.ok());
    return true;
  });
  REQUIRE(st.ok());
  std::sort(rows.begin(), rows.end());
  std::string out;
  for (const auto& r : rows) out += r + "\n";
  return out;
}

struct Fixture {
  KvIngestor kv;
  std::vector<const Ingestor*> ingestors{&kv};
  IngestOptions options;
  TempDir dir;

  IngestStats Run(GraphStore& store, const std::vector<std::string>& paths) {
    Result<IngestStats> r = IngestWith(store, ingestors, paths, options);
    REQUIRE(r.ok());
    const IngestStats& s = *r;
    CHECK(s.records_total == s.records_ok + s.duplicates + s.rejected + s.no_data);
    return *r;
  }
};

}  // namespace

TEST_CASE("Ingest: wrapper, array, JSON lines and pretty files give the same graph", "[ingest][framework]") {
  Fixture f;
  std::vector<std::string> recs;
  for (int i = 0; i < 40; ++i) recs.push_back(Record(i));
  std::string joined;
  for (size_t i = 0; i < recs.size(); ++i) joined += (i ? "," : "") + recs[i];
  WriteFile(f.dir / "wrapper.json", "{\"Records\":[" + joined + "]}");
  WriteFile(f.dir / "late.json", "{\"account\":\"1\",\"Findings\":[" + joined + "],\"x\":2}");
  WriteFile(f.dir / "array.json", "[\n" + joined + "\n]\n");
  WriteFile(f.dir / "lines.json", Lines(0, 40));
  std::string pretty;
  for (const auto& r : recs) {
    std::string p = r;
    size_t pos = 0;
    while ((pos = p.find(",\"", pos)) != std::string::npos) {
      p.replace(pos, 1, ",\n  ");
      pos += 4;
    }
    pretty += p + "\n";
  }
  WriteFile(f.dir / "pretty.json", pretty);

  std::string reference;
  for (const char* name : {"wrapper.json", "late.json", "array.json", "lines.json", "pretty.json"}) {
    CAPTURE(name);
    MemoryStore store(HashKey{});
    IngestStats s = f.Run(store, {f.dir / name});
    CHECK(s.records_ok == 40);
    CHECK(s.rejected == 0);
    CHECK(s.files == 1);
    CHECK(s.records_by_source.at("kv") == 40);
    std::string dump = Dump(store, false);
    CHECK(dump.find("network_flow") != std::string::npos);
    if (reference.empty()) reference = dump;
    CHECK(dump == reference);
  }
}

TEST_CASE("Ingest: a malformed JSON line is rejected with its line number, neighbours kept", "[ingest][framework]") {
  Fixture f;
  std::string text = Lines(0, 2) + "{\"kv\":1,\"id\":\"broken\",\"src\":\"10.0.0.9\n" + Lines(2, 4) +
                     "{\"kv\":1,\"id\":\"bad\",\"src\":\"10.0.0.9\",,}\n" + Record(4) + "\n" +
                     "{\"kv\":1,\"src\":\"10.0.0.9\"}\n";
  WriteFile(f.dir / "mixed.json", text);
  MemoryStore store;
  IngestStats s = f.Run(store, {f.dir / "mixed.json"});
  CHECK(s.records_ok == 5);
  CHECK(s.rejected == 3);
  CHECK(s.rejects.at("kv.malformed_json") == 2);
  CHECK(s.rejects.at("kv.missing_id") == 1);
  CHECK(s.examples.at("kv.malformed_json") == std::vector<std::string>{f.dir / "mixed.json:3", f.dir / "mixed.json:6"});
  CHECK(s.examples.at("kv.missing_id") == std::vector<std::string>{f.dir / "mixed.json:8"});
  CHECK(s.records_total == 8);
}

TEST_CASE("Ingest: truncated JSON keeps earlier records and counts the cut", "[ingest][framework]") {
  Fixture f;
  WriteFile(f.dir / "cut.json", "{\"Records\":[" + Record(1) + ",\n" + Record(2) + ",\n" + Record(3).substr(0, 20));
  MemoryStore store;
  IngestStats s = f.Run(store, {f.dir / "cut.json"});
  CHECK(s.records_ok == 2);
  CHECK(s.rejects.at("kv.truncated_json") == 1);
  CHECK(s.examples.at("kv.truncated_json").at(0) == f.dir / "cut.json:3");
  CHECK(s.file_errors.empty());
}

TEST_CASE("Ingest: record_too_large, too_deep and line_too_long are counted", "[ingest][framework]") {
  Fixture f;
  f.options.max_record_bytes = 200;
  f.options.max_json_depth = 8;
  std::string big = "{\"kv\":1,\"id\":\"big\",\"pad\":\"" + std::string(5000, 'p') + "\"}";
  std::string deep = "{\"kv\":1,\"id\":\"deep\",\"d\":" + std::string(20, '[') + std::string(20, ']') + "}";
  WriteFile(f.dir / "limits.json", Record(1) + "\n" + big + "\n" + Record(2) + "\n" + deep + "\n" + Record(3) + "\n");
  std::string text = "#kv\nl1 10.0.0.1 10.0.0.2 1700000000\nl2 " + std::string(3000, 'x') +
                     " 10.0.0.2 1700000000\nl3 10.0.0.1 10.0.0.3 1700000000\nl4 too few\n";
  WriteFile(f.dir / "limits.txt", text);
  MemoryStore store;
  IngestStats s = f.Run(store, {f.dir / "limits.json", f.dir / "limits.txt"});
  CHECK(s.records_ok == 5);
  CHECK(s.rejects.at("kv.record_too_large") == 1);
  CHECK(s.rejects.at("kv.too_deep") == 1);
  CHECK(s.rejects.at("kv.line_too_long") == 1);
  CHECK(s.rejects.at("kv.bad_fields") == 1);
  CHECK(s.examples.at("kv.record_too_large").at(0) == f.dir / "limits.json:2");
  CHECK(s.examples.at("kv.too_deep").at(0) == f.dir / "limits.json:4");
  CHECK(s.examples.at("kv.line_too_long").at(0) == f.dir / "limits.txt:3");
  CHECK(s.rejected == 4);
}

// Ingests `text` from plain/NAME and `gz` (its gzip form) from gz/NAME into two
// stores: both keep every record, the gzip file has no error, and the graphs
// are the same. Returns the stats of the plain and the gzip ingest.
std::pair<IngestStats, IngestStats> IngestPlainAndGzip(Fixture& f, const std::string& name, const std::string& text,
                                                       const std::string& gz, size_t records) {
  const std::string plain_path = f.dir / ("plain/" + name), gz_path = f.dir / ("gz/" + name);
  WriteFile(plain_path, text);
  WriteFile(gz_path, gz);
  MemoryStore plain(HashKey{}), zipped(HashKey{});
  IngestStats sp = f.Run(plain, {plain_path});
  IngestStats sg = f.Run(zipped, {gz_path});
  CHECK(sp.records_ok == records);
  CHECK(sg.records_ok == records);
  CHECK(sg.file_errors.empty());
  CHECK(Dump(plain) == Dump(zipped));
  return {sp, sg};
}

TEST_CASE("Ingest: gzip input equals plain input, detected by magic bytes", "[ingest][framework]") {
  Fixture f;
  std::string text = Lines(0, 3000);
  // Same name, gzip content, two members: detection must not use the extension.
  auto [sp, sg] =
      IngestPlainAndGzip(f, "a.json", text, Gzip(text.substr(0, 100000)) + Gzip(text.substr(100000)), 3000);
  CHECK(sg.bytes < sp.bytes);
}

TEST_CASE("Ingest: a gzip file read in several chunks equals plain input", "[ingest][framework]") {
  Fixture f;
  std::string text = Lines(0, 8000);
  // Stored (level 0) members: the compressed file is as large as the text,
  // several of the reader's 256 KiB chunks, and ends in a partial one.
  std::string gz = Gzip(text.substr(0, 300001), 0) + Gzip(text.substr(300001), 0);
  REQUIRE(gz.size() > 2 * (256u << 10) + 1000);
  IngestPlainAndGzip(f, "big.json", text, gz, 8000);
}

TEST_CASE("Ingest: a broken gzip tail is a file error after the earlier records", "[ingest][framework]") {
  Fixture f;
  std::string gz = Gzip(Lines(0, 5000));
  WriteFile(f.dir / "cut.json.gz", gz.substr(0, gz.size() - 30));
  std::string corrupt = gz;
  corrupt[corrupt.size() / 2] ^= 0x55;
  corrupt[corrupt.size() / 2 + 1] ^= 0x55;
  WriteFile(f.dir / "corrupt.json.gz", corrupt);
  MemoryStore store;
  IngestStats s = f.Run(store, {f.dir / "cut.json.gz"});
  REQUIRE(s.file_errors.size() == 1);
  CHECK(s.file_errors[0].find(f.dir / "cut.json.gz: truncated gzip data at compressed offset ") == 0);
  CHECK(s.records_ok >= 4900);
  CHECK(s.records_ok < 5000);
  CHECK(s.rejected == 0);

  // Flipped bits in the middle: an error naming the file; whatever decoded
  // before it was processed (garbage bytes are rejects, not a crash).
  MemoryStore store2;
  IngestStats c = f.Run(store2, {f.dir / "corrupt.json.gz"});
  REQUIRE(c.file_errors.size() == 1);
  CHECK(c.file_errors[0].find(f.dir / "corrupt.json.gz: corrupt gzip data at compressed offset ") == 0);
  CHECK(c.records_ok > 0);
}

TEST_CASE("Ingest: the decompressed size limit stops a gzip bomb", "[ingest][framework]") {
  Fixture f;
  std::string text = Lines(0, 20000);
  WriteFile(f.dir / "bomb.gz", Gzip(text));
  f.options.max_decompressed_bytes = 100000;
  MemoryStore store;
  IngestStats s = f.Run(store, {f.dir / "bomb.gz"});
  REQUIRE(s.file_errors.size() == 1);
  CHECK(s.file_errors[0].find(f.dir / "bomb.gz") == 0);
  CHECK(s.file_errors[0].find("max_decompressed_bytes") != std::string::npos);
  CHECK(s.records_ok > 100);
  CHECK(s.records_ok < 2000);
}

TEST_CASE("Ingest: directories are walked in sorted order, hidden entries skipped", "[ingest][framework]") {
  Fixture f;
  WriteFile(f.dir / "logs/b/2.json", Lines(2, 3));
  WriteFile(f.dir / "logs/a/z.json", Lines(1, 2));
  WriteFile(f.dir / "logs/a/10.json", Lines(0, 1));
  WriteFile(f.dir / "logs/c.json", Lines(3, 4));
  WriteFile(f.dir / "logs/.hidden/x.json", Lines(10, 11));
  WriteFile(f.dir / "logs/.dot.json", Lines(11, 12));
  fs::create_directory_symlink(f.dir / "logs", f.dir / "logs/a/loop");
  std::vector<std::string> seen;
  f.options.threads = 1;  // the progress callback shows the reading order of one thread
  f.options.progress = [&](const IngestProgress& p) {
    if (seen.empty() || seen.back() != p.current_file) seen.push_back(p.current_file);
  };
  MemoryStore store;
  IngestStats s = f.Run(store, {f.dir / "logs", f.dir / "missing.json"});
  CHECK(seen == std::vector<std::string>{f.dir / "logs/a/10.json", f.dir / "logs/a/z.json",
                                         f.dir / "logs/b/2.json", f.dir / "logs/c.json"});
  CHECK(s.files == 4);
  CHECK(s.records_ok == 4);
  REQUIRE(s.file_errors.size() == 1);
  CHECK(s.file_errors[0].find(f.dir / "missing.json") == 0);
}

TEST_CASE("Ingest: re-ingesting the same file is all duplicates and leaves the store unchanged",
          "[ingest][framework]") {
  Fixture f;
  WriteFile(f.dir / "a.json", Lines(0, 500));
  MemoryStore store;
  IngestStats first = f.Run(store, {f.dir / "a.json"});
  CHECK(first.records_ok == 500);
  std::string before = Dump(store);
  IngestStats second = f.Run(store, {f.dir / "a.json"});
  CHECK(second.records_ok == 0);
  CHECK(second.duplicates == 500);
  CHECK(Dump(store) == before);

  // The same record twice within one run counts once.
  WriteFile(f.dir / "twice.json", Lines(1000, 1001) + Lines(1000, 1001));
  IngestStats third = f.Run(store, {f.dir / "twice.json"});
  CHECK(third.records_ok == 1);
  CHECK(third.duplicates == 1);
}

TEST_CASE("Ingest: overlapping files count every record once", "[ingest][framework]") {
  Fixture f;
  WriteFile(f.dir / "a.json", Lines(0, 300));
  WriteFile(f.dir / "b.json", Lines(200, 500));
  WriteFile(f.dir / "all.json", Lines(0, 500));
  MemoryStore overlapping(HashKey{}), once(HashKey{});
  IngestStats s = f.Run(overlapping, {f.dir / "a.json", f.dir / "b.json"});
  CHECK(s.records_ok == 500);
  CHECK(s.duplicates == 100);
  f.Run(once, {f.dir / "all.json"});
  CHECK(Dump(overlapping, false) == Dump(once, false));
}

TEST_CASE("Ingest: batch boundaries do not change the stored graph", "[ingest][framework]") {
  Fixture f;
  WriteFile(f.dir / "a.json", Lines(0, 700) + Lines(300, 400));
  MemoryStore small(HashKey{}), big(HashKey{});
  f.options.batch_records = 1;
  IngestStats s1 = f.Run(small, {f.dir / "a.json"});
  f.options.batch_records = 200000;
  IngestStats s2 = f.Run(big, {f.dir / "a.json"});
  // One batch per record, plus the last one holding the evidence of the 100
  // in-run duplicates (weight 0: the counts are those of one copy, issue 21.7).
  CHECK(s1.batches == 701);
  CHECK(s2.batches == 1);
  CHECK(s1.records_ok == 700);
  CHECK(s1.duplicates == 100);
  CHECK(s2.duplicates == 100);
  CHECK(Dump(small) == Dump(big));

  MemoryStore inline_apply(HashKey{});
  f.options.batch_records = 7;
  f.options.apply_in_background = false;
  IngestStats s3 = f.Run(inline_apply, {f.dir / "a.json"});
  CHECK(s3.batches == 101);
  CHECK(s3.duplicates == 100);
  CHECK(Dump(inline_apply) == Dump(big));
}

TEST_CASE("Ingest: reading on several threads stores the same graph and reports the same stats",
          "[ingest][framework]") {
  Fixture f;
  // 24 files whose records overlap their neighbours' (duplicates met by
  // different threads), with malformed lines and an unrecognised file.
  for (int i = 0; i < 24; ++i) {
    std::string body = Lines(i * 40, i * 40 + 60);
    if (i % 5 == 0) body += "{\"kv\":1,\"id\":\"broken\"\n" + Lines(5000 + i, 5001 + i);
    if (i % 7 == 0) body += "{\"kv\":1,\"src\":\"10.0.0.1\"}\n";
    WriteFile(f.dir / ("logs/f" + std::to_string(100 + i) + ".json"), body);
  }
  WriteFile(f.dir / "logs/README.txt", "not a log\n");
  f.options.batch_records = 13;
  f.options.max_examples_per_reason = 3;
  auto run = [&](size_t threads, MemoryStore& store) {
    f.options.threads = threads;
    IngestStats s = f.Run(store, {f.dir / "logs", f.dir / "missing.json"});
    s.batches = 0;  // the only figure that depends on the threads
    return s;
  };
  MemoryStore one(HashKey{});
  IngestStats s1 = run(1, one);
  CHECK(s1.records_ok == 24 * 40 + 20 + 5);
  CHECK(s1.duplicates == 23 * 20);
  CHECK(s1.rejected == 5 + 4);
  REQUIRE(s1.examples["kv.malformed_json"].size() == 3);
  CHECK(s1.examples["kv.malformed_json"][0] == f.dir / "logs/f100.json" + ":61");
  CHECK(s1.skipped_files == std::vector<std::string>{f.dir / "logs/README.txt"});
  for (size_t threads : {2, 4, 8}) {
    MemoryStore many(HashKey{});
    IngestStats sn = run(threads, many);
    CHECK(sn.ToJson() == s1.ToJson());
    // A record found in two files is stored once; which file it is cited
    // from depends on which thread read it first.
    CHECK(Dump(many, /*evidence=*/false) == Dump(one, false));
    // Ingesting again on several threads finds every record stored.
    IngestStats again = run(threads, many);
    CHECK(again.records_ok == 0);
    CHECK(again.duplicates == s1.records_ok + s1.duplicates);
  }
}

TEST_CASE("Ingest: files without shared records give a byte-identical graph on any thread count",
          "[ingest][framework]") {
  Fixture f;
  for (int i = 0; i < 16; ++i) {
    WriteFile(f.dir / ("logs/f" + std::to_string(100 + i) + ".json"), Lines(i * 50, i * 50 + 50));
  }
  f.options.batch_records = 17;
  MemoryStore one(HashKey{}), many(HashKey{});
  f.options.threads = 1;
  f.Run(one, {f.dir / "logs"});
  f.options.threads = 3;
  f.Run(many, {f.dir / "logs"});
  CHECK(Dump(many) == Dump(one));
}

TEST_CASE("Ingest: detection, forced source and undetectable files", "[ingest][framework]") {
  KvIngestor low("low", 30), high("high", 80), tie("tie", 80);
  TempDir dir;
  WriteFile(dir / "a.json", Lines(0, 3));
  WriteFile(dir / "unknown.log", "hello world\n");
  WriteFile(dir / "empty.json", "");
  MemoryStore store;
  IngestOptions options;

  auto r = IngestWith(store, {&low, &high, &tie}, {dir / "a.json", dir / "unknown.log", dir / "empty.json"}, options);
  REQUIRE(r.ok());
  CHECK(r->files == 2);
  CHECK(r->records_by_source == std::map<std::string, uint64_t>{{"high", 3}});
  REQUIRE(r->file_errors.size() == 1);
  CHECK(r->file_errors[0] == dir / "unknown.log" + ": cannot tell which log source this is (use --source)");

  options.source = "low";
  MemoryStore store2;
  auto forced = IngestWith(store2, {&low, &high}, {dir / "a.json"}, options);
  REQUIRE(forced.ok());
  CHECK(forced->records_by_source == std::map<std::string, uint64_t>{{"low", 3}});

  options.source = "nope";
  auto bad = IngestWith(store2, {&low, &high}, {dir / "a.json"}, options);
  REQUIRE(!bad.ok());
  CHECK(bad.status().code() == Status::Code::kInvalidArgument);
  CHECK(bad.status().message().find("low, high") != std::string::npos);

  auto none = IngestWith(store2, {&low}, {}, IngestOptions{});
  CHECK(!none.ok());

  // Found while walking a directory, an unrecognised file is skipped and
  // listed, not an error: AWSLogs trees hold digests and READMEs.
  MemoryStore store3;
  auto walked = IngestWith(store3, {&low, &high}, {dir.path()}, IngestOptions{});
  REQUIRE(walked.ok());
  CHECK(walked->file_errors.empty());
  REQUIRE(walked->skipped_files.size() == 1);
  CHECK(walked->skipped_files[0].find("unknown.log") != std::string::npos);
  CHECK(walked->records_by_source.at("high") == 3);
}

TEST_CASE("Ingest: invalid UTF-8, NUL bytes and no-data records", "[ingest][framework]") {
  Fixture f;
  std::string text = Record(1) + "\n" + "{\"kv\":1,\"id\":\"u\",\"src\":\"\xff\xfe\",\"dst\":\"x\",\"t\":1}\n" +
                     std::string("{\"kv\":1,\"id\":\"n\",\"src\":\"a\0b\",\"dst\":\"x\",\"t\":1}\n", 46) +
                     "{\"kv\":1,\"id\":\"nd\",\"nodata\":true}\n" + "{\"kv\":1,\"id\":\"odd\",\"odd\":1,\"src\":\"a\","
                     "\"dst\":\"b\",\"t\":5}\n" + Record(2) + "\n";
  WriteFile(f.dir / "enc.json", text);
  MemoryStore store;
  IngestStats s = f.Run(store, {f.dir / "enc.json"});
  CHECK(s.records_ok == 3);
  CHECK(s.no_data == 1);
  CHECK(s.rejects.at("kv.invalid_utf8") == 1);
  CHECK(s.rejects.at("kv.malformed_json") == 1);
  CHECK(s.anomalies.at("kv.odd") == 1);
  CHECK(s.examples.at("kv.invalid_utf8").at(0) == f.dir / "enc.json:2");

  // Again: ok and no-data records are duplicates now, rejects stay rejects.
  IngestStats again = f.Run(store, {f.dir / "enc.json"});
  CHECK(again.duplicates == 4);
  CHECK(again.no_data == 0);
  CHECK(again.records_ok == 0);
  CHECK(again.rejected == 2);
}

TEST_CASE("Ingest: evidence refs name the file and line", "[ingest][framework]") {
  Fixture f;
  WriteFile(f.dir / "sub/ev.json", Record(0) + "\n\n" + Record(7) + "\n");
  MemoryStore store;
  f.Run(store, {f.dir / "sub/ev.json"});
  std::string dump = Dump(store);
  CHECK(dump.find("ev=ev.json:1,ev.json:1") != std::string::npos);
  CHECK(dump.find("ev=ev.json:3,ev.json:3") != std::string::npos);
}

TEST_CASE("Ingest: stats are stored as a run summary and render as valid JSON", "[ingest][framework]") {
  Fixture f;
  std::string odd_name = f.dir / "we\"ird\\name\n\x1b[31m.json";
  WriteFile(odd_name, Lines(0, 2) + "garbage\n");
  MemoryStore store;
  IngestStats s = f.Run(store, {odd_name, f.dir / "missing\xff.json"});
  std::string json = s.ToJson();
  rapidjson::Document d;
  d.Parse<rapidjson::kParseValidateEncodingFlag>(json.data(), json.size());
  REQUIRE(!d.HasParseError());
  CHECK(json.find('\x1b') == std::string::npos);
  CHECK(std::string(d["examples"]["kv.malformed_json"][0].GetString()) == odd_name + ":3");
  CHECK(d["records_ok"].GetUint64() == 2);
  CHECK(json.rfind("{\"anomalies\":", 0) == 0);

  std::vector<std::string> runs;
  REQUIRE(store.ScanMeta("run/", [&](std::string_view k, std::string_view v) {
                 runs.push_back(std::string(k));
                 CHECK(v == json);
                 return true;
               }).ok());
  CHECK(runs.size() == 1);
  IngestStats again = f.Run(store, {odd_name});
  int count = 0;
  REQUIRE(store.ScanMeta("run/", [&](std::string_view, std::string_view) { return ++count, true; }).ok());
  CHECK(count == 2);

  IngestStats merged = s;
  merged.MergeFrom(again);
  CHECK(merged.records_total == s.records_total + again.records_total);
  CHECK(merged.duplicates == 2);
  CHECK(merged.rejects.at("kv.malformed_json") == 2);
}

TEST_CASE("Ingest: \"-\" reads stdin", "[ingest][framework]") {
  Fixture f;
  WriteFile(f.dir / "in.json", Gzip(Lines(0, 25)));
  int saved = ::dup(STDIN_FILENO);
  int fd = ::open((f.dir / "in.json").c_str(), O_RDONLY);
  REQUIRE(fd >= 0);
  REQUIRE(::dup2(fd, STDIN_FILENO) == STDIN_FILENO);
  ::close(fd);
  MemoryStore store;
  Result<IngestStats> r = IngestWith(store, f.ingestors, {"-"}, f.options);
  ::dup2(saved, STDIN_FILENO);
  ::close(saved);
  REQUIRE(r.ok());
  CHECK(r->records_ok == 25);
  CHECK(r->file_errors.empty());
  CHECK(Dump(store).find("ev=-:1,-:1") != std::string::npos);
}

TEST_CASE("Ingest: the registry lists its ingestors by unique name", "[ingest][framework]") {
  std::vector<IngestorInfo> infos = ListIngestors();
  std::set<std::string> names;
  for (const auto& info : infos) {
    CHECK(!info.name.empty());
    CHECK(!info.description.empty());
    CHECK(names.insert(info.name).second);
  }
  CHECK(infos.size() == Ingestors().size());
}

}  // namespace gumshoe::ingest
