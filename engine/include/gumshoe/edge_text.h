// What an edge says, in words, and when it is only an attempt: the one table
// every output (text, Markdown, HTML, DOT labels, summaries) reads, one row per
// EdgeKind (edge_text.cc, kEdgeText). A new edge kind adds one row; a test
// fails while a kind in kAllEdgeKinds has none.
//
// Sentences read in the stored direction, src -> dst, as model.h defines the
// edge: "ci-deploy created IAM user svc-backup" for ci-deploy -created->
// svc-backup, whichever end a walk started from.
//
// The attempt rule. An observation with an outcome (CloudTrail: errorCode
// present or not; DB logins, console logins, flows: failure or success) adds
// to EdgeStats::success or ::failure; facts recorded with outcome 0 (keys
// belong to sessions, entities to accounts) add to neither. An edge with at
// least one failure and no success is an attempt: it is shown and counted as
// an attempt ("tried to create ... (failed: AccessDenied)"), never as a
// change, launch, creation, read or login, and no traversal crosses it.
// Windows: EdgeStats keeps success and failure as totals over all time (the
// hourly buckets count observations, not outcomes), so the rule is applied
// to the totals: an edge that never succeeded is an attempt in every window;
// an edge that succeeded at least once is not an attempt in any window where
// it is active, even if the observations inside that window were the failed
// ones (the totals cannot tell them apart; the evidence cited names the
// observation). That errs toward showing a change the principal did make at
// some time over hiding one.
//
// Thread-safety: pure functions over constant tables.
#pragma once

#include <string>
#include <string_view>

#include "gumshoe/codec.h"
#include "gumshoe/model.h"

namespace gumshoe {

// One row of the table. Templates use {src} and {dst} (short names, see
// ShortName) and {src_kind} and {dst_kind} (EntityKindLabel).
struct EdgeText {
  EdgeKind kind;
  std::string_view sentence;  // "{src} created {dst_kind} {dst}"
  std::string_view attempt;   // "{src} tried to create {dst_kind} {dst}" (the failure note is appended)
  std::string_view label;     // short form for a DOT edge label, read along the arrow: "created"
  std::string_view attempt_label;  // "tried to create"
  std::string_view summary;   // participle for "3 EC2 instances launched"; empty: none
};

// The row of `kind`, or nullptr when the table has none (a test guards that).
const EdgeText* FindEdgeText(EdgeKind kind);

// The attempt rule above, on decoded or summarised stats.
bool IsAttempt(const EdgeStats& stats);
bool IsAttempt(const EdgeStatsSummary& stats);

// The error codes an attempt's observations carried (counters "error:<code>",
// most frequent first, at most 3): "AccessDenied", or "" when none recorded.
std::string AttemptErrors(const EdgeStats& stats);
// "denied" when every recorded error code is an authorization failure
// (AccessDenied*, UnauthorizedOperation, Client.UnauthorizedOperation,
// *NotAuthorized*), else "failed".
std::string_view AttemptVerdict(const EdgeStats& stats);

// The sentence for src -kind-> dst. With `stats` and IsAttempt(stats), the
// attempt form with " (failed: <codes>)" or " (denied: <codes>)" appended.
// Unescaped: callers escape for their output.
std::string EdgeSentence(const EntityRef& src, EdgeKind kind, const EntityRef& dst);
std::string EdgeSentence(const EntityRef& src, EdgeKind kind, const EntityRef& dst, const EdgeStats& stats);
// The short label (attempt label when IsAttempt(stats)).
std::string_view EdgeLabel(EdgeKind kind, const EdgeStats& stats);
// " launched", " created", ... for summaries ("" when the row has none).
std::string EdgeSummaryVerb(EdgeKind kind);

}  // namespace gumshoe
