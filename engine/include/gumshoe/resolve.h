// Resolving what a person types into a stored entity: the one function every
// command (and any embedding, such as a server) uses to turn "ci-deploy",
// "user/ci-deploy", "iam_user:ci-deploy", an ARN, an access key, an instance
// ID, an IP, a bucket, a domain or a finding-ID prefix into an EntityRef.
//
// Order of the search, cheapest first:
//  1. Exact keys: "kind:key" with a known kind name gives that kind only;
//     CandidateRefs() (normalize.h) lists the canonical keys the text may be,
//     each looked up with one point read. A stored key equal to what was typed
//     wins over everything below (type "kind:name" to reach another entity).
//  2. Names: a key matches when the text, compared ASCII-case-insensitively,
//     equals the key or the part of the key after one of its '/' or ':'
//     separators ("ci-deploy", "user/ci-deploy" and
//     "111122223333:user/ci-deploy" all name
//     arn:aws:iam::111122223333:user/ci-deploy; "admin/alice" names the
//     session arn:aws:sts::1:assumed-role/admin/alice). The keys of the kinds
//     a name can belong to (users and roles first, sessions last; only the
//     kind given, or the kind the text looks like: an ARN, key, IP ...) are
//     scanned, at most ResolveOptions::max_scan_per_kind keys per kind. A
//     finding ID is also
//     matched by a prefix of at least kMinFindingPrefix characters (a prefix
//     scan, not bounded by max_scan_per_kind).
//  3. Nothing found: the scanned keys nearest to the text (edit distance of
//     the key or one of its separator suffixes, at most about a third of the
//     text's length) are returned as suggestions.
//
// Thread-safety: a pure function of the reader; safe wherever the reader is.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "gumshoe/model.h"
#include "gumshoe/status.h"
#include "gumshoe/store.h"

namespace gumshoe {

inline constexpr size_t kMinFindingPrefix = 6;

struct ResolveOptions {
  // Only entities of this kind (a command's --kind). Default: any kind.
  std::optional<EntityKind> kind;
  // Keys read per kind by the name scan and the suggestions. Default: 200k.
  size_t max_scan_per_kind = 200000;
  // Most matches returned when the text is ambiguous. Default: 20.
  size_t max_matches = 20;
  // Most suggestions returned when nothing matches. Default: 3.
  size_t max_suggestions = 3;
};

struct ResolveResult {
  // One entry: resolved. Several: ambiguous, sorted by (kind, key), at most
  // max_matches (more_matches says whether there were more). None: not found.
  std::vector<EntityRef> matches;
  bool more_matches = false;
  // Only when matches is empty: the nearest stored keys, nearest first.
  std::vector<EntityRef> suggestions;
  // The kinds whose name scan stopped at max_scan_per_kind (a match or a
  // suggestion among the keys not read may have been missed).
  std::vector<EntityKind> scan_truncated;

  bool unique() const { return matches.size() == 1; }
};

// Resolves `text` against `reader`. Errors only when the store fails.
Result<ResolveResult> ResolveEntityText(const GraphReader& reader, std::string_view text,
                                        const ResolveOptions& options = {});

// Levenshtein distance of a and b, ASCII case folded; returns limit + 1 as
// soon as the distance is known to exceed `limit`.
size_t BoundedEditDistance(std::string_view a, std::string_view b, size_t limit);

}  // namespace gumshoe
