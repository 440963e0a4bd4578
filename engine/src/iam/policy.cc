#include "gumshoe/iam/policy.h"

#include <algorithm>
#include <cctype>
#include <utility>
#include <vector>

namespace gumshoe::iam {
namespace {

constexpr size_t kMaxRefsPerResult = 4;

char Fold(char c, bool ci) { return ci ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : c; }

bool AnyMatch(const std::vector<std::string>& patterns, std::string_view text, bool ci) {
  for (const std::string& p : patterns)
    if (WildcardMatch(p, text, ci)) return true;
  return false;
}

// Whether a statement's Action and Resource elements cover the request.
bool Covers(const Statement& s, const Request& r) {
  bool action = AnyMatch(s.actions, r.action, /*ci=*/true);
  if (s.not_action) action = !action;
  if (!action) return false;
  if (!s.has_resource) return true;
  if (r.any_resource) {
    if (s.effect == Effect::kAllow) return true;
    return !s.not_resource && std::find(s.resources.begin(), s.resources.end(), "*") != s.resources.end();
  }
  if (r.set != Request::Set::kExact) {
    // Allow under kSome and Deny under kAll ask "may it touch the set?"; the
    // other two ask "does it cover all of it?". NotResource swaps the tests.
    const bool some = (s.effect == Effect::kAllow) == (r.set == Request::Set::kSome);
    bool hit = false;
    for (const std::string& p : s.resources) {
      const bool m = some != s.not_resource ? GlobOverlaps(p, r.resource) : GlobCovers(p, r.resource);
      if (m) {
        hit = true;
        break;
      }
    }
    return s.not_resource ? !hit : hit;
  }
  bool resource = AnyMatch(s.resources, r.resource, /*ci=*/false);
  return s.not_resource ? !resource : resource;
}

StatementRef RefOf(const Policy& p, const Statement& s) { return StatementRef{p.name, p.version_id, s.sid, s.index}; }

void AddKeys(std::vector<std::string>& into, const std::vector<std::string>& keys) {
  into.insert(into.end(), keys.begin(), keys.end());
}

void Unique(std::vector<std::string>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

void AddRef(std::vector<StatementRef>& into, StatementRef ref) {
  if (into.size() < kMaxRefsPerResult) into.push_back(std::move(ref));
}

// What the statements of one layer (identity, boundary, one SCP level) say.
struct Layer {
  bool allow = false;              // an unconditional Allow matches
  bool conditional_allow = false;  // only conditional Allows match
  bool deny = false;               // an unconditional Deny matches
  std::vector<std::string> allow_keys, deny_keys;
  std::vector<StatementRef> allowed_by, denied_by;

  void Add(const Policy& p, const Statement& s, bool covers) {
    if (!covers) return;
    const bool cond = !s.condition_keys.empty();
    if (s.effect == Effect::kDeny) {
      if (cond) {
        AddKeys(deny_keys, s.condition_keys);
      } else {
        deny = true;
      }
      AddRef(denied_by, RefOf(p, s));
    } else {
      if (cond) {
        conditional_allow = true;
        AddKeys(allow_keys, s.condition_keys);
      } else {
        allow = true;
      }
      AddRef(allowed_by, RefOf(p, s));
    }
  }
  void AddPolicy(const Policy& p, const Request& r) {
    for (const Statement& s : p.statements) Add(p, s, Covers(s, r));
  }
  bool allows() const { return allow || conditional_allow; }
};

// Folds layers that must all allow into one verdict.
EvalResult Combine(const std::vector<Layer>& layers) {
  EvalResult out;
  std::vector<std::string> keys;
  for (const Layer& l : layers) {
    for (const StatementRef& r : l.denied_by) AddRef(out.denied_by, r);
    if (l.deny) out.decision = Decision::kExplicitDeny;
  }
  if (out.decision == Decision::kExplicitDeny) return out;
  bool conditional = false;
  for (const Layer& l : layers) {
    if (!l.allows()) {
      out.decision = Decision::kImplicitDeny;
      out.allowed_by.clear();
      return out;
    }
    for (const StatementRef& r : l.allowed_by) AddRef(out.allowed_by, r);
    if (!l.allow) {
      conditional = true;
      AddKeys(keys, l.allow_keys);
    }
    if (!l.deny_keys.empty()) {
      conditional = true;
      AddKeys(keys, l.deny_keys);
    }
  }
  out.decision = conditional ? Decision::kConditional : Decision::kAllow;
  if (conditional) {
    Unique(keys);
    out.condition_keys = std::move(keys);
  }
  return out;
}

}  // namespace

std::string StatementRef::ToString() const {
  std::string s = policy;
  if (!version_id.empty()) s += " " + version_id;
  if (!sid.empty()) {
    s += " Sid " + sid;
  } else {
    s += " #" + std::to_string(index);
  }
  return s;
}

std::string_view DecisionName(Decision d) {
  switch (d) {
    case Decision::kImplicitDeny: return "implicit_deny";
    case Decision::kExplicitDeny: return "explicit_deny";
    case Decision::kConditional: return "conditional";
    case Decision::kAllow: return "allow";
  }
  return "unknown";
}

bool WildcardMatch(std::string_view pattern, std::string_view text, bool ci) {
  // Greedy matching with one backtrack point: linear for patterns with a
  // single '*', O(|p|*|t|) at worst, never exponential.
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || Fold(pattern[p], ci) == Fold(text[t], ci)) &&
        pattern[p] != '*') {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool GlobOverlaps(std::string_view p, std::string_view g) {
  // Reachability over pairs of positions (i in p, j in g) of the two patterns'
  // product automaton: O(|p| * |g|), bounded by kMaxPatternBytes each.
  const size_t w = g.size() + 1;
  std::vector<char> seen((p.size() + 1) * w, 0);
  std::vector<std::pair<size_t, size_t>> stack{{0, 0}};
  auto push = [&](size_t i, size_t j) {
    if (!seen[i * w + j]) {
      seen[i * w + j] = 1;
      stack.emplace_back(i, j);
    }
  };
  seen[0] = 1;
  while (!stack.empty()) {
    auto [i, j] = stack.back();
    stack.pop_back();
    if (i == p.size() && j == g.size()) return true;
    const bool ps = i < p.size() && p[i] == '*';
    const bool gs = j < g.size() && g[j] == '*';
    if (ps) {
      push(i + 1, j);                 // the star matches nothing more
      if (j < g.size()) push(i, j + 1);  // it absorbs the glob's next character (or star)
    }
    if (gs) {
      push(i, j + 1);
      if (i < p.size()) push(i + 1, j);
    }
    if (!ps && !gs && i < p.size() && j < g.size() &&
        (p[i] == '?' || g[j] == '?' || p[i] == g[j]))
      push(i + 1, j + 1);
  }
  return false;
}

bool GlobCovers(std::string_view p, std::string_view g) {
  // WildcardMatch with the glob as text, where a glob `*` is matched only by a
  // pattern `*` and a glob `?` only by `?` or `*`.
  size_t i = 0, j = 0, star = std::string_view::npos, mark = 0;
  auto one = [&](char pc, char gc) {
    if (gc == '*') return false;
    if (pc == '?') return true;
    return gc != '?' && pc == gc;
  };
  while (j < g.size()) {
    if (i < p.size() && p[i] != '*' && one(p[i], g[j])) {
      ++i;
      ++j;
    } else if (i < p.size() && p[i] == '*') {
      star = i++;
      mark = j;
    } else if (star != std::string_view::npos) {
      i = star + 1;
      j = ++mark;
    } else {
      return false;
    }
  }
  while (i < p.size() && p[i] == '*') ++i;
  return i == p.size();
}

EvalResult EvaluatePolicy(const Policy& policy, const Request& request) {
  Layer l;
  l.AddPolicy(policy, request);
  if (l.deny) {
    EvalResult r;
    r.decision = Decision::kExplicitDeny;
    r.denied_by = l.denied_by;
    return r;
  }
  return Combine({l});
}

EvalResult Evaluate(const PolicySet& set, const Request& request) {
  std::vector<Layer> layers;
  layers.emplace_back();
  for (const Policy* p : set.identity)
    if (p != nullptr) layers.back().AddPolicy(*p, request);
  if (set.boundary != nullptr) {
    layers.emplace_back();
    layers.back().AddPolicy(*set.boundary, request);
  }
  for (const auto& scp_layer : set.scp_layers) {
    layers.emplace_back();
    for (const Policy* p : scp_layer)
      if (p != nullptr) layers.back().AddPolicy(*p, request);
  }
  return Combine(layers);
}

namespace {

// How one Principal element names the caller.
TrustMatch MatchPrincipal(const PrincipalPattern& p, const Caller& c) {
  using T = PrincipalPattern::Type;
  if (p.type == T::kAny || (p.type == T::kAws && p.value == "*")) return TrustMatch::kAccount;
  if (c.service) return p.type == T::kService && p.value == c.arn ? TrustMatch::kDirect : TrustMatch::kNone;
  switch (p.type) {
    case T::kAws:
      if (p.value == c.arn) return TrustMatch::kDirect;
      if (!c.account.empty() && (p.value == c.account || p.value == "arn:aws:iam::" + c.account + ":root"))
        return TrustMatch::kAccount;
      return TrustMatch::kNone;
    case T::kFederated: return p.value == c.arn ? TrustMatch::kDirect : TrustMatch::kNone;
    default: return TrustMatch::kNone;
  }
}

TrustMatch MatchStatementPrincipal(const Statement& s, const Caller& c) {
  if (!s.has_principal) return TrustMatch::kNone;
  TrustMatch best = TrustMatch::kNone;
  for (const PrincipalPattern& p : s.principals) best = std::max(best, MatchPrincipal(p, c));
  if (s.not_principal) return best == TrustMatch::kNone ? TrustMatch::kAccount : TrustMatch::kNone;
  return best;
}

}  // namespace

TrustResult EvaluateTrust(const Policy& trust, const Caller& caller, std::string_view action,
                          std::string_view resource_arn, Request::Set set) {
  TrustResult out;
  Request req{std::string(action), std::string(resource_arn), false, set};
  Layer l;
  TrustMatch best = TrustMatch::kNone;
  TrustMatch best_unconditional = TrustMatch::kNone;
  for (const Statement& s : trust.statements) {
    if (!Covers(s, req)) continue;
    TrustMatch m = MatchStatementPrincipal(s, caller);
    if (m == TrustMatch::kNone) continue;
    l.Add(trust, s, true);
    if (s.effect == Effect::kAllow) {
      best = std::max(best, m);
      if (s.condition_keys.empty()) best_unconditional = std::max(best_unconditional, m);
    }
  }
  if (l.deny) {
    out.eval.decision = Decision::kExplicitDeny;
    out.eval.denied_by = l.denied_by;
    return out;
  }
  out.eval = Combine({l});
  if (out.eval.allowed()) out.match = best_unconditional != TrustMatch::kNone ? best_unconditional : best;
  return out;
}

}  // namespace gumshoe::iam
