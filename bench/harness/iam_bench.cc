// Benchmark of the IAM could-graph (issue 25): generates one account's
// `get-account-authorization-details` document of a large organisation
// (default 2,000 users, 5,000 roles, 20,000 customer-managed policies, 100
// groups), then measures, in this process:
//   baseline  RapidJSON parse of the document alone;
//   parse     ParseAuthorizationDetails (parse + policy model);
//   build     BuildCouldGraph (every could-edge of every principal);
//   paths     AdminPath for every user and role;
// and prints wall seconds, CPU seconds, peak RSS, and the counts found.
//   gumshoe_bench_iam [--users N] [--roles N] [--policies N] [--groups N] [--seed S] [--out FILE]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "gumshoe/iam/authz.h"
#include "gumshoe/iam_authz.h"

namespace {

struct Args {
  size_t users = 2000, roles = 5000, policies = 20000, groups = 100;
  uint64_t seed = 1;
  std::string out;
};

const char* kServices[] = {"s3", "dynamodb", "sqs", "sns", "kinesis", "ec2", "logs", "cloudwatch", "kms",
                           "secretsmanager", "ssm", "lambda", "ecr", "ecs", "rds", "glue", "athena", "states"};
const char* kVerbs[] = {"Get*", "List*", "Describe*", "Put*", "*", "GetObject", "PutObject", "Query", "SendMessage",
                        "Decrypt", "GetSecretValue", "GetParameter", "InvokeFunction", "BatchGetItem"};
const char* kTrustServices[] = {"ec2.amazonaws.com", "lambda.amazonaws.com", "ecs-tasks.amazonaws.com",
                                "glue.amazonaws.com", "states.amazonaws.com"};

constexpr const char* kAcct = "123456789012";

std::string Q(const std::string& s) { return "\"" + s + "\""; }

class Gen {
 public:
  explicit Gen(const Args& a) : a_(a), rng_(a.seed) {}
  size_t Pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
  bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }

  std::string Statement() {
    std::string svc = kServices[Pick(std::size(kServices))];
    std::string act;
    int n = 1 + static_cast<int>(Pick(4));
    for (int i = 0; i < n; ++i) act += (i ? "," : "") + Q(svc + ":" + kVerbs[Pick(std::size(kVerbs))]);
    std::string res = Chance(0.4) ? Q("*") : Q("arn:aws:" + svc + ":us-east-1:" + kAcct + ":app-" + std::to_string(Pick(500)) + "/*");
    std::string cond = Chance(0.05) ? R"(,"Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}})" : "";
    return R"({"Effect":")" + std::string(Chance(0.03) ? "Deny" : "Allow") + R"(","Action":[)" + act +
           R"(],"Resource":)" + res + cond + "}";
  }
  // The rare dangerous statements real accounts have.
  std::string Risky() {
    switch (Pick(6)) {
      case 0: return R"({"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::123456789012:role/app-*"})";
      case 1: return R"({"Effect":"Allow","Action":["iam:CreateAccessKey","iam:UpdateLoginProfile"],"Resource":"arn:aws:iam::123456789012:user/svc-*"})";
      case 2: return R"({"Effect":"Allow","Action":"iam:AttachRolePolicy","Resource":"*"})";
      case 3: return R"({"Effect":"Allow","Action":["ec2:RunInstances","lambda:CreateFunction","lambda:InvokeFunction"],"Resource":"*"})";
      case 4: return R"({"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::123456789012:role/*"})";
      default: return R"({"Effect":"Allow","Action":"iam:CreatePolicyVersion","Resource":"arn:aws:iam::123456789012:policy/p-1*"})";
    }
  }
  std::string Doc(int statements, bool risky) {
    std::string s = R"({"Version":"2012-10-17","Statement":[)";
    for (int i = 0; i < statements; ++i) s += (i ? "," : "") + Statement();
    if (risky) s += "," + Risky();
    return s + "]}";
  }
  std::string Attached(size_t n) {
    std::string s = "[";
    for (size_t i = 0; i < n; ++i) {
      size_t p = Pick(a_.policies);
      s += (i ? "," : "") + std::string(R"({"PolicyName":"p-)") + std::to_string(p) +
           R"(","PolicyArn":"arn:aws:iam::123456789012:policy/p-)" + std::to_string(p) + "\"}";
    }
    if (Chance(0.002)) s += std::string(n ? "," : "") + R"({"PolicyName":"AdministratorAccess","PolicyArn":"arn:aws:iam::aws:policy/AdministratorAccess"})";
    return s + "]";
  }
  std::string Build() {
    std::string out = R"({"UserDetailList":[)";
    for (size_t u = 0; u < a_.users; ++u) {
      std::string name = (Chance(0.2) ? "svc-" : "user-") + std::to_string(u);
      std::string groups;
      for (size_t g = 0, n = 1 + Pick(3); g < n; ++g) groups += (g ? "," : "") + Q("g-" + std::to_string(Pick(a_.groups)));
      out += (u ? "," : "") + std::string(R"({"Path":"/","UserName":")") + name + R"(","UserId":"AIDA)" +
             std::to_string(u) + R"(","Arn":"arn:aws:iam::123456789012:user/)" + name +
             R"(","CreateDate":"2025-01-01T00:00:00Z","UserPolicyList":[{"PolicyName":"inline","PolicyDocument":)" +
             Doc(1 + static_cast<int>(Pick(3)), Chance(0.03)) + R"(}],"GroupList":[)" + groups +
             R"(],"AttachedManagedPolicies":)" + Attached(Pick(3)) + R"(,"Tags":[]})";
    }
    out += R"(],"GroupDetailList":[)";
    for (size_t g = 0; g < a_.groups; ++g)
      out += (g ? "," : "") + std::string(R"({"Path":"/","GroupName":"g-)") + std::to_string(g) +
             R"(","GroupId":"AGPA)" + std::to_string(g) + R"(","Arn":"arn:aws:iam::123456789012:group/g-)" +
             std::to_string(g) + R"(","GroupPolicyList":[],"AttachedManagedPolicies":)" + Attached(2 + Pick(4)) + "}";
    out += R"(],"RoleDetailList":[)";
    for (size_t r = 0; r < a_.roles; ++r) {
      std::string name = "app-" + std::to_string(r);
      std::string trust;
      if (Chance(0.6)) {
        trust = R"({"Service":")" + std::string(kTrustServices[Pick(std::size(kTrustServices))]) + "\"}";
      } else if (Chance(0.5)) {
        trust = R"({"AWS":"arn:aws:iam::123456789012:root"})";
      } else {
        trust = R"({"AWS":"arn:aws:iam::123456789012:user/user-)" + std::to_string(Pick(a_.users)) + "\"}";
      }
      out += (r ? "," : "") + std::string(R"({"Path":"/","RoleName":")") + name + R"(","RoleId":"AROA)" +
             std::to_string(r) + R"(","Arn":"arn:aws:iam::123456789012:role/)" + name +
             R"(","AssumeRolePolicyDocument":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":)" +
             trust + R"(,"Action":"sts:AssumeRole"}]},"InstanceProfileList":[)" +
             (Chance(0.3) ? R"({"InstanceProfileName":"x"})" : "") + R"(],"RolePolicyList":[{"PolicyName":"inline","PolicyDocument":)" +
             Doc(1 + static_cast<int>(Pick(2)), Chance(0.02)) + R"(}],"AttachedManagedPolicies":)" +
             Attached(2 + Pick(5)) + "}";
    }
    out += R"(],"Policies":[)";
    for (size_t p = 0; p < a_.policies; ++p) {
      std::string versions = R"({"Document":)" + Doc(1 + static_cast<int>(Pick(4)), Chance(0.01)) +
                             R"(,"VersionId":"v2","IsDefaultVersion":true})";
      if (Chance(0.2)) versions += R"(,{"Document":)" + Doc(1, false) + R"(,"VersionId":"v1","IsDefaultVersion":false})";
      out += (p ? "," : "") + std::string(R"({"PolicyName":"p-)") + std::to_string(p) +
             R"(","Arn":"arn:aws:iam::123456789012:policy/p-)" + std::to_string(p) +
             R"(","DefaultVersionId":"v2","PolicyVersionList":[)" + versions + "]}";
    }
    return out + "]}";
  }

 private:
  const Args& a_;
  std::mt19937_64 rng_;
};

double Cpu() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}
double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
long PeakRssMib() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    auto v = std::strtoull(argv[i + 1], nullptr, 10);
    if (k == "--users") a.users = v;
    else if (k == "--roles") a.roles = v;
    else if (k == "--policies") a.policies = v;
    else if (k == "--groups") a.groups = v;
    else if (k == "--seed") a.seed = v;
    else if (k == "--out") a.out = argv[i + 1];
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
  std::string doc = Gen(a).Build();
  if (!a.out.empty()) {
    FILE* f = std::fopen(a.out.c_str(), "w");
    if (f == nullptr) return 1;
    std::fwrite(doc.data(), 1, doc.size(), f);
    std::fclose(f);
  }
  std::printf("document: %zu users, %zu roles, %zu groups, %zu policies, %.1f MB\n", a.users, a.roles, a.groups,
              a.policies, doc.size() / 1e6);

  double w0 = Now(), c0 = Cpu();
  {
    rapidjson::Document d;
    d.Parse(doc.data(), doc.size());
    if (d.HasParseError()) return 1;
  }
  double w1 = Now(), c1 = Cpu();
  gumshoe::AuthzParseStats stats;
  auto snap = gumshoe::ParseAuthorizationDetails(doc, gumshoe::kNoTime, &stats);
  if (!snap.ok()) {
    std::fprintf(stderr, "%s\n", snap.status().ToString().c_str());
    return 1;
  }
  double w2 = Now(), c2 = Cpu();
  auto graph = gumshoe::iam::BuildCouldGraph(snap.value());
  double w3 = Now(), c3 = Cpu();
  size_t admins = 0, reach_admin = 0, longest = 0;
  for (size_t i = 0; i < snap.value().nodes.size(); ++i) {
    if (snap.value().nodes[i].type == gumshoe::iam::NodeType::kGroup) continue;
    if (graph.admin[i]) {
      ++admins;
      continue;
    }
    if (auto p = gumshoe::iam::AdminPath(graph, i)) {
      ++reach_admin;
      longest = std::max(longest, p->steps.size());
    }
  }
  double w4 = Now(), c4 = Cpu();
  std::printf("baseline RapidJSON parse   %8.3f s wall %8.3f s CPU\n", w1 - w0, c1 - c0);
  std::printf("ParseAuthorizationDetails  %8.3f s wall %8.3f s CPU\n", w2 - w1, c2 - c1);
  std::printf("BuildCouldGraph            %8.3f s wall %8.3f s CPU  (%zu edges, %zu statements cited)\n", w3 - w2,
              c3 - c2, graph.edges.size(), graph.refs.size());
  std::printf("AdminPath for every principal %5.3f s wall %8.3f s CPU  (%zu admin, %zu reach admin, longest %zu steps)\n",
              w4 - w3, c4 - c3, admins, reach_admin, longest);
  std::printf("total (parse+build+paths)  %8.3f s wall, %.1fx the baseline parse; peak RSS %ld MiB\n", w4 - w1,
              (w4 - w1) / std::max(1e-9, w1 - w0), PeakRssMib());
  return 0;
}
