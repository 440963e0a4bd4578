// Issue 20.5: a VPC flow edge goes from the side that initiated the
// connection to the side that accepted it. Both records of a connection (the
// request direction and the reply direction) land on that one edge; an
// inbound SSH session is "connected from", never "contacted".
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <string>

#include "gumshoe/blast_radius.h"
#include "gumshoe/ingest.h"
#include "gumshoe/memory_store.h"
#include "gumshoe/timeline.h"
#include "ingest/parser_test_util.h"
#include "registry.h"

namespace gumshoe::ingest {
namespace {

using testing::Counter;
using testing::Eni;
using testing::FindEdge;
using testing::Instance;
using testing::Ip;
using testing::ReadFile;
using testing::TestContext;

const EntityRef kInternetV4{EntityKind::kIpNetwork, "0.0.0.0/0"};

void Parse(TestContext& ctx, const std::string& text) {
  auto parser = NewVpcFlowIngestor()->NewParser(FileInfo{std::string(ctx.position().path), false}, IngestOptions{});
  ctx.FeedLines(*parser, text);
}

size_t CountFlows(const GraphReader& r, const EntityRef& e, Direction dir) {
  size_t n = 0;
  REQUIRE(r.ScanEdges(r.IdOf(e.kind, e.key), dir, EdgeKind::kNetworkFlow, [&](const Edge&) {
             ++n;
             return true;
           }).ok());
  return n;
}

TEST_CASE("FlowDirection: v2 default rows: an inbound SSH pair is one edge from the remote", "[ingest][vpc_flow]") {
  TestContext ctx("inbound_ssh_v2.log");
  Parse(ctx, ReadFile(GUMSHOE_TEST_DATA "/vpc_flow/inbound_ssh_v2.log"));
  CHECK(testing::Ok(ctx) == 6);
  CHECK(testing::Rejected(ctx) == 0);
  MemoryStore store;
  REQUIRE(store.Apply(ctx.delta_).ok());
  const EntityRef eni = Eni("eni-0a1b2c3d4e5f6a001");

  // Line 1: 198.51.100.66:51734 -> 10.0.4.20:22, line 2 the reply. Without
  // flow-direction the private address is the interface's; port 22 is the
  // service, so the remote initiated both records' connection.
  CHECK_FALSE(FindEdge(store, eni, EdgeKind::kNetworkFlow, Ip("198.51.100.66")));
  auto ssh = FindEdge(store, Ip("198.51.100.66"), EdgeKind::kNetworkFlow, eni);
  REQUIRE(ssh);
  CHECK(ssh->count == 2);
  CHECK(Counter(*ssh, "accepted") == 2);
  CHECK(Counter(*ssh, "bytes_out") == 5912);  // sent by the initiator (line 1)
  CHECK(Counter(*ssh, "packets_out") == 34);
  CHECK(Counter(*ssh, "bytes_in") == 7120);  // sent back by the instance (line 2)
  CHECK(Counter(*ssh, "packets_in") == 30);
  CHECK(Counter(*ssh, "dport:00022") == 1);
  CHECK(ssh->counters.count("dport:51734") == 0);
  CHECK(ssh->counters.count("initiator_guessed") == 0);

  // Lines 3-4: the instance connected out to 203.0.113.80:443.
  CHECK_FALSE(FindEdge(store, Ip("203.0.113.80"), EdgeKind::kNetworkFlow, eni));
  auto web = FindEdge(store, eni, EdgeKind::kNetworkFlow, Ip("203.0.113.80"));
  REQUIRE(web);
  CHECK(web->count == 2);
  CHECK(Counter(*web, "bytes_out") == 2100);
  CHECK(Counter(*web, "bytes_in") == 18000);
  CHECK(Counter(*web, "dport:00443") == 1);

  // Line 5: a rejected RDP probe, folded: from the internet to the interface.
  auto probe = FindEdge(store, kInternetV4, EdgeKind::kNetworkFlow, eni);
  REQUIRE(probe);
  CHECK(Counter(*probe, "folded_probes") == 1);
  CHECK(Counter(*probe, "dport:03389") == 1);
  CHECK(probe->success == 0);

  // Line 6: ICMP (ports 0): nothing tells who initiated; the row's source is
  // taken and the guess is counted on the edge.
  auto icmp = FindEdge(store, eni, EdgeKind::kNetworkFlow, Ip("198.51.100.9"));
  REQUIRE(icmp);
  CHECK(Counter(*icmp, "initiator_guessed") == 1);
  CHECK(Counter(*icmp, "bytes_out") == 84);
  CHECK(icmp->counters.count("dport:00000") == 0);

  CHECK(CountFlows(store, eni, Direction::kOut) == 2);
  CHECK(CountFlows(store, eni, Direction::kIn) == 2);
  CHECK(FindEdge(store, eni, EdgeKind::kAssignedIp, Ip("10.0.4.20")));
}

TEST_CASE("FlowDirection: tcp-flags decide over the ports, flow-direction decides the local side",
          "[ingest][vpc_flow]") {
  TestContext ctx("inbound_ssh_v5.log");
  Parse(ctx, ReadFile(GUMSHOE_TEST_DATA "/vpc_flow/inbound_ssh_v5.log"));
  CHECK(testing::Ok(ctx) == 8);
  MemoryStore store;
  REQUIRE(store.Apply(ctx.delta_).ok());
  const EntityRef eni = Eni("eni-0a1b2c3d4e5f6a002");

  // Lines 2-3: SSH, SYN (2) from the remote, SYN-ACK (18) back. Lines 4-5: a
  // connection between two unprivileged ports where the lower port (40100) is
  // the remote's: the port rule alone would call the instance the initiator,
  // but the remote sent the SYN (2) and the instance the SYN-ACK+FIN (19).
  CHECK_FALSE(FindEdge(store, eni, EdgeKind::kNetworkFlow, Ip("198.51.100.66")));
  auto in = FindEdge(store, Ip("198.51.100.66"), EdgeKind::kNetworkFlow, eni);
  REQUIRE(in);
  CHECK(in->count == 4);
  CHECK(Counter(*in, "accepted") == 4);
  CHECK(Counter(*in, "bytes_out") == 5912 + 900);
  CHECK(Counter(*in, "packets_out") == 34 + 8);
  CHECK(Counter(*in, "bytes_in") == 7120 + 250000);
  CHECK(Counter(*in, "packets_in") == 30 + 9);
  CHECK(Counter(*in, "dport:00022") == 1);
  CHECK(Counter(*in, "dport:50500") == 1);
  CHECK(in->counters.count("dport:40100") == 0);

  // Lines 6-7: the instance's own HTTPS connection (SYN+FIN 3 out, 19 back).
  auto out = FindEdge(store, eni, EdgeKind::kNetworkFlow, Ip("203.0.113.80"));
  REQUIRE(out);
  CHECK(out->count == 2);
  CHECK(Counter(*out, "bytes_out") == 2100);
  CHECK(Counter(*out, "bytes_in") == 18000);
  CHECK(Counter(*out, "dport:00443") == 1);

  // Lines 8-9: two rejected probes, folded.
  auto probes = FindEdge(store, kInternetV4, EdgeKind::kNetworkFlow, eni);
  REQUIRE(probes);
  CHECK(Counter(*probes, "folded_probes") == 2);
  CHECK(Counter(*probes, "dport:03389") == 1);
  CHECK(Counter(*probes, "dport:08080") == 1);
  CHECK(FindEdge(store, Instance("i-0a1b2c3d4e5f6a002"), EdgeKind::kHasInterface, eni));
}

TEST_CASE("FlowDirection: the instance's timeline says connected from, its blast radius contacted only what it reached out to",
          "[ingest][vpc_flow][blast_radius]") {
  TestContext ctx("inbound_ssh_v5.log");
  Parse(ctx, ReadFile(GUMSHOE_TEST_DATA "/vpc_flow/inbound_ssh_v5.log"));
  MemoryStore store;
  REQUIRE(store.Apply(ctx.delta_).ok());
  const EntityRef instance = Instance("i-0a1b2c3d4e5f6a002");

  Result<TimelineResult> tl = Timeline(store, instance, TimelineOptions{});
  REQUIRE(tl.ok());
  bool ssh_in = false, web_out = false;
  for (const TimelineEntry& e : tl->entries) {
    INFO(e.category << " " << FormatRef(e.item));
    if (e.item == Ip("198.51.100.66")) {
      CHECK(e.category == "flow_in");
      CHECK(e.via == "eni-0a1b2c3d4e5f6a002");
      ssh_in = true;
    }
    if (e.item == Ip("203.0.113.80")) {
      CHECK(e.category == "flow_out");
      web_out = true;
    }
    if (e.item == kInternetV4) CHECK(e.category == "flow_in");
  }
  CHECK(ssh_in);
  CHECK(web_out);

  Result<BlastRadiusResult> br = BlastRadius(store, instance, BlastRadiusOptions{});
  REQUIRE(br.ok());
  // The attacker's address is reached (the instance accepted its connection)
  // but is not among the addresses the instance contacted; the rejected
  // probes reach nothing.
  CHECK(br->summary == "1 EC2 instance, 1 IP address contacted, 1 IP address that connected in");
  const BlastNode* attacker = br->Find(Ip("198.51.100.66"));
  REQUIRE(attacker);
  REQUIRE(attacker->path.size() == 1);
  CHECK_FALSE(attacker->path[0].stored_forward);
  CHECK(attacker->path[0].via == "eni-0a1b2c3d4e5f6a002");
  const BlastNode* web = br->Find(Ip("203.0.113.80"));
  REQUIRE(web);
  REQUIRE(web->path.size() == 1);
  CHECK(web->path[0].stored_forward);
  CHECK(br->Find(kInternetV4) == nullptr);
}

TEST_CASE("FlowDirection: the port rule: below 1024, a known service port, else the lower port",
          "[ingest][vpc_flow]") {
  // Shapes from the Cribl sample (Splunk forwarding to 9997, NTP, a 4200
  // service), with flow-direction naming the local side.
  TestContext ctx("ports.log");
  Parse(ctx,
        "version interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status "
        "flow-direction\n"
        "5 eni-0p 10.0.0.138 10.0.0.236 42376 9997 6 429 3718361 1700000000 1700000060 ACCEPT OK ingress\n"
        "5 eni-0p 10.0.0.236 38.229.52.9 45653 123 17 1 76 1700000000 1700000060 ACCEPT OK egress\n"
        "5 eni-0p 10.0.0.164 10.0.0.236 4200 54560 6 24 62246 1700000000 1700000060 ACCEPT OK ingress\n"
        "5 eni-0p 10.0.0.50 10.0.0.236 7000 7000 17 1 100 1700000000 1700000060 ACCEPT OK ingress\n");
  MemoryStore store;
  REQUIRE(store.Apply(ctx.delta_).ok());
  const EntityRef eni = Eni("eni-0p");
  auto splunk = FindEdge(store, Ip("10.0.0.138"), EdgeKind::kNetworkFlow, eni);  // 9997 is a service port
  REQUIRE(splunk);
  CHECK(Counter(*splunk, "dport:09997") == 1);
  auto ntp = FindEdge(store, eni, EdgeKind::kNetworkFlow, Ip("38.229.52.9"));  // 123 < 1024
  REQUIRE(ntp);
  CHECK(Counter(*ntp, "dport:00123") == 1);
  // 4200 (no well-known service) is lower than 54560: 10.0.0.164 is the
  // server and the interface connected to it.
  auto app = FindEdge(store, eni, EdgeKind::kNetworkFlow, Ip("10.0.0.164"));
  REQUIRE(app);
  CHECK(Counter(*app, "bytes_in") == 62246);
  CHECK(app->counters.count("dport:04200") == 0);  // the row went to the client side
  auto same = FindEdge(store, Ip("10.0.0.50"), EdgeKind::kNetworkFlow, eni);  // equal ports: the row's source
  REQUIRE(same);
  CHECK(Counter(*same, "initiator_guessed") == 1);
}

TEST_CASE("FlowDirection: pkt-srcaddr/pkt-dstaddr tell a NAT gateway interface's own address", "[ingest][vpc_flow]") {
  // The VPC user guide's NAT gateway example (the NAT interface is 10.0.0.220;
  // an instance 10.0.1.5 reaches 203.0.113.5 through it), with ports added.
  TestContext ctx("nat.log");
  Parse(ctx,
        "version interface-id srcaddr dstaddr srcport dstport pkt-srcaddr pkt-dstaddr protocol packets bytes start "
        "end action log-status\n"
        "5 eni-0nat 10.0.1.5 10.0.0.220 40000 443 10.0.1.5 203.0.113.5 6 5 500 1700000000 1700000060 ACCEPT OK\n"
        "5 eni-0nat 10.0.0.220 203.0.113.5 40000 443 10.0.0.220 203.0.113.5 6 5 500 1700000000 1700000060 ACCEPT OK\n"
        "5 eni-0nat 203.0.113.5 10.0.0.220 443 40000 203.0.113.5 10.0.0.220 6 7 9000 1700000000 1700000060 ACCEPT OK\n"
        "5 eni-0nat 10.0.0.220 10.0.1.5 443 40000 203.0.113.5 10.0.1.5 6 7 9000 1700000000 1700000060 ACCEPT OK\n");
  MemoryStore store;
  REQUIRE(store.Apply(ctx.delta_).ok());
  const EntityRef eni = Eni("eni-0nat");
  CHECK(FindEdge(store, eni, EdgeKind::kAssignedIp, Ip("10.0.0.220")));
  CHECK_FALSE(FindEdge(store, eni, EdgeKind::kAssignedIp, Ip("10.0.1.5")));
  // The instance connected through the NAT (lines 2 and 5); the NAT connected
  // out to the internet address (lines 3 and 4).
  auto from_instance = FindEdge(store, Ip("10.0.1.5"), EdgeKind::kNetworkFlow, eni);
  REQUIRE(from_instance);
  CHECK(from_instance->count == 2);
  CHECK(Counter(*from_instance, "bytes_out") == 500);
  CHECK(Counter(*from_instance, "bytes_in") == 9000);
  auto to_internet = FindEdge(store, eni, EdgeKind::kNetworkFlow, Ip("203.0.113.5"));
  REQUIRE(to_internet);
  CHECK(to_internet->count == 2);
  CHECK(Counter(*to_internet, "dport:00443") == 1);
}

// Real data: internet scanning noise and internal traffic. Worked out from the
// file: the 67 REJECT rows all come from public addresses (folded per
// interface: 50 + 7 + 7 + 3), every accepted public flow was opened by the
// instance (to 443, or NTP to 123), and the Splunk forwarder 10.0.0.138
// connected to 10.0.0.236:9997.
TEST_CASE("FlowDirection: the Cribl VPC flow sample", "[ingest][vpc_flow][shared]") {
  const std::string file = GUMSHOE_SOURCE_DIR "/../shared/datasets/cribl-vpcflow-sample/vpcflow_v2.log";
  REQUIRE(std::filesystem::exists(file));
  TestContext ctx("vpcflow_v2.log");
  Parse(ctx, ReadFile(file));
  CHECK(testing::Rejected(ctx) == 0);
  MemoryStore store;
  REQUIRE(store.Apply(ctx.delta_).ok());

  size_t folded_edges = 0, from_public = 0, to_public = 0;
  int64_t folded_rows = 0;
  std::map<std::string, int64_t> probes_by_eni;
  REQUIRE(store.ScanEntities(EntityKind::kNetworkInterface, [&](const Entity& e) {
            REQUIRE(store.ScanEdges(store.IdOf(e.kind, e.key), Direction::kIn, EdgeKind::kNetworkFlow,
                                    [&](const Edge& edge) {
                                      if (edge.src.kind == EntityKind::kIpNetwork) {
                                        ++folded_edges;
                                        folded_rows += Counter(edge.stats, "folded_probes");
                                        probes_by_eni[e.key] += Counter(edge.stats, "folded_probes");
                                        CHECK(edge.stats.success == 0);
                                      } else {
                                        auto src = store.GetEntity(edge.src);
                                        REQUIRE(src.ok());
                                        REQUIRE(src->has_value());
                                        if ((*src)->tags.count("public")) ++from_public;
                                      }
                                      return true;
                                    })
                        .ok());
            REQUIRE(store.ScanEdges(store.IdOf(e.kind, e.key), Direction::kOut, EdgeKind::kNetworkFlow,
                                    [&](const Edge& edge) {
                                      auto dst = store.GetEntity(edge.dst);
                                      REQUIRE(dst.ok());
                                      REQUIRE(dst->has_value());
                                      if ((*dst)->tags.count("public")) ++to_public;
                                      return true;
                                    })
                        .ok());
            return true;
          }).ok());
  CHECK(folded_edges == 4);
  CHECK(folded_rows == 67);
  CHECK(probes_by_eni["eni-07e5d76940fbaa5c6"] == 50);
  CHECK(probes_by_eni["eni-0bf22c72ebe087ac9"] == 3);
  CHECK(from_public == 0);
  CHECK(to_public == 4);  // 52.216.176.35, 99.84.189.121, 54.239.152.25, 38.229.52.9

  const EntityRef indexer = Eni("eni-0858304751c757b2e");
  CHECK_FALSE(FindEdge(store, indexer, EdgeKind::kNetworkFlow, Ip("10.0.0.138")));
  auto forwarder = FindEdge(store, Ip("10.0.0.138"), EdgeKind::kNetworkFlow, indexer);
  REQUIRE(forwarder);
  CHECK(forwarder->count == 4);
  CHECK(Counter(*forwarder, "bytes_out") == 3718361 + 928);
  CHECK(Counter(*forwarder, "bytes_in") == 6421 + 218);
  CHECK(Counter(*forwarder, "dport:09997") == 2);
  auto ntp = FindEdge(store, indexer, EdgeKind::kNetworkFlow, Ip("38.229.52.9"));
  REQUIRE(ntp);
  CHECK(ntp->count == 2);
  CHECK(Counter(*ntp, "dport:00123") == 1);
}

}  // namespace
}  // namespace gumshoe::ingest
