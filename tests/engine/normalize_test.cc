#include <catch2/catch.hpp>

#include "gumshoe/normalize.h"
#include "gumshoe/time_util.h"

using namespace gumshoe;

TEST_CASE("ParseIp: IPv4 and IPv6 canonical text", "[engine][normalize]") {
  CHECK(ParseIp("10.0.0.1")->ToString() == "10.0.0.1");
  CHECK(ParseIp(" 8.8.8.8 ")->ToString() == "8.8.8.8");
  CHECK_FALSE(ParseIp("256.1.1.1"));
  CHECK_FALSE(ParseIp("1.2.3"));
  CHECK_FALSE(ParseIp("1.2.3.4.5"));
  CHECK_FALSE(ParseIp("1.2.3.4 "  "x"));
  CHECK_FALSE(ParseIp("AWS Internal"));
  CHECK_FALSE(ParseIp("ec2.amazonaws.com"));
  // RFC 5952: lower case, longest zero run compressed, leading zeros dropped.
  CHECK(ParseIp("2001:DB8:0:0:0:0:0:1")->ToString() == "2001:db8::1");
  CHECK(ParseIp("2001:0db8:0000:0001:0000:0000:0000:0001")->ToString() == "2001:db8:0:1::1");
  CHECK(ParseIp("::1")->ToString() == "::1");
  CHECK(ParseIp("::")->ToString() == "::");
  CHECK(ParseIp("fe80::1%eth0")->ToString() == "fe80::1");
  CHECK(ParseIp("::ffff:192.0.2.1")->ToString() == "192.0.2.1");  // IPv4-mapped is the IPv4 address (issue 21)
  CHECK(ParseIp("[2600:1f18::5]")->ToString() == "2600:1f18::5");
  CHECK_FALSE(ParseIp("1:2:3:4:5:6:7:8:9"));
  CHECK_FALSE(ParseIp("1::2::3"));
  CHECK_FALSE(ParseIp(":1:2"));
  CHECK_FALSE(ParseIp("12345::"));
}

TEST_CASE("ClassifyIp: private, CGNAT, link-local, ULA and public", "[engine][normalize]") {
  auto cls = [](const char* s) { return ClassifyIp(*ParseIp(s)); };
  CHECK(cls("10.1.2.3") == IpClass::kPrivate);
  CHECK(cls("172.16.0.1") == IpClass::kPrivate);
  CHECK(cls("172.31.255.255") == IpClass::kPrivate);
  CHECK(cls("172.32.0.1") == IpClass::kPublic);
  CHECK(cls("192.168.1.1") == IpClass::kPrivate);
  CHECK(cls("100.64.0.1") == IpClass::kSharedCgnat);
  CHECK(cls("169.254.169.254") == IpClass::kLinkLocal);
  CHECK(cls("fd00::1") == IpClass::kPrivate);
  CHECK(cls("fe80::1") == IpClass::kLinkLocal);
  CHECK(cls("::ffff:10.0.0.1") == IpClass::kPrivate);
  CHECK(cls("212.129.81.36") == IpClass::kPublic);
  CHECK(cls("2600:1f18::5") == IpClass::kPublic);
}

TEST_CASE("ParsePrefix: containment and host bits", "[engine][normalize]") {
  auto p = ParsePrefix("52.94.0.0/22");
  REQUIRE(p);
  CHECK(p->Contains(*ParseIp("52.94.3.255")));
  CHECK_FALSE(p->Contains(*ParseIp("52.94.4.0")));
  CHECK(ParsePrefix("10.1.2.3/8")->ToString() == "10.0.0.0/8");
  CHECK(ParsePrefix("2600:1f00::/24")->Contains(*ParseIp("2600:1f18::5")));
  CHECK_FALSE(ParsePrefix("1.2.3.4/33"));
  CHECK(ParsePrefix("1.2.3.4")->length == 32);
}

TEST_CASE("NormalizeKey: per-kind rules and limits", "[engine][normalize]") {
  CHECK(*NormalizeKey(EntityKind::kAccessKey, "akiaexample") == "AKIAEXAMPLE");
  CHECK(*NormalizeKey(EntityKind::kEc2Instance, "I-0ABC") == "i-0abc");
  CHECK(*NormalizeKey(EntityKind::kDomain, "Pool.MinerXMR.com.") == "pool.minerxmr.com");
  CHECK(*NormalizeKey(EntityKind::kIpAddress, "2001:DB8::0001") == "2001:db8::1");
  CHECK(*NormalizeKey(EntityKind::kIamUser, "arn:aws:iam::123456789012:user/Alice") ==
        "arn:aws:iam::123456789012:user/Alice");
  CHECK_FALSE(NormalizeKey(EntityKind::kIpAddress, "253.252.51.07x").ok());
  CHECK_FALSE(NormalizeKey(EntityKind::kS3Bucket, "   ").ok());
  CHECK_FALSE(NormalizeKey(EntityKind::kS3Bucket, std::string(kMaxKeyBytes + 1, 'a')).ok());
  // User agents are truncated, not rejected.
  auto ua = NormalizeKey(EntityKind::kUserAgent, std::string(5000, 'u'));
  REQUIRE(ua.ok());
  CHECK(ua->size() == kMaxUserAgentBytes);
}

TEST_CASE("NormalizeKey: ip_network is canonical CIDR", "[engine][normalize]") {
  auto net = [](std::string_view raw) { return NormalizeKey(EntityKind::kIpNetwork, raw); };
  CHECK(*net("203.0.113.0/24") == "203.0.113.0/24");
  CHECK(*net(" 203.0.113.77/24 ") == "203.0.113.0/24");  // host bits zeroed
  CHECK(*net("10.1.2.3/8") == "10.0.0.0/8");
  CHECK(*net("0.0.0.0/0") == "0.0.0.0/0");
  CHECK(*net("1.2.3.4/0") == "0.0.0.0/0");
  CHECK(*net("1.2.3.4/32") == "1.2.3.4/32");
  CHECK(*net("::/0") == "::/0");
  CHECK(*net("2001:DB8:0:0:0:0:0:1/128") == "2001:db8::1/128");
  CHECK(*net("2600:1F18:ABCD:1234::5/56") == "2600:1f18:abcd:1200::/56");
  for (const char* bad : {"10.0.0.1", "10.0.0.0/", "10.0.0.0/33", "::/129", "/8", "10.0.0.0/8/8", "10.0.0.0/x",
                          "10.0.0/8", "fe80::%eth0/64", "not-a-network", "10.0.0.0/-1", "10.0.0.0/1000"}) {
    INFO(bad);
    CHECK_FALSE(net(bad).ok());
  }
  // A canonical key normalises to itself.
  for (const char* key : {"203.0.113.0/24", "::/0", "2600:1f18:abcd:1200::/56"}) CHECK(*net(*net(key)) == *net(key));
  CHECK(GuessKind("203.0.113.0/24") == EntityKind::kIpNetwork);
  CHECK(GuessKind("::/0") == EntityKind::kIpNetwork);
  CHECK(CandidateRefs("ip_network:0.0.0.0/0").front() == EntityRef{EntityKind::kIpNetwork, "0.0.0.0/0"});
  CHECK(CandidateRefs("::/0").front() == EntityRef{EntityKind::kIpNetwork, "::/0"});
  CHECK(EntityKindName(EntityKind::kIpNetwork) == "ip_network");
  CHECK(static_cast<int>(EntityKind::kIpNetwork) == 22);
}

TEST_CASE("CandidateRefs: what a user typed", "[engine][normalize]") {
  auto first = [](const char* s) { return CandidateRefs(s).front(); };
  CHECK(first("ASIAUACFUVW5ALWCP7NT").kind == EntityKind::kAccessKey);
  CHECK(first("i-0317f6c6b66ae9c40").kind == EntityKind::kEc2Instance);
  CHECK(first("arn:aws:iam::275023965626:user/aws-attack-chain-lab-attacker").kind == EntityKind::kIamUser);
  CHECK(first("arn:aws:sts::1:assumed-role/r/s").kind == EntityKind::kRoleSession);
  CHECK(first("arn:aws:s3:::my-bucket/key.txt") == EntityRef{EntityKind::kS3Bucket, "my-bucket"});
  CHECK(first("s3_bucket:My-Bucket") == EntityRef{EntityKind::kS3Bucket, "my-bucket"});
  CHECK(first("ip_address:10.0.0.1") == EntityRef{EntityKind::kIpAddress, "10.0.0.1"});
  CHECK(CandidateRefs("ip_address:not-an-ip").empty());
  // A bare word could be a bucket, a finding, a domain...
  auto many = CandidateRefs("c0b069a09b9f39764cf3d9e44251e079");
  CHECK(many.size() > 3);
  CHECK(CandidateRefs("").empty());
}

TEST_CASE("ShortName: readable labels", "[engine][normalize]") {
  CHECK(ShortName({EntityKind::kIamUser, "arn:aws:iam::123456789012:user/path/alice"}) == "alice");
  CHECK(ShortName({EntityKind::kIamUser, "arn:aws:iam::123456789012:root"}) == "root (123456789012)");
  CHECK(ShortName({EntityKind::kRoleSession, "arn:aws:sts::1:assumed-role/web/i-0abc"}) == "web/i-0abc");
  CHECK(ShortName({EntityKind::kIpAddress, "1.2.3.4"}) == "1.2.3.4");
  CHECK(ShortName({EntityKind::kIamUser, "arn:x:root"}) == "root (x)");
  CHECK(ShortName({EntityKind::kIamUser, "arn::root"}) == "root");
  CHECK(ShortName({EntityKind::kIamUser, "arn:aws:iam:::root"}) == "root");
}

TEST_CASE("Time: ISO 8601 parse/format round trip", "[engine][time]") {
  CHECK(*ParseIsoTime("2026-07-28T11:48:39Z") == 1785239319);
  CHECK(FormatTime(1785239319) == "2026-07-28T11:48:39Z");
  CHECK(*ParseIsoTime("2018-01-08T00:52:34.750Z") == *ParseIsoTime("2018-01-08T00:52:34Z"));
  CHECK(*ParseIsoTime("2020-09-14T01:00:00+01:00") == *ParseIsoTime("2020-09-14T00:00:00Z"));
  CHECK(*ParseIsoTime("2025-08-29 07:45:01 UTC") == *ParseIsoTime("2025-08-29T07:45:01Z"));
  CHECK(*ParseIsoTime("2022-06-25 00:27:53") == *ParseIsoTime("2022-06-25T00:27:53Z"));
  CHECK(*ParseUserTime("2026-07-28") == *ParseIsoTime("2026-07-28T00:00:00Z"));
  CHECK_FALSE(ParseIsoTime("2026-13-01T00:00:00Z"));
  CHECK_FALSE(ParseIsoTime("Sep 14, 2020, 7:01:26 AM"));
  CHECK_FALSE(ParseIsoTime("2026-07-28T11:48:39Zjunk"));
  CHECK(FormatTime(kNoTime) == "-");
  CHECK(FormatTime(0) == "1970-01-01T00:00:00Z");
  CHECK_FALSE(PlausibleTime(0, NowSeconds()));
  CHECK_FALSE(PlausibleTime(*ParseIsoTime("2999-01-01T00:00:00Z"), NowSeconds()));
  CHECK(PlausibleTime(*ParseIsoTime("2024-03-01T00:00:00Z"), NowSeconds()));
}
