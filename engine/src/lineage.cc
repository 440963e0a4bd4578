#include "gumshoe/lineage.h"

#include <algorithm>
#include <cstdio>
#include <deque>
#include <map>
#include <set>
#include <sstream>

#include "gumshoe/codec.h"
#include "gumshoe/edge_text.h"
#include "gumshoe/time_util.h"
#include "gumshoe/utf8.h"

namespace gumshoe {

// ---------------------------------------------------------------------------
// AwsIpRanges

void AwsIpRanges::Add(AwsIpRange range) { ranges_.push_back(std::move(range)); }

const AwsIpRange* AwsIpRanges::Lookup(const IpAddress& ip) const {
  const AwsIpRange* best = nullptr;
  for (const AwsIpRange& r : ranges_) {
    if (r.prefix.base.v6 != ip.v6 || !r.prefix.Contains(ip)) continue;
    if (best == nullptr || r.prefix.length > best->prefix.length ||
        (r.prefix.length == best->prefix.length && best->service == "AMAZON" && r.service != "AMAZON"))
      best = &r;
  }
  return best;
}

std::vector<std::string> AwsIpRanges::EncodeChunks() const {
  std::vector<std::string> chunks;
  const std::string header = "sync " + sync_token + "\n";
  std::string cur = header;
  for (const AwsIpRange& r : ranges_) {
    std::string line = r.prefix.ToString() + " " + r.service + " " + r.region + " " + r.border_group + "\n";
    if (cur.size() + line.size() > kMaxAttrValueBytes) {
      chunks.push_back(std::move(cur));
      cur = header;
    }
    cur += line;
  }
  if (cur.size() > header.size() || chunks.empty()) chunks.push_back(std::move(cur));
  return chunks;
}

Result<std::optional<AwsIpRanges>> AwsIpRanges::Load(const GraphReader& reader) {
  GUMSHOE_ASSIGN_OR_RETURN(std::optional<Entity> e, reader.Find(EntityRef{kEntityKind, std::string(kEntityKey)}));
  if (!e) return std::optional<AwsIpRanges>();
  const std::string* token = e->Attr(kAttrSyncToken);
  const std::string* count_text = e->Attr(kAttrChunks);
  if (token == nullptr || count_text == nullptr) return std::optional<AwsIpRanges>();
  AwsIpRanges out;
  out.sync_token = *token;
  if (const std::string* cd = e->Attr(kAttrCreateDate)) out.create_date = *cd;
  size_t count = std::strtoul(count_text->c_str(), nullptr, 10);
  const std::string header = "sync " + *token + "\n";
  char name[48];
  for (size_t i = 0; i < count && i < 100000; ++i) {
    std::snprintf(name, sizeof(name), "%s%05zu", std::string(kAttrChunkPrefix).c_str(), i);
    const std::string* chunk = e->Attr(name);
    if (chunk == nullptr || chunk->compare(0, header.size(), header) != 0) continue;
    std::string_view rest(*chunk);
    rest.remove_prefix(header.size());
    while (!rest.empty() && out.size() < kMaxRanges) {
      size_t nl = rest.find('\n');
      std::string_view line = rest.substr(0, nl);
      rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
      std::string_view f[4];
      for (int k = 0; k < 4; ++k) {
        size_t sp = line.find(' ');
        f[k] = line.substr(0, sp);
        line = sp == std::string_view::npos ? std::string_view{} : line.substr(sp + 1);
      }
      auto prefix = ParsePrefix(f[0]);
      if (!prefix) continue;
      out.Add(AwsIpRange{*prefix, std::string(f[1]), std::string(f[2]), std::string(f[3])});
    }
  }
  return std::optional<AwsIpRanges>(std::move(out));
}

bool AnnotateAwsIp(const AwsIpRanges& ranges, Entity& ip_entity) {
  if (ip_entity.kind != EntityKind::kIpAddress) return false;
  auto ip = ParseIp(ip_entity.key);
  if (!ip) return false;
  const AwsIpRange* r = ranges.Lookup(*ip);
  if (r == nullptr) return false;
  ip_entity.attrs["aws_service"] = AttrValue{r->service, kNoTime};
  ip_entity.attrs["aws_region"] = AttrValue{r->region, kNoTime};
  ip_entity.attrs["aws_prefix"] = AttrValue{r->prefix.ToString(), kNoTime};
  ip_entity.tags.insert("aws");
  return true;
}

// ---------------------------------------------------------------------------
// Lineage

std::string_view LineageRootName(LineageRoot root) {
  switch (root) {
    case LineageRoot::kNone: return "none";
    case LineageRoot::kIamUserKey: return "iam_user_long_term_key";
    case LineageRoot::kRootAccount: return "root_account";
    case LineageRoot::kIdentityProvider: return "identity_provider";
    case LineageRoot::kAwsService: return "aws_service";
    case LineageRoot::kOtherAccount: return "other_account";
    case LineageRoot::kOriginNotObserved: return "origin_not_observed";
    case LineageRoot::kCycle: return "cycle";
    case LineageRoot::kDepthLimit: return "depth_limit";
    case LineageRoot::kConsoleLogin: return "console_login";
  }
  return "unknown";
}

namespace {

struct Candidate {
  EntityRef other;
  EdgeKind kind;
  bool other_is_src;  // stored edge is other -kind-> node
  EdgeStats stats;
  std::optional<EntityRef> via;  // stored edge is *via -kind-> other (a key's owner made it)
  std::string note;
};

// Whether the edge has an observation at `t`: within its first-last seen and
// in an hour it has observations in (when it keeps hourly buckets).
bool ActiveAt(const EdgeStats& s, Timestamp t) {
  if (t == kNoTime || s.first_seen == kNoTime || t < s.first_seen || t > s.last_seen) return false;
  if (s.hourly.empty()) return true;
  std::optional<uint32_t> h = HourOf(t);
  return h && s.hourly.count(*h) != 0;
}

// Seconds between a console session's creationDate and its ConsoleLogin.
constexpr Timestamp kConsoleLoginSkew = 300;
// A console session lasts at most 12 hours.
constexpr Timestamp kConsoleSessionMax = 12 * 3600;

std::string_view ArnAccountOf(std::string_view arn) {
  if (arn.substr(0, 4) != "arn:") return {};
  size_t pos = 0;
  for (int i = 0; i < 4; ++i) {
    pos = arn.find(':', pos);
    if (pos == std::string_view::npos) return {};
    ++pos;
  }
  size_t end = arn.find(':', pos);
  return end == std::string_view::npos ? std::string_view{} : arn.substr(pos, end - pos);
}

bool IsLongTermKey(std::string_view key) { return key.substr(0, 4) == "AKIA"; }

std::string SourceFromCounters(const EdgeStats& s) {
  for (const auto& [name, v] : s.counters) {
    if (name.rfind("src_ip:", 0) == 0) return name.substr(7);
  }
  for (const auto& [name, v] : s.counters) {
    if (name.rfind("src_service:", 0) == 0) return name.substr(12);
  }
  return {};
}

class Walker {
 public:
  Walker(const GraphReader& reader, const LineageOptions& options) : r_(reader), opt_(options) {}

  Result<LineageResult> Run(const EntityRef& start);

 private:
  Status Edges(const EntityRef& ref, Direction dir, EdgeKind kind, std::vector<Candidate>& out) {
    EntityId id = r_.IdOf(ref.kind, ref.key);
    return r_.ScanEdges(id, dir, kind, [&](const Edge& e) {
      if (IsAttempt(e.stats)) return true;  // a failed CreateUser created no one (edge_text.h)
      EntityId other = dir == Direction::kOut ? e.dst : e.src;
      auto ent = r_.GetEntity(other);
      if (!ent.ok() || !ent->has_value()) return true;
      out.push_back(Candidate{EntityRef{(*ent)->kind, (*ent)->key}, e.kind, dir == Direction::kIn, e.stats});
      return out.size() < 100000;
    });
  }
  Result<std::vector<Candidate>> Parents(const Entity& e);
  Result<std::vector<Candidate>> Children(const Entity& e);
  // Forward mode: what the key's owner created or launched with calls signed
  // with the key (the time rule in lineage.h).
  Status KeyCreations(const Entity& key, std::vector<Candidate>& out);
  // The ConsoleLogin a temporary key came from, when it is a console session.
  Result<std::optional<ConsoleSignIn>> ConsoleSignInOf(const Entity& key, Timestamp earliest_use);
  Result<size_t> NodeFor(const EntityRef& ref, int depth, bool* created);
  Status Classify(LineageNode& node, const std::vector<size_t>& incoming);
  // First and last seen over the key's authenticated_with in-edges or the
  // principal's called_api out-edges.
  Result<std::pair<Timestamp, Timestamp>> UseSpan(const Entity& e);
  Result<Timestamp> EarliestUse(const Entity& e);
  Result<Timestamp> LastUse(const Entity& e);
  Result<std::string> AccountOf(const Entity& e);
  Status Flags();
  // Whether `to` can be reached from `from` along the links made so far.
  bool Reaches(size_t from, size_t to) const {
    std::vector<size_t> stack{from};
    std::set<size_t> visited;
    while (!stack.empty()) {
      size_t n = stack.back();
      stack.pop_back();
      if (n == to) return true;
      if (!visited.insert(n).second) continue;
      for (size_t l : res_.nodes[n].links) stack.push_back(res_.links[l].to);
    }
    return false;
  }

  const GraphReader& r_;
  const LineageOptions& opt_;
  LineageResult res_;
  std::map<EntityRef, size_t> index_;
  std::optional<AwsIpRanges> ranges_;
};

Result<std::pair<Timestamp, Timestamp>> Walker::UseSpan(const Entity& e) {
  // Only first/last seen are needed: read the edges undecoded, without
  // fetching the other ends (a busy principal has thousands of API edges).
  std::pair<Timestamp, Timestamp> span{kNoTime, kNoTime};
  bool key = e.kind == EntityKind::kAccessKey;
  Status bad = Status::Ok();
  GUMSHOE_RETURN_IF_ERROR(r_.ScanRawEdges(
      r_.IdOf(e.kind, e.key), key ? Direction::kIn : Direction::kOut,
      {key ? EdgeKind::kAuthenticatedWith : EdgeKind::kCalledApi}, [&](const GraphReader::RawEdge& edge) {
        Result<EdgeStatsSummary> s = DecodeEdgeStatsSummary(edge.stats, TimeWindow{});
        if (!s.ok()) {
          bad = s.status();
          return false;
        }
        if (s->first_seen != kNoTime && (span.first == kNoTime || s->first_seen < span.first)) span.first = s->first_seen;
        if (s->last_seen != kNoTime && (span.second == kNoTime || s->last_seen > span.second)) span.second = s->last_seen;
        return true;
      }));
  GUMSHOE_RETURN_IF_ERROR(bad);
  return span;
}

Result<Timestamp> Walker::EarliestUse(const Entity& e) {
  GUMSHOE_ASSIGN_OR_RETURN(auto span, UseSpan(e));
  return span.first;
}

Result<Timestamp> Walker::LastUse(const Entity& e) {
  GUMSHOE_ASSIGN_OR_RETURN(auto span, UseSpan(e));
  return span.second;
}

Result<std::string> Walker::AccountOf(const Entity& e) {
  if (e.kind == EntityKind::kAccount) return e.key;
  std::string_view a = ArnAccountOf(e.key);
  if (!a.empty()) return std::string(a);
  std::vector<Candidate> c;
  GUMSHOE_RETURN_IF_ERROR(Edges(e.ref(), Direction::kOut, EdgeKind::kInAccount, c));
  if (!c.empty()) return c.front().other.key;
  if (e.kind == EntityKind::kAccessKey) {
    c.clear();
    GUMSHOE_RETURN_IF_ERROR(Edges(e.ref(), Direction::kOut, EdgeKind::kCredentialOf, c));
    for (const Candidate& x : c) {
      std::string_view owner = ArnAccountOf(x.other.key);
      if (!owner.empty()) return std::string(owner);
    }
  }
  return std::string();
}

Result<std::vector<Candidate>> Walker::Parents(const Entity& e) {
  std::vector<Candidate> out;
  const EntityRef ref = e.ref();
  switch (e.kind) {
    case EntityKind::kAccessKey: {
      GUMSHOE_RETURN_IF_ERROR(Edges(ref, Direction::kIn, EdgeKind::kMinted, out));
      GUMSHOE_RETURN_IF_ERROR(Edges(ref, Direction::kIn, EdgeKind::kCreated, out));
      std::vector<Candidate> owners;
      GUMSHOE_RETURN_IF_ERROR(Edges(ref, Direction::kOut, EdgeKind::kCredentialOf, owners));
      bool minted = !out.empty();
      for (Candidate& o : owners) {
        // A long-term key belongs to its user: the user is where trust comes from.
        // A temporary key with no observed minting continues through its owner;
        // a role session is always named (it leads to its role and, for an
        // instance profile, to the instance and its launcher).
        if (IsLongTermKey(e.key) || !minted || o.other.kind == EntityKind::kRoleSession) out.push_back(o);
      }
      break;
    }
    case EntityKind::kRoleSession:
      GUMSHOE_RETURN_IF_ERROR(Edges(ref, Direction::kIn, EdgeKind::kCredentialOf, out));
      GUMSHOE_RETURN_IF_ERROR(Edges(ref, Direction::kOut, EdgeKind::kSessionOnInstance, out));
      GUMSHOE_RETURN_IF_ERROR(Edges(ref, Direction::kOut, EdgeKind::kSessionOfFunction, out));
      GUMSHOE_RETURN_IF_ERROR(Edges(ref, Direction::kOut, EdgeKind::kFederatedBy, out));
      GUMSHOE_RETURN_IF_ERROR(Edges(ref, Direction::kOut, EdgeKind::kAssumedRole, out));
      break;
    case EntityKind::kFederatedUser:
      GUMSHOE_RETURN_IF_ERROR(Edges(ref, Direction::kIn, EdgeKind::kCredentialOf, out));
      GUMSHOE_RETURN_IF_ERROR(Edges(ref, Direction::kOut, EdgeKind::kFederatedBy, out));
      break;
    case EntityKind::kIamUser:
    case EntityKind::kIamRole:
    case EntityKind::kRdsInstance:
      GUMSHOE_RETURN_IF_ERROR(Edges(ref, Direction::kIn, EdgeKind::kCreated, out));
      break;
    case EntityKind::kEc2Instance:
      GUMSHOE_RETURN_IF_ERROR(Edges(ref, Direction::kIn, EdgeKind::kLaunched, out));
      break;
    case EntityKind::kLambdaFunction:
      // Whoever created the function or changed its code decides what its
      // execution-role sessions do (successful calls only: failures are
      // `attempted` edges).
      GUMSHOE_RETURN_IF_ERROR(Edges(ref, Direction::kIn, EdgeKind::kCreated, out));
      GUMSHOE_RETURN_IF_ERROR(Edges(ref, Direction::kIn, EdgeKind::kCodeChanged, out));
      break;
    default:
      break;  // accounts, services, providers: roots
  }
  return out;
}

Result<std::vector<Candidate>> Walker::Children(const Entity& e) {
  std::vector<Candidate> out;
  const EntityRef ref = e.ref();
  switch (e.kind) {
    case EntityKind::kAccessKey:
      GUMSHOE_RETURN_IF_ERROR(Edges(ref, Direction::kOut, EdgeKind::kMinted, out));
      if (!IsLongTermKey(e.key)) GUMSHOE_RETURN_IF_ERROR(Edges(ref, Direction::kOut, EdgeKind::kCredentialOf, out));
      GUMSHOE_RETURN_IF_ERROR(KeyCreations(e, out));
      break;
    case EntityKind::kIamRole:
      GUMSHOE_RETURN_IF_ERROR(Edges(ref, Direction::kIn, EdgeKind::kAssumedRole, out));
      break;
    case EntityKind::kEc2Instance:
      GUMSHOE_RETURN_IF_ERROR(Edges(ref, Direction::kIn, EdgeKind::kSessionOnInstance, out));
      break;
    case EntityKind::kLambdaFunction:
      GUMSHOE_RETURN_IF_ERROR(Edges(ref, Direction::kIn, EdgeKind::kSessionOfFunction, out));
      break;
    case EntityKind::kIdentityProvider:
      GUMSHOE_RETURN_IF_ERROR(Edges(ref, Direction::kIn, EdgeKind::kFederatedBy, out));
      break;
    default:
      // Principals, sessions, services, accounts: their keys, and what they
      // created, launched or minted directly.
      GUMSHOE_RETURN_IF_ERROR(Edges(ref, Direction::kIn, EdgeKind::kCredentialOf, out));
      GUMSHOE_RETURN_IF_ERROR(Edges(ref, Direction::kOut, EdgeKind::kCreated, out));
      GUMSHOE_RETURN_IF_ERROR(Edges(ref, Direction::kOut, EdgeKind::kLaunched, out));
      GUMSHOE_RETURN_IF_ERROR(Edges(ref, Direction::kOut, EdgeKind::kMinted, out));
      break;
  }
  // Only credentials and identities are descendants (not buckets or DBs).
  std::erase_if(out, [](const Candidate& c) {
    return c.other.kind == EntityKind::kRdsInstance || c.other.kind == EntityKind::kS3Bucket;
  });
  return out;
}

Status Walker::KeyCreations(const Entity& key, std::vector<Candidate>& out) {
  std::vector<Candidate> owners;
  GUMSHOE_RETURN_IF_ERROR(Edges(key.ref(), Direction::kOut, EdgeKind::kCredentialOf, owners));
  for (const Candidate& owner : owners) {
    // The owner's keys and when each signed its calls.
    std::vector<Candidate> uses;
    GUMSHOE_RETURN_IF_ERROR(Edges(owner.other, Direction::kOut, EdgeKind::kAuthenticatedWith, uses));
    const Candidate* mine = nullptr;
    for (const Candidate& u : uses)
      if (u.other == key.ref()) mine = &u;
    if (mine == nullptr) continue;  // no call signed with it observed: no active time
    std::vector<Candidate> made;
    GUMSHOE_RETURN_IF_ERROR(Edges(owner.other, Direction::kOut, EdgeKind::kCreated, made));
    GUMSHOE_RETURN_IF_ERROR(Edges(owner.other, Direction::kOut, EdgeKind::kLaunched, made));
    const std::string owner_name = FormatRef(owner.other);
    for (Candidate& m : made) {
      if (m.stats.success == 0 || m.other == key.ref()) continue;  // attempts create nothing
      Timestamp at = kNoTime;
      for (Timestamp t : {m.stats.first_evidence.time, m.stats.last_evidence.time, m.stats.first_seen,
                          m.stats.last_seen}) {
        if (ActiveAt(mine->stats, t)) {
          at = t;
          break;
        }
      }
      if (at == kNoTime) continue;
      std::vector<const Candidate*> active;
      for (const Candidate& u : uses)
        if (ActiveAt(u.stats, at)) active.push_back(&u);
      std::string note;
      if (active.size() <= 1) {
        note = "signed with this key: the only key of " + owner_name + " in use at " + FormatTime(at);
      } else {
        // Several keys in use that hour: the creating call's source IP decides.
        std::set<std::string> ips;
        for (const auto& [name, v] : m.stats.counters)
          if (name.rfind("src_ip:", 0) == 0) ips.insert(name.substr(7));
        std::vector<const Candidate*> by_ip;
        for (const Candidate* a : active) {
          if (ips.empty()) break;
          std::vector<Candidate> from;
          GUMSHOE_RETURN_IF_ERROR(Edges(a->other, Direction::kOut, EdgeKind::kCalledFrom, from));
          for (const Candidate& f : from) {
            if (f.other.kind == EntityKind::kIpAddress && ips.count(f.other.key) && ActiveAt(f.stats, at)) {
              by_ip.push_back(a);
              break;
            }
          }
        }
        bool mine_by_ip = std::find(by_ip.begin(), by_ip.end(), mine) != by_ip.end();
        if (!by_ip.empty() && !mine_by_ip) continue;  // another key called from that IP
        if (by_ip.size() == 1) {
          note = "signed with this key: of the keys of " + owner_name + " in use at " + FormatTime(at) +
                 ", the only one calling from " + *ips.begin();
        } else {
          const std::vector<const Candidate*>& left = by_ip.empty() ? active : by_ip;
          std::vector<std::string> names;
          for (const Candidate* a : left) names.push_back(a->other.key);
          std::sort(names.begin(), names.end());
          note = "ambiguous: keys";
          for (size_t i = 0; i < names.size(); ++i) note += (i ? ", " : " ") + names[i];
          note += " of " + owner_name + " were all in use at " + FormatTime(at);
        }
      }
      m.via = owner.other;
      m.other_is_src = false;
      m.note = std::move(note);
      out.push_back(std::move(m));
    }
  }
  return Status::Ok();
}

Result<std::optional<ConsoleSignIn>> Walker::ConsoleSignInOf(const Entity& key, Timestamp earliest_use) {
  if (key.kind != EntityKind::kAccessKey || IsLongTermKey(key.key)) return std::optional<ConsoleSignIn>();
  std::vector<Candidate> minted;
  GUMSHOE_RETURN_IF_ERROR(Edges(key.ref(), Direction::kIn, EdgeKind::kMinted, minted));
  if (!minted.empty()) return std::optional<ConsoleSignIn>();  // GetSessionToken and the like
  std::vector<Candidate> owners;
  GUMSHOE_RETURN_IF_ERROR(Edges(key.ref(), Direction::kOut, EdgeKind::kCredentialOf, owners));
  const Candidate* user = nullptr;
  for (const Candidate& o : owners)
    if (o.other.kind == EntityKind::kIamUser && user == nullptr) user = &o;
  if (user == nullptr) return std::optional<ConsoleSignIn>();
  const std::string* flag = key.Attr("console_session");
  const bool flagged = flag != nullptr && *flag == "true";
  Timestamp created = kNoTime;
  if (const std::string* cd = key.Attr("session_created"))
    if (auto t = ParseIsoTime(*cd)) created = *t;

  // The user's successful sign-ins: the "login:" counters, else the edge's
  // evidence when every observation succeeded.
  std::vector<Candidate> edges;
  GUMSHOE_RETURN_IF_ERROR(Edges(user->other, Direction::kOut, EdgeKind::kConsoleLogin, edges));
  std::vector<ConsoleSignIn> logins;
  for (const Candidate& c : edges) {
    std::set<std::string> events;
    for (const auto& [name, n] : c.stats.counters) {
      if (name.rfind("login:", 0) != 0) continue;
      std::string_view rest = std::string_view(name).substr(6);
      std::string_view f[3];
      bool ok = true;
      for (int k = 0; k < 3 && ok; ++k) {
        size_t bar = rest.find('|');
        ok = bar != std::string_view::npos;
        if (ok) {
          f[k] = rest.substr(0, bar);
          rest.remove_prefix(bar + 1);
        }
      }
      auto t = ok ? ParseIsoTime(f[0]) : std::nullopt;
      if (!t) continue;
      ConsoleSignIn s;
      s.principal = user->other;
      s.time = *t;
      if (f[1] != "-") s.source_ip = std::string(f[1]);
      if (f[2] == "Yes") s.mfa = "yes";
      if (f[2] == "No") s.mfa = "no";
      if (rest != "-") s.event_id = std::string(rest);
      s.observed = true;
      events.insert(s.event_id);
      logins.push_back(std::move(s));
    }
    if (c.stats.failure != 0 || c.stats.success == 0) continue;
    for (const Evidence* ev : {&c.stats.first_evidence, &c.stats.last_evidence}) {
      if (ev->time == kNoTime || events.count(ev->ref)) continue;
      ConsoleSignIn s;
      s.principal = user->other;
      s.time = ev->time;
      s.event_id = ev->ref;
      s.observed = true;
      events.insert(ev->ref);
      logins.push_back(std::move(s));
    }
  }
  const ConsoleSignIn* best = nullptr;
  for (const ConsoleSignIn& s : logins) {
    if (created != kNoTime) {
      Timestamp d = s.time > created ? s.time - created : created - s.time;
      if (d > kConsoleLoginSkew) continue;
      if (best == nullptr || d < (best->time > created ? best->time - created : created - best->time)) best = &s;
    } else if (flagged && earliest_use != kNoTime) {
      if (s.time > earliest_use || earliest_use - s.time > kConsoleSessionMax) continue;
      if (best == nullptr || s.time > best->time) best = &s;
    }
  }
  if (best == nullptr && !flagged) return std::optional<ConsoleSignIn>();
  ConsoleSignIn out;
  if (best != nullptr) {
    out = *best;
  } else {
    out.principal = user->other;
    out.time = created;
  }
  if (out.mfa.empty())
    if (const std::string* m = key.Attr("mfa_authenticated")) out.mfa = *m == "true" ? "yes" : *m == "false" ? "no" : "";
  return std::optional<ConsoleSignIn>(std::move(out));
}

Result<size_t> Walker::NodeFor(const EntityRef& ref, int depth, bool* created) {
  *created = false;
  auto it = index_.find(ref);
  if (it != index_.end()) return it->second;
  GUMSHOE_ASSIGN_OR_RETURN(std::optional<Entity> e, r_.Find(ref));
  LineageNode node;
  node.entity = e ? *e : Entity{ref.kind, ref.key};
  node.depth = depth;
  GUMSHOE_ASSIGN_OR_RETURN(node.account, AccountOf(node.entity));
  GUMSHOE_ASSIGN_OR_RETURN(node.earliest_use, EarliestUse(node.entity));
  if (!opt_.descendants && node.entity.kind == EntityKind::kAccessKey) {
    GUMSHOE_ASSIGN_OR_RETURN(node.console_sign_in, ConsoleSignInOf(node.entity, node.earliest_use));
  }
  if (ranges_ && node.entity.kind == EntityKind::kIpAddress) AnnotateAwsIp(*ranges_, node.entity);
  res_.nodes.push_back(std::move(node));
  index_.emplace(ref, res_.nodes.size() - 1);
  *created = true;
  return res_.nodes.size() - 1;
}

Status Walker::Classify(LineageNode& node, const std::vector<size_t>& incoming) {
  const Entity& e = node.entity;
  auto earliest = [&] {
    return node.earliest_use == kNoTime ? std::string("no use seen")
                                        : "earliest use seen " + FormatTime(node.earliest_use);
  };
  switch (e.kind) {
    case EntityKind::kIdentityProvider:
      node.root = LineageRoot::kIdentityProvider;
      node.note = "SAML/OIDC identity provider";
      return Status::Ok();
    case EntityKind::kAwsService:
      node.root = LineageRoot::kAwsService;
      node.note = "AWS service " + e.key;
      return Status::Ok();
    case EntityKind::kAccount:
      node.root = LineageRoot::kOtherAccount;
      node.note = "principal of account " + e.key;
      if (const std::string* p = e.Attr("principal_id")) node.note += " (principal " + *p + ")";
      node.note += "; its origin is in that account's logs";
      return Status::Ok();
    case EntityKind::kIamUser: {
      const ConsoleSignIn* sign_in = nullptr;
      for (size_t l : incoming) {
        const LineageNode& child = res_.nodes[res_.links[l].from];
        if (res_.links[l].edge == EdgeKind::kCredentialOf && child.console_sign_in) sign_in = &*child.console_sign_in;
      }
      if (e.tags.count("root") != 0 || e.key.ends_with(":root")) {
        node.root = LineageRoot::kRootAccount;
        node.note = "root user of account " + node.account;
        if (sign_in != nullptr) node.note += "; " + sign_in->Describe();
        return Status::Ok();
      }
      if (sign_in != nullptr) {
        node.root = LineageRoot::kConsoleLogin;
        node.note = sign_in->Describe() + "; the user's creation was not observed";
        return Status::Ok();
      }
      std::vector<Candidate> keys;
      GUMSHOE_RETURN_IF_ERROR(Edges(e.ref(), Direction::kIn, EdgeKind::kCredentialOf, keys));
      std::string key_list;
      for (const Candidate& k : keys)
        if (IsLongTermKey(k.other.key)) key_list += (key_list.empty() ? "" : ", ") + k.other.key;
      bool via_key = false;
      for (size_t l : incoming)
        if (res_.links[l].edge == EdgeKind::kCredentialOf) via_key = true;
      if (!key_list.empty() || via_key) {
        node.root = LineageRoot::kIamUserKey;
        node.note = "IAM user with long-term key " + (key_list.empty() ? std::string("?") : key_list) +
                    "; its creation was not observed";
        return Status::Ok();
      }
      break;
    }
    case EntityKind::kRoleSession: {
      // Reached from a key whose minting was observed: the minting is where
      // the session came from, so the session is context, not a root.
      bool via_minted_key = false;
      for (size_t l : incoming) {
        const LineageLink& in = res_.links[l];
        if (in.edge != EdgeKind::kCredentialOf) continue;
        for (size_t other : res_.nodes[in.from].links)
          via_minted_key |= res_.links[other].edge == EdgeKind::kMinted;
      }
      if (via_minted_key) {
        node.note = "the session of the minted key";
        return Status::Ok();
      }
      break;
    }
    case EntityKind::kIamRole: {
      // The role a session is of: where the session's key came from is its
      // minting, so the role is context, not a root.
      bool as_session_role = !incoming.empty();
      for (size_t l : incoming) as_session_role &= res_.links[l].edge == EdgeKind::kAssumedRole;
      if (as_session_role) {
        node.note = "the role of the session; its creation was not observed";
        return Status::Ok();
      }
      break;
    }
    case EntityKind::kEc2Instance:
      node.root = LineageRoot::kOriginNotObserved;
      node.note = "instance profile of an instance whose launch was not observed; instance first seen " +
                  FormatTime(e.first_seen);
      return Status::Ok();
    case EntityKind::kLambdaFunction:
      node.root = LineageRoot::kOriginNotObserved;
      node.note = "Lambda function whose creation and code changes were not observed; function first seen " +
                  FormatTime(e.first_seen);
      return Status::Ok();
    default:
      break;
  }
  if (node.earliest_use == kNoTime) node.earliest_use = e.first_seen;
  node.root = LineageRoot::kOriginNotObserved;
  node.note = "origin not observed; " + earliest();
  return Status::Ok();
}

Status Walker::Flags() {
  // Instance-profile / service-role credentials used from outside AWS.
  std::set<EntityRef> sessions;
  for (const LineageNode& n : res_.nodes) {
    if (n.entity.kind == EntityKind::kRoleSession) sessions.insert(n.entity.ref());
    if (n.entity.kind == EntityKind::kAccessKey) {
      std::vector<Candidate> owners;
      GUMSHOE_RETURN_IF_ERROR(Edges(n.entity.ref(), Direction::kOut, EdgeKind::kCredentialOf, owners));
      for (const Candidate& o : owners)
        if (o.other.kind == EntityKind::kRoleSession) sessions.insert(o.other);
    }
  }
  for (const EntityRef& s : sessions) {
    std::vector<Candidate> inst, keys;
    GUMSHOE_RETURN_IF_ERROR(Edges(s, Direction::kOut, EdgeKind::kSessionOnInstance, inst));
    GUMSHOE_RETURN_IF_ERROR(Edges(s, Direction::kIn, EdgeKind::kCredentialOf, keys));
    std::string service;
    if (!inst.empty()) service = "instance profile of " + inst.front().other.key;
    for (const Candidate& k : keys) {
      if (!service.empty()) break;
      std::vector<Candidate> minters;
      GUMSHOE_RETURN_IF_ERROR(Edges(k.other, Direction::kIn, EdgeKind::kMinted, minters));
      for (const Candidate& m : minters)
        if (m.other.kind == EntityKind::kAwsService) service = "service role credentials minted by " + m.other.key;
    }
    if (service.empty()) continue;
    std::vector<Candidate> from;
    GUMSHOE_RETURN_IF_ERROR(Edges(s, Direction::kOut, EdgeKind::kCalledFrom, from));
    std::erase_if(from, [](const Candidate& c) { return c.other.kind != EntityKind::kIpAddress; });
    std::sort(from.begin(), from.end(),
              [](const Candidate& a, const Candidate& b) { return a.stats.first_seen < b.stats.first_seen; });
    for (size_t i = 0; i < from.size(); ++i) {
      const Candidate& c = from[i];
      auto ip = ParseIp(c.other.key);
      if (!ip) continue;
      LineageFlag f;
      f.entity = s;
      f.time = c.stats.first_seen;
      f.evidence = c.stats.first_evidence.ref;
      if (ranges_) {
        if (IsNonPublic(ClassifyIp(*ip)) || ranges_->Lookup(*ip) != nullptr) continue;
        f.kind = "used_outside_aws";
        f.detail = service + " used from " + c.other.key + ", outside AWS's published ranges (" +
                   std::to_string(c.stats.count) + " calls, first " + FormatTime(c.stats.first_seen) + ")";
      } else {
        if (i == 0 || c.other.key == from.front().other.key) continue;
        f.kind = "used_from_new_ip";
        f.detail = service + " used from " + c.other.key + ", not the IP of its first use " +
                   from.front().other.key + " (weaker evidence: AWS ip-ranges not ingested)";
      }
      res_.flags.push_back(std::move(f));
    }
  }
  // Credentials used after their creator was deleted or deactivated.
  if (!res_.descendants) {
    for (const LineageLink& l : res_.links) {
      const Entity& child = res_.nodes[l.from].entity;
      const Entity& parent = res_.nodes[l.to].entity;
      if (l.edge != EdgeKind::kMinted && l.edge != EdgeKind::kCreated) continue;
      std::vector<Candidate> del;
      GUMSHOE_RETURN_IF_ERROR(Edges(parent.ref(), Direction::kIn, EdgeKind::kDeleted, del));
      if (parent.kind == EntityKind::kAccessKey) {
        std::vector<Candidate> owners;
        GUMSHOE_RETURN_IF_ERROR(Edges(parent.ref(), Direction::kOut, EdgeKind::kCredentialOf, owners));
        for (const Candidate& o : owners)
          GUMSHOE_RETURN_IF_ERROR(Edges(o.other, Direction::kIn, EdgeKind::kDeleted, del));
      }
      Timestamp td = kNoTime;
      for (const Candidate& d : del)
        if (d.stats.success > 0 && (td == kNoTime || d.stats.first_seen < td)) td = d.stats.first_seen;
      if (td == kNoTime) continue;
      GUMSHOE_ASSIGN_OR_RETURN(Timestamp last, LastUse(child));
      if (last == kNoTime || last <= td) continue;
      LineageFlag f;
      f.kind = "used_after_creator_deleted";
      f.entity = child.ref();
      f.time = last;
      f.evidence = l.event_id;
      f.detail = FormatRef(child.ref()) + " used until " + FormatTime(last) + ", after its creator " +
                 FormatRef(parent.ref()) + " was deleted or deactivated at " + FormatTime(td);
      res_.flags.push_back(std::move(f));
    }
  }
  return Status::Ok();
}

Result<LineageResult> Walker::Run(const EntityRef& start) {
  GUMSHOE_ASSIGN_OR_RETURN(std::optional<Entity> first, r_.Find(start));
  if (!first) return Status::NotFound("no entity " + FormatRef(start));
  res_.start = start;
  res_.descendants = opt_.descendants;
  if (opt_.use_ip_ranges) {
    GUMSHOE_ASSIGN_OR_RETURN(ranges_, AwsIpRanges::Load(r_));
  }
  res_.ip_ranges_loaded = ranges_.has_value() && !ranges_->empty();
  res_.ip_ranges_note = res_.ip_ranges_loaded
                            ? "AWS ip-ranges " + ranges_->create_date + " (" + std::to_string(ranges_->size()) +
                                  " prefixes)"
                            : "AWS ip-ranges not ingested: exfiltration flags use the weaker "
                              "\"IP other than the first use\" heuristic";
  bool created = false;
  GUMSHOE_ASSIGN_OR_RETURN(size_t root_index, NodeFor(start, 0, &created));
  (void)root_index;
  std::deque<size_t> queue{0};
  std::map<size_t, std::vector<size_t>> incoming;  // node -> links that reached it
  while (!queue.empty()) {
    size_t ni = queue.front();
    queue.pop_front();
    Entity e = res_.nodes[ni].entity;
    int depth = res_.nodes[ni].depth;
    // Forward mode: the session or user a key belongs to is listed, not
    // walked: its other keys and what they made are not this key's.
    bool owner_only = opt_.descendants && ni != 0 && !incoming[ni].empty();
    for (size_t l : incoming[ni])
      owner_only = owner_only && res_.links[l].edge == EdgeKind::kCredentialOf &&
                   res_.nodes[res_.links[l].from].entity.kind == EntityKind::kAccessKey;
    std::vector<Candidate> cands;
    if (!owner_only) {
      GUMSHOE_ASSIGN_OR_RETURN(cands, opt_.descendants ? Children(e) : Parents(e));
    }
    // Nearest in time first: a parent shortly before the child's first use
    // beats one long before, and both beat one after it.
    Timestamp ref_time = res_.nodes[ni].earliest_use != kNoTime ? res_.nodes[ni].earliest_use : e.first_seen;
    auto score = [&](const Candidate& c) -> std::pair<int, int64_t> {
      Timestamp t = c.stats.first_seen;
      if (t == kNoTime || ref_time == kNoTime) return {2, 0};
      if (opt_.descendants) return {0, t};
      return t <= ref_time ? std::pair<int, int64_t>{0, ref_time - t} : std::pair<int, int64_t>{1, t - ref_time};
    };
    std::stable_sort(cands.begin(), cands.end(), [&](const Candidate& a, const Candidate& b) {
      auto sa = score(a), sb = score(b);
      if (sa != sb) return sa < sb;
      // Specific credentials before bare accounts (cross-account copies).
      return (a.other.kind == EntityKind::kAccount) < (b.other.kind == EntityKind::kAccount);
    });
    std::set<EntityRef> seen;
    size_t kept = 0;
    bool cycle = false;
    for (const Candidate& c : cands) {
      if (c.other == e.ref() || !seen.insert(c.other).second) continue;
      if (auto it = index_.find(c.other); it != index_.end() && Reaches(it->second, ni)) {
        // Linking back to an entity the walk came through would close a loop.
        // Going straight back the way we came is not a cycle, just the same edge.
        bool came_from = false;
        for (size_t l : incoming[ni]) came_from |= res_.links[l].from == it->second;
        if (!came_from) cycle = true;
        continue;
      }
      if (kept >= opt_.max_parents) {
        res_.truncated = true;
        break;
      }
      if (depth + 1 > opt_.max_depth || (index_.count(c.other) == 0 && res_.nodes.size() >= opt_.max_nodes)) {
        res_.nodes[ni].root = LineageRoot::kDepthLimit;
        res_.nodes[ni].note = "walk cut by the depth/size limit";
        res_.truncated = true;
        break;
      }
      ++kept;
      GUMSHOE_ASSIGN_OR_RETURN(size_t oi, NodeFor(c.other, depth + 1, &created));
      LineageLink link;
      link.from = ni;
      link.to = oi;
      link.edge = c.kind;
      link.edge_src = c.via ? *c.via : c.other_is_src ? c.other : e.ref();
      link.note = c.note;
      link.event_id = c.stats.first_evidence.ref;
      link.time = c.stats.first_seen;
      link.source_ip = SourceFromCounters(c.stats);
      const std::string& a = res_.nodes[ni].account;
      const std::string& b = res_.nodes[oi].account;
      link.cross_account = !a.empty() && !b.empty() && a != b;
      link.stats = c.stats;
      res_.links.push_back(std::move(link));
      res_.nodes[ni].links.push_back(res_.links.size() - 1);
      incoming[oi].push_back(res_.links.size() - 1);
      if (created) queue.push_back(oi);
    }
    // A session's role is context: a session whose only parent is its role
    // is still classified (its origin was not observed).
    bool no_parents = std::all_of(res_.nodes[ni].links.begin(), res_.nodes[ni].links.end(),
                                  [&](size_t l) { return res_.links[l].edge == EdgeKind::kAssumedRole; });
    if (no_parents && res_.nodes[ni].root == LineageRoot::kNone && !opt_.descendants) {
      if (cycle) {
        res_.nodes[ni].root = LineageRoot::kCycle;
        res_.nodes[ni].note = "parents already on the walk (cycle cut)";
      } else {
        GUMSHOE_RETURN_IF_ERROR(Classify(res_.nodes[ni], incoming[ni]));
      }
    }
  }
  GUMSHOE_RETURN_IF_ERROR(Flags());
  return std::move(res_);
}

std::string JsonEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      // DEL, C1, bidi and invisible code points (utf8.h's table) as \uXXXX.
      uint32_t cp = 0;
      size_t n = DecodeUtf8(s, i, &cp);
      if (n > 1 && IsUnsafeCodePoint(cp)) {
        char buf[8];
        std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned>(cp));
        out += buf;
        i += n - 1;
        continue;
      }
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

std::string Q(std::string_view s) { return "\"" + JsonEscape(s) + "\""; }
std::string QTime(Timestamp t) { return t == kNoTime ? "null" : Q(FormatTime(t)); }

}  // namespace

std::string ConsoleSignIn::Describe() const {
  std::string mfa_text = mfa == "yes" ? "MFA yes" : mfa == "no" ? "MFA no" : "MFA not recorded";
  if (!observed) {
    return "console session of " + FormatRef(principal) + " created " + FormatTime(time) + " (" + mfa_text +
           "); its ConsoleLogin was not observed";
  }
  std::string out = "ConsoleLogin of " + FormatRef(principal) + " at " + FormatTime(time);
  out += source_ip.empty() ? std::string(" (source IP not kept)") : " from " + source_ip;
  out += ", " + mfa_text;
  if (!event_id.empty()) out += " [event " + event_id + "]";
  return out;
}

std::vector<size_t> LineageResult::Roots() const {
  std::vector<size_t> out;
  for (size_t i = 0; i < nodes.size(); ++i)
    if (nodes[i].root != LineageRoot::kNone) out.push_back(i);
  return out;
}

Subgraph LineageResult::ToSubgraph() const {
  Subgraph g;
  g.title = std::string(descendants ? "Credentials descending from " : "Credential lineage of ") + FormatRef(start);
  std::set<EntityRef> flagged;
  for (const LineageFlag& f : flags) flagged.insert(f.entity);
  for (size_t i = 0; i < nodes.size(); ++i) {
    SubgraphNode n;
    n.entity = nodes[i].entity;
    n.hop = nodes[i].depth;
    n.emphasis = i == 0 ? Emphasis::kFocus
                        : (flagged.count(nodes[i].entity.ref()) ? Emphasis::kFlagged : Emphasis::kLineage);
    if (nodes[i].root != LineageRoot::kNone) n.note = "root: " + std::string(LineageRootName(nodes[i].root));
    g.nodes.push_back(std::move(n));
  }
  std::set<EntityRef> present;
  for (const SubgraphNode& n : g.nodes) present.insert(n.entity.ref());
  for (const LineageLink& l : links) {
    SubgraphEdge e;
    const EntityRef a = nodes[l.from].entity.ref();
    const EntityRef b = nodes[l.to].entity.ref();
    e.src = l.edge_src;
    e.dst = l.edge_src == a ? b : a;
    e.kind = l.edge;
    e.stats = l.stats;
    e.emphasis = Emphasis::kLineage;
    if (l.edge_src != a && l.edge_src != b) {
      // Made by the key's owner: draw the stored edges, owner -edge-> child
      // and owner -authenticated_with-> key.
      e.dst = b;
      if (present.insert(l.edge_src).second) {
        SubgraphNode owner;
        owner.entity = Entity{l.edge_src.kind, l.edge_src.key};
        owner.hop = nodes[l.from].depth;
        owner.emphasis = Emphasis::kLineage;
        g.nodes.push_back(std::move(owner));
      }
      SubgraphEdge signed_with;
      signed_with.src = l.edge_src;
      signed_with.dst = a;
      signed_with.kind = EdgeKind::kAuthenticatedWith;
      signed_with.emphasis = Emphasis::kLineage;
      bool dup = false;
      for (const SubgraphEdge& x : g.edges)
        dup = dup || (x.src == signed_with.src && x.dst == signed_with.dst && x.kind == signed_with.kind);
      if (!dup) g.edges.push_back(std::move(signed_with));
    }
    g.edges.push_back(std::move(e));
  }
  for (const LineageNode& n : nodes) {
    if (n.entity.first_seen != kNoTime && (g.window.since == kNoTime || n.entity.first_seen < g.window.since))
      g.window.since = n.entity.first_seen;
    if (n.entity.last_seen != kNoTime && (g.window.until == kNoTime || n.entity.last_seen > g.window.until))
      g.window.until = n.entity.last_seen;
  }
  return g;
}

std::string LineageResult::ToJson() const {
  std::ostringstream o;
  o << "{\"start\":" << Q(FormatRef(start)) << ",\"mode\":" << Q(descendants ? "descendants" : "ancestors")
    << ",\"ip_ranges_loaded\":" << (ip_ranges_loaded ? "true" : "false") << ",\"ip_ranges_note\":" << Q(ip_ranges_note)
    << ",\"truncated\":" << (truncated ? "true" : "false") << ",\"nodes\":[";
  for (size_t i = 0; i < nodes.size(); ++i) {
    const LineageNode& n = nodes[i];
    o << (i ? "," : "") << "{\"id\":" << i << ",\"kind\":" << Q(EntityKindName(n.entity.kind))
      << ",\"key\":" << Q(n.entity.key) << ",\"depth\":" << n.depth << ",\"account\":" << Q(n.account)
      << ",\"first_seen\":" << QTime(n.entity.first_seen) << ",\"earliest_use\":" << QTime(n.earliest_use)
      << ",\"root\":" << (n.root == LineageRoot::kNone ? "null" : Q(LineageRootName(n.root)))
      << ",\"note\":" << Q(n.note) << ",\"console_sign_in\":";
    if (n.console_sign_in) {
      const ConsoleSignIn& c = *n.console_sign_in;
      o << "{\"principal\":" << Q(FormatRef(c.principal)) << ",\"time\":" << QTime(c.time)
        << ",\"source_ip\":" << Q(c.source_ip) << ",\"mfa\":" << Q(c.mfa) << ",\"event\":" << Q(c.event_id)
        << ",\"observed\":" << (c.observed ? "true" : "false") << "}";
    } else {
      o << "null";
    }
    o << ",\"attrs\":{";
    bool first = true;
    for (const auto& [k, v] : n.entity.attrs) {
      if (k.rfind("ip_ranges.", 0) == 0) continue;
      o << (first ? "" : ",") << Q(k) << ":" << Q(v.value);
      first = false;
    }
    o << "},\"tags\":[";
    first = true;
    for (const std::string& t : n.entity.tags) {
      o << (first ? "" : ",") << Q(t);
      first = false;
    }
    o << "]}";
  }
  o << "],\"links\":[";
  for (size_t i = 0; i < links.size(); ++i) {
    const LineageLink& l = links[i];
    o << (i ? "," : "") << "{\"from\":" << l.from << ",\"to\":" << l.to << ",\"edge\":" << Q(EdgeKindName(l.edge))
      << ",\"edge_src\":" << Q(FormatRef(l.edge_src)) << ",\"event\":" << Q(l.event_id) << ",\"time\":" << QTime(l.time)
      << ",\"source_ip\":" << Q(l.source_ip) << ",\"cross_account\":" << (l.cross_account ? "true" : "false")
      << ",\"note\":" << Q(l.note) << "}";
  }
  o << "],\"roots\":[";
  std::vector<size_t> roots = Roots();
  for (size_t i = 0; i < roots.size(); ++i) o << (i ? "," : "") << roots[i];
  o << "],\"flags\":[";
  for (size_t i = 0; i < flags.size(); ++i) {
    const LineageFlag& f = flags[i];
    o << (i ? "," : "") << "{\"kind\":" << Q(f.kind) << ",\"entity\":" << Q(FormatRef(f.entity))
      << ",\"detail\":" << Q(f.detail) << ",\"evidence\":" << Q(f.evidence) << ",\"time\":" << QTime(f.time) << "}";
  }
  o << "]}";
  return o.str();
}

std::string LineageResult::ToTree(const std::function<std::string(std::string_view)>& escape) const {
  std::ostringstream o;
  o << (descendants ? "Descendants of " : "Lineage of ") << escape(FormatRef(start)) << "\n";
  std::vector<bool> printed(nodes.size(), false);
  std::function<void(size_t, const std::string&)> print = [&](size_t ni, const std::string& indent) {
    const LineageNode& n = nodes[ni];
    if (printed[ni]) return;
    printed[ni] = true;
    if (n.root != LineageRoot::kNone)
      o << indent << "  ROOT (" << LineageRootName(n.root) << "): " << escape(n.note) << "\n";
    if (n.console_sign_in) o << indent << "  CONSOLE SESSION: " << escape(n.console_sign_in->Describe()) << "\n";
    for (size_t k = 0; k < n.links.size(); ++k) {
      const LineageLink& l = links[n.links[k]];
      const LineageNode& other = nodes[l.to];
      bool forward_edge = l.edge_src == n.entity.ref();
      o << indent << (k + 1 == n.links.size() ? "└─ " : "├─ ")
        << (descendants ? "" : (forward_edge ? "" : "<- ")) << EdgeKindName(l.edge) << (forward_edge && !descendants ? " -> " : " ")
        << EntityKindName(other.entity.kind) << " " << escape(other.entity.key);
      o << "  [";
      bool sep = false;
      if (!l.event_id.empty()) {
        o << "event " << escape(l.event_id);
        sep = true;
      }
      if (l.time != kNoTime) {
        o << (sep ? ", " : "") << FormatTime(l.time);
        sep = true;
      }
      if (!l.source_ip.empty()) {
        o << (sep ? ", " : "") << "from " << escape(l.source_ip);
        sep = true;
      }
      if (l.cross_account) {
        // In the direction of the stored edge: the caller's account first.
        const LineageNode& from = forward_edge ? n : other;
        const LineageNode& to = forward_edge ? other : n;
        o << (sep ? ", " : "") << "cross-account " << escape(from.account) << "->" << escape(to.account);
      }
      o << "]";
      if (l.edge_src != n.entity.ref() && l.edge_src != other.entity.ref())
        o << " by " << EntityKindName(l.edge_src.kind) << " " << escape(l.edge_src.key) << " (" << escape(l.note) << ")";
      if (printed[l.to]) o << " (see above)";
      o << "\n";
      print(l.to, indent + (k + 1 == n.links.size() ? "   " : "│  "));
    }
  };
  print(0, "");
  if (!descendants) {
    o << "Roots:\n";
    for (size_t i : Roots())
      o << "  " << EntityKindName(nodes[i].entity.kind) << " " << escape(nodes[i].entity.key) << ": "
        << LineageRootName(nodes[i].root) << " - " << escape(nodes[i].note) << "\n";
  }
  o << "Exfiltration check: " << escape(ip_ranges_note) << "\n";
  if (!flags.empty()) {
    o << "Flags:\n";
    for (const LineageFlag& f : flags)
      o << "  ! " << f.kind << ": " << escape(f.detail) << (f.evidence.empty() ? "" : " [" + escape(f.evidence) + "]")
        << "\n";
  }
  if (truncated) o << "(truncated by limits)\n";
  return o.str();
}

Result<LineageResult> Lineage(const GraphReader& reader, const EntityRef& start, const LineageOptions& options) {
  Walker w(reader, options);
  return w.Run(start);
}

}  // namespace gumshoe
