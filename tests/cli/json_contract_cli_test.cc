// Issue 24's JSON contract (docs/json.md) through the built binary: the
// envelope (schema, store, window), the queried entity as one object under
// "entity" in every document, and --jsonl streaming the same objects as the
// --json documents hold, escaped the same way. The schemas themselves are
// checked by tests/json_schema_test.py (CTest json_schema_contract).
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli_harness.h"

using namespace gumshoe::cli_test;

namespace {

void Write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// The JSON object that starts at text[pos] ('{'), by brace matching outside strings.
std::string ObjectAt(const std::string& text, size_t pos) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = pos; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '{') ++depth;
    else if (c == '}' && --depth == 0) return text.substr(pos, i - pos + 1);
  }
  return "";
}

// The top-level "entity" object of a document: the envelope is schema, store,
// window, then entity, so it is the first "entity" key after "window".
std::string TopEntity(const std::string& doc) {
  size_t window = doc.find("\"window\":");
  if (window == std::string::npos) return "";
  size_t key = doc.find("\"entity\":", window);
  if (key == std::string::npos) return "";
  size_t start = key + 9;
  return doc.compare(start, 4, "null") == 0 ? "null" : ObjectAt(doc, start);
}

// One CloudTrail ListBuckets by alice with `agent` as the (JSON-escaped) user agent.
std::string AliceTrail(const std::string& agent) {
  return R"({"Records":[{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLE","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333","accessKeyId":"AKIAEXAMPLEKEY000001","userName":"alice"},"eventTime":"2024-03-01T12:00:00Z","eventSource":"s3.amazonaws.com","eventName":"ListBuckets","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.5","userAgent":")" +
         agent +
         R"(","requestParameters":null,"responseElements":null,"requestID":"R1","eventID":"e1","readOnly":true,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333"}]})";
}

}  // namespace

TEST_CASE("JSON contract: the queried entity is the same object under \"entity\" in every document",
          "[cli][json]") {
  TempDir dir;
  const std::string db = " --db " + Quote(dir.db()) + " ";
  Run ingest = Gumshoe(dir, "ingest" + db + Quote(GUMSHOE_SOURCE_DIR "/examples/incident"));
  INFO(ingest.err);
  REQUIRE(ingest.code == 0);
  // ci-deploy's first and last CloudTrail calls in examples/incident: the
  // baseline deploy of 2026-10-25T10:40:07Z and CreateAccessKey for svc-backup at 2026-11-02T08:03:12Z.
  const std::string ci_deploy =
      R"({"kind":"iam_user","key":"arn:aws:iam::111122223333:user/ci-deploy",)"
      R"("id":"iam_user:arn:aws:iam::111122223333:user/ci-deploy","label":"ci-deploy",)"
      R"("first_seen":"2026-10-25T10:40:07Z","last_seen":"2026-11-02T08:03:12Z",)"
      R"("attrs":{"principal_id":"AIDA2CIDEPLOYEXAMPL1"},"tags":[]})";
  for (const char* cmd : {"show", "pivot", "timeline", "lineage", "blast-radius", "investigate"}) {
    Run r = Gumshoe(dir, std::string(cmd) + " --json" + db + "ci-deploy");
    INFO(cmd << ": " << r.err << r.out.substr(0, 400));
    REQUIRE(r.code == 0);
    CHECK(Has(r.out, "{\"schema\":\"gumshoe." + std::string(cmd) + "/1\",\"store\":" + "\"" + dir.db() + "\""));
    CHECK(TopEntity(r.out) == ci_deploy);
    // The old, per-command names of the entity are gone.
    CHECK_FALSE(Has(r.out, "\"focus\":"));
    CHECK_FALSE(Has(r.out, "\"start\":"));
  }
  SECTION("the window: null sides when unbounded, the --since/--until days otherwise") {
    Run stats = Gumshoe(dir, "stats --json" + db);
    REQUIRE(stats.code == 0);
    CHECK(Has(stats.out, R"("window":{"from":null,"to":null},"entity":null,)"));
    Run pivot = Gumshoe(dir, "pivot --json" + db + "--since 2026-11-02 --until 2026-11-02 AKIA2LEAKEDCIDEPLOY1");
    REQUIRE(pivot.code == 0);
    CHECK(Has(pivot.out, R"("window":{"from":"2026-11-02T00:00:00Z","to":"2026-11-02T23:59:59Z"},)"));
    // A finding's window: its first/last seen (08:14:30 .. 09:29:02) widened by the 24 h margin.
    Run blast = Gumshoe(dir, "blast-radius --json" + db + "8ec7a5b2f1d34e6a9c0b1d2e3f4a5b6c");
    REQUIRE(blast.code == 0);
    CHECK(Has(blast.out, R"("window":{"from":"2026-11-01T08:14:30Z","to":"2026-11-03T09:29:02Z"},)"));
  }
  SECTION("lists are arrays of the same entity object") {
    Run findings = Gumshoe(dir, "findings --json" + db);
    REQUIRE(findings.code == 0);
    // The finding on the leaked key lists the key and ci-deploy as entity objects.
    CHECK(Has(findings.out, ci_deploy));
    Run blast = Gumshoe(dir, "blast-radius --json" + db + "ci-deploy");
    REQUIRE(blast.code == 0);
    CHECK(Has(blast.out, "\"footholds\":[" + ci_deploy + "]"));
  }
}

TEST_CASE("JSON contract: --jsonl streams the objects of the --json document, one a line, escaped",
          "[cli][json][jsonl]") {
  TempDir dir;
  const std::string db = " --db " + Quote(dir.db()) + " ";
  // ESC and RIGHT-TO-LEFT OVERRIDE in a user agent (the record carries them as JSON escapes).
  Write(dir.path() / "t.json", AliceTrail(R"(evil\u001b[31mRED\u202egnp.exe)"));
  REQUIRE(Gumshoe(dir, "ingest" + db + Quote((dir.path() / "t.json").string())).code == 0);

  Run agents = Gumshoe(dir, "entities --jsonl --kind user_agent" + db);
  REQUIRE(agents.code == 0);
  const std::string agent =
      R"({"kind":"user_agent","key":"evil\u001B[31mRED\u202egnp.exe","id":"user_agent:evil\u001B[31mRED\u202egnp.exe",)"
      R"("label":"evil\u001B[31mRED\u202egnp.exe","first_seen":"2024-03-01T12:00:00Z","last_seen":"2024-03-01T12:00:00Z",)"
      R"("attrs":{},"tags":[]})";
  CHECK(agents.out == agent + "\n");
  CHECK(agents.out.find('\x1b') == std::string::npos);
  CHECK(agents.out.find("\xe2\x80\xae") == std::string::npos);
  Run agents_json = Gumshoe(dir, "entities --json --kind user_agent" + db);
  REQUIRE(agents_json.code == 0);
  CHECK(Has(agents_json.out, "\"matches\":1,\"offset\":0,\"entities\":[" + agent + "]}"));

  // The one call in the timeline's hour: its API, source IP and user agent, each new.
  Run timeline = Gumshoe(dir, "timeline --jsonl" + db + "alice");
  REQUIRE(timeline.code == 0);
  std::vector<std::string> lines = Lines(timeline.out);
  REQUIRE(lines.size() == 3);
  CHECK(Has(lines[0], R"({"hour":"2024-03-01T12:00:00Z","category":"api_call","item":{"kind":"api_call","key":"s3.amazonaws.com:ListBuckets",)"));
  CHECK(Has(lines[1], R"({"hour":"2024-03-01T12:00:00Z","category":"source_ip","item":{"kind":"ip_address","key":"203.0.113.5",)"));
  CHECK(lines[2] == R"({"hour":"2024-03-01T12:00:00Z","category":"user_agent","item":)" + agent +
                        R"(,"count":1,"edge_success":1,"edge_failure":0,"new":true,"evidence":"cloudtrail:e1"})");
  Run timeline_json = Gumshoe(dir, "timeline --json" + db + "alice");
  REQUIRE(timeline_json.code == 0);
  CHECK(Has(timeline_json.out, "\"entries\":[" + lines[0] + "," + lines[1] + "," + lines[2] + "]"));

  SECTION("findings: one finding a line, the same objects as the document's array") {
    TempDir inc;
    const std::string idb = " --db " + Quote(inc.db()) + " ";
    REQUIRE(Gumshoe(inc, "ingest" + idb + Quote(GUMSHOE_SOURCE_DIR "/examples/incident")).code == 0);
    Run f = Gumshoe(inc, "findings --jsonl" + idb);
    REQUIRE(f.code == 0);
    std::vector<std::string> found = Lines(f.out);
    // The three GuardDuty findings of examples/incident/guardduty, first seen first.
    REQUIRE(found.size() == 3);
    CHECK(Has(found[0], R"({"id":"3d9a1c7e5b2f4a8e9d0c1b2a3f4e5d6c","type":"Persistence:IAMUser/AnomalousBehavior",)"));
    CHECK(Has(found[1], R"({"id":"8ec7a5b2f1d34e6a9c0b1d2e3f4a5b6c","type":"CryptoCurrency:EC2/BitcoinTool.B!DNS",)"));
    CHECK(Has(found[2], R"({"id":"5b4e2d1c0a9f48e7b6c5d4e3f2a1b0c9","type":"UnauthorizedAccess:EC2/TorIPCaller",)"));
    Run doc = Gumshoe(inc, "findings --json" + idb);
    REQUIRE(doc.code == 0);
    CHECK(Has(doc.out, "\"findings\":[" + found[0] + "," + found[1] + "," + found[2] + "]"));
  }
  SECTION("--json and --jsonl together are a usage error") {
    Run both = Gumshoe(dir, "entities --json --jsonl" + db);
    CHECK(both.code == 2);
    CHECK(Has(both.err, "--json and --jsonl exclude each other"));
    CHECK(Gumshoe(dir, "--json timeline --jsonl" + db + "alice").code == 2);
  }
}
