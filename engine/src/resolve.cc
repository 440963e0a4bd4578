#include "gumshoe/resolve.h"

#include <algorithm>
#include <set>
#include <string>
#include <tuple>

#include "gumshoe/normalize.h"

namespace gumshoe {
namespace {

// The kinds a bare name may belong to, those with few keys first (the scan of
// each is bounded; a store has far more sessions and domains than users).
constexpr EntityKind kNameKinds[] = {
    EntityKind::kIamUser,        EntityKind::kIamRole,      EntityKind::kFederatedUser,
    EntityKind::kIdentityProvider, EntityKind::kLambdaFunction, EntityKind::kEksCluster,
    EntityKind::kRdsInstance,    EntityKind::kDbUser,       EntityKind::kS3Bucket,
    EntityKind::kThreatList,     EntityKind::kAwsService,   EntityKind::kAccount,
    EntityKind::kApiCall,        EntityKind::kFinding,      EntityKind::kDomain,
    EntityKind::kRoleSession,
};

char Fold(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualFolded(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (Fold(a[i]) != Fold(b[i])) return false;
  return true;
}

bool IsSeparator(char c) { return c == '/' || c == ':'; }

// `name` equals the key, or the part of it after a '/' or ':' separator.
bool NameMatches(std::string_view key, std::string_view name) {
  if (name.empty() || name.size() > key.size()) return false;
  size_t start = key.size() - name.size();
  if (start != 0 && !IsSeparator(key[start - 1])) return false;
  return EqualFolded(key.substr(start), name);
}

struct Suggestion {
  size_t distance;
  EntityRef ref;
  bool operator<(const Suggestion& o) const { return std::tie(distance, ref) < std::tie(o.distance, o.ref); }
};

// Keeps the `max` nearest keys to `name`.
class Suggester {
 public:
  Suggester(std::string_view name, size_t max)
      : name_(name), max_(max), limit_(std::max<size_t>(1, (name.size() + 1) / 3)) {}

  void Offer(EntityKind kind, std::string_view key) {
    if (max_ == 0) return;
    size_t limit = best_.size() == max_ ? std::min(limit_, best_.rbegin()->distance) : limit_;
    size_t best = limit + 1;
    // The key itself and each part after a separator.
    for (size_t start = 0; start < key.size();) {
      std::string_view form = key.substr(start);
      size_t diff = form.size() > name_.size() ? form.size() - name_.size() : name_.size() - form.size();
      if (diff <= limit) best = std::min(best, BoundedEditDistance(form, name_, std::min(limit, best)));
      size_t next = key.find_first_of("/:", start);
      if (next == std::string_view::npos) break;
      start = next + 1;
    }
    if (best > limit) return;
    best_.insert(Suggestion{best, EntityRef{kind, std::string(key)}});
    if (best_.size() > max_) best_.erase(std::prev(best_.end()));
  }

  std::vector<EntityRef> Take() {
    std::vector<EntityRef> out;
    for (auto& s : best_) out.push_back(s.ref);
    return out;
  }

 private:
  std::string_view name_;
  size_t max_;
  size_t limit_;
  std::set<Suggestion> best_;
};

}  // namespace

size_t BoundedEditDistance(std::string_view a, std::string_view b, size_t limit) {
  if (a.size() < b.size()) std::swap(a, b);
  if (a.size() - b.size() > limit) return limit + 1;
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    size_t row_min = cur[0];
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = Fold(a[i - 1]) == Fold(b[j - 1]) ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      row_min = std::min(row_min, cur[j]);
    }
    if (row_min > limit) return limit + 1;
    std::swap(prev, cur);
  }
  return std::min(prev[b.size()], limit + 1);
}

Result<ResolveResult> ResolveEntityText(const GraphReader& reader, std::string_view text,
                                        const ResolveOptions& options) {
  ResolveResult result;
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  if (text.empty()) return result;

  // "kind:name" restricts the kind; the name is what follows.
  std::optional<EntityKind> kind = options.kind;
  std::string_view name = text;
  bool kind_conflict = false;
  if (size_t colon = text.find(':'); colon != std::string_view::npos) {
    if (auto prefixed = ParseEntityKind(text.substr(0, colon))) {
      if (kind && *kind != *prefixed) kind_conflict = true;
      kind = prefixed;
      name = text.substr(colon + 1);
    }
  }
  if (kind_conflict) return result;
  auto allowed = [&kind](EntityKind k) { return !kind || *kind == k; };

  std::set<EntityRef> found;
  auto add = [&found](EntityRef ref) { found.insert(std::move(ref)); };

  // 1. Exact keys, one point read each.
  std::vector<EntityRef> exact = CandidateRefs(text);
  if (kind && name.data() == text.data()) {
    // --kind without a prefix: the text as a key of that kind.
    if (auto key = NormalizeKey(*kind, name); key.ok()) exact.push_back(EntityRef{*kind, std::move(key).value()});
  }
  if (name.size() == 20 && (EqualFolded(name.substr(0, 4), "akia") || EqualFolded(name.substr(0, 4), "asia"))) {
    // An access key typed in lower case (GuessKind wants AKIA/ASIA).
    if (auto key = NormalizeKey(EntityKind::kAccessKey, name); key.ok())
      exact.push_back(EntityRef{EntityKind::kAccessKey, std::move(key).value()});
  }
  for (const EntityRef& ref : exact) {
    if (!allowed(ref.kind)) continue;
    auto e = reader.Find(ref);
    if (!e.ok()) return e.status();
    if (e->has_value()) add(ref);
  }

  Suggester suggester(name, options.max_suggestions);
  if (found.empty() && !name.empty()) {
    // 2. Names: the finding-ID prefix scan, then the bounded scan per kind.
    auto stop = [&] { return found.size() > options.max_matches; };
    if (allowed(EntityKind::kFinding) && name.size() >= kMinFindingPrefix &&
        name.find_first_of(": ") == std::string_view::npos) {
      std::string lower(name);
      for (char& c : lower) c = Fold(c);
      for (const std::string& prefix : {std::string(name), lower}) {
        GUMSHOE_RETURN_IF_ERROR(reader.ScanKeys(EntityKind::kFinding, prefix, [&](std::string_view k) {
          add(EntityRef{EntityKind::kFinding, std::string(k)});
          return !stop();
        }));
        if (lower == name) break;
      }
    }
    std::vector<EntityKind> kinds;
    if (kind) {
      kinds.push_back(*kind);
    } else if (auto guessed = GuessKind(text); guessed && *guessed != EntityKind::kAccount) {
      kinds.push_back(*guessed);  // an ARN, key, instance, IP typed with a slip: suggest its neighbours
    } else {
      kinds.assign(std::begin(kNameKinds), std::end(kNameKinds));
    }
    for (EntityKind k : kinds) {
      if (stop()) break;
      size_t scanned = 0;
      bool truncated = false;
      GUMSHOE_RETURN_IF_ERROR(reader.ScanKeys(k, "", [&](std::string_view key) {
        if (scanned++ >= options.max_scan_per_kind) {
          truncated = true;
          return false;
        }
        if (NameMatches(key, name)) {
          add(EntityRef{k, std::string(key)});
          return !stop();
        }
        if (found.empty()) suggester.Offer(k, key);
        return true;
      }));
      if (truncated) result.scan_truncated.push_back(k);
    }
  }

  for (const EntityRef& ref : found) {
    if (result.matches.size() == options.max_matches) {
      result.more_matches = true;
      break;
    }
    result.matches.push_back(ref);
  }
  if (result.matches.empty()) result.suggestions = suggester.Take();
  return result;
}

}  // namespace gumshoe
