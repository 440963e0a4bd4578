#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "engine/incident_fixtures.h"
#include "gumshoe/investigate.h"
#include "gumshoe/memory_store.h"

using namespace gumshoe;
using namespace gumshoe::testing;

namespace {
std::string Plain(std::string_view s) { return std::string(s); }

std::vector<std::string> Actions(const Investigation& inv, const std::string& action) {
  std::vector<std::string> out;
  for (const auto& c : inv.checklist)
    if (c.action == action) out.push_back(c.text);
  return out;
}

bool LineageHas(const Investigation& inv, const EntityRef& ref) {
  for (const auto& l : inv.lineages)
    if (l.lineage)
      for (const auto& n : l.lineage->nodes)
        if (n.entity.ref() == ref) return true;
  return false;
}
}  // namespace

TEST_CASE("Investigate: coin mining from the GuardDuty finding", "[engine][investigate]") {
  MemoryStore store;
  REQUIRE(BuildCoinMining(store).ok());
  auto inv = Investigate(store, kCoinFinding, InvestigateOptions{});
  REQUIRE(inv.ok());
  if (std::getenv("GUMSHOE_PRINT")) std::printf("%s\n", inv->ToText(Plain).c_str());
  REQUIRE(inv->finding);
  CHECK(inv->finding->type == "CryptoCurrency:EC2/BitcoinTool.B!DNS");
  REQUIRE(inv->involved.size() == 2);
  CHECK(inv->involved[0].entity.ref() == kMinerUse1);
  CHECK(inv->involved[0].foothold);
  CHECK(inv->involved[1].entity.ref() == kPoolDomain);

  // Lineage of the instance walks back through the launch to the leaked key's user.
  REQUIRE(inv->lineages.size() == 1);
  REQUIRE(inv->lineages[0].lineage);
  CHECK(LineageHas(*inv, kMinerSession));
  CHECK(LineageHas(*inv, kBackdoorKey));
  CHECK(LineageHas(*inv, kDev));

  // Blast radius: all three instances.
  for (const EntityRef& i : {kMinerUse1, kMinerEuw1, kMinerApne1}) CHECK(inv->blast.Find(i) != nullptr);

  // Checklist tailored to the evidence.
  auto isolate = Actions(*inv, "isolate_instance");
  REQUIRE(isolate.size() == 3);
  CHECK(isolate[0].rfind("Isolate instance i-0a1b2c3d4e5f60001 (us-east-1)", 0) == 0);
  CHECK(Actions(*inv, "check_regions") ==
        std::vector<std::string>{"Check every region: 3 instance(s) launched by ec2-admin/miner exist in ap-northeast-1, "
                                 "eu-west-1, us-east-1"});
  auto keys = Actions(*inv, "disable_key");
  CHECK(std::find(keys.begin(), keys.end(),
                  "Disable access key AKIAEXAMPLEBACKDOOR1 of backdoor (created by dev at 2026-03-10T08:07:15Z)") !=
        keys.end());
  CHECK(std::find(keys.begin(), keys.end(),
                  "Disable access key AKIAEXAMPLELEAKED001 of dev (creation not observed in the logs); the credential "
                  "lineage starts here") != keys.end());
  // Indicators of the launching session and of the lineage root dev: the Tor exit.
  bool tor = false;
  for (const auto& r : inv->indicators)
    if (r.principal == kDev)
      for (const auto* i : r.OfKind("flagged_ip")) tor |= i->entity == kTorIp;
  CHECK(tor);
  CHECK(Actions(*inv, "delete_user") ==
        std::vector<std::string>{"Delete IAM user backdoor (created by dev at 2026-03-10T08:05:40Z), with its access "
                                 "keys and login profile"});
  CHECK(Actions(*inv, "revoke_sessions") ==
        std::vector<std::string>{"Revoke the active sessions of role ec2-admin (sessions: ec2-admin/miner)"});

  std::string text = inv->ToText(Plain);
  CHECK(text.find("RESPONSE CHECKLIST") != std::string::npos);
  CHECK(text.find("3 EC2 instances launched in 3 regions") != std::string::npos);
  Subgraph g = inv->ToSubgraph();
  bool lineage_emphasis = false;
  for (const auto& n : g.nodes) lineage_emphasis |= n.entity.ref() == kBackdoorKey && n.emphasis == Emphasis::kLineage;
  CHECK(lineage_emphasis);
}

TEST_CASE("Investigate: S3 exfiltration names the bucket, the related finding and the checklist",
          "[engine][investigate]") {
  MemoryStore store;
  REQUIRE(BuildS3Exfil(store).ok());
  auto inv = Investigate(store, kExfilFinding, InvestigateOptions{});
  REQUIRE(inv.ok());
  REQUIRE(inv->blast.Find(kExportsBucket));
  REQUIRE(inv->related.size() == 1);
  CHECK(inv->related[0].entity.ref() == kExfilRecon);
  REQUIRE(inv->group);
  CHECK(inv->group->findings.size() == 2);
  CHECK(LineageHas(*inv, kAnalystKey));
  CHECK(Actions(*inv, "review_bucket") ==
        std::vector<std::string>{"Review bucket customer-exports: read by data-reader/exfil from 2026-04-02T14:02:00Z; check its "
                                 "policy and object access"});
  auto keys = Actions(*inv, "disable_key");
  CHECK(keys == std::vector<std::string>{"Disable access key AKIAEXAMPLEANALYST01 of analyst (creation not observed in "
                                         "the logs); the credential lineage starts here"});
  // Indicators of the footholds (the session and its temporary key) and of the lineage root.
  REQUIRE(inv->indicators.size() == 3);
  CHECK(inv->indicators[2].principal == kAnalyst);
  bool kali_agent = false;
  for (const auto& r : inv->indicators)
    for (const auto* i : r.OfKind("new_user_agent")) kali_agent |= i->entity.key.find("kali") != std::string::npos;
  CHECK(kali_agent);
}

TEST_CASE("Investigate: RDS brute force, any entity can start", "[engine][investigate]") {
  MemoryStore store;
  REQUIRE(BuildRdsBruteForce(store).ok());
  auto inv = Investigate(store, kBruteFinding, InvestigateOptions{});
  REQUIRE(inv.ok());
  CHECK(Actions(*inv, "rotate_db_user") ==
        std::vector<std::string>{"Rotate the password of DB user prod-db/admin on prod-db and review its sessions",
                                 "Rotate the password of DB user prod-db/svc_backup on prod-db and review its sessions"});
  CHECK(Actions(*inv, "block_ip") == std::vector<std::string>{"Block IP 45.155.205.233 (acting IP of the finding)"});
  CHECK(inv->lineages.empty());

  auto from_user = Investigate(store, kDbAdmin, InvestigateOptions{});
  REQUIRE(from_user.ok());
  CHECK_FALSE(from_user->finding);
  REQUIRE(from_user->related.size() == 1);
  CHECK(from_user->related[0].entity.ref() == kBruteFinding);
  CHECK(from_user->blast.Find(kDbBackdoor) != nullptr);
}

TEST_CASE("Investigate: log-derived text goes through the escape function", "[engine][investigate]") {
  MemoryStore store;
  GraphDelta d;
  EntityRef f = Finding("evil");
  AddFinding(d, f, "Type\x1b]0;pwned\x07", "5", T("2026-06-01T00:00:00Z"), T("2026-06-01T01:00:00Z"));
  Involves(d, f, Key("AKIAEXAMPLEESCAPE001"), T("2026-06-01T00:00:00Z"), true);
  REQUIRE(store.Apply(d).ok());
  auto inv = Investigate(store, f, InvestigateOptions{});
  REQUIRE(inv.ok());
  std::string text = inv->ToText([](std::string_view s) {
    std::string out;
    for (char c : s) out += (static_cast<unsigned char>(c) < 0x20) ? std::string("?") : std::string(1, c);
    return out;
  });
  CHECK(text.find('\x1b') == std::string::npos);
  CHECK(text.find("Type?]0;pwned?") != std::string::npos);
}
