// Credential lineage on CloudTrail records of the real shape: a console
// session's root is its ConsoleLogin; a leaked key's descendants include what
// its principal created with it, and only that.
#include <catch2/catch.hpp>

#include <string>

#include "gumshoe/ingest.h"
#include "gumshoe/lineage.h"
#include "gumshoe/memory_store.h"
#include "gumshoe/time_util.h"

namespace gumshoe {
namespace {

const std::string kData = std::string(GUMSHOE_TEST_DATA) + "/cloudtrail/";
const std::string kA = "111122223333";

void IngestCloudTrail(GraphStore& store, const std::string& file) {
  IngestOptions options;
  options.source = "cloudtrail";
  Result<IngestStats> stats = Ingest(store, {kData + file}, options);
  REQUIRE(stats.ok());
  INFO(stats->ToJson());
  CHECK(stats->rejected == 0);
  CHECK(stats->file_errors.empty());
}

EntityRef Key(const std::string& k) { return {EntityKind::kAccessKey, k}; }
EntityRef User(const std::string& name) { return {EntityKind::kIamUser, "arn:aws:iam::" + kA + ":user/" + name}; }

int NodeOf(const LineageResult& r, const EntityRef& ref) {
  for (size_t i = 0; i < r.nodes.size(); ++i)
    if (r.nodes[i].entity.ref() == ref) return static_cast<int>(i);
  return -1;
}

const LineageLink* LinkTo(const LineageResult& r, const EntityRef& from, const EntityRef& to) {
  for (const LineageLink& l : r.links)
    if (r.nodes[l.from].entity.ref() == from && r.nodes[l.to].entity.ref() == to) return &l;
  return nullptr;
}

std::string Plain(std::string_view s) { return std::string(s); }

TEST_CASE("Lineage: an IAM user's console session key goes back to the ConsoleLogin", "[ingest][cloudtrail][lineage]") {
  MemoryStore store;
  IngestCloudTrail(store, "console_session.json");

  SECTION("the ingest keeps each successful sign-in on the console_login edge") {
    std::optional<Edge> login;
    REQUIRE(store
                .ScanEdges(store.IdOf(EntityKind::kIamUser, User("dana").key), Direction::kOut,
                           EdgeKind::kConsoleLogin,
                           [&](const Edge& e) {
                             login = e;
                             return false;
                           })
                .ok());
    REQUIRE(login);
    CHECK(login->stats.success == 3);  // 09:00 Mar 1, 08:00:05 and 11:58:30 Mar 2
    CHECK(login->stats.failure == 1);  // 07:59 Mar 2, "Failed authentication"
    CHECK(login->stats.counters.at(
              "login:2026-03-02T08:00:05Z|203.0.113.45|No|cloudtrail:c0c0c0c0-0003-4000-8000-000000000003") == 1);
    CHECK(login->stats.counters.at(
              "login:2026-03-01T09:00:00Z|192.0.2.10|Yes|cloudtrail:c0c0c0c0-0001-4000-8000-000000000001") == 1);
    size_t logins = 0;
    for (const auto& [name, n] : login->stats.counters) logins += name.rfind("login:", 0) == 0;
    CHECK(logins == 3);  // the failure is not a sign-in
    auto key = store.Find(Key("ASIAQ3EXAMPLECONS001"));
    REQUIRE(key.ok());
    REQUIRE(key->has_value());
    CHECK(*(*key)->Attr("console_session") == "true");
    CHECK(*(*key)->Attr("session_created") == "2026-03-02T08:00:05Z");
    CHECK(*(*key)->Attr("mfa_authenticated") == "false");
  }
  SECTION("sessionCredentialFromConsole: the root is the ConsoleLogin with time, IP, MFA and event") {
    auto res = Lineage(store, Key("ASIAQ3EXAMPLECONS001"), LineageOptions{});
    REQUIRE(res.ok());
    REQUIRE(res->nodes[0].console_sign_in);
    const ConsoleSignIn& s = *res->nodes[0].console_sign_in;
    CHECK(s.observed);
    CHECK(s.principal == User("dana"));
    CHECK(s.time == *ParseIsoTime("2026-03-02T08:00:05Z"));
    CHECK(s.source_ip == "203.0.113.45");
    CHECK(s.mfa == "no");
    CHECK(s.event_id == "cloudtrail:c0c0c0c0-0003-4000-8000-000000000003");
    int dana = NodeOf(*res, User("dana"));
    REQUIRE(dana >= 0);
    CHECK(res->nodes[dana].root == LineageRoot::kConsoleLogin);
    CHECK(res->nodes[dana].note ==
          "ConsoleLogin of iam_user:arn:aws:iam::111122223333:user/dana at 2026-03-02T08:00:05Z from 203.0.113.45, "
          "MFA no [event cloudtrail:c0c0c0c0-0003-4000-8000-000000000003]; the user's creation was not observed");
    std::string tree = res->ToTree(Plain);
    CHECK(tree.find("long-term key ?") == std::string::npos);
    CHECK(tree.find("ROOT (console_login)") != std::string::npos);
    CHECK(res->ToJson().find("\"console_sign_in\":{\"principal\":\"iam_user:arn:aws:iam::111122223333:user/dana\","
                             "\"time\":\"2026-03-02T08:00:05Z\",\"source_ip\":\"203.0.113.45\",\"mfa\":\"no\","
                             "\"event\":\"cloudtrail:c0c0c0c0-0003-4000-8000-000000000003\",\"observed\":true}") !=
          std::string::npos);
  }
  SECTION("no console flag: matched by the session's creationDate to the sign-in at that time") {
    auto res = Lineage(store, Key("ASIAQ3EXAMPLECONS002"), LineageOptions{});
    REQUIRE(res.ok());
    REQUIRE(res->nodes[0].console_sign_in);
    CHECK(res->nodes[0].console_sign_in->event_id == "cloudtrail:c0c0c0c0-0001-4000-8000-000000000001");
    CHECK(res->nodes[0].console_sign_in->source_ip == "192.0.2.10");
    CHECK(res->nodes[0].console_sign_in->mfa == "yes");
    CHECK(res->nodes[NodeOf(*res, User("dana"))].root == LineageRoot::kConsoleLogin);
  }
  SECTION("a GetSessionToken key is not a console session, even with a sign-in 90 s before it") {
    auto res = Lineage(store, Key("ASIAQ3EXAMPLEGST0001"), LineageOptions{});
    REQUIRE(res.ok());
    CHECK_FALSE(res->nodes[0].console_sign_in);
    REQUIRE(LinkTo(*res, Key("ASIAQ3EXAMPLEGST0001"), Key("AKIAQ3EXAMPLEDANA001")) != nullptr);
    int dana = NodeOf(*res, User("dana"));
    REQUIRE(dana >= 0);
    CHECK(res->nodes[dana].root == LineageRoot::kIamUserKey);
    CHECK(res->nodes[dana].note.find("long-term key AKIAQ3EXAMPLEDANA001") != std::string::npos);
  }
}

TEST_CASE("Lineage: a console session whose ConsoleLogin was not ingested says so", "[ingest][cloudtrail][lineage]") {
  MemoryStore store;
  IngestCloudTrail(store, "console_session_calls_only.json");
  auto res = Lineage(store, Key("ASIAQ3EXAMPLECONS001"), LineageOptions{});
  REQUIRE(res.ok());
  REQUIRE(res->nodes[0].console_sign_in);
  CHECK_FALSE(res->nodes[0].console_sign_in->observed);
  int dana = NodeOf(*res, User("dana"));
  REQUIRE(dana >= 0);
  CHECK(res->nodes[dana].root == LineageRoot::kConsoleLogin);
  CHECK(res->nodes[dana].note ==
        "console session of iam_user:arn:aws:iam::111122223333:user/dana created 2026-03-02T08:00:05Z (MFA no); its "
        "ConsoleLogin was not observed; the user's creation was not observed");
}

TEST_CASE("Lineage: descendants of a leaked key include the user it created and that user's admin session",
          "[ingest][cloudtrail][lineage][descendants]") {
  MemoryStore store;
  IngestCloudTrail(store, "leaked_key_descendants.json");
  LineageOptions fwd;
  fwd.descendants = true;
  const EntityRef k1 = Key("AKIAQ3EXAMPLECIDEP01");
  const EntityRef admin_session{EntityKind::kRoleSession, "arn:aws:sts::111122223333:assumed-role/admin/pwn"};

  auto down = Lineage(store, k1, fwd);
  REQUIRE(down.ok());
  const LineageLink* created = LinkTo(*down, k1, User("svc-backup"));
  REQUIRE(created != nullptr);
  CHECK(created->edge == EdgeKind::kCreated);
  CHECK(created->edge_src == User("ci-deploy"));
  CHECK(created->event_id == "cloudtrail:d1d1d1d1-0001-4000-8000-000000000001");
  CHECK(created->source_ip == "198.51.100.60");
  CHECK(created->note ==
        "signed with this key: the only key of iam_user:arn:aws:iam::111122223333:user/ci-deploy in use at "
        "2026-03-03T10:00:00Z");
  const LineageLink* key = LinkTo(*down, k1, Key("AKIAQ3EXAMPLESVCBK01"));
  REQUIRE(key != nullptr);
  CHECK(key->event_id == "cloudtrail:d1d1d1d1-0002-4000-8000-000000000002");
  const LineageLink* mint = LinkTo(*down, Key("AKIAQ3EXAMPLESVCBK01"), Key("ASIAQ3EXAMPLEADMIN01"));
  REQUIRE(mint != nullptr);
  CHECK(mint->edge == EdgeKind::kMinted);
  CHECK(mint->event_id == "cloudtrail:d1d1d1d1-0003-4000-8000-000000000003");
  CHECK(NodeOf(*down, admin_session) >= 0);
  // Not the other key's creation two days later, not the denied CreateUser.
  CHECK(NodeOf(*down, User("intern")) < 0);
  CHECK(NodeOf(*down, User("root-shadow")) < 0);
  std::string tree = down->ToTree(Plain);
  CHECK(tree.find("created iam_user arn:aws:iam::111122223333:user/svc-backup  [event "
                  "cloudtrail:d1d1d1d1-0001-4000-8000-000000000001, 2026-03-03T10:00:00Z, from 198.51.100.60] by "
                  "iam_user arn:aws:iam::111122223333:user/ci-deploy") != std::string::npos);

  auto other = Lineage(store, Key("AKIAQ3EXAMPLECIDEP02"), fwd);
  REQUIRE(other.ok());
  CHECK(NodeOf(*other, User("intern")) >= 0);
  CHECK(NodeOf(*other, User("svc-backup")) < 0);
  CHECK(NodeOf(*other, admin_session) < 0);
}

}  // namespace
}  // namespace gumshoe
