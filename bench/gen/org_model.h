// The generated organisation: accounts, regions, principals, instances,
// databases and the API catalogue, all derived from one seed.
//
// Everything here is deterministic for (seed, events): two runs with the same
// inputs produce byte-identical logs. Random numbers come from SplitMix64
// streams keyed by what they describe (a file, an entity), so the output does
// not depend on thread scheduling.
//
// Thread-safety: an Org is immutable after Build(); share it freely.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gumshoe::bench {

// SplitMix64: tiny, fast, good enough for synthetic data.
inline uint64_t Mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}
inline uint64_t Mix(uint64_t a, uint64_t b) { return Mix64(a ^ Mix64(b + 0x632be59bd9b4e019ull)); }
inline uint64_t Mix(uint64_t a, uint64_t b, uint64_t c) { return Mix(Mix(a, b), c); }

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(Mix64(seed)) {}
  uint64_t Next() { return Mix64(state_ += 0x9e3779b97f4a7c15ull); }
  // Uniform in [0, n). REQUIRES: n > 0.
  uint64_t Below(uint64_t n) { return Next() % n; }
  double Uniform() { return static_cast<double>(Next() >> 11) * (1.0 / 9007199254740992.0); }
  bool Chance(double p) { return Uniform() < p; }

 private:
  uint64_t state_;
};

// Samples ranks 0..n-1 with probability proportional to 1/(rank+1)^s, by
// inverse CDF over a precomputed table (n up to a few million).
class Zipf {
 public:
  Zipf() = default;
  Zipf(size_t n, double s);
  size_t Sample(Rng& rng) const;
  // The probability of `rank`. REQUIRES: rank < size().
  double Probability(size_t rank) const { return cdf_[rank] - (rank == 0 ? 0.0 : cdf_[rank - 1]); }
  size_t size() const { return cdf_.size(); }

 private:
  std::vector<double> cdf_;
};

struct Region {
  std::string name;
  double weight;
};

struct Account {
  std::string id;     // 12 digits
  std::string alias;  // "acme-prod"
  double weight;      // share of CloudTrail volume
  std::string nat_ip; // egress IP of its VPCs (AWS EC2 space)
  std::string vpc_id; // one VPC per account (per region suffix added)
};

enum class ActorKind : uint8_t { kInstance, kLambda, kHuman, kServiceUser, kAwsService };

struct Role {
  uint32_t account;
  std::string name;
  std::string id;  // AROA...
  std::string Arn(const std::vector<Account>& accounts) const;
};

struct User {
  uint32_t account;
  std::string name;
  std::string id;       // AIDA...
  std::string key;      // AKIA...
  uint32_t target_role; // role assumed across accounts (humans)
  uint32_t chain_role;  // role chained into from the first session (humans)
  std::string home_ip;  // where the human works from
  bool human = true;
};

struct Instance {
  uint32_t account;
  uint32_t region;
  uint32_t role;          // instance-profile role
  std::string id;         // i-...
  std::string eni;        // eni-...
  std::string private_ip; // 10.x
  std::string public_ip;  // 3.x / 54.x (may be empty)
  std::string subnet;
  std::string profile_id; // AIPA...
};

struct LambdaFn {
  uint32_t account;
  uint32_t region;
  uint32_t role;
  std::string name;
};

struct ApiName {
  std::string source;  // "ec2.amazonaws.com"
  std::string name;    // "DescribeInstances"
  bool read_only;
};

struct DbInstance {
  uint32_t account;
  uint32_t region;
  std::string id;       // "orders-prod-aurora"
  std::string host;     // serverhost column
  std::string endpoint_ip;
};

struct OrgParams {
  uint64_t seed = 1;
  uint64_t events = 1000000;  // CloudTrail records
  int days = 3;
  int64_t start = 1793491200;  // 2026-11-01T00:00:00Z
};

struct Org {
  OrgParams params;
  std::vector<Account> accounts;
  std::vector<Region> regions;
  std::vector<Role> roles;
  std::vector<User> users;
  std::vector<Instance> instances;
  std::vector<LambdaFn> lambdas;
  std::vector<DbInstance> dbs;
  std::vector<ApiName> apis;        // ordered by popularity rank
  Zipf api_zipf;
  // Normal traffic keeps a sampled RunInstances/TerminateInstances with this
  // probability (and samples again otherwise), so that the fleet churns by
  // about kLaunchesPerInstanceDay launches a day instead of the API's catalogue
  // rank launching the fleet ten times over.
  double launch_keep = 1.0;
  std::vector<std::string> user_agents;
  std::vector<std::string> service_principals;  // "lambda.amazonaws.com", ...
  std::vector<std::string> buckets;              // bucket names (account = data account)
  std::vector<std::vector<uint32_t>> instances_by_acct_region;  // [acct * regions + region]
  std::vector<std::vector<uint32_t>> lambdas_by_acct;
  std::vector<std::vector<uint32_t>> service_users_by_acct;

  static Org Build(const OrgParams& params);
  int64_t end() const { return params.start + int64_t(params.days) * 86400; }
};

// Identifier helpers (deterministic from `h`).
std::string AwsId(std::string_view prefix, uint64_t h);  // AKIA + 16 of [A-Z2-7]
std::string Guid(uint64_t a, uint64_t b);                 // 8-4-4-4-12 lower hex
std::string Hex(uint64_t h, int digits);
std::string Rand16(uint64_t h);                           // [A-Za-z0-9]{16}

// Time formatting (UTC).
std::string IsoTime(int64_t t);       // 2026-11-01T08:15:00Z
std::string CompactTime(int64_t t);   // 20261101T0815Z
std::string DatePath(int64_t t);      // 2026/11/01

}  // namespace gumshoe::bench
