// JsonSplitter: record shapes, resync after broken lines, limits, chunking.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "json_splitter.h"

namespace gumshoe::ingest {
namespace {

struct Reject {
  std::string reason;
  uint64_t line;
  uint64_t offset;
};

class Collect : public JsonSplitter::Sink {
 public:
  void OnRecord(std::string_view text, uint64_t line, uint64_t offset) override {
    records.emplace_back(text);
    lines.push_back(line);
    offsets.push_back(offset);
  }
  void OnReject(std::string_view reason, uint64_t line, uint64_t offset) override {
    rejects.push_back(Reject{std::string(reason), line, offset});
  }
  std::vector<std::string> records;
  std::vector<uint64_t> lines, offsets;
  std::vector<Reject> rejects;
};

// Splits `text` fed in chunks of `chunk` bytes (0 = all at once).
Collect Split(const std::string& text, size_t chunk = 0, size_t max_bytes = 1 << 20, int max_depth = 64,
              size_t* max_buffered = nullptr) {
  Collect out;
  JsonSplitter splitter(out, max_bytes, max_depth);
  if (chunk == 0) chunk = text.size() + 1;
  for (size_t i = 0; i < text.size(); i += chunk) {
    splitter.Feed(std::string_view(text).substr(i, chunk));
    if (max_buffered) *max_buffered = std::max(*max_buffered, splitter.buffered_bytes());
  }
  splitter.Finish();
  return out;
}

// Canonical compact form of a JSON text, or "<invalid>".
std::string Canon(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.data(), text.size());
  if (d.HasParseError()) return "<invalid>";
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  d.Accept(w);
  return sb.GetString();
}

std::vector<std::string> CanonAll(const Collect& c) {
  std::vector<std::string> out;
  for (const auto& r : c.records) out.push_back(Canon(r));
  return out;
}

const std::vector<std::string> kExpected = {
    R"({"id":"a","n":1,"s":"x}y{\"z"})",
    R"({"id":"b","nested":{"Records":[1,2]},"arr":[{"q":[]}]})",
    R"({"id":"c","u":"\u00e9\\"})",
};

}  // namespace

TEST_CASE("JsonSplitter: wrapper, array, lines and pretty shapes give the same records", "[ingest][json_splitter]") {
  const std::string wrapper = R"({"Records":[)" + kExpected[0] + "," + kExpected[1] + "," + kExpected[2] + "]}";
  const std::string wrapper_late_key =
      R"({"meta":{"Records":"no"},"n":[1,{"x":2}],"Findings":[)" + kExpected[0] + ",\n  " + kExpected[1] +
      ",\n  " + kExpected[2] + "\n], \"tail\": {\"a\":[1]}}\n";
  const std::string array = "[\n" + kExpected[0] + ",\n" + kExpected[1] + ",\n" + kExpected[2] + "\n]\n";
  const std::string lines = kExpected[0] + "\n" + kExpected[1] + "\r\n\n" + kExpected[2] + "\n";
  const std::string pretty = "{\n  \"id\": \"a\",\n  \"n\": 1,\n  \"s\": \"x}y{\\\"z\"\n}\n"
                             "{\n  \"id\": \"b\",\n  \"nested\": {\"Records\": [1, 2]},\n  \"arr\": [{\"q\": []}]\n}"
                             "{\"id\":\"c\",\n\"u\":\"\\u00e9\\\\\"}";
  const std::string bom_lines = "\xEF\xBB\xBF" + lines;

  std::vector<std::string> canon_expected;
  for (const auto& e : kExpected) canon_expected.push_back(Canon(e));

  for (const std::string* text : {&wrapper, &wrapper_late_key, &array, &lines, &pretty, &bom_lines}) {
    for (size_t chunk : {size_t{0}, size_t{1}, size_t{3}, size_t{17}}) {
      CAPTURE(*text, chunk);
      Collect c = Split(*text, chunk);
      CHECK(c.rejects.empty());
      CHECK(CanonAll(c) == canon_expected);
    }
  }
}

TEST_CASE("JsonSplitter: JSON lines mode and line numbers", "[ingest][json_splitter]") {
  Collect c = Split(kExpected[0] + "\n" + kExpected[1] + "\n\n" + kExpected[2] + "\n");
  REQUIRE(c.lines == std::vector<uint64_t>{1, 2, 4});
  CHECK(c.offsets[0] == 0);
  CHECK(c.offsets[1] == kExpected[0].size() + 1);
}

TEST_CASE("JsonSplitter: a broken line in JSON lines is rejected, neighbours kept", "[ingest][json_splitter]") {
  const std::string text =
      "{\"id\":1}\n"
      "{\"id\":2}\n"
      "{\"id\":3,\"x\":\"unterminated}\n"
      "{\"id\":4}\n"
      "{\"id\":5,\"y\":{\"open\":1}\n"
      "{\"id\":6}\n"
      "not json at all\n"
      "{\"id\":7}\n";
  for (size_t chunk : {size_t{0}, size_t{1}, size_t{5}}) {
    CAPTURE(chunk);
    Collect c = Split(text, chunk);
    CHECK(c.records == std::vector<std::string>{"{\"id\":1}", "{\"id\":2}", "{\"id\":4}", "{\"id\":6}", "{\"id\":7}"});
    CHECK(c.lines == std::vector<uint64_t>{1, 2, 4, 6, 8});
    REQUIRE(c.rejects.size() == 3);
    CHECK(c.rejects[0].reason == "malformed_json");
    CHECK(c.rejects[0].line == 3);
    CHECK(c.rejects[1].line == 5);
    CHECK(c.rejects[2].line == 7);
  }
}

TEST_CASE("JsonSplitter: truncated input keeps earlier records and reports the cut", "[ingest][json_splitter]") {
  SECTION("top-level array cut inside a record") {
    Collect c = Split("[{\"a\":1},\n{\"b\":2},\n{\"c\":");
    CHECK(c.records == std::vector<std::string>{"{\"a\":1}", "{\"b\":2}"});
    REQUIRE(c.rejects.size() == 1);
    CHECK(c.rejects[0].reason == "truncated_json");
    CHECK(c.rejects[0].line == 3);
    CHECK(c.rejects[0].offset == 19);
  }
  SECTION("wrapper cut between records") {
    Collect c = Split("{\"Records\":[{\"a\":1},{\"b\":2},");
    CHECK(c.records.size() == 2);
    REQUIRE(c.rejects.size() == 1);
    CHECK(c.rejects[0].reason == "truncated_json");
  }
  SECTION("last JSON line cut") {
    Collect c = Split("{\"a\":1}\n{\"b\":2}\n{\"c\":[1,2");
    CHECK(c.records.size() == 2);
    REQUIRE(c.rejects.size() == 1);
    CHECK(c.rejects[0].reason == "truncated_json");
    CHECK(c.rejects[0].line == 3);
  }
}

TEST_CASE("JsonSplitter: records over the size limit are skipped without buffering", "[ingest][json_splitter]") {
  std::string big = "{\"id\":\"big\",\"pad\":\"" + std::string(5000, 'x') + "\",\"o\":{\"a\":[1,2,3]}}";
  std::string text = "[{\"id\":1}," + big + ",{\"id\":2}]";
  size_t max_buffered = 0;
  Collect c = Split(text, 64, 1000, 64, &max_buffered);
  CHECK(c.records == std::vector<std::string>{"{\"id\":1}", "{\"id\":2}"});
  REQUIRE(c.rejects.size() == 1);
  CHECK(c.rejects[0].reason == "record_too_large");
  CHECK(c.rejects[0].offset == 10);
  CHECK(max_buffered < 2000);

  // A record that fits only when fed at once is still over the limit.
  Collect whole = Split(text, 0, 1000, 64);
  CHECK(whole.records.size() == 2);
  REQUIRE(whole.rejects.size() == 1);
  CHECK(whole.rejects[0].reason == "record_too_large");
}

TEST_CASE("JsonSplitter: records nested deeper than the limit are rejected", "[ingest][json_splitter]") {
  std::string deep = std::string(200000, '[') + std::string(200000, ']');
  std::string text = "{\"id\":1}\n{\"d\":" + deep + "}\n{\"id\":2}\n";
  Collect c = Split(text, 4096, 1 << 20, 32);
  CHECK(c.records == std::vector<std::string>{"{\"id\":1}", "{\"id\":2}"});
  REQUIRE(c.rejects.size() == 1);
  CHECK(c.rejects[0].reason == "too_deep");
  CHECK(c.rejects[0].line == 2);

  // Exactly at the limit is fine.
  Collect ok = Split("{\"a\":{\"b\":{\"c\":1}}}", 0, 1000, 3);
  CHECK(ok.records.size() == 1);
  CHECK(ok.rejects.empty());
  Collect over = Split("{\"a\":{\"b\":{\"c\":{}}}}", 0, 1000, 3);
  CHECK(over.records.empty());
  CHECK(over.rejects.size() == 1);
}

TEST_CASE("JsonSplitter: scalars and strings inside arrays are records", "[ingest][json_splitter]") {
  Collect c = Split("{\"Records\":[1, -2.5e3 ,\"s,]\" ,true,null,{}]}");
  CHECK(c.records == std::vector<std::string>{"1", "-2.5e3", "\"s,]\"", "true", "null", "{}"});
  CHECK(c.rejects.empty());
}

TEST_CASE("JsonSplitter: stray bytes at top level are rejected and skipped to the next line",
          "[ingest][json_splitter]") {
  Collect c = Split("{\n\"a\":1\n}\n]garbage {\"not\":1}\n{\"b\":\n2}\n");
  CHECK(c.records == std::vector<std::string>{"{\n\"a\":1\n}", "{\"b\":\n2}"});
  REQUIRE(c.rejects.size() == 1);
  CHECK(c.rejects[0].reason == "malformed_json");
  CHECK(c.rejects[0].line == 4);
}

// A record that passes the size limit and later breaks (or nests too deep) is
// one reject, whatever the chunk size: before, a chunk that ended past the
// limit made it "record_too_large" and a whole feed made it "malformed_json"
// or "too_deep" (found by fuzz_splitter).
TEST_CASE("JsonSplitter: a record past the size limit gets one reject however it is chunked",
          "[ingest][json_splitter][resync]") {
  const std::string pad(1500, 'x');
  struct Shape {
    const char* name;
    std::string text;
    std::vector<std::string> kept;
  };
  const std::vector<Shape> shapes = {
      {"JSON lines, broken past the limit",
       "{\"id\":1}\n{\"id\":\"big\",\"pad\":\"" + pad + "\" ]}\n{\"id\":2}\n",
       {"{\"id\":1}", "{\"id\":2}"}},
      {"JSON lines, too deep past the limit",
       "{\"id\":1}\n{\"id\":\"big\",\"pad\":\"" + pad + "\",\"d\":" + std::string(40, '[') + std::string(40, ']') +
           "}\n{\"id\":2}\n",
       {"{\"id\":1}", "{\"id\":2}"}},
      {"array, broken past the limit", "[{\"id\":1},{\"id\":\"big\",\"pad\":\"" + pad + "\" ]},{\"id\":2}]",
       {"{\"id\":1}", "{\"id\":2}"}},
      {"Records wrapper, broken past the limit",
       "{\"Records\":[{\"id\":1},{\"id\":\"big\",\"pad\":\"" + pad + "\" ]},{\"id\":2}]}",
       {"{\"id\":1}", "{\"id\":2}"}},
  };
  for (const auto& shape : shapes) {
    INFO(shape.name);
    Collect whole = Split(shape.text, 0, 1000, 32);
    CHECK(whole.records == shape.kept);
    REQUIRE(whole.rejects.size() == 1);
    CHECK(whole.rejects[0].reason == "record_too_large");
    for (size_t chunk : {1, 2, 7, 64, 999, 1000, 1001, 4096}) {
      INFO("chunk " << chunk);
      Collect c = Split(shape.text, chunk, 1000, 32);
      CHECK(c.records == whole.records);
      REQUIRE(c.rejects.size() == whole.rejects.size());
      for (size_t i = 0; i < c.rejects.size(); ++i) {
        CHECK(c.rejects[i].reason == whole.rejects[i].reason);
        CHECK(c.rejects[i].line == whole.rejects[i].line);
        CHECK(c.rejects[i].offset == whole.rejects[i].offset);
      }
    }
  }
}

}  // namespace gumshoe::ingest
