#include "cloudtrail/resources.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "gumshoe/normalize.h"

namespace gumshoe::ingest::cloudtrail {
namespace {

using A = EventAction;

constexpr size_t kMaxTargets = 100;        // share targets, rule ranges, instances, ... per record
constexpr size_t kMaxResources = 256;      // resources[] entries read
constexpr size_t kMaxCounterText = 128;
constexpr int kMaxPolicyDepth = 16;
constexpr size_t kMaxPolicyNodes = 20000;

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool EndsWith(std::string_view s, std::string_view p) { return s.size() >= p.size() && s.substr(s.size() - p.size()) == p; }
bool Contains(std::string_view s, std::string_view p) { return s.find(p) != std::string_view::npos; }
std::string_view Bounded(std::string_view s, size_t n) { return s.size() > n ? s.substr(0, n) : s; }

bool IsAccountId(std::string_view s) {
  return s.size() == 12 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// arn:partition:service:region:account:resource -> the six fields (resource may hold ':').
struct Arn {
  std::string_view service, region, account, resource;
};
std::optional<Arn> SplitArn(std::string_view arn) {
  if (!StartsWith(arn, "arn:")) return std::nullopt;
  std::array<std::string_view, 5> f;
  size_t pos = 0;
  for (int i = 0; i < 5; ++i) {
    size_t c = arn.find(':', pos);
    if (c == std::string_view::npos) return std::nullopt;
    f[i] = arn.substr(pos, c - pos);
    pos = c + 1;
  }
  return Arn{f[2], f[3], f[4], arn.substr(pos)};
}

std::optional<EntityRef> MakeRef(EntityKind kind, std::string_view raw) {
  auto key = NormalizeKey(kind, raw);
  if (!key.ok()) return std::nullopt;
  return EntityRef{kind, std::move(key).value()};
}

// The part after the last '/' or ':'.
std::string_view LastPart(std::string_view s) {
  size_t cut = s.find_last_of("/:");
  return cut == std::string_view::npos ? s : s.substr(cut + 1);
}

class Handler {
 public:
  explicit Handler(const Call& c) : c_(c), d_(c.delta) {}

  void Resource(EventAction action);
  void After(EventAction action);
  void Generic();
  void Guards(const JsonValue& item, const EntityRef& instance);

 private:
  bool ok() const { return c_.outcome > 0; }
  EdgeObservation Obs(int outcome) const { return EdgeObservation{c_.time, outcome, c_.evidence, 1}; }
  const JsonValue* Req(std::string_view dotted) const { return Path(Member(c_.record, "requestParameters"), dotted); }
  const JsonValue* Resp(std::string_view dotted) const { return Path(Member(c_.record, "responseElements"), dotted); }
  std::string Counter(std::string_view prefix, std::string_view value) {
    if (value.size() > kMaxCounterText) c_.ctx.Anomaly("oversized_field");
    std::string s(prefix);
    s.append(Bounded(value, kMaxCounterText));
    return s;
  }
  std::optional<EntityRef> Ref(EntityKind kind, std::string_view raw, std::string_view what) {
    auto r = MakeRef(kind, raw);
    if (!r) c_.ctx.Anomaly(std::string("bad_") + std::string(what));
    return r;
  }
  std::string Arn(std::string_view service, std::string_view resource) const {
    std::string s = "arn:aws:";
    s.append(service).append(":").append(c_.region).append(":").append(c_.account).append(":").append(resource);
    return s;
  }

  // Resource refs built from request text.
  std::optional<EntityRef> Secret(const JsonValue* v);
  std::optional<EntityRef> Parameter(std::string_view name);
  std::optional<EntityRef> KmsKey(std::string_view id);
  std::optional<EntityRef> Function(std::string_view name_or_arn);
  std::optional<EntityRef> Trail(std::string_view name_or_arn);
  std::optional<EntityRef> Recorder(std::string_view name, std::string_view type = "config-recorder/");
  std::optional<EntityRef> Repository(std::string_view name, std::string_view registry);
  std::optional<EntityRef> KmsKeyOfRecord();

  // actor -kind-> res on success (op counter), actor -attempted-> res on failure.
  // Returns the stats of the success edge, or nullptr for an attempt.
  EdgeStats* Act(EdgeKind kind, const EntityRef& res);
  void Own(const EntityRef& res);  // res -in_account-> the record's account, region attr
  void Share(const EntityRef& res, std::string_view who, bool add, EdgeStats* actor_edge);
  void PolicyShares(const EntityRef& res, const JsonValue* policy, EdgeStats* actor_edge);
  void PolicyPrincipals(const JsonValue* v, int depth, size_t* budget, std::vector<std::string>* out, bool* conditional);

  void Secrets(EventAction action);
  void Parameters(EventAction action);
  void Kms(EventAction action);
  void Lambda(EventAction action);
  void SecurityGroup(EventAction action);
  void SgRules(const EntityRef& sg, EdgeKind kind, EdgeStats* actor_edge);
  void SgRule(const EntityRef& sg, EdgeKind kind, std::string_view proto, const JsonValue* from, const JsonValue* to,
              std::string_view cidr, EdgeStats* actor_edge);
  void Snapshot(EventAction action);
  void Evidence(EventAction action);
  void SsmCommand();
  void SsmSession();
  void EcsTask();
  void Ecr(EdgeKind kind);

  const Call& c_;
  GraphDelta& d_;
};

EdgeStats* Handler::Act(EdgeKind kind, const EntityRef& res) {
  if (!ok()) {
    EdgeStats& s = d_.AddEdge(c_.actor, EdgeKind::kAttempted, res, Obs(-1));
    s.counters[Counter("op:", c_.name)] += 1;
    if (auto err = Str(Member(c_.record, "errorCode"))) s.counters[Counter("error:", *err)] += 1;
    return nullptr;
  }
  EdgeStats& s = d_.AddEdge(c_.actor, kind, res, Obs(1));
  s.counters[Counter("op:", c_.name)] += 1;
  Own(res);
  return &s;
}

void Handler::Own(const EntityRef& res) {
  if (!c_.region.empty()) d_.SetAttr(res, "region", c_.region, c_.time);
  if (!c_.account.empty())
    if (auto acct = MakeRef(EntityKind::kAccount, c_.account)) d_.AddEdge(res, EdgeKind::kInAccount, *acct, Obs(0));
}

std::optional<EntityRef> Handler::Secret(const JsonValue* v) {
  auto s = Str(v);
  if (!s) return std::nullopt;
  auto ref = Ref(EntityKind::kSecret, *s, "secretId");
  if (ref && !StartsWith(*s, "arn:")) d_.SetAttr(*ref, "name", Bounded(*s, 512), c_.time);
  return ref;
}

std::optional<EntityRef> Handler::Parameter(std::string_view name) {
  if (StartsWith(name, "arn:")) return Ref(EntityKind::kSsmParameter, name, "parameter");
  while (!name.empty() && name.front() == '/') name.remove_prefix(1);
  if (name.empty()) return std::nullopt;
  return Ref(EntityKind::kSsmParameter, Arn("ssm", "parameter/" + std::string(name)), "parameter");
}

std::optional<EntityRef> Handler::KmsKey(std::string_view id) {
  if (StartsWith(id, "arn:")) return Ref(EntityKind::kKmsKey, id, "keyId");
  if (StartsWith(id, "alias/")) return Ref(EntityKind::kKmsKey, Arn("kms", id), "keyId");
  return Ref(EntityKind::kKmsKey, Arn("kms", "key/" + std::string(id)), "keyId");
}

std::optional<EntityRef> Handler::KmsKeyOfRecord() {
  if (const JsonValue* res = Arr(Member(c_.record, "resources"))) {
    size_t n = 0;
    for (const JsonValue& item : res->GetArray()) {
      if (++n > kMaxResources) break;
      auto arn = Str(Member(item, "ARN"));
      if (!arn) arn = Str(Member(item, "arn"));
      if (arn && Contains(*arn, ":kms:")) return Ref(EntityKind::kKmsKey, *arn, "keyId");
    }
  }
  if (auto id = Str(Req("keyId"))) return KmsKey(*id);
  return std::nullopt;
}

// arn:aws:lambda:<region>:<acct>:function:<name>[:qualifier], or a bare name
// (optionally name:qualifier): always the unqualified function ARN.
std::optional<EntityRef> Handler::Function(std::string_view f) {
  if (StartsWith(f, "arn:")) {
    auto arn = SplitArn(f);
    if (arn && StartsWith(arn->resource, "function:")) {
      std::string_view rest = arn->resource.substr(9);
      rest = rest.substr(0, rest.find(':'));
      std::string key = "arn:aws:lambda:" + std::string(arn->region) + ":" + std::string(arn->account) + ":function:" +
                        std::string(rest);
      return Ref(EntityKind::kLambdaFunction, key, "functionName");
    }
    return Ref(EntityKind::kLambdaFunction, f, "functionName");
  }
  // <account>:function:<name> (partial ARN) or <name>[:qualifier]
  if (size_t p = f.find(":function:"); p != std::string_view::npos) f = f.substr(p + 10);
  f = f.substr(0, f.find(':'));
  if (f.empty()) return std::nullopt;
  return Ref(EntityKind::kLambdaFunction, Arn("lambda", "function:" + std::string(f)), "functionName");
}

std::optional<EntityRef> Handler::Trail(std::string_view t) {
  if (StartsWith(t, "arn:")) return Ref(EntityKind::kCloudTrailTrail, t, "trailName");
  return Ref(EntityKind::kCloudTrailTrail, Arn("cloudtrail", "trail/" + std::string(t)), "trailName");
}

std::optional<EntityRef> Handler::Recorder(std::string_view name, std::string_view type) {
  return Ref(EntityKind::kConfigRecorder, Arn("config", std::string(type) + std::string(name)), "configurationRecorderName");
}

std::optional<EntityRef> Handler::Repository(std::string_view name, std::string_view registry) {
  if (StartsWith(name, "arn:")) return Ref(EntityKind::kEcrRepository, name, "repositoryName");
  std::string key = "arn:aws:ecr:" + std::string(c_.region) + ":" +
                    std::string(IsAccountId(registry) ? registry : c_.account) + ":repository/" + std::string(name);
  return Ref(EntityKind::kEcrRepository, key, "repositoryName");
}

// who: a 12-digit account, an account root / principal ARN (its account), or
// "all"/"*" (public). Anything else is skipped.
void Handler::Share(const EntityRef& res, std::string_view who, bool add, EdgeStats* actor_edge) {
  std::string account;
  if (who == "all" || who == "*") {
    account = "all";
  } else if (IsAccountId(who)) {
    account = std::string(who);
  } else if (auto arn = SplitArn(who); arn && IsAccountId(arn->account)) {
    account = std::string(arn->account);
  } else {
    return;
  }
  auto acct = MakeRef(EntityKind::kAccount, account);
  if (!acct) return;
  EdgeStats& s = d_.AddEdge(res, add ? EdgeKind::kSharedWith : EdgeKind::kUnshared, *acct, Obs(1));
  s.counters[Counter("op:", c_.name)] += 1;
  if (actor_edge) actor_edge->counters[Counter(add ? "share:" : "unshare:", account)] += 1;
  if (account == "all") {
    d_.AddTag(*acct, "public", c_.time);
    if (add) d_.AddTag(res, "public", c_.time);
  } else if (account != c_.account) {
    d_.AddTag(*acct, "external", c_.time);
  }
}

// Collects the principals of Allow statements: "*" and the AWS principals
// (account IDs and ARNs). A statement with a Condition is noted as
// conditional and its "*" is not counted as public.
void Handler::PolicyPrincipals(const JsonValue* v, int depth, size_t* budget, std::vector<std::string>* out,
                               bool* conditional) {
  if (v == nullptr || depth > kMaxPolicyDepth || *budget == 0) return;
  --*budget;
  if (v->IsArray()) {
    for (const JsonValue& e : v->GetArray()) PolicyPrincipals(&e, depth + 1, budget, out, conditional);
    return;
  }
  if (!v->IsObject()) return;
  if (const JsonValue* st = Member(v, "Statement")) {
    PolicyPrincipals(st, depth + 1, budget, out, conditional);
    return;
  }
  const JsonValue* principal = Member(v, "Principal");
  if (principal == nullptr || Str(Member(v, "Effect")).value_or("Allow") != "Allow") return;
  bool has_condition = Member(v, "Condition") != nullptr;
  auto take = [&](const JsonValue* p) {
    auto s = Str(p);
    if (!s || out->size() >= kMaxTargets) return;
    if (*s == "*" && has_condition) {
      *conditional = true;
      return;
    }
    out->emplace_back(*s);
  };
  if (Str(principal)) {
    take(principal);
  } else if (const JsonValue* aws = Member(principal, "AWS")) {
    if (aws->IsArray()) {
      for (const JsonValue& e : aws->GetArray()) take(&e);
    } else {
      take(aws);
    }
  }
}

void Handler::PolicyShares(const EntityRef& res, const JsonValue* policy, EdgeStats* actor_edge) {
  if (policy == nullptr) return;
  rapidjson::Document parsed;
  if (auto text = Str(policy)) {  // policies are often logged as a JSON string
    parsed.Parse(text->data(), text->size());
    if (parsed.HasParseError()) {
      c_.ctx.Anomaly("bad_policy");
      return;
    }
    policy = &parsed;
  }
  std::vector<std::string> who;
  bool conditional = false;
  size_t budget = kMaxPolicyNodes;
  PolicyPrincipals(policy, 0, &budget, &who, &conditional);
  if (conditional && actor_edge) actor_edge->counters["conditional_public"] += 1;
  for (const std::string& w : who) Share(res, w, true, actor_edge);
}

void Handler::Secrets(EventAction action) {
  std::vector<EntityRef> targets;
  if (auto s = Secret(Req("secretId"))) targets.push_back(*s);
  if (const JsonValue* list = Arr(Req("secretIdList"))) {
    for (const JsonValue& v : list->GetArray()) {
      if (targets.size() >= kMaxTargets) break;
      if (auto s = Secret(&v)) targets.push_back(*s);
    }
  }
  if (action == A::kSecretCreate) {
    const JsonValue* arn = Resp("aRN");
    if (arn == nullptr) arn = Resp("arn");
    if (auto s = Secret(arn)) targets.assign(1, *s);
  }
  if (action == A::kSecretCreate && targets.empty())
    if (auto s = Secret(Req("name"))) targets.push_back(*s);
  if (targets.empty()) {
    // BatchGetSecretValue by filters: which secrets were read is not logged.
    if (action == A::kSecretRead && Req("filters") != nullptr) {
      c_.ctx.Anomaly("secret_read_by_filter");
    } else {
      c_.ctx.Anomaly("event_without_target");
    }
    return;
  }
  EdgeKind kind = action == A::kSecretRead     ? EdgeKind::kRead
                  : action == A::kSecretWrite  ? EdgeKind::kWrote
                  : action == A::kSecretCreate ? EdgeKind::kCreated
                  : action == A::kSecretDelete ? EdgeKind::kDeleted
                                               : EdgeKind::kModified;
  for (const EntityRef& t : targets) {
    EdgeStats* s = Act(kind, t);
    if (s == nullptr) continue;
    if (action == A::kSecretCreate) d_.SetAttr(t, "created_by_event", c_.evidence, c_.time);
    if (action == A::kSecretPolicy) PolicyShares(t, Req("resourcePolicy"), s);
  }
}

void Handler::Parameters(EventAction action) {
  std::vector<EntityRef> targets;
  if (auto n = Str(Req("name"))) {
    if (auto p = Parameter(*n)) targets.push_back(*p);
  }
  if (const JsonValue* names = Arr(Req("names"))) {
    for (const JsonValue& v : names->GetArray()) {
      if (targets.size() >= kMaxTargets) break;
      if (auto n = Str(&v))
        if (auto p = Parameter(*n)) targets.push_back(*p);
    }
  }
  if (auto path = Str(Req("path")); path && targets.empty())
    if (auto p = Parameter(*path)) targets.push_back(*p);  // GetParametersByPath: the path itself
  if (targets.empty()) {
    c_.ctx.Anomaly("event_without_target");
    return;
  }
  EdgeKind kind = action == A::kParameterRead    ? EdgeKind::kRead
                  : action == A::kParameterWrite ? EdgeKind::kWrote
                                                 : EdgeKind::kDeleted;
  bool decrypted = Bool(Req("withDecryption")).value_or(false);
  for (const EntityRef& t : targets) {
    EdgeStats* s = Act(kind, t);
    if (s && decrypted) s->counters["decrypted"] += 1;
    if (s && action == A::kParameterWrite)
      if (auto type = Str(Req("type"))) d_.SetAttr(t, "type", Bounded(*type, 32), c_.time);
  }
}

void Handler::Kms(EventAction action) {
  auto key = KmsKeyOfRecord();
  if (!key) {
    c_.ctx.Anomaly("event_without_target");
    return;
  }
  switch (action) {
    case A::kKmsUse: {
      EdgeStats* s = Act(EdgeKind::kUsedKey, *key);
      if (s) {
        const JsonValue* ctxv = Obj(Req("encryptionContext"));
        if (ctxv != nullptr) {
          size_t n = 0;
          for (auto it = ctxv->MemberBegin(); it != ctxv->MemberEnd() && n < 8; ++it, ++n)
            if (auto v = Str(&it->value)) s->counters[Counter("context:", *v)] += 1;
        }
      }
      break;
    }
    case A::kKmsGrant: {
      EdgeStats* s = Act(EdgeKind::kModified, *key);
      if (s == nullptr) break;
      auto grantee = Str(Req("granteePrincipal"));
      if (!grantee) break;
      std::optional<EntityRef> who;
      if (auto kind = GuessKind(*grantee); kind && (*kind == EntityKind::kIamRole || *kind == EntityKind::kIamUser ||
                                                    *kind == EntityKind::kRoleSession)) {
        who = MakeRef(*kind, *grantee);
      } else if (IsAccountId(*grantee)) {
        who = MakeRef(EntityKind::kAccount, *grantee);
      } else if (Contains(*grantee, ".amazonaws.com")) {
        who = MakeRef(EntityKind::kAwsService, *grantee);
      } else if (auto arn = SplitArn(*grantee); arn && IsAccountId(arn->account)) {
        who = MakeRef(EntityKind::kAccount, arn->account);
      }
      if (who) {
        EdgeStats& g = d_.AddEdge(*key, EdgeKind::kGrantedTo, *who, Obs(1));
        if (const JsonValue* ops = Arr(Req("operations")))
          for (const JsonValue& op : ops->GetArray())
            if (auto o = Str(&op); o && g.counters.size() < 32) g.counters[Counter("grant:", *o)] += 1;
        if (auto arn = SplitArn(*grantee); arn && IsAccountId(arn->account) && arn->account != c_.account)
          if (auto acct = MakeRef(EntityKind::kAccount, arn->account)) d_.AddTag(*acct, "external", c_.time);
      }
      break;
    }
    case A::kKmsPolicy: {
      EdgeStats* s = Act(EdgeKind::kModified, *key);
      if (s) PolicyShares(*key, Req("policy"), s);
      break;
    }
    case A::kKmsDisable: {
      EdgeStats* s = Act(EdgeKind::kDisabled, *key);
      if (s) {
        d_.AddTag(c_.actor, "defense_evasion", c_.time);
        if (auto days = Int(Req("pendingWindowInDays"))) s->counters["pending_days"] += *days;
      }
      break;
    }
    default:
      break;
  }
}

void Handler::Lambda(EventAction action) {
  std::optional<EntityRef> fn;
  if (auto arn = Str(Resp("functionArn"))) fn = Function(*arn);
  if (!fn)
    if (auto n = Str(Req("functionName"))) fn = Function(*n);
  if (!fn) {
    if (const JsonValue* res = Arr(Member(c_.record, "resources"))) {
      for (const JsonValue& item : res->GetArray()) {
        auto arn = Str(Member(item, "ARN"));
        if (arn && Contains(*arn, ":lambda:")) {
          fn = Function(*arn);
          break;
        }
      }
    }
  }
  if (!fn) {
    c_.ctx.Anomaly("event_without_target");
    return;
  }
  EdgeKind kind = action == A::kLambdaCreate ? EdgeKind::kCreated
                  : action == A::kLambdaCode ? EdgeKind::kCodeChanged
                  : action == A::kLambdaInvoke ? EdgeKind::kInvoked
                  : action == A::kLambdaDelete ? EdgeKind::kDeleted
                                               : EdgeKind::kModified;
  EdgeStats* s = Act(kind, *fn);
  if (s == nullptr) return;
  if (action == A::kLambdaCreate || action == A::kLambdaCode) {
    if (action == A::kLambdaCreate) d_.SetAttr(*fn, "created_by_event", c_.evidence, c_.time);
    auto role = Str(Resp("role"));
    if (!role) role = Str(Req("role"));
    if (role)
      if (auto r = MakeRef(EntityKind::kIamRole, *role)) d_.AddEdge(*fn, EdgeKind::kRunsAs, *r, Obs(0));
    for (const char* f : {"runtime", "handler"})
      if (auto v = Str(Resp(f))) d_.SetAttr(*fn, f, Bounded(*v, 128), c_.time);
    const JsonValue* layers = Arr(Resp("layers"));
    if (layers == nullptr) layers = Arr(Req("layers"));
    if (layers != nullptr) {
      size_t n = 0;
      for (const JsonValue& l : layers->GetArray()) {
        if (++n > 16) break;
        auto arn = Str(Member(l, "arn"));
        if (!arn) arn = Str(&l);
        if (arn) s->counters[Counter("layer:", *arn)] += 1;
      }
    }
    if (Req("zipFile") != nullptr || Req("s3Key") != nullptr || Req("imageUri") != nullptr ||
        action == A::kLambdaCreate || Contains(c_.name, "Code"))
      s->counters["code"] += 1;
  }
  if (action == A::kLambdaPermission) {
    if (auto p = Str(Req("principal"))) {
      s->counters[Counter("principal:", *p)] += 1;
      Share(*fn, *p, true, s);
    }
    if (auto auth = Str(Req("authType")); auth && *auth == "NONE") Share(*fn, "all", true, s);
  }
}

void Handler::SgRule(const EntityRef& sg, EdgeKind kind, std::string_view proto, const JsonValue* from,
                     const JsonValue* to, std::string_view cidr, EdgeStats* actor_edge) {
  auto net = MakeRef(EntityKind::kIpNetwork, cidr);
  if (!net) {
    c_.ctx.Anomaly("bad_cidrIp");
    return;
  }
  std::string p(proto.empty() || proto == "-1" ? "all" : Bounded(proto, 16));
  std::string range;
  auto lo = Int(from), hi = Int(to);
  if (p == "all" || !lo || (*lo == -1)) {
    range = "all";
  } else {
    range = std::to_string(*lo) + "-" + std::to_string(hi.value_or(*lo));
  }
  EdgeStats& s = d_.AddEdge(sg, kind, *net, Obs(1));
  s.counters[Counter("perm:", p + "/" + range)] += 1;
  // On the actor's edge: which rule this actor opened or closed ("open:<cidr> <proto>/<range>").
  if (actor_edge)
    actor_edge->counters[Counter(kind == EdgeKind::kOpenedTo ? "open:" : "close:", net->key + " " + p + "/" + range)] += 1;
  s.counters[Contains(c_.name, "Egress") ? "egress" : "ingress"] += 1;
  if (kind == EdgeKind::kOpenedTo && (net->key == "0.0.0.0/0" || net->key == "::/0")) d_.AddTag(sg, "open_to_internet", c_.time);
}

void Handler::SgRules(const EntityRef& sg, EdgeKind kind, EdgeStats* actor_edge) {
  // Flat form: cidrIp + ipProtocol + fromPort/toPort.
  if (auto cidr = Str(Req("cidrIp")))
    SgRule(sg, kind, Str(Req("ipProtocol")).value_or("-1"), Req("fromPort"), Req("toPort"), *cidr, actor_edge);
  const JsonValue* items = Arr(Req("ipPermissions.items"));
  if (items == nullptr) return;
  size_t n = 0;
  for (const JsonValue& perm : items->GetArray()) {
    std::string_view proto = Str(Member(perm, "ipProtocol")).value_or("-1");
    for (auto [list, field] : {std::pair{"ipRanges.items", "cidrIp"}, std::pair{"ipv6Ranges.items", "cidrIpv6"}}) {
      const JsonValue* ranges = Arr(Path(perm, list));
      if (ranges == nullptr) continue;
      for (const JsonValue& r : ranges->GetArray()) {
        if (++n > kMaxTargets) {
          c_.ctx.Anomaly("too_many_rules");
          return;
        }
        if (auto cidr = Str(Member(r, field)))
          SgRule(sg, kind, proto, Member(perm, "fromPort"), Member(perm, "toPort"), *cidr, actor_edge);
      }
    }
  }
}

void Handler::SecurityGroup(EventAction action) {
  std::optional<EntityRef> sg;
  if (auto id = Str(Resp("groupId")); id && action == A::kSgCreate) sg = Ref(EntityKind::kSecurityGroup, *id, "groupId");
  if (!sg)
    if (auto id = Str(Req("groupId"))) sg = Ref(EntityKind::kSecurityGroup, *id, "groupId");
  if (!sg) {
    // Default-VPC calls may name the group only: keep it as a generic resource.
    if (auto name = Str(Req("groupName"))) {
      sg = MakeRef(EntityKind::kAwsResource, "arn:aws:ec2:" + std::string(c_.region) + ":" + std::string(c_.account) +
                                                 ":security-group-name/" + std::string(*name));
    }
  }
  if (!sg) {
    c_.ctx.Anomaly("event_without_target");
    return;
  }
  EdgeKind kind = action == A::kSgCreate ? EdgeKind::kCreated : action == A::kSgDelete ? EdgeKind::kDeleted : EdgeKind::kModified;
  EdgeStats* s = Act(kind, *sg);
  if (s == nullptr) return;
  if (auto name = Str(Req("groupName"))) d_.SetAttr(*sg, "name", Bounded(*name, 256), c_.time);
  if (auto vpc = Str(Req("vpcId"))) d_.SetAttr(*sg, "vpc_id", Bounded(*vpc, 64), c_.time);
  if (action == A::kSgOpen) SgRules(*sg, EdgeKind::kOpenedTo, s);
  if (action == A::kSgClose) SgRules(*sg, EdgeKind::kClosedTo, s);
}

void Handler::Snapshot(EventAction action) {
  if (action == A::kEbsSnapshotCreate || action == A::kAmiCreate) {
    bool ami = action == A::kAmiCreate;
    auto id = Str(Resp(ami ? "imageId" : "snapshotId"));
    std::optional<EntityRef> res = id ? Ref(ami ? EntityKind::kAmi : EntityKind::kEbsSnapshot, *id, "snapshotId")
                                      : std::nullopt;
    if (!res) {
      // A failed call has no new ID: the attempt is on what it was made from.
      if (!ok()) {
        if (auto src = Str(Req(ami ? "instanceId" : "volumeId")))
          if (auto r = MakeRef(ami ? EntityKind::kEc2Instance : EntityKind::kAwsResource,
                               ami ? std::string(*src) : Arn("ec2", "volume/" + std::string(*src))))
            Act(EdgeKind::kCreated, *r);
      } else {
        c_.ctx.Anomaly("create_without_target");
      }
      return;
    }
    if (EdgeStats* s = Act(EdgeKind::kCreated, *res)) {
      d_.SetAttr(*res, "created_by_event", c_.evidence, c_.time);
      for (const char* f : {"instanceId", "volumeId", "sourceSnapshotId", "sourceImageId"})
        if (auto v = Str(Req(f))) s->counters[Counter(std::string(f) + ":", *v)] += 1;
      // What it was made from exists too (an image of an instance copies its disks).
      if (auto inst = Str(Req("instanceId")))
        if (auto r = MakeRef(EntityKind::kEc2Instance, *inst)) d_.Touch(*r, c_.time);
      if (auto src = Str(Req(ami ? "sourceImageId" : "sourceSnapshotId")))
        if (auto r = MakeRef(ami ? EntityKind::kAmi : EntityKind::kEbsSnapshot, *src)) d_.Touch(*r, c_.time);
    }
    return;
  }
  std::optional<EntityRef> res;
  std::vector<std::pair<std::string, bool>> who;  // account or "all", added?
  if (action == A::kEbsSnapshotShare || action == A::kAmiShare) {
    bool ami = action == A::kAmiShare;
    auto id = Str(Req(ami ? "imageId" : "snapshotId"));
    if (id) res = Ref(ami ? EntityKind::kAmi : EntityKind::kEbsSnapshot, *id, ami ? "imageId" : "snapshotId");
    const JsonValue* perm = Req(ami ? "launchPermission" : "createVolumePermission");
    for (auto [op, add] : {std::pair{"add.items", true}, std::pair{"remove.items", false}}) {
      const JsonValue* items = Arr(Path(perm, op));
      if (items == nullptr) continue;
      for (const JsonValue& it : items->GetArray()) {
        if (who.size() >= kMaxTargets) break;
        if (auto u = Str(Member(it, "userId"))) who.emplace_back(std::string(*u), add);
        if (auto g = Str(Member(it, "group")); g && *g == "all") who.emplace_back("all", add);
      }
    }
  } else if (action == A::kRdsSnapshotShare) {
    auto id = Str(Req("dBSnapshotIdentifier"));
    if (!id) id = Str(Req("dBClusterSnapshotIdentifier"));
    if (id) res = Ref(EntityKind::kRdsSnapshot, LastPart(*id), "dBSnapshotIdentifier");
    if (Str(Req("attributeName")).value_or("restore") == "restore") {
      for (auto [field, add] : {std::pair{"valuesToAdd", true}, std::pair{"valuesToRemove", false}}) {
        const JsonValue* vals = Arr(Req(field));
        if (vals == nullptr) continue;
        for (const JsonValue& v : vals->GetArray()) {
          if (who.size() >= kMaxTargets) break;
          if (auto a = Str(&v)) who.emplace_back(std::string(*a), add);
        }
      }
    }
  } else if (action == A::kRdsSnapshotDelete) {
    auto id = Str(Req("dBSnapshotIdentifier"));
    if (!id) id = Str(Req("dBClusterSnapshotIdentifier"));
    if (id) res = Ref(EntityKind::kRdsSnapshot, LastPart(*id), "dBSnapshotIdentifier");
    if (res) Act(EdgeKind::kDeleted, *res);
    else c_.ctx.Anomaly("event_without_target");
    return;
  }
  if (!res) {
    c_.ctx.Anomaly("event_without_target");
    return;
  }
  EdgeStats* s = Act(EdgeKind::kModified, *res);
  if (s == nullptr) return;
  if (who.size() >= kMaxTargets) c_.ctx.Anomaly("too_many_share_targets");
  for (const auto& [w, add] : who) Share(*res, w, add, s);
}

void Handler::Evidence(EventAction action) {
  std::vector<EntityRef> targets;
  EdgeKind kind = action == A::kLoggingRestored ? EdgeKind::kEnabled : EdgeKind::kDisabled;
  std::string_view n = c_.name;
  if (c_.source == "cloudtrail.amazonaws.com") {
    auto t = Str(Req("name"));
    if (!t) t = Str(Req("trailName"));
    if (t)
      if (auto r = Trail(*t)) targets.push_back(*r);
    if (n == "UpdateTrail") kind = EdgeKind::kModified;
    if (n == "PutEventSelectors") {
      // Narrowed: a selector that drops management events or keeps one side only.
      bool narrowed = Req("advancedEventSelectors") != nullptr;
      if (const JsonValue* sels = Arr(Req("eventSelectors"))) {
        for (const JsonValue& sel : sels->GetArray()) {
          if (Bool(Member(sel, "includeManagementEvents")) == std::optional<bool>(false)) narrowed = true;
          if (auto rw = Str(Member(sel, "readWriteType")); rw && *rw != "All") narrowed = true;
          if (const JsonValue* ex = Arr(Member(sel, "excludeManagementEventSources")); ex && !ex->Empty()) narrowed = true;
        }
      }
      if (!narrowed) kind = EdgeKind::kModified;
    }
  } else if (n == "DeleteFlowLogs") {
    auto add = [&](const JsonValue* v) {
      if (auto id = Str(v); id && targets.size() < kMaxTargets)
        if (auto r = Ref(EntityKind::kFlowLog, *id, "flowLogId")) targets.push_back(*r);
    };
    for (const char* field : {"DeleteFlowLogsRequest.FlowLogId", "flowLogIds", "flowLogId"}) {
      const JsonValue* v = Req(field);
      if (v == nullptr) continue;
      if (v->IsArray()) {
        for (const JsonValue& e : v->GetArray()) add(e.IsObject() ? Member(e, "content") : &e);
      } else {
        add(v->IsObject() ? Member(v, "content") : v);
      }
    }
  } else if (c_.source == "guardduty.amazonaws.com") {
    if (auto id = Str(Req("detectorId")))
      if (auto r = Ref(EntityKind::kGuardDutyDetector, *id, "detectorId")) targets.push_back(*r);
    if (n == "UpdateDetector") {
      auto enable = Bool(Req("enable"));
      kind = !enable ? EdgeKind::kModified : *enable ? EdgeKind::kEnabled : EdgeKind::kDisabled;
    }
  } else if (c_.source == "config.amazonaws.com") {
    if (auto r = Str(Req("configurationRecorderName"))) {
      if (auto ref = Recorder(*r)) targets.push_back(*ref);
    } else if (auto ch = Str(Req("deliveryChannelName"))) {
      if (auto ref = Recorder(*ch, "delivery-channel/")) targets.push_back(*ref);
    }
  }
  if (targets.empty()) {
    c_.ctx.Anomaly("event_without_target");
    return;
  }
  for (const EntityRef& t : targets)
    if (EdgeStats* s = Act(kind, t); s && kind == EdgeKind::kDisabled) d_.SetAttr(t, "disabled_by_event", c_.evidence, c_.time);
}

void Handler::SsmCommand() {
  std::vector<EntityRef> instances;
  auto add = [&](const JsonValue* list) {
    if (const JsonValue* a = Arr(list))
      for (const JsonValue& v : a->GetArray())
        if (auto id = Str(&v); id && instances.size() < kMaxTargets)
          if (auto r = Ref(EntityKind::kEc2Instance, *id, "instanceId")) instances.push_back(*r);
  };
  add(Req("instanceIds"));
  if (instances.empty()) add(Resp("command.instanceIds"));
  auto id = Str(Resp("command.commandId"));
  std::optional<EntityRef> cmd = id ? Ref(EntityKind::kSsmCommand, *id, "commandId") : std::nullopt;
  if (!ok() || !cmd) {
    if (ok()) c_.ctx.Anomaly("create_without_target");
    for (const EntityRef& i : instances) Act(EdgeKind::kExecutedOn, i);  // failed: attempted on each instance
    return;
  }
  EdgeStats* s = Act(EdgeKind::kCreated, *cmd);
  if (s == nullptr) return;
  auto doc = Str(Req("documentName"));
  if (doc) {
    s->counters[Counter("document:", *doc)] += 1;
    d_.SetAttr(*cmd, "document", Bounded(*doc, 256), c_.time);
  }
  for (const EntityRef& i : instances) {
    EdgeStats& e = d_.AddEdge(*cmd, EdgeKind::kExecutedOn, i, Obs(1));
    if (doc) e.counters[Counter("document:", *doc)] += 1;
  }
}

void Handler::SsmSession() {
  auto target = Str(Req("target"));
  std::optional<EntityRef> inst = target ? Ref(EntityKind::kEc2Instance, *target, "target") : std::nullopt;
  if (!inst) {
    c_.ctx.Anomaly("event_without_target");
    return;
  }
  if (EdgeStats* s = Act(EdgeKind::kExecutedOn, *inst)) {
    s->counters["session"] += 1;
    if (auto doc = Str(Req("documentName"))) s->counters[Counter("document:", *doc)] += 1;
  }
}

void Handler::EcsTask() {
  const JsonValue* tasks = Arr(Resp("tasks"));
  auto role = Str(Req("overrides.taskRoleArn"));
  auto def = Str(Req("taskDefinition"));
  if (!ok() || tasks == nullptr || tasks->Empty()) {
    if (ok()) c_.ctx.Anomaly("create_without_target");
    if (def)
      if (auto r = MakeRef(EntityKind::kAwsResource,
                           StartsWith(*def, "arn:") ? std::string(*def) : Arn("ecs", "task-definition/" + std::string(*def))))
        Act(EdgeKind::kRan, *r);
    return;
  }
  size_t n = 0;
  for (const JsonValue& t : tasks->GetArray()) {
    if (++n > kMaxTargets) break;
    auto arn = Str(Member(t, "taskArn"));
    if (!arn) continue;
    auto task = Ref(EntityKind::kEcsTask, *arn, "taskArn");
    if (!task) continue;
    EdgeStats* s = Act(EdgeKind::kRan, *task);
    if (s == nullptr) continue;
    if (auto td = Str(Member(t, "taskDefinitionArn"))) d_.SetAttr(*task, "task_definition", Bounded(*td, 512), c_.time);
    if (auto r = role ? role : Str(Path(t, "overrides.taskRoleArn")))
      if (auto rr = MakeRef(EntityKind::kIamRole, *r)) d_.AddEdge(*task, EdgeKind::kRunsAs, *rr, Obs(0));
  }
}

void Handler::Ecr(EdgeKind kind) {
  // The repository's ARN in resources[] (its region may differ from awsRegion), else by name.
  std::optional<EntityRef> repo;
  if (const JsonValue* res = Arr(Member(c_.record, "resources")))
    for (const JsonValue& item : res->GetArray())
      if (auto arn = Str(Member(item, "ARN")); arn && Contains(*arn, ":repository/")) {
        repo = Ref(EntityKind::kEcrRepository, *arn, "repositoryName");
        break;
      }
  if (!repo)
    if (auto name = Str(Req("repositoryName"))) repo = Repository(*name, Str(Req("registryId")).value_or(""));
  if (!repo) {
    c_.ctx.Anomaly("event_without_target");
    return;
  }
  if (EdgeStats* s = Act(kind, *repo))
    if (auto tag = Str(Req("imageTag"))) s->counters[Counter("tag:", *tag)] += 1;
}

void Handler::Resource(EventAction action) {
  switch (action) {
    case A::kSecretRead:
    case A::kSecretWrite:
    case A::kSecretCreate:
    case A::kSecretDelete:
    case A::kSecretPolicy: Secrets(action); break;
    case A::kParameterRead:
    case A::kParameterWrite:
    case A::kParameterDelete: Parameters(action); break;
    case A::kKmsUse:
    case A::kKmsGrant:
    case A::kKmsPolicy:
    case A::kKmsDisable: Kms(action); break;
    case A::kLambdaCreate:
    case A::kLambdaCode:
    case A::kLambdaPermission:
    case A::kLambdaInvoke:
    case A::kLambdaDelete: Lambda(action); break;
    case A::kSgOpen:
    case A::kSgClose:
    case A::kSgCreate:
    case A::kSgDelete: SecurityGroup(action); break;
    case A::kEbsSnapshotCreate:
    case A::kEbsSnapshotShare:
    case A::kAmiCreate:
    case A::kAmiShare:
    case A::kRdsSnapshotShare:
    case A::kRdsSnapshotDelete: Snapshot(action); break;
    case A::kLoggingRestored: Evidence(action); break;
    case A::kSsmSendCommand: SsmCommand(); break;
    case A::kSsmStartSession: SsmSession(); break;
    case A::kEcsRunTask: EcsTask(); break;
    case A::kEcrPull: Ecr(EdgeKind::kPulled); break;
    case A::kEcrPush: Ecr(EdgeKind::kPushed); break;
    default: break;
  }
}

void Handler::After(EventAction action) {
  if (action == A::kS3Read || action == A::kS3Write) {
    // S3 data events name the SSE-KMS key they used in resources[].
    const JsonValue* res = Arr(Member(c_.record, "resources"));
    if (res == nullptr) return;
    size_t n = 0;
    for (const JsonValue& item : res->GetArray()) {
      if (++n > kMaxResources) break;
      if (Str(Member(item, "type")).value_or("") != "AWS::KMS::Key") continue;
      auto arn = Str(Member(item, "ARN"));
      if (!arn) arn = Str(Member(item, "arn"));
      if (arn)
        if (auto key = Ref(EntityKind::kKmsKey, *arn, "keyId")) Act(EdgeKind::kUsedKey, *key);
    }
    return;
  }
  if (action == A::kMintCredentials) {
    // The role asked for is an entity even when the mint made no session (a
    // failed call, a service's mint): resources[] and roleArn.
    if (auto role = Str(Req("roleArn")))
      if (auto r = MakeRef(EntityKind::kIamRole, *role)) d_.Touch(*r, c_.time);
    return;
  }
  if (action == A::kUserPolicy || action == A::kRolePolicy || action == A::kGroupPolicy) {
    auto policy = Str(Req("policyArn"));
    if (!policy || !ok()) return;
    auto p = MakeRef(EntityKind::kAwsResource, *policy);
    if (!p) return;
    d_.SetAttr(*p, "type", "AWS::IAM::ManagedPolicy", c_.time);
    d_.SetAttr(*p, "service", "iam", c_.time);
    std::optional<EntityRef> holder;
    if (auto u = Str(Req("userName")); u && action == A::kUserPolicy) {
      holder = MakeRef(EntityKind::kIamUser, "arn:aws:iam::" + std::string(c_.account) + ":user/" + std::string(*u));
    } else if (auto r = Str(Req("roleName")); r && action == A::kRolePolicy) {
      holder = MakeRef(EntityKind::kIamRole, "arn:aws:iam::" + std::string(c_.account) + ":role/" + std::string(*r));
    } else if (!c_.account.empty()) {
      holder = MakeRef(EntityKind::kAccount, c_.account);
    }
    if (!holder) return;
    EdgeStats& s = d_.AddEdge(*holder, EdgeKind::kPolicyAttached, *p, Obs(1));
    s.counters[StartsWith(c_.name, "Detach") ? "detach" : "attach"] += 1;
    if (auto g = Str(Req("groupName")); g && action == A::kGroupPolicy) s.counters[Counter("group:", *g)] += 1;
    return;
  }
  if (action == A::kDefenseEvasion) {
    Evidence(action);
  } else if (action == A::kRdsSnapshot) {
    for (const char* f : {"targetDBSnapshotIdentifier", "targetDBClusterSnapshotIdentifier", "dBSnapshotIdentifier",
                          "dBClusterSnapshotIdentifier"}) {
      if (auto id = Str(Req(f))) {
        if (auto snap = Ref(EntityKind::kRdsSnapshot, LastPart(*id), "dBSnapshotIdentifier")) {
          if (EdgeStats* s = Act(EdgeKind::kCreated, *snap)) {
            d_.SetAttr(*snap, "created_by_event", c_.evidence, c_.time);
            for (const char* src : {"dBInstanceIdentifier", "dBClusterIdentifier", "sourceDBSnapshotIdentifier"})
              if (auto v = Str(Req(src))) s->counters[Counter(std::string(src) + ":", *v)] += 1;
          }
        }
        break;
      }
    }
  } else if (action == A::kS3Exposure && ok()) {
    auto bucket = Str(Req("bucketName"));
    if (!bucket) return;
    auto ref = MakeRef(EntityKind::kS3Bucket, *bucket);
    if (!ref) return;
    // The actor -modified-> bucket edge cloudtrail.cc made for this call: a
    // weight-0 observation adds the share counters without counting it twice.
    EdgeStats* actor_edge = &d_.AddEdge(c_.actor, EdgeKind::kModified, *ref, EdgeObservation{c_.time, 1, c_.evidence, 0});
    if (c_.name == "PutBucketPolicy") {
      PolicyShares(*ref, Req("bucketPolicy"), actor_edge);
    } else if (c_.name == "PutBucketAcl" || c_.name == "PutObjectAcl") {
      auto acl = Str(Req("x-amz-acl"));
      bool pub = acl && (*acl == "public-read" || *acl == "public-read-write");
      // Grants to AllUsers / AuthenticatedUsers (any AWS account) are public.
      const JsonValue* grants = Arr(Req("AccessControlPolicy.AccessControlList.Grant"));
      if (grants != nullptr)
        for (const JsonValue& g : grants->GetArray())
          if (auto uri = Str(Path(g, "Grantee.URI"));
              uri && (Contains(*uri, "/global/AllUsers") || Contains(*uri, "/global/AuthenticatedUsers")))
            pub = true;
      if (pub) Share(*ref, "all", true, actor_edge);
    }
  }
}

// Sorted by name (checked by a test).
constexpr KnownParameter kKnownParameters[] = {
    {"bucketName", EntityKind::kS3Bucket},
    {"clusterName", EntityKind::kAwsResource},
    {"commandId", EntityKind::kSsmCommand},
    {"configurationRecorderName", EntityKind::kConfigRecorder},
    {"dBClusterIdentifier", EntityKind::kRdsInstance},
    {"dBClusterSnapshotIdentifier", EntityKind::kRdsSnapshot},
    {"dBInstanceIdentifier", EntityKind::kRdsInstance},
    {"dBSnapshotIdentifier", EntityKind::kRdsSnapshot},
    {"detectorId", EntityKind::kGuardDutyDetector},
    {"functionName", EntityKind::kLambdaFunction},
    {"groupId", EntityKind::kSecurityGroup},
    {"imageId", EntityKind::kAmi},
    {"instanceId", EntityKind::kEc2Instance},
    {"instanceIds", EntityKind::kEc2Instance},
    {"keyId", EntityKind::kKmsKey},
    {"logGroupName", EntityKind::kAwsResource},
    {"networkInterfaceId", EntityKind::kNetworkInterface},
    {"queueUrl", EntityKind::kAwsResource},
    {"repositoryName", EntityKind::kEcrRepository},
    {"roleName", EntityKind::kIamRole},
    {"secretId", EntityKind::kSecret},
    {"snapshotId", EntityKind::kEbsSnapshot},
    {"tableName", EntityKind::kAwsResource},
    {"target", EntityKind::kEc2Instance},
    {"topicArn", EntityKind::kAwsResource},
    {"trailName", EntityKind::kCloudTrailTrail},
    {"userName", EntityKind::kIamUser},
    {"volumeId", EntityKind::kAwsResource},
};

const KnownParameter* FindParameter(std::string_view name) {
  auto it = std::lower_bound(std::begin(kKnownParameters), std::end(kKnownParameters), name,
                             [](const KnownParameter& p, std::string_view n) { return p.name < n; });
  return it != std::end(kKnownParameters) && it->name == name ? &*it : nullptr;
}

// Services whose "name" request parameter names the resource.
bool NameIsResource(std::string_view source) {
  return source == "cloudtrail.amazonaws.com" || source == "ssm.amazonaws.com";
}

void Handler::Generic() {
  // resources[]: ARN (or arn) and type.
  if (const JsonValue* res = Arr(Member(c_.record, "resources"))) {
    size_t n = 0;
    for (const JsonValue& item : res->GetArray()) {
      if (++n > kMaxResources) {
        c_.ctx.Anomaly("too_many_resources");
        break;
      }
      auto arn = Str(Member(item, "ARN"));
      if (!arn) arn = Str(Member(item, "arn"));
      if (!arn) arn = Str(Member(item, "ARNPrefix"));
      if (!arn) continue;
      auto ref = RefFromArn(*arn);
      if (!ref) {
        c_.ctx.Anomaly("bad_resource_arn");
        continue;
      }
      if (ref->kind == EntityKind::kAwsResource) {
        if (auto type = Str(Member(item, "type"))) d_.SetAttr(*ref, "type", Bounded(*type, 128), c_.time);
        if (auto parts = SplitArn(*arn)) d_.SetAttr(*ref, "service", Bounded(parts->service, 64), c_.time);
      }
      Act(GenericEdgeKind(c_.name, ref->kind), *ref);
      if (auto acct = Str(Member(item, "accountId")))
        if (auto a = MakeRef(EntityKind::kAccount, *acct)) d_.AddEdge(*ref, EdgeKind::kInAccount, *a, Obs(0));
    }
  }
  // Known request parameters (top level) and any *Arn parameter holding an ARN.
  const JsonValue* req = Obj(Member(c_.record, "requestParameters"));
  if (req == nullptr) return;
  size_t n = 0;
  for (auto it = req->MemberBegin(); it != req->MemberEnd(); ++it) {
    std::string_view field(it->name.GetString(), it->name.GetStringLength());
    const KnownParameter* p = FindParameter(field);
    bool arn_field = EndsWith(field, "Arn") || EndsWith(field, "ARN");
    bool name_field = field == "name" && NameIsResource(c_.source);
    if (p == nullptr && !arn_field && !name_field) continue;
    auto one = [&](std::string_view v) {
      if (++n > kMaxTargets) return;
      std::optional<EntityRef> ref;
      if (StartsWith(v, "arn:")) {
        ref = RefFromArn(v);
      } else if (name_field) {
        ref = c_.source == "ssm.amazonaws.com" ? Parameter(v) : Trail(v);
      } else if (p == nullptr) {
        return;
      } else {
        switch (p->kind) {
          case EntityKind::kLambdaFunction: ref = Function(v); break;
          case EntityKind::kKmsKey: ref = KmsKey(v); break;
          case EntityKind::kCloudTrailTrail: ref = Trail(v); break;
          case EntityKind::kConfigRecorder: ref = Recorder(v); break;
          case EntityKind::kEcrRepository: ref = Repository(v, Str(Req("registryId")).value_or("")); break;
          case EntityKind::kRdsSnapshot: ref = MakeRef(p->kind, LastPart(v)); break;
          case EntityKind::kIamUser:
            ref = MakeRef(p->kind, "arn:aws:iam::" + std::string(c_.account) + ":user/" + std::string(v));
            break;
          case EntityKind::kIamRole:
            ref = MakeRef(p->kind, "arn:aws:iam::" + std::string(c_.account) + ":role/" + std::string(v));
            break;
          case EntityKind::kAwsResource: {
            std::string_view svc = c_.source.substr(0, c_.source.find('.'));
            if (field == "queueUrl") {  // https://sqs.<region>.amazonaws.com/<acct>/<name>: the queue's ARN
              ref = MakeRef(p->kind, Arn(svc, LastPart(v)));
            } else {
              // The resource type of the service's ARNs for the parameter.
              std::string_view type = field == "tableName"      ? "table/"
                                      : field == "logGroupName" ? "log-group:"
                                      : field == "clusterName"  ? "cluster/"
                                      : field == "volumeId"     ? "volume/"
                                                                : "";
              std::string res = type.empty() ? std::string(field) + "/" + std::string(v) : std::string(type) + std::string(v);
              ref = MakeRef(p->kind, Arn(svc, res));
            }
            if (ref) d_.SetAttr(*ref, "service", Bounded(svc, 64), c_.time);
            break;
          }
          case EntityKind::kEc2Instance:
            if (!StartsWith(v, "i-")) return;  // SSM targets can be managed-instance IDs (mi-...)
            ref = MakeRef(p->kind, v);
            break;
          default: ref = MakeRef(p->kind, v); break;
        }
      }
      if (!ref) return;
      Act(GenericEdgeKind(c_.name, ref->kind), *ref);
    };
    if (auto s = Str(&it->value)) {
      one(*s);
    } else if (it->value.IsArray() && (p != nullptr || name_field)) {
      for (const JsonValue& e : it->value.GetArray())
        if (auto s2 = Str(&e)) one(*s2);
    }
  }
  // EC2 instance lists: instancesSet.items[].instanceId (Start/Stop/Terminate...).
  if (const JsonValue* items = Arr(Path(req, "instancesSet.items"))) {
    for (const JsonValue& item : items->GetArray()) {
      if (++n > kMaxTargets) break;
      if (auto id = Str(Member(item, "instanceId")))
        if (auto ref = MakeRef(EntityKind::kEc2Instance, *id)) Act(GenericEdgeKind(c_.name, ref->kind), *ref);
    }
  }
}

void Handler::Guards(const JsonValue& item, const EntityRef& instance) {
  auto add = [&](const JsonValue* groups) {
    if (const JsonValue* g = Arr(groups))
      for (const JsonValue& e : g->GetArray())
        if (auto id = Str(Member(e, "groupId")))
          if (auto sg = Ref(EntityKind::kSecurityGroup, *id, "groupId")) d_.AddEdge(*sg, EdgeKind::kGuards, instance, Obs(1));
  };
  add(Path(item, "groupSet.items"));
  if (const JsonValue* enis = Arr(Path(item, "networkInterfaceSet.items"))) {
    size_t n = 0;
    for (const JsonValue& eni : enis->GetArray())
      if (++n <= 64) add(Path(eni, "groupSet.items"));
  }
}

}  // namespace

bool IsResourceAction(EventAction a) { return a >= A::kSecretRead || a == A::kRdsSnapshotShare; }

void HandleResourceEvent(const Call& call, EventAction action) { Handler(call).Resource(action); }
void AfterTableEvent(const Call& call, EventAction action) { Handler(call).After(action); }
void GenericResources(const Call& call) {
  // Cheap exit for the common case: nothing that can name a resource.
  const JsonValue* res = Member(call.record, "resources");
  const JsonValue* req = Member(call.record, "requestParameters");
  if ((res == nullptr || !res->IsArray() || res->Empty()) && (req == nullptr || !req->IsObject() || req->ObjectEmpty()))
    return;
  Handler(call).Generic();
}
void InstanceSecurityGroups(const Call& call, const JsonValue& item, const EntityRef& instance) {
  if (call.outcome > 0) Handler(call).Guards(item, instance);
}

std::span<const KnownParameter> KnownParameters() { return kKnownParameters; }

EdgeKind GenericEdgeKind(std::string_view n, EntityKind kind) {
  bool entity = kind == EntityKind::kEc2Instance || kind == EntityKind::kIamUser || kind == EntityKind::kIamRole ||
                kind == EntityKind::kRdsInstance || kind == EntityKind::kS3Bucket ||
                kind == EntityKind::kNetworkInterface || kind == EntityKind::kRoleSession;
  auto starts = [&](std::initializer_list<std::string_view> ps) {
    for (std::string_view p : ps)
      if (StartsWith(n, p)) return true;
    return false;
  };
  if (starts({"Describe", "List", "Head", "Lookup", "Search", "Check", "Estimate", "Preview", "Validate", "Test"}))
    return EdgeKind::kDescribed;
  if (starts({"Get", "BatchGet"})) {
    // Metadata about a resource rather than its contents.
    for (std::string_view m : {"Policy", "Acl", "Status", "Attribute", "Configuration", "Tagging", "Tags", "Location",
                               "Encryption", "Versioning", "Logging", "Lifecycle", "Website", "Notification",
                               "Replication", "Cors", "Metrics", "Availability", "Info", "Summary"})
      if (Contains(n, m)) return EdgeKind::kDescribed;
    return entity ? EdgeKind::kDescribed : EdgeKind::kRead;
  }
  if (starts({"Decrypt", "Download", "Select", "Scan", "Query", "Export", "Retrieve"}))
    return entity ? EdgeKind::kDescribed : EdgeKind::kRead;
  if (starts({"Delete", "Terminate", "Remove", "Deregister", "Cancel", "Purge", "Destroy"})) return EdgeKind::kDeleted;
  for (std::string_view m : {"Policy", "Permission", "Attribute", "Share", "Grant", "Acl", "Access"})
    if (Contains(n, m)) return EdgeKind::kModified;
  return entity ? EdgeKind::kModified : EdgeKind::kWrote;
}

std::optional<EntityRef> RefFromArn(std::string_view arn) {
  auto a = SplitArn(arn);
  if (!a) return MakeRef(EntityKind::kAwsResource, arn);
  std::string_view svc = a->service, res = a->resource;
  auto after = [&](std::string_view prefix) { return res.substr(prefix.size()); };
  if (svc == "s3" && a->account.empty()) {
    std::string_view bucket = res.substr(0, res.find('/'));
    if (!bucket.empty()) return MakeRef(EntityKind::kS3Bucket, bucket);
  }
  if (svc == "iam") {
    if (StartsWith(res, "user/") || res == "root") return MakeRef(EntityKind::kIamUser, arn);
    if (StartsWith(res, "role/")) return MakeRef(EntityKind::kIamRole, arn);
  }
  if (svc == "sts" && StartsWith(res, "assumed-role/")) return MakeRef(EntityKind::kRoleSession, arn);
  if (svc == "secretsmanager" && StartsWith(res, "secret:")) return MakeRef(EntityKind::kSecret, arn);
  if (svc == "ssm" && StartsWith(res, "parameter/")) return MakeRef(EntityKind::kSsmParameter, arn);
  if (svc == "kms" && (StartsWith(res, "key/") || StartsWith(res, "alias/"))) return MakeRef(EntityKind::kKmsKey, arn);
  if (svc == "lambda" && StartsWith(res, "function:")) {
    std::string_view fn = after("function:");
    fn = fn.substr(0, fn.find(':'));
    return MakeRef(EntityKind::kLambdaFunction, "arn:aws:lambda:" + std::string(a->region) + ":" +
                                                    std::string(a->account) + ":function:" + std::string(fn));
  }
  if (svc == "ec2") {
    if (StartsWith(res, "instance/")) return MakeRef(EntityKind::kEc2Instance, after("instance/"));
    if (StartsWith(res, "security-group/")) return MakeRef(EntityKind::kSecurityGroup, after("security-group/"));
    if (StartsWith(res, "snapshot/")) return MakeRef(EntityKind::kEbsSnapshot, after("snapshot/"));
    if (StartsWith(res, "image/")) return MakeRef(EntityKind::kAmi, after("image/"));
    if (StartsWith(res, "network-interface/")) return MakeRef(EntityKind::kNetworkInterface, after("network-interface/"));
    if (StartsWith(res, "vpc-flow-log/")) return MakeRef(EntityKind::kFlowLog, after("vpc-flow-log/"));
  }
  if (svc == "rds") {
    if (StartsWith(res, "snapshot:")) return MakeRef(EntityKind::kRdsSnapshot, after("snapshot:"));
    if (StartsWith(res, "cluster-snapshot:")) return MakeRef(EntityKind::kRdsSnapshot, after("cluster-snapshot:"));
    if (StartsWith(res, "db:")) return MakeRef(EntityKind::kRdsInstance, after("db:"));
    if (StartsWith(res, "cluster:")) return MakeRef(EntityKind::kRdsInstance, after("cluster:"));
  }
  if (svc == "cloudtrail" && StartsWith(res, "trail/")) return MakeRef(EntityKind::kCloudTrailTrail, arn);
  if (svc == "guardduty" && StartsWith(res, "detector/")) {
    std::string_view id = after("detector/");
    return MakeRef(EntityKind::kGuardDutyDetector, id.substr(0, id.find('/')));
  }
  if (svc == "ecr" && StartsWith(res, "repository/")) return MakeRef(EntityKind::kEcrRepository, arn);
  if (svc == "ecs" && StartsWith(res, "task/")) return MakeRef(EntityKind::kEcsTask, arn);
  return MakeRef(EntityKind::kAwsResource, arn);
}

}  // namespace gumshoe::ingest::cloudtrail
