// Strict timestamps (issue 21.8), IPv4-mapped and leading-zero addresses,
// the one table of unsafe code points (21.6), and evidence ties (21.7).
#include <catch2/catch.hpp>

#include "gumshoe/model.h"
#include "gumshoe/normalize.h"
#include "gumshoe/time_util.h"
#include "gumshoe/utf8.h"

using namespace gumshoe;

TEST_CASE("ParseIsoTime: impossible dates, hours and offsets are not times", "[engine][time][strict]") {
  CHECK_FALSE(ParseIsoTime("2026-02-29T00:00:00Z"));  // 2026 is not a leap year
  CHECK_FALSE(ParseIsoTime("1900-02-29T00:00:00Z"));  // nor is 1900
  CHECK(*ParseIsoTime("2000-02-29T00:00:00Z") == 951782400);
  CHECK(*ParseIsoTime("2024-02-29T12:00:00Z") == 1709208000);
  CHECK_FALSE(ParseIsoTime("2024-04-31T00:00:00Z"));
  CHECK_FALSE(ParseIsoTime("2024-06-31T00:00:00Z"));
  CHECK_FALSE(ParseIsoTime("2024-13-01T00:00:00Z"));
  CHECK_FALSE(ParseIsoTime("2024-00-01T00:00:00Z"));
  CHECK_FALSE(ParseIsoTime("2024-01-00T00:00:00Z"));
  CHECK_FALSE(ParseIsoTime("2024-01-01T24:00:00Z"));
  CHECK_FALSE(ParseIsoTime("2024-01-01T23:60:00Z"));
  CHECK_FALSE(ParseIsoTime("2024-01-01T23:59:61Z"));
  CHECK(*ParseIsoTime("2016-12-31T23:59:60Z") == 1483228800);  // leap second: the next second
  CHECK_FALSE(ParseIsoTime("2024-01-01T00:00:00+99:99"));
  CHECK_FALSE(ParseIsoTime("2024-01-01T00:00:00+14:01"));
  CHECK_FALSE(ParseIsoTime("2024-01-01T00:00:00-15:00"));
  CHECK_FALSE(ParseIsoTime("2024-01-01T00:00:00+05:60"));
  CHECK(*ParseIsoTime("2024-01-01T14:00:00+14:00") == 1704067200);
  CHECK(*ParseIsoTime("2023-12-31T12:00:00-12:00") == 1704067200);
  CHECK(*ParseIsoTime("2024-01-01T05:30:00+0530") == 1704067200);
  CHECK_FALSE(ParseUserTime("2026-02-29"));
  CHECK(ParseUserTime("2024-02-29"));
  CHECK(ValidCivilDate(2024, 2, 29));
  CHECK_FALSE(ValidCivilDate(2023, 2, 29));
  CHECK_FALSE(ValidCivilDate(2023, 11, 31));
  CHECK(ValidCivilDate(2023, 12, 31));
}

TEST_CASE("ParseIp: IPv4-mapped IPv6 is the IPv4 address, leading zeros are flagged", "[engine][normalize][strict]") {
  CHECK(ParseIp("::ffff:203.0.113.5")->ToString() == "203.0.113.5");
  CHECK_FALSE(ParseIp("::ffff:203.0.113.5")->v6);
  CHECK(ParseIp("::FFFF:cb00:7105")->ToString() == "203.0.113.5");
  CHECK(ParseIp("0:0:0:0:0:ffff:203.0.113.5")->ToString() == "203.0.113.5");
  CHECK(*NormalizeKey(EntityKind::kIpAddress, "::ffff:203.0.113.5") == "203.0.113.5");
  CHECK(ClassifyIp(*ParseIp("::ffff:10.0.0.1")) == IpClass::kPrivate);
  // Not mapped: stays IPv6.
  CHECK(ParseIp("::203.0.113.5")->v6);
  CHECK(ParseIp("64:ff9b::203.0.113.5")->v6);
  // Mapped prefixes of /96 and longer are IPv4 prefixes.
  CHECK(ParsePrefix("::ffff:203.0.113.0/120")->ToString() == "203.0.113.0/24");
  CHECK(ParsePrefix("::ffff:203.0.113.0/120")->Contains(*ParseIp("203.0.113.9")));
  bool lz = false;
  CHECK(ParseIp("010.001.1.1", &lz)->ToString() == "10.1.1.1");
  CHECK(lz);
  CHECK(ParseIp("10.1.1.1", &lz));
  CHECK_FALSE(lz);
  CHECK(ParseIp("10.0.0.100", &lz));
  CHECK_FALSE(lz);
  CHECK(ParseIp("0.0.0.0", &lz));
  CHECK_FALSE(lz);
  CHECK(ParseIp("::ffff:10.01.0.1", &lz));
  CHECK(lz);
}

TEST_CASE("IsUnsafeCodePoint: one table for every escaper", "[engine][utf8][strict]") {
  for (uint32_t cp : {0x00u, 0x1bu, 0x1fu, 0x7fu, 0x80u, 0x9bu, 0x9du, 0x9fu, 0xadu, 0x61cu, 0x180eu, 0x200bu,
                      0x200cu, 0x200du, 0x200eu, 0x200fu, 0x2028u, 0x2029u, 0x202au, 0x202eu, 0x2060u, 0x2064u,
                      0x2066u, 0x2069u, 0xfeffu, 0xfff9u, 0xfffbu})
    CHECK(IsUnsafeCodePoint(cp));
  for (uint32_t cp : {0x20u, 0x41u, 0x7eu, 0xa0u, 0xe9u, 0x2010u, 0x2030u, 0x4e2du, 0xfffdu, 0x1f600u})
    CHECK_FALSE(IsUnsafeCodePoint(cp));
}

TEST_CASE("MergeEdgeStats: evidence ties break the same way in any order", "[engine][model][strict]") {
  auto stats = [](Timestamp t, const char* ref) {
    EdgeStats s;
    ObserveEdge(s, t, 0, ref, 1);
    return s;
  };
  const EdgeStats parts[] = {stats(100, "b.log:3"), stats(100, "a.log:9"), stats(kNoTime, "z.log:1"),
                             stats(kNoTime, "c.log:2"), stats(100, "c.log:1")};
  EdgeStats forward, backward;
  for (const auto& p : parts) MergeEdgeStats(forward, p);
  for (int i = 4; i >= 0; --i) MergeEdgeStats(backward, parts[i]);
  CHECK(forward.first_evidence.ref == "a.log:9");
  CHECK(forward.last_evidence.ref == "c.log:1");
  CHECK(forward.first_evidence.ref == backward.first_evidence.ref);
  CHECK(forward.last_evidence.ref == backward.last_evidence.ref);
  // Untimed only: the smaller / larger ref, whatever the order.
  EdgeStats u1, u2;
  ObserveEdge(u1, kNoTime, 0, "z.log:1", 1);
  ObserveEdge(u1, kNoTime, 0, "c.log:2", 1);
  ObserveEdge(u2, kNoTime, 0, "c.log:2", 1);
  ObserveEdge(u2, kNoTime, 0, "z.log:1", 1);
  CHECK(u1.first_evidence.ref == "c.log:2");
  CHECK(u2.first_evidence.ref == "c.log:2");
  CHECK(u1.last_evidence.ref == "z.log:1");
  CHECK(u2.last_evidence.ref == "z.log:1");
}
