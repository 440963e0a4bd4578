// JsonSplitter resynchronisation (issue 21.4): a broken record is one reject
// and every record after it is kept, in every container the splitter reads.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "json_splitter.h"

namespace gumshoe::ingest {
namespace {

class Count : public JsonSplitter::Sink {
 public:
  void OnRecord(std::string_view text, uint64_t, uint64_t offset) override {
    rapidjson::Document d;
    d.Parse(text.data(), text.size());
    if (d.HasParseError() || !d.IsObject() || !d.HasMember("eventID") || !d["eventID"].IsString()) {
      invalid_offsets.push_back(offset);  // the record parser rejects it: one reject
    } else {
      ids.emplace_back(d["eventID"].GetString());
    }
  }
  void OnReject(std::string_view reason, uint64_t, uint64_t offset) override {
    rejects.emplace_back(reason);
    reject_offsets.push_back(offset);
  }
  std::vector<std::string> ids;
  std::vector<uint64_t> invalid_offsets;
  std::vector<std::string> rejects;
  std::vector<uint64_t> reject_offsets;
};

Count Split(const std::string& text, size_t chunk) {
  Count out;
  JsonSplitter splitter(out, 1 << 20, 64);
  if (chunk == 0) chunk = text.size() + 1;
  for (size_t i = 0; i < text.size(); i += chunk) splitter.Feed(std::string_view(text).substr(i, chunk));
  splitter.Finish();
  return out;
}

// A CloudTrail-shaped record (nested objects and an array of objects, as the
// real ones have: resources, requestParameters).
std::string Record(int i) {
  std::string id = "ev-" + std::to_string(i);
  return R"({"eventVersion":"1.08","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/u)" +
         std::to_string(i) + R"(","accountId":"111122223333"},"eventTime":"2024-03-01T12:00:00Z",)" +
         R"("eventSource":"s3.amazonaws.com","eventName":"GetObject","sourceIPAddress":"203.0.113.5",)" +
         R"("requestParameters":{"bucketName":"b","key":"k,{\"x\":1}"},"resources":[{"ARN":"arn:aws:s3:::b"},)" +
         R"({"ARN":"arn:aws:s3:::b/k","type":"AWS::S3::Object"}],"eventID":")" + id + R"("})";
}

// Ways to break a record, each found in real damaged files.
struct Breakage {
  const char* name;
  std::string (*apply)(const std::string&);
  // The record itself is intact (the damage is a stray byte after it): it is
  // kept, and the stray byte is the one reject.
  bool record_kept = false;
};
const Breakage kBreakages[] = {
    {"bad escape", [](const std::string& r) { return r.substr(0, 30) + "\\q" + r.substr(30); }},
    {"stray byte", [](const std::string& r) { return r.substr(0, r.size() - 1) + " x}"; }},
    {"unterminated string",
     [](const std::string& r) {
       size_t at = r.find("\"GetObject\"");
       return r.substr(0, at) + "\"GetObj" + r.substr(at + 11);  // "GetObj,"sourceIP..." runs on
     }},
    {"missing closing brace",
     [](const std::string& r) {
       size_t at = r.find("\"accountId\":\"111122223333\"}");
       return r.substr(0, at) + "\"accountId\":\"111122223333\"" + r.substr(at + 27);
     }},
    {"extra closing brace", [](const std::string& r) { return r + "}"; }, true},
    {"truncated value", [](const std::string& r) { return r.substr(0, r.find("\"eventTime\"") + 14); }},
};

// The container shapes the splitter reads, around `records` (already text).
std::string Wrap(const std::string& shape, const std::vector<std::string>& records) {
  std::string out;
  std::string sep = shape == "lines" ? "\n" : ",";
  for (size_t i = 0; i < records.size(); ++i) {
    if (i > 0) out += sep;
    out += records[i];
  }
  if (shape == "records") return R"({"Records":[)" + out + "]}";
  if (shape == "findings") return R"({"Findings":[)" + out + "]}\n";
  if (shape == "array") return "[\n" + out + "\n]";
  return out + "\n";
}

}  // namespace

TEST_CASE("JsonSplitter: a broken 1st, middle and last record cost one record each", "[ingest][json_splitter][resync]") {
  const int n = 9;
  for (const std::string shape : {"records", "findings", "array", "lines"}) {
    for (const Breakage& b : kBreakages) {
      std::vector<std::string> records;
      for (int i = 0; i < n; ++i) records.push_back(Record(i));
      for (int broken : {0, n / 2, n - 1}) records[static_cast<size_t>(broken)] = b.apply(records[static_cast<size_t>(broken)]);
      std::string text = Wrap(shape, records);
      for (size_t chunk : {size_t{0}, size_t{1}, size_t{7}, size_t{100}}) {
        INFO(shape << " / " << b.name << " / chunk " << chunk);
        Count c = Split(text, chunk);
        std::vector<std::string> expected;
        for (int i = 0; i < n; ++i)
          if (b.record_kept || (i != 0 && i != n / 2 && i != n - 1)) expected.push_back("ev-" + std::to_string(i));
        CHECK(c.ids == expected);
        CHECK(c.rejects.size() + c.invalid_offsets.size() == 3);
      }
    }
  }
}

TEST_CASE("JsonSplitter: EventBridge lines with a broken envelope keep the others", "[ingest][json_splitter][resync]") {
  const int n = 9;
  for (const Breakage& b : kBreakages) {
    std::vector<std::string> lines;
    for (int i = 0; i < n; ++i) {
      std::string env = R"({"version":"0","id":"e)" + std::to_string(i) +
                        R"(","detail-type":"AWS API Call via CloudTrail","source":"aws.s3","eventID":"ev-)" +
                        std::to_string(i) + R"(","detail":)" + Record(i) + "}";
      if (i == 0 || i == n / 2 || i == n - 1) env = b.apply(env);
      lines.push_back(env);
    }
    std::string text;
    for (const auto& l : lines) text += l + "\n";
    for (size_t chunk : {size_t{0}, size_t{1}, size_t{13}}) {
      INFO(b.name << " / chunk " << chunk);
      Count c = Split(text, chunk);
      std::vector<std::string> expected;
      for (int i = 0; i < n; ++i)
        if (b.record_kept || (i != 0 && i != n / 2 && i != n - 1)) expected.push_back("ev-" + std::to_string(i));
      CHECK(c.ids == expected);
      CHECK(c.rejects.size() + c.invalid_offsets.size() == 3);
    }
  }
}

TEST_CASE("JsonSplitter: the reject of a broken record names its offset", "[ingest][json_splitter][resync]") {
  std::string good = Record(1);
  std::string bad = Record(2);
  bad = bad.substr(0, bad.find("\"GetObject\"")) + "\"GetObj" + bad.substr(bad.find("\"GetObject\"") + 11);
  std::string text = R"({"Records":[)" + good + "," + bad + "," + Record(3) + "]}";
  Count c = Split(text, 0);
  CHECK(c.ids == std::vector<std::string>{"ev-1", "ev-3"});
  REQUIRE(c.rejects.size() == 1);
  CHECK(c.rejects[0] == "malformed_json");
  CHECK(c.reject_offsets[0] == 12 + good.size() + 1);
}

TEST_CASE("JsonSplitter: a file whose top level is not JSON is still one file-level reject", "[ingest][json_splitter][resync]") {
  Count c = Split("this is not json\n", 0);
  CHECK(c.ids.empty());
  CHECK(c.rejects.size() == 1);
}

}  // namespace gumshoe::ingest
