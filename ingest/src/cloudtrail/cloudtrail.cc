// CloudTrail ingestor: one record (already split out of {"Records":[...]}, an
// array, or a JSON line) becomes the caller's identity, source, agent, account
// and api_call edges, plus what the event itself means (event_table.h).
//
// Envelopes unwrapped: Panther `_log`, EventBridge `detail` ("AWS API Call via
// CloudTrail", "AWS Console Sign In via CloudTrail", "AWS Service Event via
// CloudTrail"). Time: eventTime, else Logstash `@timestamp`, else Panther
// `p_event_time`, else the EventBridge `time`.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "cloudtrail/event_table.h"
#include "cloudtrail/iam_changes.h"
#include "gumshoe/edge_counters.h"
#include "cloudtrail/resources.h"
#include "gumshoe/normalize.h"
#include "gumshoe/time_util.h"
#include "ingestor.h"
#include "json_util.h"

namespace gumshoe::ingest {

std::unique_ptr<Ingestor> NewCloudTrailIngestor();

namespace {

using cloudtrail::EventAction;
using cloudtrail::EventInfo;

// Input bounds.
constexpr size_t kMaxEventIdBytes = 256;
constexpr size_t kMaxNameBytes = 256;          // eventName, eventSource, userName, roleName, ...
constexpr size_t kMaxCounterValueBytes = 128;  // the input part of a counter name
constexpr size_t kMaxInstancesPerRecord = 1000;
constexpr size_t kMaxInterfacesPerInstance = 64;
constexpr size_t kMaxIpsPerInterface = 64;
constexpr size_t kMaxResources = 256;
constexpr size_t kMaxObjectKeyBytes = 256;  // an S3 object key kept on a read/wrote edge
constexpr int kMaxScanDepth = 24;
constexpr size_t kMaxScanValues = 20000;

// Adds a count taken from a record (bytes, packets) to a counter. Hostile
// counts saturate at INT64_MAX instead of overflowing the signed counter.
void AddCount(int64_t& counter, uint64_t n) {
  constexpr uint64_t kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  uint64_t sum = static_cast<uint64_t>(std::max<int64_t>(counter, 0)) + std::min(n, kMax);
  counter = static_cast<int64_t>(std::min(sum, kMax));
}

std::string_view Bounded(std::string_view s, size_t limit) { return s.size() > limit ? s.substr(0, limit) : s; }

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

bool ContainsAlpha(std::string_view s) {
  for (char c : s)
    if (std::isalpha(static_cast<unsigned char>(c))) return true;
  return false;
}

// i-<8..17 hex>, any case (Stratus obfuscates case).
bool LooksLikeInstanceId(std::string_view s) {
  if (s.size() < 10 || s.size() > 19 || s[0] != 'i' || s[1] != '-') return false;
  for (char c : s.substr(2))
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

// A Lambda function name ([A-Za-z0-9_-]{1,64}) that is not one of Lambda's
// own role-validation session names ("awslambda_<digits>_<digits>").
bool LooksLikeFunctionName(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  if (StartsWith(s, "awslambda_")) {
    std::string_view rest = s.substr(10);
    size_t us = rest.find('_');
    auto digits = [](std::string_view d) {
      return !d.empty() && std::all_of(d.begin(), d.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
    };
    if (us != std::string_view::npos && digits(rest.substr(0, us)) && digits(rest.substr(us + 1))) return false;
  }
  return true;
}

// An ECS task ID: 32 hex digits.
bool LooksLikeEcsTaskId(std::string_view s) {
  if (s.size() != 32) return false;
  for (char c : s)
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

// The account field of an ARN (arn:partition:service:region:account:resource).
std::string_view ArnAccount(std::string_view arn) {
  size_t pos = 0;
  for (int i = 0; i < 4; ++i) {
    pos = arn.find(':', pos);
    if (pos == std::string_view::npos) return {};
    ++pos;
  }
  size_t end = arn.find(':', pos);
  if (end == std::string_view::npos) return {};
  return arn.substr(pos, end - pos);
}

// The partition field of an ARN ("aws", "aws-cn", "aws-us-gov"), or empty.
std::string_view ArnPartition(std::string_view arn) {
  if (!StartsWith(arn, "arn:")) return {};
  arn.remove_prefix(4);
  return arn.substr(0, arn.find(':'));
}

// The last path segment of an ARN resource ("botocore-session-1" of an assumed-role ARN).
std::string_view ArnLastSegment(std::string_view arn) {
  size_t slash = arn.rfind('/');
  return slash == std::string_view::npos ? std::string_view{} : arn.substr(slash + 1);
}

// Per-record working state.
class Record {
 public:
  Record(const JsonValue& r, RecordContext& ctx, Timestamp t, std::string evidence)
      : r_(r), ctx_(ctx), d_(ctx.delta()), t_(t), evidence_(std::move(evidence)) {
    event_id_ = evidence_;
  }

  void Process();

 private:
  EdgeObservation Obs(int outcome) const { return EdgeObservation{t_, outcome, evidence_, 1}; }
  EdgeObservation Obs() const { return Obs(outcome_); }

  // Canonical ref, or nullopt (anomaly "bad_<what>") when the text is not a valid key.
  std::optional<EntityRef> Ref(EntityKind kind, std::string_view raw, std::string_view what) {
    auto key = NormalizeKey(kind, raw);
    if (!key.ok()) {
      ctx_.Anomaly(std::string("bad_") + std::string(what));
      return std::nullopt;
    }
    bool leading_zero = false;
    if (kind == EntityKind::kIpAddress && ParseIp(raw, &leading_zero) && leading_zero) ctx_.Anomaly("leading_zero_ip");
    return EntityRef{kind, std::move(key).value()};
  }
  std::optional<EntityRef> RefAt(EntityKind kind, const JsonValue* v, std::string_view what) {
    auto s = Str(v);
    if (!s) {
      if (v != nullptr && !v->IsNull() && !v->IsString()) ctx_.Anomaly(std::string("bad_") + std::string(what));
      return std::nullopt;
    }
    return Ref(kind, *s, what);
  }
  void Attr(const EntityRef& e, std::string_view name, std::string_view value) {
    if (value.size() > kMaxAttrValueBytes) {
      ctx_.Anomaly("oversized_field");
      value = value.substr(0, kMaxAttrValueBytes);
    }
    d_.SetAttr(e, name, value, t_);
  }
  std::string Counter(std::string_view prefix, std::string_view value) {
    if (value.size() > kMaxCounterValueBytes) ctx_.Anomaly("oversized_field");
    std::string c(prefix);
    c.append(Bounded(value, kMaxCounterValueBytes));
    return c;
  }
  // A bounded name field (userName, roleName, ...), or nullopt.
  std::optional<std::string_view> Name(const JsonValue* v, std::string_view what) {
    auto s = Str(v);
    if (!s) return std::nullopt;
    if (s->size() > kMaxNameBytes) {
      ctx_.Anomaly(std::string("oversized_") + std::string(what));
      return std::nullopt;
    }
    return s;
  }
  const JsonValue* Req(std::string_view dotted) const { return Path(Member(r_, "requestParameters"), dotted); }
  const JsonValue* Resp(std::string_view dotted) const { return Path(Member(r_, "responseElements"), dotted); }

  // Notes on an edge where the call that made it came from (lineage shows it per hop).
  void AddSource(EdgeStats& s) {
    if (source_)
      s.counters[Counter(source_->kind == EntityKind::kIpAddress ? "src_ip:" : "src_service:", source_->key)] += 1;
  }
  std::string TargetAccount() const { return !recipient_account_.empty() ? recipient_account_ : caller_account_; }
  std::optional<EntityRef> UserByName(std::string_view name);
  std::optional<EntityRef> RoleByName(std::string_view name);

  void ResolveActor();
  void ActorEdges();
  void HandleEvent(const EventInfo& info);
  void Mint();
  std::optional<EntityRef> SessionFromRequest(const EntityRef& role);
  void ServiceSession(const EntityRef& session, const std::optional<EntityRef>& role);
  void CreateUser();
  void CreateAccessKey();
  void UserTarget(EdgeKind kind, const JsonValue* user_name, bool self_if_absent);
  void RoleTarget(EdgeKind kind, const JsonValue* role_name);
  void AccessKeyChange(bool update);
  void ConsoleLogin();
  void RunInstances();
  void S3Data(EdgeKind kind);
  std::optional<std::string_view> ObjectKey(std::string_view bucket);
  void S3Exposure();
  void RdsInstance();
  void RdsSnapshot();
  cloudtrail::Call ResourceCall() {
    target_account_ = TargetAccount();
    return cloudtrail::Call{r_, ctx_, d_, t_, event_id_, outcome_, name_, source_name_, region_, target_account_, *actor_};
  }
  void DefenseEvasion();
  void KeepIamChange();
  std::optional<std::string> BucketName();
  bool ScanForString(const JsonValue* v, std::string_view needle, int depth, size_t* budget) const;
  bool PolicyHasStarPrincipal(const JsonValue* v, int depth, size_t* budget) const;

  const JsonValue& r_;
  RecordContext& ctx_;
  GraphDelta& d_;
  Timestamp t_;
  std::string evidence_;
  int outcome_ = 1;
  std::string_view name_, event_id_;  // event_id_: the evidence ref
  std::string caller_account_, recipient_account_, region_, target_account_;
  std::string_view source_name_;
  std::string_view identity_type_;
  std::optional<EntityRef> actor_, actor_key_, source_;  // source_: ip_address or aws_service
  std::optional<EntityRef> api_;
  bool anonymous_ = false;
};

std::optional<EntityRef> Record::UserByName(std::string_view name) {
  if (actor_ && actor_->kind == EntityKind::kIamUser && ArnLastSegment(actor_->key) == name) return actor_;
  std::string account = TargetAccount();
  if (account.empty()) {
    ctx_.Anomaly("unknown_account");
    return std::nullopt;
  }
  return Ref(EntityKind::kIamUser, "arn:aws:iam::" + account + ":user/" + std::string(name), "userName");
}

std::optional<EntityRef> Record::RoleByName(std::string_view name) {
  std::string account = TargetAccount();
  if (account.empty()) {
    ctx_.Anomaly("unknown_account");
    return std::nullopt;
  }
  return Ref(EntityKind::kIamRole, "arn:aws:iam::" + account + ":role/" + std::string(name), "roleName");
}

void Record::ResolveActor() {
  const JsonValue* ui = Member(r_, "userIdentity");
  if (ui == nullptr || ui->IsNull()) {
    ctx_.Anomaly("missing_userIdentity");
    return;
  }
  if (!ui->IsObject()) {
    ctx_.Anomaly("bad_userIdentity");
    return;
  }
  identity_type_ = Str(Member(ui, "type")).value_or("");
  auto arn = Str(Member(ui, "arn"));
  if (auto acct = Str(Member(ui, "accountId"))) caller_account_ = std::string(Bounded(*acct, kMaxNameBytes));
  if (caller_account_.empty() && arn) caller_account_ = std::string(ArnAccount(*arn));
  auto user_name = Name(Member(ui, "userName"), "userName");
  auto principal_id = Name(Member(ui, "principalId"), "principalId");
  const JsonValue* ctxv = Member(ui, "sessionContext");
  const std::string_view t = identity_type_;

  if (t == "Root") {
    std::string key = arn ? std::string(*arn) : "arn:aws:iam::" + caller_account_ + ":root";
    if (caller_account_.empty() && !arn) {
      ctx_.Anomaly("unnamed_actor");
    } else {
      actor_ = Ref(EntityKind::kIamUser, key, "userIdentity_arn");
      if (actor_) d_.AddTag(*actor_, "root", t_);
    }
  } else if (t == "IAMUser") {
    if (arn) {
      actor_ = Ref(EntityKind::kIamUser, *arn, "userIdentity_arn");
    } else if (user_name && *user_name != "HIDDEN_DUE_TO_SECURITY_REASONS" && !caller_account_.empty()) {
      actor_ = Ref(EntityKind::kIamUser, "arn:aws:iam::" + caller_account_ + ":user/" + std::string(*user_name),
                   "userName");
    } else if (!caller_account_.empty()) {
      actor_ = Ref(EntityKind::kAccount, caller_account_, "accountId");  // e.g. failed console login, name hidden
    } else {
      ctx_.Anomaly("unnamed_actor");
    }
  } else if (t == "AssumedRole") {
    if (arn) actor_ = Ref(EntityKind::kRoleSession, *arn, "userIdentity_arn");
    if (!actor_) {
      ctx_.Anomaly("unnamed_actor");
    } else {
      const JsonValue* issuer = Member(ctxv, "sessionIssuer");
      auto issuer_type = Str(Member(issuer, "type"));
      if (auto role = RefAt(EntityKind::kIamRole, Member(issuer, "arn"), "sessionIssuer_arn");
          role && (!issuer_type || *issuer_type == "Role")) {
        d_.AddEdge(*actor_, EdgeKind::kAssumedRole, *role, Obs(0));
        if (!caller_account_.empty())
          if (auto acct = Ref(EntityKind::kAccount, caller_account_, "accountId"))
            d_.AddEdge(*role, EdgeKind::kInAccount, *acct, Obs(0));
      }
      const JsonValue* attrs = Member(ctxv, "attributes");
      if (auto cd = Str(Member(attrs, "creationDate"))) Attr(*actor_, "creation_date", *cd);
      if (auto mfa = Bool(Member(attrs, "mfaAuthenticated"))) Attr(*actor_, "mfa_authenticated", *mfa ? "true" : "false");
      if (auto si = Str(Member(ctxv, "sourceIdentity"))) Attr(*actor_, "source_identity", *si);
      if (auto si = Str(Member(ui, "sourceIdentity"))) Attr(*actor_, "source_identity", *si);
      auto delivery = Str(Member(ctxv, "ec2RoleDelivery"));
      if (delivery) Attr(*actor_, "ec2_role_delivery", *delivery);
      std::string_view session_name = ArnLastSegment(actor_->key);
      if (LooksLikeInstanceId(session_name)) {
        if (auto inst = Ref(EntityKind::kEc2Instance, session_name, "instance_id")) {
          d_.AddEdge(*actor_, EdgeKind::kSessionOnInstance, *inst, Obs(0));
          if (auto role = RefAt(EntityKind::kIamRole, Path(ctxv, "sessionIssuer.arn"), "sessionIssuer_arn"))
            d_.AddEdge(*inst, EdgeKind::kInstanceProfileRole, *role, Obs(0));
        }
      }
      const JsonValue* web = Member(ctxv, "webIdFederationData");
      if (auto prov = Str(Member(web, "federatedProvider")))
        if (auto p = Ref(EntityKind::kIdentityProvider, *prov, "identityProvider"))
          d_.AddEdge(*actor_, EdgeKind::kFederatedBy, *p, Obs(0));
    }
  } else if (t == "Role") {
    if (arn) actor_ = Ref(EntityKind::kIamRole, *arn, "userIdentity_arn");
    if (!actor_) ctx_.Anomaly("unnamed_actor");
  } else if (t == "FederatedUser") {
    if (arn) actor_ = Ref(EntityKind::kFederatedUser, *arn, "userIdentity_arn");
    if (!actor_) {
      ctx_.Anomaly("unnamed_actor");
    } else if (auto issuer = Str(Path(ctxv, "sessionIssuer.arn"))) {
      Attr(*actor_, "issuer", *issuer);
    }
  } else if (t == "AWSAccount") {
    if (!caller_account_.empty()) actor_ = Ref(EntityKind::kAccount, caller_account_, "accountId");
    if (!actor_) {
      ctx_.Anomaly("unnamed_actor");
    } else {
      anonymous_ = caller_account_ == "ANONYMOUS_PRINCIPAL";
      if (anonymous_) d_.AddTag(*actor_, "anonymous", t_);
      if (principal_id) Attr(*actor_, "principal_id", *principal_id);
    }
  } else if (t == "AWSService") {
    actor_ = RefAt(EntityKind::kAwsService, Member(ui, "invokedBy"), "invokedBy");
    if (!actor_) ctx_.Anomaly("unnamed_actor");
  } else if (t == "SAMLUser" || t == "WebIdentityUser") {
    auto prov = Str(Member(ui, "identityProvider"));
    if (!prov) prov = Str(Path(ctxv, "webIdFederationData.federatedProvider"));
    std::optional<std::string_view> subject = user_name ? user_name : principal_id;
    if (prov && subject) {
      actor_ = Ref(EntityKind::kFederatedUser, std::string(*prov) + ":" + std::string(*subject), "federated_user");
      if (actor_)
        if (auto p = Ref(EntityKind::kIdentityProvider, *prov, "identityProvider"))
          d_.AddEdge(*actor_, EdgeKind::kFederatedBy, *p, Obs(0));
    } else if (principal_id) {
      actor_ = Ref(EntityKind::kFederatedUser, *principal_id, "principalId");
    }
    if (!actor_) ctx_.Anomaly("unnamed_actor");
  } else if (t == "IdentityCenterUser") {
    const JsonValue* obo = Member(ui, "onBehalfOf");
    auto uid = Name(Member(obo, "userId"), "userId");
    auto store = Str(Member(obo, "identityStoreArn"));
    if (uid) {
      actor_ = Ref(EntityKind::kFederatedUser,
                   std::string(store ? *store : std::string_view("identitycenter")) + ":" + std::string(*uid),
                   "onBehalfOf");
      if (actor_ && store)
        if (auto p = Ref(EntityKind::kIdentityProvider, *store, "identityStoreArn"))
          d_.AddEdge(*actor_, EdgeKind::kFederatedBy, *p, Obs(0));
      if (actor_)
        if (auto cred = Str(Member(ui, "credentialId"))) Attr(*actor_, "credential_id", *cred);
    }
    if (!actor_) ctx_.Anomaly("unnamed_actor");
  } else {
    // Directory, Unknown, and types newer than this build: the ARN's own kind when
    // it has one, else a principal-ID-keyed federated user, else the account.
    if (t != "Directory" && t != "Unknown") ctx_.Anomaly(t.empty() ? "missing_identity_type" : "unknown_identity_type");
    if (arn) {
      if (arn->find(":assumed-role/") != std::string_view::npos) {
        actor_ = Ref(EntityKind::kRoleSession, *arn, "userIdentity_arn");
      } else if (arn->find(":user/") != std::string_view::npos || arn->ends_with(":root")) {
        actor_ = Ref(EntityKind::kIamUser, *arn, "userIdentity_arn");
      } else if (arn->find(":role/") != std::string_view::npos) {
        actor_ = Ref(EntityKind::kIamRole, *arn, "userIdentity_arn");
      } else {
        actor_ = Ref(EntityKind::kFederatedUser, *arn, "userIdentity_arn");
      }
    } else if (principal_id) {
      actor_ = Ref(EntityKind::kFederatedUser,
                   std::string(t == "Directory" ? "directory:" : "principal:") + std::string(*principal_id),
                   "principalId");
    } else if (user_name && *user_name != "HIDDEN_DUE_TO_SECURITY_REASONS") {
      actor_ = Ref(EntityKind::kFederatedUser, "user:" + std::string(*user_name), "userName");
    } else if (!caller_account_.empty()) {
      actor_ = Ref(EntityKind::kAccount, caller_account_, "accountId");
    }
    if (!actor_) ctx_.Anomaly("unnamed_actor");
  }

  if (actor_ && principal_id && actor_->kind != EntityKind::kAccount) Attr(*actor_, "principal_id", *principal_id);
  if (auto key = Str(Member(ui, "accessKeyId")); key && actor_) {
    actor_key_ = Ref(EntityKind::kAccessKey, *key, "accessKeyId");
  } else if (Member(ui, "accessKeyId") != nullptr && !Member(ui, "accessKeyId")->IsString()) {
    ctx_.Anomaly("bad_accessKeyId");
  }
  // A temporary key a user or root signs with is a console session or a
  // GetSessionToken session; lineage tells them apart from these (lineage.h).
  if (actor_key_ && (t == "IAMUser" || t == "Root") && StartsWith(actor_key_->key, "ASIA")) {
    const JsonValue* attrs = Member(ctxv, "attributes");
    if (auto cd = Str(Member(attrs, "creationDate"))) Attr(*actor_key_, "session_created", *cd);
    if (auto mfa = Bool(Member(attrs, "mfaAuthenticated")))
      Attr(*actor_key_, "mfa_authenticated", *mfa ? "true" : "false");
    if (Bool(Member(r_, "sessionCredentialFromConsole")).value_or(false)) Attr(*actor_key_, "console_session", "true");
  }
}

void Record::ActorEdges() {
  // Source: an IP, or a service name ("ec2.amazonaws.com", "AWS Internal").
  if (const JsonValue* src = Member(r_, "sourceIPAddress")) {
    if (auto s = Str(src)) {
      bool leading_zero = false;
      if (auto ip = ParseIp(*s, &leading_zero)) {
        source_ = EntityRef{EntityKind::kIpAddress, ip->ToString()};
        if (leading_zero) ctx_.Anomaly("leading_zero_ip");
      } else if (ContainsAlpha(*s) && s->find_first_of(" .") != std::string_view::npos) {
        source_ = Ref(EntityKind::kAwsService, *s, "sourceIPAddress");
      } else {
        ctx_.Anomaly("bad_sourceIPAddress");
      }
    } else if (!src->IsNull() && !src->IsString()) {
      ctx_.Anomaly("bad_sourceIPAddress");
    }
  }
  std::optional<EntityRef> agent = RefAt(EntityKind::kUserAgent, Member(r_, "userAgent"), "userAgent");

  if (auto recip = Str(Member(r_, "recipientAccountId"))) recipient_account_ = std::string(Bounded(*recip, kMaxNameBytes));

  if (!actor_) {
    // Still keep where the call came from and what it was.
    if (source_ && api_) d_.Touch(*source_, t_);
    if (agent) d_.Touch(*agent, t_);
    return;
  }
  d_.Touch(*actor_, t_);
  if (!caller_account_.empty() && actor_->kind != EntityKind::kAccount)
    if (auto acct = Ref(EntityKind::kAccount, caller_account_, "accountId"))
      d_.AddEdge(*actor_, EdgeKind::kInAccount, *acct, Obs(0));
  if (!recipient_account_.empty() && !caller_account_.empty() && recipient_account_ != caller_account_) {
    d_.AddTag(*actor_, "cross_account", t_);
    if (auto acct = Ref(EntityKind::kAccount, recipient_account_, "recipientAccountId")) d_.Touch(*acct, t_);
  }
  if (source_) d_.AddEdge(*actor_, EdgeKind::kCalledFrom, *source_, Obs());
  if (agent) d_.AddEdge(*actor_, EdgeKind::kUsedAgent, *agent, Obs());
  if (actor_key_) {
    d_.AddEdge(*actor_, EdgeKind::kAuthenticatedWith, *actor_key_, Obs());
    d_.AddEdge(*actor_key_, EdgeKind::kCredentialOf, *actor_, Obs(0));
    if (source_) d_.AddEdge(*actor_key_, EdgeKind::kCalledFrom, *source_, Obs());
  }
  if (api_) {
    EdgeStats& s = d_.AddEdge(*actor_, EdgeKind::kCalledApi, *api_, Obs());
    if (auto err = Str(Member(r_, "errorCode"))) s.counters[Counter("error:", *err)] += 1;
    if (!recipient_account_.empty() && recipient_account_ != caller_account_)
      s.counters[Counter("recipient:", recipient_account_)] += 1;
    if (!region_.empty()) s.counters[Counter("region:", region_)] += 1;
  }
}

void Record::Process() {
  auto src = Str(Member(r_, "eventSource"));
  auto name = Str(Member(r_, "eventName"));
  if (!src) ctx_.Anomaly("missing_eventSource");
  std::string_view source = src ? Bounded(*src, kMaxNameBytes) : std::string_view("unknown");
  source_name_ = source;
  name_ = Bounded(*name, kMaxNameBytes);
  if (name->size() > kMaxNameBytes || (src && src->size() > kMaxNameBytes)) ctx_.Anomaly("oversized_field");
  if (auto region = Str(Member(r_, "awsRegion"))) region_ = std::string(Bounded(*region, 64));
  if (Member(r_, "errorCode") != nullptr && !Member(r_, "errorCode")->IsNull()) outcome_ = -1;
  api_ = Ref(EntityKind::kApiCall, std::string(source) + ":" + std::string(name_), "api_call");

  ResolveActor();
  ActorEdges();
  if (outcome_ > 0 && source == "iam.amazonaws.com" && cloudtrail::IsIamPermissionChange(name_)) KeepIamChange();
  const EventInfo* info = cloudtrail::LookupEvent(source, name_);
  if (api_ && info != nullptr) d_.AddTag(*api_, cloudtrail::EventActionName(info->action), t_);
  if (info != nullptr) {
    HandleEvent(*info);
  } else if (actor_) {
    cloudtrail::GenericResources(ResourceCall());  // any resource the table does not know
  }
}

void Record::HandleEvent(const EventInfo& info) {
  if (!actor_) {
    ctx_.Anomaly("event_without_actor");
    return;
  }
  if (cloudtrail::IsResourceAction(info.action)) {
    cloudtrail::HandleResourceEvent(ResourceCall(), info.action);
    return;
  }
  switch (info.action) {
    case EventAction::kMintCredentials:
      Mint();
      cloudtrail::AfterTableEvent(ResourceCall(), info.action);  // the role named, even when no session came back
      break;
    case EventAction::kCreateUser: CreateUser(); break;
    case EventAction::kCreateAccessKey: CreateAccessKey(); break;
    case EventAction::kLoginProfile: UserTarget(EdgeKind::kModified, Req("userName"), true); break;
    case EventAction::kCreateRole: {
      std::optional<EntityRef> role = RefAt(EntityKind::kIamRole, Resp("role.arn"), "role_arn");
      if (!role)
        if (auto n = Name(Req("roleName"), "roleName")) role = RoleByName(*n);
      if (role) {
        AddSource(d_.AddEdge(*actor_, EdgeKind::kCreated, *role, Obs()));
        if (outcome_ > 0) Attr(*role, "created_by_event", event_id_);
      }
      break;
    }
    case EventAction::kModifyRole: RoleTarget(EdgeKind::kModified, Req("roleName")); break;
    case EventAction::kRolePolicy:
      RoleTarget(EdgeKind::kModified, Req("roleName"));
      cloudtrail::AfterTableEvent(ResourceCall(), info.action);  // the managed policy attached
      break;
    case EventAction::kDeleteRole: RoleTarget(EdgeKind::kDeleted, Req("roleName")); break;
    case EventAction::kUserPolicy:
      UserTarget(EdgeKind::kModified, Req("userName"), false);
      cloudtrail::AfterTableEvent(ResourceCall(), info.action);  // the managed policy attached
      break;
    case EventAction::kAddUserToGroup: UserTarget(EdgeKind::kModified, Req("userName"), false); break;
    case EventAction::kDeleteUser: UserTarget(EdgeKind::kDeleted, Req("userName"), false); break;
    case EventAction::kGroupPolicy: {
      if (auto acct = Ref(EntityKind::kAccount, TargetAccount(), "recipientAccountId")) {
        EdgeStats& s = d_.AddEdge(*actor_, EdgeKind::kModified, *acct, Obs());
        s.counters[Counter("op:", name_)] += 1;
        if (auto g = Name(Req("groupName"), "groupName")) s.counters[Counter("group:", *g)] += 1;
      }
      cloudtrail::AfterTableEvent(ResourceCall(), info.action);  // the managed policy attached
      break;
    }
    case EventAction::kDeleteAccessKey: AccessKeyChange(false); break;
    case EventAction::kUpdateAccessKey: AccessKeyChange(true); break;
    case EventAction::kConsoleLogin: ConsoleLogin(); break;
    case EventAction::kRunInstances: RunInstances(); break;
    case EventAction::kS3Read:
      S3Data(EdgeKind::kRead);
      cloudtrail::AfterTableEvent(ResourceCall(), info.action);  // the SSE-KMS key of resources[]
      break;
    case EventAction::kS3Write:
      S3Data(EdgeKind::kWrote);
      cloudtrail::AfterTableEvent(ResourceCall(), info.action);
      break;
    case EventAction::kS3Exposure:
      S3Exposure();
      cloudtrail::AfterTableEvent(ResourceCall(), info.action);
      break;
    case EventAction::kRdsInstance: RdsInstance(); break;
    case EventAction::kRdsSnapshot:
      RdsSnapshot();
      cloudtrail::AfterTableEvent(ResourceCall(), info.action);
      break;
    case EventAction::kDefenseEvasion:
      DefenseEvasion();
      cloudtrail::AfterTableEvent(ResourceCall(), info.action);
      break;
    default: break;  // resource actions: above
  }
}

void Record::Mint() {
  const JsonValue* creds = Resp("credentials");
  auto new_key = RefAt(EntityKind::kAccessKey, Member(creds, "accessKeyId"), "minted_accessKeyId");
  if (!new_key) {
    if (outcome_ > 0) ctx_.Anomaly("mint_without_key");
    return;
  }
  // The caller's credential: the key it signed with, else the principal itself
  // (a service, a SAML/OIDC user, or the other account in a cross-account copy).
  const EntityRef& caller = actor_key_ ? *actor_key_ : *actor_;
  AddSource(d_.AddEdge(caller, EdgeKind::kMinted, *new_key, Obs()));
  if (source_) Attr(*new_key, "minted_from", source_->key);
  Attr(*new_key, "minted_by_event", event_id_);
  Attr(*new_key, "minted_via", name_);
  if (auto exp = Str(Member(creds, "expiration"))) Attr(*new_key, "expiration", *exp);
  if (auto shared = Str(Member(r_, "sharedEventID"))) Attr(*new_key, "shared_event_id", Bounded(*shared, kMaxEventIdBytes));
  // The minted key lives in the account of the session it belongs to (for a
  // cross-account AssumeRole that is the role's account, not the caller's).
  std::string key_account(ArnAccount(Str(Resp("assumedRoleUser.arn")).value_or("")));
  if (key_account.empty()) key_account = std::string(ArnAccount(Str(Resp("federatedUser.arn")).value_or("")));
  if (key_account.empty() && StartsWith(name_, "AssumeRole"))
    key_account = std::string(ArnAccount(Str(Req("roleArn")).value_or("")));
  if (key_account.empty()) key_account = caller_account_.empty() ? recipient_account_ : caller_account_;
  if (!key_account.empty())
    if (auto acct = Ref(EntityKind::kAccount, key_account, "accountId"))
      d_.AddEdge(*new_key, EdgeKind::kInAccount, *acct, Obs(0));

  if (name_ == "GetSessionToken") {
    d_.AddEdge(*new_key, EdgeKind::kCredentialOf, *actor_, Obs(0));
    return;
  }
  if (name_ == "GetFederationToken") {
    if (auto fed = RefAt(EntityKind::kFederatedUser, Resp("federatedUser.arn"), "federatedUser_arn")) {
      d_.AddEdge(*new_key, EdgeKind::kCredentialOf, *fed, Obs(0));
      Attr(*fed, "issuer", actor_->key);
    }
    return;
  }
  // AssumeRole, AssumeRoleWithSAML, AssumeRoleWithWebIdentity.
  auto session = RefAt(EntityKind::kRoleSession, Resp("assumedRoleUser.arn"), "assumedRoleUser_arn");
  auto role = RefAt(EntityKind::kIamRole, Req("roleArn"), "roleArn");
  // Services (ec2, lambda, ecs-tasks) log AssumeRole without assumedRoleUser:
  // the session ARN follows from the role and the requested session name.
  if (!session && role) session = SessionFromRequest(*role);
  if (!session) {
    ctx_.Anomaly("mint_without_session");
    return;
  }
  d_.AddEdge(*new_key, EdgeKind::kCredentialOf, *session, Obs(0));
  if (role) {
    d_.AddEdge(*session, EdgeKind::kAssumedRole, *role, Obs(0));
    if (auto acct = Ref(EntityKind::kAccount, ArnAccount(role->key), "roleArn_account"))
      d_.AddEdge(*role, EdgeKind::kInAccount, *acct, Obs(0));
  }
  if (auto si = Str(Resp("sourceIdentity"))) Attr(*session, "source_identity", *si);
  if (actor_->kind == EntityKind::kAwsService) ServiceSession(*session, role);
  std::optional<EntityRef> provider;
  if (name_ == "AssumeRoleWithSAML") {
    provider = RefAt(EntityKind::kIdentityProvider, Req("principalArn"), "principalArn");
  } else if (name_ == "AssumeRoleWithWebIdentity") {
    provider = RefAt(EntityKind::kIdentityProvider, Resp("provider"), "provider");
    if (!provider) provider = RefAt(EntityKind::kIdentityProvider, Req("providerId"), "provider");
  }
  if (provider) {
    d_.AddEdge(*session, EdgeKind::kFederatedBy, *provider, Obs(0));
    if (actor_->kind == EntityKind::kFederatedUser) d_.AddEdge(*actor_, EdgeKind::kFederatedBy, *provider, Obs(0));
  }
}

// arn:<partition>:sts::<role account>:assumed-role/<role name>/<roleSessionName>
// (a session ARN names the role without its path).
std::optional<EntityRef> Record::SessionFromRequest(const EntityRef& role) {
  auto session_name = Name(Req("roleSessionName"), "roleSessionName");
  std::string_view account = ArnAccount(role.key);
  std::string_view role_name = ArnLastSegment(role.key);
  std::string_view partition = ArnPartition(role.key);
  if (!session_name || account.empty() || role_name.empty() || partition.empty()) return std::nullopt;
  return Ref(EntityKind::kRoleSession,
             "arn:" + std::string(partition) + ":sts::" + std::string(account) + ":assumed-role/" +
                 std::string(role_name) + "/" + std::string(*session_name),
             "roleSessionName");
}

// What a service minted the session for, from the session name the service
// chose: EC2 names it after the instance, Lambda after the function (its
// own role-validation sessions are "awslambda_<n>_<time>"), ECS after the task.
void Record::ServiceSession(const EntityRef& session, const std::optional<EntityRef>& role) {
  std::string_view service = actor_->key;
  std::string_view name = ArnLastSegment(session.key);
  Attr(session, "minted_by_service", service);
  if (service == "ec2.amazonaws.com" && LooksLikeInstanceId(name)) {
    if (auto inst = Ref(EntityKind::kEc2Instance, name, "instance_id")) {
      d_.AddEdge(session, EdgeKind::kSessionOnInstance, *inst, Obs(0));
      if (role) d_.AddEdge(*inst, EdgeKind::kInstanceProfileRole, *role, Obs(0));
    }
  } else if (service == "lambda.amazonaws.com" && LooksLikeFunctionName(name) && role && !region_.empty() &&
             !ArnPartition(role->key).empty()) {
    // A function's execution role is in the function's account, and Lambda
    // asks STS in the function's region.
    std::string_view partition = ArnPartition(role->key);
    std::string arn = "arn:" + std::string(partition) + ":lambda:" + region_ + ":" +
                      std::string(ArnAccount(role->key)) + ":function:" + std::string(name);
    if (auto fn = Ref(EntityKind::kLambdaFunction, arn, "lambda_function")) {
      Attr(session, "lambda_function", fn->key);
      d_.Touch(*fn, t_);
      Attr(*fn, "execution_role", role->key);
      d_.AddEdge(session, EdgeKind::kSessionOfFunction, *fn, Obs(0));
      d_.AddEdge(*fn, EdgeKind::kRunsAs, *role, Obs(0));
    }
  } else if (service == "ecs-tasks.amazonaws.com" && LooksLikeEcsTaskId(name)) {
    Attr(session, "ecs_task_id", name);  // no ECS task entity kind (yet)
  }
}

void Record::CreateUser() {
  std::optional<EntityRef> user = RefAt(EntityKind::kIamUser, Resp("user.arn"), "user_arn");
  if (!user)
    if (auto n = Name(Req("userName"), "userName")) user = UserByName(*n);
  if (!user) {
    if (outcome_ > 0) ctx_.Anomaly("create_without_target");
    return;
  }
  AddSource(d_.AddEdge(*actor_, EdgeKind::kCreated, *user, Obs()));
  if (outcome_ > 0) {
    Attr(*user, "created_by_event", event_id_);
    if (auto acct = Ref(EntityKind::kAccount, TargetAccount(), "recipientAccountId"))
      d_.AddEdge(*user, EdgeKind::kInAccount, *acct, Obs(0));
  }
}

void Record::CreateAccessKey() {
  auto key = RefAt(EntityKind::kAccessKey, Resp("accessKey.accessKeyId"), "accessKey_id");
  std::optional<std::string_view> owner_name = Name(Resp("accessKey.userName"), "userName");
  if (!owner_name) owner_name = Name(Req("userName"), "userName");
  std::optional<EntityRef> owner = owner_name ? UserByName(*owner_name) : actor_;
  if (!key) {
    if (outcome_ > 0) ctx_.Anomaly("create_without_target");
    if (owner) d_.AddEdge(*actor_, EdgeKind::kModified, *owner, Obs()).counters["op:CreateAccessKey"] += 1;
    return;
  }
  AddSource(d_.AddEdge(*actor_, EdgeKind::kCreated, *key, Obs()));
  Attr(*key, "created_by_event", event_id_);
  Attr(*key, "status", "Active");
  if (owner) d_.AddEdge(*key, EdgeKind::kCredentialOf, *owner, Obs(0));
}

void Record::UserTarget(EdgeKind kind, const JsonValue* user_name, bool self_if_absent) {
  std::optional<EntityRef> user;
  if (auto n = Name(user_name, "userName")) {
    user = UserByName(*n);
  } else if (self_if_absent && actor_->kind == EntityKind::kIamUser) {
    user = actor_;
  }
  if (!user) {
    ctx_.Anomaly("event_without_target");
    return;
  }
  EdgeStats& s = d_.AddEdge(*actor_, kind, *user, Obs());
  s.counters[Counter("op:", name_)] += 1;
  if (auto g = Name(Req("groupName"), "groupName")) s.counters[Counter("group:", *g)] += 1;
  if (auto p = Str(Req("policyArn"))) s.counters[Counter("policy:", *p)] += 1;
  if (auto p = Name(Req("policyName"), "policyName")) s.counters[Counter("policy:", *p)] += 1;
  if (kind == EdgeKind::kDeleted && outcome_ > 0) Attr(*user, "status", "Deleted");
}

void Record::RoleTarget(EdgeKind kind, const JsonValue* role_name) {
  auto n = Name(role_name, "roleName");
  std::optional<EntityRef> role = n ? RoleByName(*n) : std::nullopt;
  if (!role) {
    ctx_.Anomaly("event_without_target");
    return;
  }
  EdgeStats& s = d_.AddEdge(*actor_, kind, *role, Obs());
  s.counters[Counter("op:", name_)] += 1;
  if (auto p = Str(Req("policyArn"))) s.counters[Counter("policy:", *p)] += 1;
  if (auto p = Name(Req("policyName"), "policyName")) s.counters[Counter("policy:", *p)] += 1;
  if (kind == EdgeKind::kDeleted && outcome_ > 0) Attr(*role, "status", "Deleted");
}

void Record::AccessKeyChange(bool update) {
  auto key = RefAt(EntityKind::kAccessKey, Req("accessKeyId"), "accessKeyId");
  if (!key) {
    ctx_.Anomaly("event_without_target");
    return;
  }
  std::string_view status = "Deleted";
  EdgeKind kind = EdgeKind::kDeleted;
  if (update) {
    status = Str(Req("status")).value_or("Unknown");
    if (status != "Inactive") kind = EdgeKind::kModified;
  }
  EdgeStats& s = d_.AddEdge(*actor_, kind, *key, Obs());
  s.counters[Counter("op:", name_)] += 1;
  if (outcome_ > 0) Attr(*key, "status", Bounded(status, 32));
  if (auto n = Name(Req("userName"), "userName"))
    if (auto user = UserByName(*n)) d_.AddEdge(*key, EdgeKind::kCredentialOf, *user, Obs(0));
}

void Record::ConsoleLogin() {
  int outcome = outcome_;
  if (auto res = Str(Resp("ConsoleLogin"))) outcome = *res == "Success" ? 1 : -1;
  auto acct = Ref(EntityKind::kAccount, TargetAccount(), "recipientAccountId");
  if (!acct) return;
  EdgeStats& s = d_.AddEdge(*actor_, EdgeKind::kConsoleLogin, *acct, Obs(outcome));
  auto mfa = Str(Path(Member(r_, "additionalEventData"), "MFAUsed"));
  if (mfa) s.counters[*mfa == "Yes" ? "mfa_used" : "mfa_not_used"] += 1;
  // Each successful sign-in, for the lineage of the console session it starts:
  // "login:<time>|<source>|<Yes/No/->|<event>". ISO times sort in time order,
  // so the counter cap keeps the earliest sign-ins.
  if (outcome > 0) {
    std::string login = FormatTime(t_) + "|" + (source_ ? source_->key : std::string("-")) + "|" +
                        (mfa ? std::string(*mfa == "Yes" ? "Yes" : "No") : std::string("-")) + "|";
    // A long file-position ref (no eventID) is left out rather than cut.
    login += login.size() + evidence_.size() <= kMaxCounterValueBytes ? evidence_ : std::string("-");
    s.counters[Counter("login:", login)] += 1;
  }
}

void Record::RunInstances() {
  const JsonValue* items = Arr(Resp("instancesSet.items"));
  if (items == nullptr) {
    if (outcome_ > 0) ctx_.Anomaly("run_instances_without_instances");
    return;
  }
  auto owner = Ref(EntityKind::kAccount,
                   Str(Resp("ownerId")) ? std::string(Bounded(*Str(Resp("ownerId")), kMaxNameBytes)) : TargetAccount(),
                   "ownerId");
  std::optional<std::string_view> req_profile = Str(Req("iamInstanceProfile.arn"));
  if (!req_profile) req_profile = Str(Req("iamInstanceProfile.name"));
  size_t n = 0;
  for (const JsonValue& item : items->GetArray()) {
    if (++n > kMaxInstancesPerRecord) {
      ctx_.Anomaly("too_many_instances");
      break;
    }
    auto inst = RefAt(EntityKind::kEc2Instance, Member(item, "instanceId"), "instanceId");
    if (!inst) continue;
    EdgeStats& s = d_.AddEdge(*actor_, EdgeKind::kLaunched, *inst, Obs());
    if (!region_.empty()) s.counters[Counter("region:", region_)] += 1;
    AddSource(s);
    Attr(*inst, "launched_by_event", event_id_);
    if (!region_.empty()) Attr(*inst, "region", region_);
    for (auto [field, attr] : {std::pair{"instanceType", "instance_type"}, std::pair{"imageId", "image_id"},
                               std::pair{"keyName", "key_name"}, std::pair{"vpcId", "vpc_id"},
                               std::pair{"subnetId", "subnet_id"}})
      if (auto v = Str(Member(item, field))) Attr(*inst, attr, Bounded(*v, kMaxNameBytes));
    auto profile = Str(Path(item, "iamInstanceProfile.arn"));
    if (!profile) profile = req_profile;
    if (profile) Attr(*inst, "instance_profile", *profile);
    if (owner) d_.AddEdge(*inst, EdgeKind::kInAccount, *owner, Obs(0));
    cloudtrail::InstanceSecurityGroups(ResourceCall(), item, *inst);
    if (auto ip = Str(Member(item, "privateIpAddress")))
      if (auto addr = Ref(EntityKind::kIpAddress, *ip, "privateIpAddress"))
        d_.AddEdge(*inst, EdgeKind::kAssignedIp, *addr, Obs(0));
    if (auto ip = Str(Member(item, "ipAddress")))
      if (auto addr = Ref(EntityKind::kIpAddress, *ip, "ipAddress")) d_.AddEdge(*inst, EdgeKind::kAssignedIp, *addr, Obs(0));
    const JsonValue* enis = Arr(Path(item, "networkInterfaceSet.items"));
    if (enis == nullptr) continue;
    size_t m = 0;
    for (const JsonValue& eni_v : enis->GetArray()) {
      if (++m > kMaxInterfacesPerInstance) {
        ctx_.Anomaly("too_many_interfaces");
        break;
      }
      auto eni = RefAt(EntityKind::kNetworkInterface, Member(eni_v, "networkInterfaceId"), "networkInterfaceId");
      if (!eni) continue;
      d_.AddEdge(*inst, EdgeKind::kHasInterface, *eni, Obs(0));
      if (auto mac = Str(Member(eni_v, "macAddress"))) Attr(*eni, "mac", Bounded(*mac, 64));
      if (auto ip = Str(Member(eni_v, "privateIpAddress")))
        if (auto addr = Ref(EntityKind::kIpAddress, *ip, "privateIpAddress"))
          d_.AddEdge(*eni, EdgeKind::kAssignedIp, *addr, Obs(0));
      if (auto ip = Str(Path(eni_v, "association.publicIp")))
        if (auto addr = Ref(EntityKind::kIpAddress, *ip, "publicIp")) d_.AddEdge(*eni, EdgeKind::kAssignedIp, *addr, Obs(0));
      if (const JsonValue* ips = Arr(Path(eni_v, "privateIpAddressesSet.item"))) {
        size_t k = 0;
        for (const JsonValue& ipv : ips->GetArray()) {
          if (++k > kMaxIpsPerInterface) {
            ctx_.Anomaly("too_many_addresses");
            break;
          }
          if (auto ip = Str(Member(ipv, "privateIpAddress")))
            if (auto addr = Ref(EntityKind::kIpAddress, *ip, "privateIpAddress"))
              d_.AddEdge(*eni, EdgeKind::kAssignedIp, *addr, Obs(0));
        }
      }
    }
  }
}

std::optional<std::string> Record::BucketName() {
  if (auto b = Str(Req("bucketName"))) return std::string(*b);
  const JsonValue* res = Arr(Member(r_, "resources"));
  if (res == nullptr) return std::nullopt;
  size_t n = 0;
  for (const JsonValue& item : res->GetArray()) {
    if (++n > kMaxResources) break;
    auto type = Str(Member(item, "type"));
    if (!type || *type != "AWS::S3::Bucket") continue;
    auto arn = Str(Member(item, "ARN"));
    if (!arn) arn = Str(Member(item, "ARNPrefix"));
    if (!arn) continue;
    std::string_view a = *arn;
    if (StartsWith(a, "arn:aws:s3:::")) a.remove_prefix(13);
    a = a.substr(0, a.find('/'));
    if (!a.empty()) return std::string(a);
  }
  return std::nullopt;
}

// The object key a call names: requestParameters.key, else the object ARN in
// resources[] (list calls carry an ARNPrefix there, not an object).
std::optional<std::string_view> Record::ObjectKey(std::string_view bucket) {
  if (auto k = Str(Req("key")); k && !k->empty()) return k;
  const JsonValue* res = Arr(Member(r_, "resources"));
  if (res == nullptr) return std::nullopt;
  size_t n = 0;
  for (const JsonValue& item : res->GetArray()) {
    if (++n > kMaxResources) break;
    if (Str(Member(item, "type")).value_or("") != "AWS::S3::Object") continue;
    std::string_view a = Str(Member(item, "ARN")).value_or("");
    size_t colons = a.find(":::");
    if (colons == std::string_view::npos) continue;
    a.remove_prefix(colons + 3);
    if (a.size() > bucket.size() && a.substr(0, bucket.size()) == bucket && a[bucket.size()] == '/')
      return a.substr(bucket.size() + 1);
  }
  return std::nullopt;
}

void Record::S3Data(EdgeKind kind) {
  auto name = BucketName();
  if (!name) {
    ctx_.Anomaly("s3_event_without_bucket");
    return;
  }
  auto bucket = Ref(EntityKind::kS3Bucket, *name, "bucketName");
  if (!bucket) return;
  const JsonValue* extra = Member(r_, "additionalEventData");
  // Object data (GetObject, SelectObjectContent out; PutObject, UploadPart in)
  // is bytes_out / bytes_in; what listings return is listing_bytes_out; other
  // calls (HeadObject, ACLs, tags, deletes) move metadata_bytes_*.
  const bool data = name_ == "GetObject" || name_ == "SelectObjectContent" || name_ == "PutObject" || name_ == "UploadPart";
  const bool listing = StartsWith(name_, "List");
  const char* out_counter = data ? "bytes_out" : listing ? "listing_bytes_out" : "metadata_bytes_out";
  const char* in_counter = data ? "bytes_in" : "metadata_bytes_in";
  uint64_t bytes_out = 0, bytes_in = 0;
  if (auto out = Double(Member(extra, "bytesTransferredOut")); out && *out > 0 && *out < 9e18)
    bytes_out = static_cast<uint64_t>(*out);
  if (auto in = Double(Member(extra, "bytesTransferredIn")); in && *in > 0 && *in < 9e18)
    bytes_in = static_cast<uint64_t>(*in);
  std::optional<std::string_view> object = listing ? std::nullopt : ObjectKey(*name);
  if (object && object->size() > kMaxObjectKeyBytes) {
    ctx_.Anomaly("oversized_object_key");
    object = object->substr(0, kMaxObjectKeyBytes);
  }
  auto add = [&](EdgeStats& s) {
    s.counters[Counter("op:", name_)] += 1;
    if (outcome_ <= 0) return;  // an attempt: no bytes, no object reached
    if (bytes_out > 0) AddCount(s.counters[out_counter], bytes_out);
    if (bytes_in > 0) AddCount(s.counters[in_counter], bytes_in);
    if (!object) return;
    std::string calls(kObjectCallsPrefix);
    calls.append(*object);
    s.counters[calls] += 1;
    if (uint64_t moved = data ? bytes_out + bytes_in : 0; moved > 0) {
      std::string bytes(kObjectBytesPrefix);
      bytes.append(*object);
      AddCount(s.counters[bytes], moved);
    }
    // Keep the edge within its object bound as it grows in this batch too.
    if (s.counters.size() > kMaxEdgeCounters + 2 * kMaxObjectKeys) MergeEdgeStats(s, EdgeStats{});
  };
  add(d_.AddEdge(*actor_, kind, *bucket, Obs()));
  if (anonymous_ && source_ && source_->kind == EntityKind::kIpAddress) add(d_.AddEdge(*source_, kind, *bucket, Obs()));
  // CopyObject and UploadPartCopy also read their copy source,
  // "[/]<bucket>/<key>[?versionId=...]": a copy into another bucket is how
  // objects leave, and the source is the bucket they leave from.
  std::optional<EntityRef> copy_source;
  if (name_ == "CopyObject" || name_ == "UploadPartCopy") {
    if (auto src = Str(Req("x-amz-copy-source"))) {
      std::string_view v = *src;
      if (StartsWith(v, "/")) v.remove_prefix(1);
      v = v.substr(0, v.find('?'));
      size_t slash = v.find('/');
      std::string_view key = slash == std::string_view::npos ? std::string_view() : v.substr(slash + 1);
      copy_source = Ref(EntityKind::kS3Bucket, v.substr(0, slash), "copy_source");
      if (copy_source) {
        EdgeStats& s = d_.AddEdge(*actor_, EdgeKind::kRead, *copy_source, Obs());
        s.counters[Counter("op:", name_)] += 1;
        if (outcome_ > 0 && !key.empty()) {
          std::string calls(kObjectCallsPrefix);
          calls.append(key.substr(0, kMaxObjectKeyBytes));
          s.counters[calls] += 1;
          if (s.counters.size() > kMaxEdgeCounters + 2 * kMaxObjectKeys) MergeEdgeStats(s, EdgeStats{});
        }
      }
    }
  }
  if (const JsonValue* res = Arr(Member(r_, "resources"))) {
    size_t n = 0;
    for (const JsonValue& item : res->GetArray()) {
      if (++n > kMaxResources) break;
      const std::string_view type = Str(Member(item, "type")).value_or("");
      if (type != "AWS::S3::Bucket" && type != "AWS::S3::Object") continue;
      // The bucket this item names (an object's: the part before '/'): the
      // call's own, its copy source, or one the record lists without saying
      // how the call used it (kept as an entity of the event, with no read or
      // write claimed).
      std::optional<EntityRef> named = bucket;
      auto arn = Str(Member(item, "ARN"));
      if (!arn) arn = Str(Member(item, "arn"));
      if (arn && StartsWith(*arn, "arn:aws:s3:::")) {
        std::string_view b = arn->substr(13);
        named = Ref(EntityKind::kS3Bucket, b.substr(0, b.find('/')), "resource_arn");
        if (named && *named != *bucket) d_.Touch(*named, t_);
      }
      if (!named || type != "AWS::S3::Bucket") continue;
      if (auto acct = Str(Member(item, "accountId")))
        if (auto a = Ref(EntityKind::kAccount, *acct, "resource_accountId")) d_.AddEdge(*named, EdgeKind::kInAccount, *a, Obs(0));
    }
  }
}

bool Record::ScanForString(const JsonValue* v, std::string_view needle, int depth, size_t* budget) const {
  if (v == nullptr || depth > kMaxScanDepth || *budget == 0) return false;
  --*budget;
  if (auto s = Str(v)) return s->find(needle) != std::string_view::npos;
  if (v->IsObject()) {
    for (auto it = v->MemberBegin(); it != v->MemberEnd(); ++it)
      if (ScanForString(&it->value, needle, depth + 1, budget)) return true;
  } else if (v->IsArray()) {
    for (const JsonValue& e : v->GetArray())
      if (ScanForString(&e, needle, depth + 1, budget)) return true;
  }
  return false;
}

// An Allow statement whose Principal is "*" or {"AWS":"*"} (or contains "*").
bool Record::PolicyHasStarPrincipal(const JsonValue* v, int depth, size_t* budget) const {
  if (v == nullptr || depth > kMaxScanDepth || *budget == 0) return false;
  --*budget;
  if (v->IsObject()) {
    const JsonValue* principal = Member(v, "Principal");
    if (principal != nullptr && Str(Member(v, "Effect")).value_or("Allow") == "Allow") {
      if (Str(principal).value_or("") == "*") return true;
      size_t inner = 64;
      if (principal->IsObject()) {
        for (auto it = principal->MemberBegin(); it != principal->MemberEnd(); ++it) {
          if (Str(&it->value).value_or("") == "*") return true;
          if (const JsonValue* arr = Arr(&it->value))
            for (const JsonValue& e : arr->GetArray())
              if (--inner > 0 && Str(&e).value_or("") == "*") return true;
        }
      }
    }
    for (auto it = v->MemberBegin(); it != v->MemberEnd(); ++it)
      if (PolicyHasStarPrincipal(&it->value, depth + 1, budget)) return true;
  } else if (v->IsArray()) {
    for (const JsonValue& e : v->GetArray())
      if (PolicyHasStarPrincipal(&e, depth + 1, budget)) return true;
  }
  return false;
}

void Record::S3Exposure() {
  std::optional<EntityRef> target;
  if (auto name = BucketName()) {
    target = Ref(EntityKind::kS3Bucket, *name, "bucketName");
  } else {
    target = Ref(EntityKind::kAccount, TargetAccount(), "recipientAccountId");  // account-wide settings
  }
  if (!target) return;
  EdgeStats& s = d_.AddEdge(*actor_, EdgeKind::kModified, *target, Obs());
  s.counters[Counter("op:", name_)] += 1;
  if (outcome_ <= 0) return;
  d_.AddTag(*target, "exposure_change", t_);
  const JsonValue* req = Member(r_, "requestParameters");
  if (name_ == "PutBucketPolicy") {
    size_t budget = kMaxScanValues;
    if (PolicyHasStarPrincipal(Member(req, "bucketPolicy"), 0, &budget)) d_.AddTag(*target, "public_policy", t_);
  } else if (name_ == "PutBucketAcl" || name_ == "PutObjectAcl") {
    size_t budget = kMaxScanValues;
    bool all = ScanForString(req, "acs.amazonaws.com/groups/global/AllUsers", 0, &budget);
    budget = kMaxScanValues;
    bool auth = ScanForString(req, "acs.amazonaws.com/groups/global/AuthenticatedUsers", 0, &budget);
    if (all || auth) d_.AddTag(*target, "public_acl", t_);
    if (auto acl = Str(Member(req, "x-amz-acl")); acl && (*acl == "public-read" || *acl == "public-read-write"))
      d_.AddTag(*target, "public_acl", t_);
  } else if (name_.find("Delete") != std::string_view::npos && name_.find("PublicAccessBlock") != std::string_view::npos) {
    d_.AddTag(*target, "public_access_block_removed", t_);
  } else if (name_ == "PutBucketWebsite") {
    d_.AddTag(*target, "website", t_);
  }
}

void Record::RdsInstance() {
  std::optional<EntityRef> db = RefAt(EntityKind::kRdsInstance, Req("dBInstanceIdentifier"), "dBInstanceIdentifier");
  if (!db) db = RefAt(EntityKind::kRdsInstance, Req("dBClusterIdentifier"), "dBClusterIdentifier");
  if (!db) {
    ctx_.Anomaly("event_without_target");
    return;
  }
  bool create = StartsWith(name_, "Create") || StartsWith(name_, "Restore");
  EdgeStats& s = d_.AddEdge(*actor_, create ? EdgeKind::kCreated : EdgeKind::kModified, *db, Obs());
  s.counters[Counter("op:", name_)] += 1;
  const JsonValue* pw = Req("masterUserPassword");
  if (pw != nullptr && !pw->IsNull() && !create) s.counters["master_password_change"] += 1;
  if (outcome_ <= 0) return;
  if (auto pub = Bool(Req("publiclyAccessible"))) {
    Attr(*db, "publicly_accessible", *pub ? "true" : "false");
    if (*pub) d_.AddTag(*db, "public", t_);
  }
  if (pw != nullptr && !pw->IsNull() && !create) Attr(*db, "master_password_changed_by_event", event_id_);
  if (auto e = Str(Req("engine"))) Attr(*db, "engine", Bounded(*e, 64));
  if (auto u = Str(Req("masterUsername"))) Attr(*db, "master_username", Bounded(*u, kMaxNameBytes));
  if (!region_.empty()) Attr(*db, "region", region_);
  if (auto acct = Ref(EntityKind::kAccount, TargetAccount(), "recipientAccountId"))
    d_.AddEdge(*db, EdgeKind::kInAccount, *acct, Obs(0));
}

void Record::RdsSnapshot() {
  std::optional<EntityRef> target = RefAt(EntityKind::kRdsInstance, Req("dBInstanceIdentifier"), "dBInstanceIdentifier");
  if (!target) target = RefAt(EntityKind::kRdsInstance, Req("dBClusterIdentifier"), "dBClusterIdentifier");
  if (!target) target = Ref(EntityKind::kAccount, TargetAccount(), "recipientAccountId");
  if (!target) return;
  EdgeStats& s = d_.AddEdge(*actor_, EdgeKind::kModified, *target, Obs());
  s.counters[Counter("op:", name_)] += 1;
  for (const char* field : {"dBSnapshotIdentifier", "targetDBSnapshotIdentifier", "dBClusterSnapshotIdentifier",
                            "targetDBClusterSnapshotIdentifier"})
    if (auto snap = Name(Req(field), "snapshot")) s.counters[Counter("snapshot:", *snap)] += 1;
}

void Record::DefenseEvasion() {
  auto acct = Ref(EntityKind::kAccount, TargetAccount(), "recipientAccountId");
  if (acct) {
    EdgeStats& s = d_.AddEdge(*actor_, EdgeKind::kModified, *acct, Obs());
    s.counters[Counter("op:", name_)] += 1;
    for (const char* field : {"name", "trailName", "detectorId", "configurationRecorderName", "keyId"})
      if (auto v = Name(Req(field), "target_name")) s.counters[Counter("target:", *v)] += 1;
  }
  if (outcome_ > 0) d_.AddTag(*actor_, "defense_evasion", t_);
}

// The whole record, compact, for `could` to replay (see iam_changes.h).
void Record::KeepIamChange() {
  constexpr size_t kMaxIamChangeBytes = 256u << 10;
  std::string account = TargetAccount();
  if (account.empty() || account.size() > 64) {
    ctx_.Anomaly("iam_change_without_account");
    return;
  }
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buf);
  r_.Accept(writer);
  if (buf.GetSize() > kMaxIamChangeBytes) {
    ctx_.Anomaly("oversized_iam_change");
    return;
  }
  char time_part[24];
  std::snprintf(time_part, sizeof time_part, "%020lld", static_cast<long long>(t_));
  std::string_view id = event_id_;
  if (id.starts_with("cloudtrail:")) id.remove_prefix(11);
  d_.PutDocument("iam_change/" + account + "/" + time_part + "/" + std::string(id), std::string(buf.GetString(), buf.GetSize()));
}

class CloudTrailParser final : public FileParser {
 public:
  void OnJson(const rapidjson::Value& value, RecordContext& ctx) override;
};

bool IsEventBridgeCloudTrail(std::string_view detail_type) {
  return detail_type == "AWS API Call via CloudTrail" || detail_type == "AWS Console Sign In via CloudTrail" ||
         detail_type == "AWS Service Event via CloudTrail" || detail_type == "AWS Console Action via CloudTrail";
}

void CloudTrailParser::OnJson(const rapidjson::Value& value, RecordContext& ctx) {
  const JsonValue* rec = &value;
  std::optional<std::string_view> fallback_time;
  if (const JsonValue* inner = Obj(Member(rec, "_log"))) {  // Panther fixtures
    rec = inner;
    fallback_time = Str(Member(rec, "p_event_time"));
  }
  if (auto dt = Str(Member(rec, "detail-type")); dt && IsEventBridgeCloudTrail(*dt)) {
    if (const JsonValue* detail = Obj(Member(rec, "detail"))) {
      fallback_time = Str(Member(rec, "time"));
      rec = detail;
    }
  }

  if (!rec->IsObject()) {
    ctx.BeginRecord(ctx.EvidenceRef());
    ctx.Reject("not_an_object");
    return;
  }
  // Time: eventTime, else Logstash @timestamp, else the envelope's time.
  const JsonValue* time_v = Member(rec, "eventTime");
  std::optional<std::string_view> time_text = Str(time_v);
  const bool time_wrong_type = time_v != nullptr && !time_v->IsNull() && !time_text;
  if (!time_text && !time_wrong_type) time_text = Str(Member(rec, "@timestamp"));
  if (!time_text && !time_wrong_type) time_text = fallback_time;
  Timestamp t = kNoTime;  // a plain value: GCC's -Wmaybe-uninitialized misfires on optional here
  if (time_text)
    if (auto parsed = ParseIsoTime(*time_text)) t = *parsed;
  const JsonValue* name_v = Member(rec, "eventName");
  std::optional<std::string_view> name = Str(name_v);

  // Identity: the eventID, qualified by event name and time so that fixtures
  // reusing one eventID for different events (Panther's) stay apart while a
  // record delivered twice (S3 and Logstash copies alike) still counts once.
  std::string identity;
  std::string evidence;
  const JsonValue* id_v = Member(rec, "eventID");
  auto event_id = Str(id_v);
  if (event_id && event_id->size() <= kMaxEventIdBytes) {
    identity.assign(*event_id);
    identity.push_back('\x1f');
    identity.append(name ? Bounded(*name, kMaxNameBytes) : std::string_view("?"));
    identity.push_back('\x1f');
    identity.append(t != kNoTime ? std::to_string(t) : std::string("?"));
    evidence = "cloudtrail:" + std::string(*event_id);
  } else {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buf);
    rec->Accept(writer);
    identity = "record:";
    identity.append(buf.GetString(), buf.GetSize());
    event_id.reset();
    evidence = ctx.EvidenceRef();
  }
  if (!ctx.BeginRecord(identity)) return;
  if (!event_id) ctx.Anomaly(id_v == nullptr ? "missing_eventID" : "bad_eventID");
  if (time_wrong_type) {
    ctx.Reject("bad_eventTime");
    return;
  }
  if (!time_text) {
    ctx.Reject("missing_eventTime");
    return;
  }
  if (t == kNoTime || !PlausibleTime(t, ctx.now())) {
    ctx.Reject("bad_eventTime");
    return;
  }
  if (!name) {
    ctx.Reject(name_v == nullptr ? "missing_eventName" : "bad_eventName");
    return;
  }
  Record r(*rec, ctx, t, std::move(evidence));
  r.Process();
}

class CloudTrailIngestor final : public Ingestor {
 public:
  std::string_view name() const override { return "cloudtrail"; }
  std::string_view description() const override {
    return "AWS CloudTrail: S3 delivery files (.json/.json.gz), arrays, JSON lines, EventBridge and Panther envelopes";
  }
  int Sniff(std::string_view path, std::string_view head) const override {
    bool fields = head.find("\"eventVersion\"") != std::string_view::npos ||
                  (head.find("\"eventSource\"") != std::string_view::npos &&
                   head.find("\"eventName\"") != std::string_view::npos);
    bool records = head.find("\"Records\"") != std::string_view::npos;
    bool via = head.find("via CloudTrail\"") != std::string_view::npos;
    bool in_path = path.find("CloudTrail") != std::string_view::npos || path.find("cloudtrail") != std::string_view::npos;
    if (fields && (records || in_path)) return 95;
    if (via) return 90;
    if (fields) return 85;
    if (in_path && (records || head.empty())) return 60;
    return 0;
  }
  std::unique_ptr<FileParser> NewParser(const FileInfo& info, const IngestOptions& options) const override {
    (void)info;
    (void)options;
    return std::make_unique<CloudTrailParser>();
  }
};

}  // namespace

std::unique_ptr<Ingestor> NewCloudTrailIngestor() { return std::make_unique<CloudTrailIngestor>(); }

}  // namespace gumshoe::ingest
