#include "gumshoe/edge_text.h"

#include <algorithm>
#include <exception>
#include <vector>

#include "gumshoe/normalize.h"

namespace gumshoe {
namespace {

// One row per edge kind, in model.h order. Each sentence was checked against
// the model.h meaning of src -> dst (see edge_text_test.cc for an event per row).
constexpr EdgeText kEdgeText[] = {
    {EdgeKind::kAssumedRole, "{src} is a session of {dst_kind} {dst}", "{src} is a session of {dst_kind} {dst}",
     "session of", "session of", ""},
    {EdgeKind::kMinted, "{src} minted temporary {dst_kind} {dst}",
     "{src} tried to mint a temporary {dst_kind} {dst}", "minted", "tried to mint", " minted"},
    {EdgeKind::kAuthenticatedWith, "{src} signed calls with {dst_kind} {dst}",
     "{src} signed calls that all failed with {dst_kind} {dst}", "signed with", "signed failed calls with", ""},
    {EdgeKind::kCalledFrom, "{src} made calls from {dst_kind} {dst}",
     "{src} made calls that all failed from {dst_kind} {dst}", "called from", "failed calls from", ""},
    {EdgeKind::kUsedAgent, "{src} sent {dst_kind} {dst}", "{src} sent {dst_kind} {dst} on calls that all failed",
     "used agent", "used agent (failed calls)", ""},
    {EdgeKind::kCreated, "{src} created {dst_kind} {dst}", "{src} tried to create {dst_kind} {dst}", "created",
     "tried to create", " created"},
    {EdgeKind::kModified, "{src} changed the permissions or configuration of {dst_kind} {dst}",
     "{src} tried to change the permissions or configuration of {dst_kind} {dst}", "modified", "tried to modify",
     " modified"},
    {EdgeKind::kLaunched, "{src} launched {dst_kind} {dst}", "{src} tried to launch {dst_kind} {dst}", "launched",
     "tried to launch", " launched"},
    {EdgeKind::kInstanceProfileRole, "{src_kind} {src} runs with {dst_kind} {dst} (instance profile)",
     "{src_kind} {src} runs with {dst_kind} {dst} (instance profile)", "instance profile role",
     "instance profile role", ""},
    {EdgeKind::kRead, "{src} read from {dst_kind} {dst}", "{src} tried to read from {dst_kind} {dst}", "read",
     "tried to read", " read"},
    {EdgeKind::kWrote, "{src} wrote to or deleted from {dst_kind} {dst}",
     "{src} tried to write to or delete from {dst_kind} {dst}", "wrote", "tried to write", " written"},
    {EdgeKind::kNetworkFlow, "{src} opened connections to {dst_kind} {dst}",
     "{src} tried to connect to {dst_kind} {dst} (rejected)", "connected to", "rejected connection to",
     " contacted"},
    {EdgeKind::kQueried, "{src} looked up {dst_kind} {dst}", "{src} looked up {dst_kind} {dst} (lookup failed)",
     "queried", "failed lookup of", " resolved"},
    {EdgeKind::kResolvedTo, "{src_kind} {src} resolved to {dst_kind} {dst}",
     "{src_kind} {src} resolved to {dst_kind} {dst}", "resolved to", "resolved to", ""},
    {EdgeKind::kDbLogin, "{src} logged in as {dst_kind} {dst}", "{src} tried to log in as {dst_kind} {dst}",
     "logged in as", "tried to log in as", " logged into"},
    {EdgeKind::kDbUserOf, "{src_kind} {src} is a user of {dst_kind} {dst}",
     "{src_kind} {src} is a user of {dst_kind} {dst}", "user of", "user of", ""},
    {EdgeKind::kInvolves, "{src_kind} {src} names {dst_kind} {dst}", "{src_kind} {src} names {dst_kind} {dst}",
     "involves", "involves", ""},
    {EdgeKind::kInAccount, "{src_kind} {src} belongs to {dst_kind} {dst}",
     "{src_kind} {src} belongs to {dst_kind} {dst}", "in account", "in account", ""},
    {EdgeKind::kHasInterface, "{src_kind} {src} has {dst_kind} {dst}", "{src_kind} {src} has {dst_kind} {dst}",
     "has interface", "has interface", ""},
    {EdgeKind::kAssignedIp, "{src_kind} {src} holds {dst_kind} {dst}", "{src_kind} {src} holds {dst_kind} {dst}",
     "holds IP", "holds IP", ""},
    {EdgeKind::kCredentialOf, "{src_kind} {src} is a credential of {dst_kind} {dst}",
     "{src_kind} {src} is a credential of {dst_kind} {dst}",
     "credential of", "credential of", ""},
    {EdgeKind::kDeleted, "{src} deleted or deactivated {dst_kind} {dst}",
     "{src} tried to delete or deactivate {dst_kind} {dst}", "deleted", "tried to delete", " deleted"},
    {EdgeKind::kCalledApi, "{src} called {dst}", "{src} tried to call {dst}", "called", "tried to call", " called"},
    {EdgeKind::kListedIn, "{src_kind} {src} is listed in {dst_kind} {dst}",
     "{src_kind} {src} is listed in {dst_kind} {dst}", "listed in", "listed in", ""},
    {EdgeKind::kFederatedBy, "{src} was vouched for by {dst_kind} {dst}",
     "{src} was vouched for by {dst_kind} {dst}", "federated by", "federated by", ""},
    {EdgeKind::kDbAction, "{src} changed {dst_kind} {dst} with SQL statements",
     "{src} tried to change {dst_kind} {dst} with SQL statements", "changed", "tried to change", ""},
    {EdgeKind::kConsoleLogin, "{src} signed in to the console of {dst_kind} {dst}",
     "{src} tried to sign in to the console of {dst_kind} {dst}", "console login", "tried console login",
     " signed in to"},
    {EdgeKind::kSessionOnInstance, "{src} is the instance-profile session of {dst_kind} {dst}",
     "{src} is the instance-profile session of {dst_kind} {dst}", "session on", "session on", ""},
    {EdgeKind::kSameEvent, "{src_kind} {src} is the same event's counterpart of {dst_kind} {dst} in another account",
     "{src_kind} {src} is the same event's counterpart of {dst_kind} {dst} in another account", "same event",
     "same event", ""},
    // Resources (issue 22). Failed calls on these kinds are `attempted` edges,
    // so only that row's attempt form is reached in practice.
    {EdgeKind::kSharedWith, "{src_kind} {src} was shared with {dst_kind} {dst}",
     "{src_kind} {src} was shared with {dst_kind} {dst}", "shared with", "shared with", ""},
    {EdgeKind::kUnshared, "{src_kind} {src} stopped being shared with {dst_kind} {dst}",
     "{src_kind} {src} stopped being shared with {dst_kind} {dst}", "unshared from", "unshared from", ""},
    {EdgeKind::kOpenedTo, "{src_kind} {src} was given a rule allowing traffic with {dst_kind} {dst}",
     "{src_kind} {src} was given a rule allowing traffic with {dst_kind} {dst}", "opened to", "opened to", ""},
    {EdgeKind::kClosedTo, "{src_kind} {src} had its rule for {dst_kind} {dst} revoked",
     "{src_kind} {src} had its rule for {dst_kind} {dst} revoked", "closed to", "closed to", ""},
    {EdgeKind::kGuards, "{src_kind} {src} was attached to {dst_kind} {dst} at launch",
     "{src_kind} {src} was attached to {dst_kind} {dst} at launch", "guards", "guards", ""},
    {EdgeKind::kCodeChanged, "{src} changed the code or configuration of {dst_kind} {dst}",
     "{src} tried to change the code or configuration of {dst_kind} {dst}", "changed code of",
     "tried to change code of", " changed"},
    {EdgeKind::kInvoked, "{src} invoked {dst_kind} {dst}", "{src} tried to invoke {dst_kind} {dst}", "invoked",
     "tried to invoke", " invoked"},
    {EdgeKind::kRunsAs, "{src_kind} {src} runs as {dst_kind} {dst}", "{src_kind} {src} runs as {dst_kind} {dst}",
     "runs as", "runs as", ""},
    {EdgeKind::kUsedKey, "{src} used {dst_kind} {dst} to decrypt data or make data keys",
     "{src} tried to use {dst_kind} {dst}", "used key", "tried to use key", " used"},
    {EdgeKind::kGrantedTo, "{src_kind} {src} was granted for use by {dst_kind} {dst}",
     "{src_kind} {src} was granted for use by {dst_kind} {dst}", "granted to", "granted to", ""},
    {EdgeKind::kDisabled, "{src} stopped, deleted, disabled or narrowed {dst_kind} {dst}",
     "{src} tried to stop, delete, disable or narrow {dst_kind} {dst}", "disabled", "tried to disable",
     " disabled"},
    {EdgeKind::kEnabled, "{src} started {dst_kind} {dst} again", "{src} tried to start {dst_kind} {dst} again",
     "enabled", "tried to enable", " enabled"},
    {EdgeKind::kExecutedOn, "{src} reached {dst_kind} {dst} through SSM (a command or a session)",
     "{src} tried to reach {dst_kind} {dst} through SSM (a command or a session)", "ran on (SSM)",
     "tried to run on (SSM)", ""},
    {EdgeKind::kRan, "{src} started {dst_kind} {dst}", "{src} tried to start {dst_kind} {dst}", "ran",
     "tried to run", " started"},
    {EdgeKind::kPulled, "{src} pulled an image from {dst_kind} {dst}",
     "{src} tried to pull an image from {dst_kind} {dst}", "pulled from", "tried to pull from", ""},
    {EdgeKind::kPushed, "{src} pushed an image to {dst_kind} {dst}", "{src} tried to push an image to {dst_kind} {dst}",
     "pushed to", "tried to push to", ""},
    {EdgeKind::kAttempted, "{src} tried to act on {dst_kind} {dst}", "{src} tried to act on {dst_kind} {dst}",
     "tried", "tried", ""},
    {EdgeKind::kDescribed, "{src} looked at the metadata of {dst_kind} {dst}",
     "{src} tried to look at the metadata of {dst_kind} {dst}", "described", "tried to describe", ""},
    {EdgeKind::kPolicyAttached, "{dst_kind} {dst} was attached to or detached from {src_kind} {src}",
     "{dst_kind} {dst} was attached to or detached from {src_kind} {src}", "policy attached/detached",
     "policy attached/detached", ""},
    {EdgeKind::kSessionOfFunction, "{src} is the execution-role session of {dst_kind} {dst}",
     "{src} is the execution-role session of {dst_kind} {dst}", "session of function", "session of function", ""},
};

std::string SafeShort(const EntityRef& ref) {
  try {
    return ShortName(ref);
  } catch (const std::exception&) {
    return ref.key;
  }
}

std::string Fill(std::string_view tmpl, const EntityRef& src, const EntityRef& dst) {
  std::string out;
  out.reserve(tmpl.size() + src.key.size() + dst.key.size());
  for (size_t i = 0; i < tmpl.size();) {
    if (tmpl[i] == '{') {
      size_t close = tmpl.find('}', i);
      std::string_view name = tmpl.substr(i + 1, close - i - 1);
      if (name == "src") out += SafeShort(src);
      else if (name == "dst") out += SafeShort(dst);
      else if (name == "src_kind") out += EntityKindLabel(src.kind);
      else if (name == "dst_kind") out += EntityKindLabel(dst.kind);
      i = close + 1;
      continue;
    }
    out += tmpl[i++];
  }
  return out;
}

bool IsAuthorizationError(std::string_view code) {
  return code.find("AccessDenied") != std::string_view::npos || code.find("UnauthorizedOperation") != std::string_view::npos ||
         code.find("NotAuthorized") != std::string_view::npos || code.find("Unauthorized") != std::string_view::npos;
}

}  // namespace

const EdgeText* FindEdgeText(EdgeKind kind) {
  for (const EdgeText& t : kEdgeText)
    if (t.kind == kind) return &t;
  return nullptr;
}

bool IsAttempt(const EdgeStats& stats) { return stats.success == 0 && stats.failure > 0; }
bool IsAttempt(const EdgeStatsSummary& stats) { return stats.success == 0 && stats.failure > 0; }

std::string AttemptErrors(const EdgeStats& stats) {
  std::vector<std::pair<int64_t, std::string>> codes;
  for (const auto& [name, n] : stats.counters)
    if (name.rfind("error:", 0) == 0 && n > 0) codes.emplace_back(n, name.substr(6));
  std::sort(codes.begin(), codes.end(),
            [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
  std::string out;
  for (size_t i = 0; i < codes.size() && i < 3; ++i) out += (i ? ", " : "") + codes[i].second;
  if (codes.size() > 3) out += ", ...";
  return out;
}

std::string_view AttemptVerdict(const EdgeStats& stats) {
  bool any = false;
  for (const auto& [name, n] : stats.counters) {
    if (name.rfind("error:", 0) != 0 || n <= 0) continue;
    any = true;
    if (!IsAuthorizationError(std::string_view(name).substr(6))) return "failed";
  }
  return any ? "denied" : "failed";
}

std::string EdgeSentence(const EntityRef& src, EdgeKind kind, const EntityRef& dst) {
  const EdgeText* t = FindEdgeText(kind);
  if (t == nullptr) return Fill("{src_kind} {src} -> {dst_kind} {dst}", src, dst);
  return Fill(t->sentence, src, dst);
}

std::string EdgeSentence(const EntityRef& src, EdgeKind kind, const EntityRef& dst, const EdgeStats& stats) {
  if (!IsAttempt(stats)) return EdgeSentence(src, kind, dst);
  const EdgeText* t = FindEdgeText(kind);
  std::string out = Fill(t ? t->attempt : std::string_view("{src_kind} {src} -> {dst_kind} {dst}"), src, dst);
  std::string errors = AttemptErrors(stats);
  out += " (" + std::string(AttemptVerdict(stats)) + (errors.empty() ? "" : ": " + errors) + ")";
  return out;
}

std::string_view EdgeLabel(EdgeKind kind, const EdgeStats& stats) {
  const EdgeText* t = FindEdgeText(kind);
  if (t == nullptr) return EdgeKindName(kind);
  return IsAttempt(stats) ? t->attempt_label : t->label;
}

std::string EdgeSummaryVerb(EdgeKind kind) {
  const EdgeText* t = FindEdgeText(kind);
  return t ? std::string(t->summary) : std::string();
}

}  // namespace gumshoe
