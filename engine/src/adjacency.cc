#include "gumshoe/adjacency.h"

#include <algorithm>
#include <array>
#include <ctime>
#include <functional>
#include <map>
#include <tuple>
#include <memory>

#include "gumshoe/codec.h"
#include "gumshoe/scope.h"

namespace gumshoe {

// ------------------------------------------------------------------ build

class AdjacencyBuilder {
 public:
  static Result<AdjacencySnapshot> Run(const GraphReader& reader);
};

namespace {

struct TempEdge {
  uint32_t src = 0;
  uint32_t dst = 0;
  uint32_t bucket_begin = 0;
  uint32_t bucket_len = 0;
  Timestamp first_seen = kNoTime;
  uint64_t count = 0;
  uint8_t kind = 0;
  uint8_t flags = 0;
};

template <typename T>
size_t Bytes(const std::vector<T>& v) {
  return v.capacity() * sizeof(T);
}

}  // namespace

Result<AdjacencySnapshot> AdjacencyBuilder::Run(const GraphReader& reader) {
  AdjacencySnapshot s;
  s.rules_ = DefaultBlastRules();
  if (s.rules_.size() > 254) return Status::Internal("adjacency snapshot: more blast rules than a walk indexes");
  s.built_at_ = static_cast<Timestamp>(std::time(nullptr));
  std::array<bool, 256> walked{};
  for (const BlastRule& r : s.rules_) walked[static_cast<uint8_t>(r.kind)] = true;
  walked[static_cast<uint8_t>(EdgeKind::kHasInterface)] = true;
  walked[static_cast<uint8_t>(EdgeKind::kInvolves)] = true;

  // Entities, in scan order (provisional vertex = scan position).
  std::vector<EntityId> ids;
  std::vector<EntityKind> kinds;
  std::vector<uint64_t> key_begin{0};
  std::string keys;
  std::vector<Timestamp> first, last;
  GUMSHOE_RETURN_IF_ERROR(reader.ScanEntities(std::nullopt, [&](const Entity& e) {
    ids.push_back(reader.IdOf(e.kind, e.key));
    kinds.push_back(e.kind);
    keys.append(e.key);
    key_begin.push_back(keys.size());
    first.push_back(e.first_seen);
    last.push_back(e.last_seen);
    return true;
  }));
  const size_t stored_n = ids.size();
  if (stored_n > AdjacencySnapshot::kMaxEntities) return Status::LimitExceeded("adjacency snapshot: too many entities");
  if (keys.size() > AdjacencySnapshot::kMaxKeyBytes) return Status::LimitExceeded("adjacency snapshot: keys too long");
  std::vector<std::pair<EntityId, uint32_t>> by_id(stored_n);
  for (size_t i = 0; i < stored_n; ++i) by_id[i] = {ids[i], static_cast<uint32_t>(i)};
  if (!std::is_sorted(by_id.begin(), by_id.end())) std::sort(by_id.begin(), by_id.end());
  std::unordered_map<EntityId, uint32_t, EntityIdHash> extra;  // ids named only by an edge
  auto provisional = [&](const EntityId& id) -> uint32_t {
    auto it = std::lower_bound(by_id.begin(), by_id.end(), std::make_pair(id, uint32_t{0}));
    if (it != by_id.end() && it->first == id) return it->second;
    auto [x, added] = extra.try_emplace(id, static_cast<uint32_t>(stored_n + extra.size()));
    if (added) ids.push_back(id);
    return x->second;
  };

  // Edges of the walked kinds, with their buckets in scan order.
  std::vector<TempEdge> edges;
  std::vector<uint32_t> hours;
  std::vector<uint64_t> counts;
  Status limit = Status::Ok();
  GUMSHOE_RETURN_IF_ERROR(reader.ScanAllEdges([&](const Edge& e) {
    if (!walked[static_cast<uint8_t>(e.kind)]) return true;
    if (edges.size() >= AdjacencySnapshot::kMaxEdges || hours.size() + e.stats.hourly.size() > AdjacencySnapshot::kMaxBuckets ||
        stored_n + extra.size() + 2 > AdjacencySnapshot::kMaxEntities) {
      limit = Status::LimitExceeded("adjacency snapshot: too many edges, buckets or entities");
      return false;
    }
    TempEdge t;
    t.src = provisional(e.src);
    t.dst = provisional(e.dst);
    t.kind = static_cast<uint8_t>(e.kind);
    t.first_seen = e.stats.first_seen;
    t.count = e.stats.count;
    if (e.stats.success > 0) t.flags |= AdjacencySnapshot::kFlagSuccess;
    if (e.stats.failure > 0) t.flags |= AdjacencySnapshot::kFlagFailure;
    if (e.kind == EdgeKind::kInvolves) {
      auto it = e.stats.counters.find("foothold");
      if (it != e.stats.counters.end() && it->second > 0) t.flags |= AdjacencySnapshot::kFlagFoothold;
    }
    t.bucket_begin = static_cast<uint32_t>(hours.size());
    t.bucket_len = static_cast<uint32_t>(e.stats.hourly.size());
    for (const auto& [h, n] : e.stats.hourly) {
      hours.push_back(h);
      counts.push_back(n);
    }
    edges.push_back(t);
    return true;
  }));
  GUMSHOE_RETURN_IF_ERROR(limit);

  // Final vertex numbering: EntityId order.
  const size_t n = ids.size();
  std::vector<uint32_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = static_cast<uint32_t>(i);
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return ids[a] < ids[b]; });
  std::vector<uint32_t> new_of(n);
  for (size_t i = 0; i < n; ++i) new_of[order[i]] = static_cast<uint32_t>(i);

  s.ids_.resize(n);
  s.kind_.resize(n);
  s.stored_.resize(n);
  s.first_seen_.resize(n);
  s.last_seen_.resize(n);
  s.key_begin_.resize(n + 1);
  s.keys_.reserve(keys.size());
  for (size_t i = 0; i < n; ++i) {
    uint32_t old = order[i];
    s.ids_[i] = ids[old];
    s.key_begin_[i] = static_cast<uint32_t>(s.keys_.size());
    if (old < stored_n) {
      s.kind_[i] = kinds[old];
      s.stored_[i] = 1;
      s.first_seen_[i] = first[old];
      s.last_seen_[i] = last[old];
      s.keys_.append(keys, key_begin[old], key_begin[old + 1] - key_begin[old]);
    } else {
      s.kind_[i] = ids[old].kind;
      s.stored_[i] = 0;
      s.first_seen_[i] = kNoTime;
      s.last_seen_[i] = kNoTime;
    }
  }
  s.key_begin_[n] = static_cast<uint32_t>(s.keys_.size());
  s.built_entities_ = stored_n;
  std::string().swap(keys);
  std::vector<uint64_t>().swap(key_begin);
  std::vector<Timestamp>().swap(first);
  std::vector<Timestamp>().swap(last);
  std::vector<EntityKind>().swap(kinds);
  std::vector<std::pair<EntityId, uint32_t>>().swap(by_id);

  for (TempEdge& t : edges) {
    t.src = new_of[t.src];
    t.dst = new_of[t.dst];
  }
  auto edge_less = [](const TempEdge& a, const TempEdge& b) {
    if (a.src != b.src) return a.src < b.src;
    if (a.kind != b.kind) return a.kind < b.kind;
    return a.dst < b.dst;
  };
  if (!std::is_sorted(edges.begin(), edges.end(), edge_less)) std::sort(edges.begin(), edges.end(), edge_less);

  // Out rows.
  const size_t m = edges.size();
  s.out_begin_.assign(n + 1, 0);
  s.edges_.resize(m + 1);
  s.edge_count_.resize(m);
  s.buckets_.reserve(hours.size());
  for (size_t e = 0; e < m; ++e) {
    const TempEdge& t = edges[e];
    ++s.out_begin_[t.src + 1];
    AdjacencySnapshot::EdgeRec& rec = s.edges_[e];
    rec.nbr = t.dst;
    rec.kind = t.kind;
    rec.flags = t.flags;
    rec.first_seen = t.first_seen;
    rec.bucket_begin = static_cast<uint32_t>(s.buckets_.size());
    s.edge_count_[e] = t.count;
    for (uint32_t b = t.bucket_begin; b < t.bucket_begin + t.bucket_len; ++b) {
      if (counts[b] >= UINT32_MAX) s.big_counts_[static_cast<uint32_t>(s.buckets_.size())] = counts[b];
      s.buckets_.push_back({hours[b], static_cast<uint32_t>(std::min<uint64_t>(counts[b], UINT32_MAX))});
    }
  }
  s.edges_[m].bucket_begin = static_cast<uint32_t>(s.buckets_.size());
  for (size_t v = 0; v < n; ++v) s.out_begin_[v + 1] += s.out_begin_[v];
  std::vector<uint32_t>().swap(hours);
  std::vector<uint64_t>().swap(counts);

  // In rows, each ordered by (edge kind, source).
  s.in_begin_.assign(n + 1, 0);
  for (const TempEdge& t : edges) ++s.in_begin_[t.dst + 1];
  for (size_t v = 0; v < n; ++v) s.in_begin_[v + 1] += s.in_begin_[v];
  s.in_nbr_.resize(m);
  s.in_edge_.resize(m);
  {
    std::vector<uint32_t> cursor(s.in_begin_.begin(), s.in_begin_.end() - 1);
    for (size_t e = 0; e < m; ++e) {
      uint32_t pos = cursor[edges[e].dst]++;
      s.in_nbr_[pos] = edges[e].src;
      s.in_edge_[pos] = static_cast<uint32_t>(e);
    }
  }
  std::vector<TempEdge>().swap(edges);
  std::vector<std::pair<uint64_t, uint32_t>> row;
  for (size_t v = 0; v < n; ++v) {
    uint32_t b = s.in_begin_[v], end = s.in_begin_[v + 1];
    if (end - b < 2) continue;
    row.clear();
    // Filled in edge order (by source): a stable sort by kind gives (kind, source).
    for (uint32_t i = b; i < end; ++i) row.emplace_back((uint64_t{s.edges_[s.in_edge_[i]].kind} << 32) | s.in_nbr_[i], s.in_edge_[i]);
    if (std::is_sorted(row.begin(), row.end())) continue;
    std::sort(row.begin(), row.end());
    for (uint32_t i = b; i < end; ++i) {
      s.in_nbr_[i] = static_cast<uint32_t>(row[i - b].first);
      s.in_edge_[i] = row[i - b].second;
    }
  }

  // Name index: open addressing, at most half full.
  size_t slots = 16;
  while (slots < 2 * stored_n) slots *= 2;
  s.name_slots_.assign(slots, AdjacencySnapshot::kNone);
  for (size_t v = 0; v < n; ++v) {
    if (!s.stored_[v]) continue;
    size_t i = AdjacencySnapshot::NameHash(s.kind_[v], s.key(static_cast<uint32_t>(v))) & (slots - 1);
    while (s.name_slots_[i] != AdjacencySnapshot::kNone) i = (i + 1) & (slots - 1);
    s.name_slots_[i] = static_cast<uint32_t>(v);
  }
  return s;
}

Result<AdjacencySnapshot> AdjacencySnapshot::Build(const GraphReader& reader) { return AdjacencyBuilder::Run(reader); }

size_t AdjacencySnapshot::MemoryBytes() const {
  return Bytes(ids_) + Bytes(kind_) + Bytes(stored_) + Bytes(key_begin_) + keys_.capacity() + Bytes(first_seen_) +
         Bytes(last_seen_) + Bytes(name_slots_) + Bytes(out_begin_) + Bytes(edges_) + Bytes(edge_count_) +
         Bytes(buckets_) + big_counts_.size() * 32 + Bytes(in_begin_) + Bytes(in_nbr_) +
         Bytes(in_edge_);
}

size_t AdjacencySnapshot::NameHash(EntityKind kind, std::string_view key) {
  return std::hash<std::string_view>()(key) ^ (static_cast<size_t>(kind) * 0x9e3779b97f4a7c15ULL);
}

std::optional<uint32_t> AdjacencySnapshot::Find(const EntityRef& ref) const {
  if (name_slots_.empty()) return std::nullopt;
  const size_t mask = name_slots_.size() - 1;
  for (size_t i = NameHash(ref.kind, ref.key) & mask;; i = (i + 1) & mask) {
    uint32_t v = name_slots_[i];
    if (v == kNone) return std::nullopt;
    if (kind_[v] == ref.kind && key(v) == ref.key) return v;
  }
}

std::optional<uint32_t> AdjacencySnapshot::FindId(const EntityId& id) const {
  auto it = std::lower_bound(ids_.begin(), ids_.end(), id);
  if (it == ids_.end() || *it != id) return std::nullopt;
  return static_cast<uint32_t>(it - ids_.begin());
}

uint32_t AdjacencySnapshot::edge_src(uint32_t e) const {
  auto it = std::upper_bound(out_begin_.begin(), out_begin_.end(), e);
  return static_cast<uint32_t>(it - out_begin_.begin()) - 1;
}

uint64_t AdjacencySnapshot::BucketCount(uint32_t b) const {
  uint32_t c = buckets_[b].count;
  if (c != UINT32_MAX) return c;
  auto it = big_counts_.find(b);
  return it == big_counts_.end() ? c : it->second;
}

uint64_t AdjacencySnapshot::CountInWindow(uint32_t e, const TimeWindow& w) const {
  // The rule of EdgeStats::CountInWindow and DecodeEdgeStatsSummary.
  if (w.unbounded()) return edge_count_[e];
  const uint64_t lo = w.since == kNoTime ? 0 : static_cast<uint64_t>(std::max<Timestamp>(0, w.since) / 3600);
  const Bucket* b = buckets_.data() + edges_[e].bucket_begin;
  const Bucket* end = buckets_.data() + edges_[e + 1].bucket_begin;
  while (b != end && b->hour < lo) ++b;
  uint64_t n = 0;
  for (; b != end; ++b) {
    if (w.until != kNoTime && static_cast<Timestamp>(b->hour) * 3600 > w.until) break;
    n += b->count != UINT32_MAX ? b->count : BucketCount(static_cast<uint32_t>(b - buckets_.data()));
  }
  return n;
}

Timestamp AdjacencySnapshot::FirstActiveAtOrAfter(uint32_t e, Timestamp since) const {
  // The rule of EdgeStats::FirstActiveAtOrAfter.
  const Timestamp fs = edges_[e].first_seen;
  const Bucket* b = buckets_.data() + edges_[e].bucket_begin;
  const Bucket* end = buckets_.data() + edges_[e + 1].bucket_begin;
  if (b == end) return fs != kNoTime && (since == kNoTime || fs >= since) ? fs : kNoTime;
  if (since != kNoTime) {
    const uint32_t lo = static_cast<uint32_t>(std::max<Timestamp>(0, since) / 3600);
    while (b != end && b->hour < lo) ++b;
  }
  if (b == end) return kNoTime;
  Timestamp t = static_cast<Timestamp>(b->hour) * 3600;
  if (fs != kNoTime && fs > t) t = fs;
  if (since != kNoTime && t < since) t = since;
  return t;
}

// ------------------------------------------------------------------ walk

namespace adjacency_detail {

// Snapshot vertex -> walk vertex, open addressing (the walk touches few).
class VertexMap {
 public:
  VertexMap() : slots_(64, kEmpty) {}
  // The value of `key`, or AdjacencySnapshot::kNone.
  uint32_t Get(uint32_t key) const {
    for (size_t i = Hash(key) & (slots_.size() - 1);; i = (i + 1) & (slots_.size() - 1)) {
      uint64_t s = slots_[i];
      if (s == kEmpty) return AdjacencySnapshot::kNone;
      if (static_cast<uint32_t>(s >> 32) == key) return static_cast<uint32_t>(s);
    }
  }
  // Removes `keys` (every key put since the last Clear).
  void Clear(const std::vector<uint32_t>& keys) {
    if (keys.size() * 8 < slots_.size()) {
      for (uint32_t k : keys)
        for (size_t i = Hash(k) & (slots_.size() - 1);; i = (i + 1) & (slots_.size() - 1))
          if (static_cast<uint32_t>(slots_[i] >> 32) == k && slots_[i] != kEmpty) {
            slots_[i] = kEmpty;
            break;
          }
    } else {
      std::fill(slots_.begin(), slots_.end(), kEmpty);
    }
    size_ = 0;
  }
  void Put(uint32_t key, uint32_t value) {
    if ((size_ + 1) * 2 > slots_.size()) Grow();
    Insert(key, value);
    ++size_;
  }

 private:
  static constexpr uint64_t kEmpty = UINT64_MAX;
  static size_t Hash(uint32_t k) { return static_cast<size_t>((uint64_t{k} * 0x9e3779b97f4a7c15ULL) >> 20); }
  void Insert(uint32_t key, uint32_t value) {
    size_t i = Hash(key) & (slots_.size() - 1);
    while (slots_[i] != kEmpty) i = (i + 1) & (slots_.size() - 1);
    slots_[i] = (uint64_t{key} << 32) | value;
  }
  void Grow() {
    std::vector<uint64_t> old(slots_.size() * 2, kEmpty);
    old.swap(slots_);
    for (uint64_t s : old)
      if (s != kEmpty) Insert(static_cast<uint32_t>(s >> 32), static_cast<uint32_t>(s));
  }
  std::vector<uint64_t> slots_;
  size_t size_ = 0;
};

struct Loaded {
  uint32_t from = 0;
  uint32_t to = 0;
  uint32_t span_begin = 0;  // in spans_: the stored edges merged into this one
  uint32_t span_len = 0;
  uint32_t via = AdjacencySnapshot::kNone;
  EdgeKind kind = EdgeKind::kInvolves;
  bool stored_forward = true;
};

struct Hit {
  uint32_t rule = 0;  // index in applicable_
  uint32_t other = 0;
  uint64_t n = 0;
  uint32_t edge = 0;
  uint32_t via = AdjacencySnapshot::kNone;
};

struct Candidate {
  uint32_t rule = 0;
  uint32_t other = 0;
  uint64_t n = 0;
  uint32_t hit_begin = 0;
  uint32_t hit_len = 0;
  uint32_t via = AdjacencySnapshot::kNone;
};

// Which rules an entity of `kind` walks, and per direction the rule index
// + 1 of each edge kind (all of them, and those an ENI contributes).
struct RuleTable {
  std::vector<const BlastRule*> rules;
  bool any[2] = {false, false};
  bool any_network[2] = {false, false};
  std::array<uint8_t, 256> all[2]{};
  std::array<uint8_t, 256> network[2]{};
};

// The working memory of one walk, kept between walks by a BlastReachScratch.
struct WalkBuffers {
  std::vector<const BlastRule*> active;
  // The rule tables point into a snapshot's rules: they are kept while the
  // walks use the same rules (the same live array) and edge_kinds.
  const BlastRule* tables_rules = nullptr;
  size_t tables_rule_count = 0;
  std::vector<EdgeKind> tables_for;
  std::vector<std::pair<uint16_t, std::unique_ptr<RuleTable>>> tables;
  VertexMap map;
  std::vector<uint32_t> verts;  // walk vertex -> snapshot vertex
  std::vector<uint32_t> edge_begin, edge_end;  // per walk vertex: its loaded edges
  std::vector<Loaded> loaded;
  std::vector<uint32_t> spans;
  std::vector<uint32_t> enis;
  std::vector<Hit> hits;
  std::vector<Candidate> cands;
  std::vector<uint32_t> frontier, next, pred, queue;
  std::vector<Timestamp> arrival;
  std::vector<int> hop;

  // Empties every buffer, keeping its capacity.
  void Reset(const BlastRadiusOptions& o, const std::vector<BlastRule>& rules) {
    map.Clear(verts);
    verts.clear();
    edge_begin.clear();
    edge_end.clear();
    loaded.clear();
    spans.clear();
    active.clear();
    if (tables_rules != rules.data() || tables_rule_count != rules.size() || tables_for != o.edge_kinds) {
      tables.clear();
      tables_rules = rules.data();
      tables_rule_count = rules.size();
      tables_for = o.edge_kinds;
    }
  }
};

}  // namespace adjacency_detail

using adjacency_detail::Candidate;
using adjacency_detail::Hit;
using adjacency_detail::Loaded;
using adjacency_detail::RuleTable;
using adjacency_detail::VertexMap;
using adjacency_detail::WalkBuffers;

// BlastRadius phases 1 and 2 (see blast_radius.cc: Loader, ForwardInTime,
// TreeVisitor) on the snapshot. The load phase keeps the loader's vertex and
// edge order, so the breadth-first search visits edges in the same order and
// picks the same reaching edge.
class BlastReacher {
 public:
  BlastReacher(const AdjacencySnapshot& s, const BlastRadiusOptions& o, WalkBuffers& b)
      : s_(s), o_(o), b_(b), active_(b.active), tables_(b.tables), map_(b.map), verts_(b.verts),
        edge_begin_(b.edge_begin), edge_end_(b.edge_end), loaded_(b.loaded), spans_(b.spans), enis_(b.enis),
        hits_(b.hits), cands_(b.cands) {
    b.Reset(o, s.rules());
  }

  Result<BlastReach> Run(const EntityRef& start) {
    std::optional<uint32_t> sv = s_.Find(start);
    if (!sv) return Status::NotFound("no entity " + FormatRef(start));
    BlastReach out;
    out.window = Window(start.kind, *sv);
    w_ = out.window;
    Footholds(start.kind, *sv, out);
    ActiveRules();
    for (uint32_t f : out.footholds) {
      bool added = false;
      Vertex(f, &added);
    }
    nfoot_ = static_cast<uint32_t>(verts_.size());

    // Phase 1: load, level by level.
    std::vector<uint32_t>& frontier = b_.frontier;
    std::vector<uint32_t>& next = b_.next;
    frontier.resize(nfoot_);
    for (uint32_t i = 0; i < nfoot_; ++i) frontier[i] = i;
    for (int depth = 0; depth < o_.max_depth && !frontier.empty() && !truncated_; ++depth) {
      next.clear();
      for (uint32_t v : frontier) {
        Expand(v, next);
        if (truncated_) break;
      }
      frontier.swap(next);
    }

    // Phase 2: breadth-first, forward in time.
    const size_t n = verts_.size();
    std::vector<Timestamp>& arrival = b_.arrival;
    std::vector<int>& hop = b_.hop;
    std::vector<uint32_t>& pred = b_.pred;
    std::vector<uint32_t>& queue = b_.queue;
    arrival.assign(n, kNoTime);
    hop.assign(n, -1);
    pred.assign(n, AdjacencySnapshot::kNone);
    queue.clear();
    for (uint32_t v = 0; v < nfoot_; ++v) {
      Timestamp t = w_.since;
      Timestamp fs = s_.first_seen(verts_[v]);
      if (fs != kNoTime && (t == kNoTime || fs > t) && (w_.until == kNoTime || fs <= w_.until)) t = fs;
      arrival[v] = t;
      hop[v] = 0;
      queue.push_back(v);
    }
    for (size_t head = 0; head < queue.size(); ++head) {
      uint32_t u = queue[head];
      if (u >= edge_begin_.size()) continue;
      for (uint32_t i = edge_begin_[u]; i < edge_end_[u]; ++i) {
        const Loaded& le = loaded_[i];
        if (hop[le.to] >= 0) continue;
        Timestamp t = CrossTime(le, arrival[u]);
        if (t == kNoTime || (w_.until != kNoTime && t > w_.until)) continue;
        arrival[le.to] = t;
        hop[le.to] = hop[u] + 1;
        pred[le.to] = i;
        queue.push_back(le.to);
      }
    }
    out.entities.reserve(queue.size());
    for (uint32_t v : queue) {
      if (hop[v] > o_.max_depth) continue;
      BlastReachEntity r;
      r.entity = verts_[v];
      r.hop = hop[v];
      r.first_touch = arrival[v];
      r.foothold = hop[v] == 0;
      if (pred[v] != AdjacencySnapshot::kNone) {
        const Loaded& le = loaded_[pred[v]];
        r.parent = verts_[le.from];
        r.edge = le.kind;
        r.stored_forward = le.stored_forward;
        r.via = le.via;
        r.parent_edges_begin = static_cast<uint32_t>(out.parent_edges.size());
        r.parent_edges_len = le.span_len;
        out.parent_edges.insert(out.parent_edges.end(), spans_.begin() + le.span_begin,
                                spans_.begin() + le.span_begin + le.span_len);
      }
      out.entities.push_back(r);
    }
    out.cuts = std::move(cuts_);
    out.truncated = truncated_;
    return out;
  }

 private:

  TimeWindow Window(EntityKind kind, uint32_t v) const {
    // ScopeWindow: an instance's activity includes its first 64 ENIs'.
    Entity focus;
    focus.kind = kind;
    focus.first_seen = s_.first_seen(v);
    focus.last_seen = s_.last_seen(v);
    if (kind == EntityKind::kEc2Instance) {
      size_t seen = 0;
      for (uint32_t e = s_.out_begin(v); e < s_.out_begin(v + 1) && seen < 64; ++e) {
        if (s_.edge_kind(e) != EdgeKind::kHasInterface) continue;
        ++seen;
        uint32_t eni = s_.edge_dst(e);
        Timestamp ls = s_.last_seen(eni);
        if (s_.stored(eni) && ls != kNoTime && (focus.last_seen == kNoTime || ls > focus.last_seen)) focus.last_seen = ls;
      }
    }
    return BlastWindowFromScope(kind, ScopeWindowFor(focus, o_.window, o_.scope), o_);
  }

  void Footholds(EntityKind kind, uint32_t v, BlastReach& out) const {
    std::vector<uint32_t>& footholds = out.footholds;
    if (kind == EntityKind::kFinding) {
      // FindingFootholds.
      std::vector<uint32_t> flagged, fallback;
      for (uint32_t e = s_.out_begin(v); e < s_.out_begin(v + 1); ++e) {
        if (s_.edge_kind(e) != EdgeKind::kInvolves) continue;
        uint32_t d = s_.edge_dst(e);
        if (s_.edge_foothold(e)) flagged.push_back(d);
        if (IsFallbackFootholdKind(s_.kind(d))) fallback.push_back(d);
      }
      out.footholds_marked = !flagged.empty();
      for (uint32_t d : flagged.empty() ? fallback : flagged)
        if (s_.stored(d)) footholds.push_back(d);
      std::sort(footholds.begin(), footholds.end(), [&](uint32_t a, uint32_t b) {
        if (s_.kind(a) != s_.kind(b)) return s_.kind(a) < s_.kind(b);
        return s_.key(a) < s_.key(b);
      });
    } else {
      footholds.push_back(v);
    }
    if (!o_.include_launchers) return;
    std::vector<uint32_t> launchers;
    for (size_t fi = 0; fi < footholds.size(); ++fi) {
      uint32_t f = footholds[fi];
      if (s_.kind(f) != EntityKind::kEc2Instance) continue;
      std::vector<uint32_t> srcs;
      for (uint32_t i = s_.in_begin(f); i < s_.in_begin(f + 1) && srcs.size() < 16; ++i) {
        uint32_t e = s_.in_edge(i);
        if (s_.edge_kind(e) != EdgeKind::kLaunched) continue;
        if (s_.CountInWindow(e, w_) > 0 && !s_.edge_attempt(e)) srcs.push_back(s_.in_src(i));
      }
      for (uint32_t l : srcs)
        if (s_.stored(l) && std::find(footholds.begin(), footholds.end(), l) == footholds.end() &&
            std::find(launchers.begin(), launchers.end(), l) == launchers.end())
          launchers.push_back(l);
    }
    footholds.insert(footholds.end(), launchers.begin(), launchers.end());
    out.launcher_footholds = launchers.size();
  }

  const RuleTable& TableFor(EntityKind kind, bool foothold) {
    const uint16_t key = static_cast<uint16_t>(static_cast<uint8_t>(kind) | (foothold ? 0x100 : 0));
    for (const auto& [k, table] : tables_)
      if (k == key) return *table;
    tables_.emplace_back(key, std::make_unique<RuleTable>());
    RuleTable& t = *tables_.back().second;
    for (const BlastRule* r : active_) {
      if (!r->from_kinds.empty() && std::find(r->from_kinds.begin(), r->from_kinds.end(), kind) == r->from_kinds.end() &&
          !(foothold && r->kind == EdgeKind::kNetworkFlow && kind == EntityKind::kIpAddress))
        continue;
      t.rules.push_back(r);
    }
    for (size_t i = 0; i < t.rules.size(); ++i) {
      const BlastRule* r = t.rules[i];
      const size_t d = static_cast<size_t>(r->dir);
      t.all[d][static_cast<uint8_t>(r->kind)] = static_cast<uint8_t>(i + 1);
      t.any[d] = true;
      if (r->kind == EdgeKind::kNetworkFlow || r->kind == EdgeKind::kQueried) {
        t.network[d][static_cast<uint8_t>(r->kind)] = static_cast<uint8_t>(i + 1);
        t.any_network[d] = true;
      }
    }
    return t;
  }

  void ActiveRules() {
    const std::vector<BlastRule>& rules = s_.rules();
    for (size_t i = 0; i < rules.size(); ++i) {
      const BlastRule& r = rules[i];
      if (!o_.edge_kinds.empty() &&
          std::find(o_.edge_kinds.begin(), o_.edge_kinds.end(), r.kind) == o_.edge_kinds.end())
        continue;
      active_.push_back(&r);
    }
  }

  uint32_t Vertex(uint32_t sv, bool* added) {
    *added = false;
    uint32_t v = map_.Get(sv);
    if (v != AdjacencySnapshot::kNone) return v;
    v = static_cast<uint32_t>(verts_.size());
    verts_.push_back(sv);
    map_.Put(sv, v);
    *added = true;
    return v;
  }

  static bool Structural(EdgeKind k) { return IsBlastStructuralEdge(k); }

  // Loader::Gather: the edges of `id` in direction `dir` of the applicable
  // rules (by_kind: rule index + 1 per edge kind) into hits_.
  void Gather(uint32_t self, uint32_t id, Direction dir, uint32_t via, const std::array<uint8_t, 256>& by_kind) {
    const bool out = dir == Direction::kOut;
    uint32_t b = out ? s_.out_begin(id) : s_.in_begin(id), end = out ? s_.out_begin(id + 1) : s_.in_begin(id + 1);
    for (uint32_t i = b; i < end; ++i) {
      uint32_t e = out ? i : s_.in_edge(i);
      EdgeKind k = s_.edge_kind(e);
      uint8_t r = by_kind[static_cast<uint8_t>(k)];
      if (r == 0) continue;
      uint64_t n = s_.CountInWindow(e, w_);
      if (Structural(k)) {
        Timestamp fs = s_.edge_first_seen(e);
        if (w_.until != kNoTime && fs != kNoTime && fs > w_.until) continue;
        n = std::max<uint64_t>(n, 1);
      }
      if (n == 0 && !w_.unbounded()) continue;
      if ((k == EdgeKind::kDbLogin || k == EdgeKind::kNetworkFlow) && !s_.edge_succeeded(e)) continue;
      if (s_.edge_attempt(e)) continue;  // an attempt reaches nothing
      uint32_t other = out ? s_.edge_dst(e) : s_.in_src(i);
      if (other == id || other == self) continue;
      hits_.push_back(Hit{static_cast<uint32_t>(r - 1), other, n, e, via});
    }
  }

  void Expand(uint32_t v, std::vector<uint32_t>& next) {
    if (edge_begin_.size() <= v) {
      edge_begin_.resize(v + 1, 0);
      edge_end_.resize(v + 1, 0);
    }
    edge_begin_[v] = edge_end_[v] = static_cast<uint32_t>(loaded_.size());
    const uint32_t sv = verts_[v];
    const EntityKind kind = s_.kind(sv);
    const bool foothold = v < nfoot_;
    if (IsBlastLeafKind(kind) && !foothold) return;
    enis_.clear();
    if (o_.fold_interfaces && kind == EntityKind::kEc2Instance) {
      for (uint32_t e = s_.out_begin(sv); e < s_.out_begin(sv + 1); ++e) {
        if (s_.edge_kind(e) != EdgeKind::kHasInterface) continue;
        enis_.push_back(s_.edge_dst(e));
        if (enis_.size() >= o_.max_fanout) break;
      }
    }
    const RuleTable& table = TableFor(kind, foothold);
    if (table.rules.empty()) return;
    hits_.clear();
    for (Direction dir : {Direction::kOut, Direction::kIn}) {
      const size_t d = static_cast<size_t>(dir);
      if (table.any[d]) Gather(sv, sv, dir, AdjacencySnapshot::kNone, table.all[d]);
      if (table.any_network[d])
        for (uint32_t eni : enis_) Gather(sv, eni, dir, eni, table.network[d]);
    }
    // One candidate per (rule, neighbour): an instance's own edge and its
    // ENIs' edges to the same neighbour merge.
    cands_.clear();
    if (!enis_.empty())
      std::sort(hits_.begin(), hits_.end(), [](const Hit& a, const Hit& b) {
        if (a.rule != b.rule) return a.rule < b.rule;
        return a.other != b.other ? a.other < b.other : a.edge < b.edge;
      });
    for (uint32_t i = 0; i < hits_.size(); ++i) {
      const Hit& h = hits_[i];
      if (!cands_.empty() && cands_.back().rule == h.rule && cands_.back().other == h.other) {
        Candidate& c = cands_.back();
        c.n += h.n;
        ++c.hit_len;
        if (c.via != h.via) c.via = AdjacencySnapshot::kNone;
        continue;
      }
      cands_.push_back(Candidate{h.rule, h.other, h.n, i, 1, h.via});
    }
    // Per rule, most active first, then by id (vertex order is id order).
    // Hits come in edge-kind order; when that is not rule order, sort all.
    auto by_activity = [](const Candidate& a, const Candidate& b) {
      if (a.n != b.n) return a.n > b.n;
      return a.other < b.other;
    };
    const bool grouped = std::is_sorted(cands_.begin(), cands_.end(),
                                        [](const Candidate& a, const Candidate& b) { return a.rule < b.rule; });
    if (!grouped)
      std::sort(cands_.begin(), cands_.end(), [&](const Candidate& a, const Candidate& b) {
        return a.rule != b.rule ? a.rule < b.rule : by_activity(a, b);
      });
    for (size_t g = 0; g < cands_.size();) {
      size_t ge = g;
      bool all_leaves = true;
      for (; ge < cands_.size() && cands_[ge].rule == cands_[g].rule; ++ge)
        all_leaves = all_leaves && IsBlastLeafKind(s_.kind(cands_[ge].other));
      // The order only decides which are kept and in which order new walk
      // vertices are numbered; leaves (never expanded unless a foothold,
      // and footholds are numbered already) all kept need none.
      if (grouped && (!all_leaves || ge - g > o_.max_fanout || verts_.size() + (ge - g) >= o_.max_nodes))
        std::sort(cands_.begin() + static_cast<std::ptrdiff_t>(g), cands_.begin() + static_cast<std::ptrdiff_t>(ge),
                  by_activity);
      const BlastRule& rule = *table.rules[cands_[g].rule];
      size_t keep = std::min(ge - g, o_.max_fanout);
      if (ge - g > keep)  // a cut group is sorted: the first omitted is the most active left out
        cuts_.push_back(BlastReachCut{sv, rule.kind, rule.dir, ge - g - keep, s_.kind(cands_[g + keep].other)});
      for (size_t i = g; i < g + keep; ++i) {
        const Candidate& c = cands_[i];
        if (verts_.size() >= o_.max_nodes && map_.Get(c.other) == AdjacencySnapshot::kNone) {
          truncated_ = true;
          break;
        }
        bool added = false;
        uint32_t w = Vertex(c.other, &added);
        if (added) next.push_back(w);
        Loaded le;
        le.from = v;
        le.to = w;
        le.kind = rule.kind;
        le.stored_forward = rule.dir == Direction::kOut;
        le.via = c.via;
        le.span_begin = static_cast<uint32_t>(spans_.size());
        le.span_len = c.hit_len;
        for (uint32_t h = c.hit_begin; h < c.hit_begin + c.hit_len; ++h) spans_.push_back(hits_[h].edge);
        loaded_.push_back(le);
      }
      g = ge;
    }
    edge_end_[v] = static_cast<uint32_t>(loaded_.size());
  }

  // CrossTime of blast_radius.cc on the merge of the loaded edge's stored
  // edges (MergeEdgeStats: first seen the earliest, buckets the union).
  Timestamp CrossTime(const Loaded& le, Timestamp at) const {
    Timestamp fs = kNoTime;
    const uint32_t* span = spans_.data() + le.span_begin;
    if (le.span_len == 1) {
      if (!Structural(le.kind)) return s_.FirstActiveAtOrAfter(span[0], at);
      fs = s_.edge_first_seen(span[0]);
    } else {
      for (uint32_t i = 0; i < le.span_len; ++i) {
        Timestamp f = s_.edge_first_seen(span[i]);
        if (f != kNoTime && (fs == kNoTime || f < fs)) fs = f;
      }
    }
    if (Structural(le.kind)) {
      if (fs == kNoTime || at == kNoTime) return at == kNoTime ? fs : at;
      return std::max(at, fs);
    }
    // FirstActiveAtOrAfter of the merged stats.
    bool any_bucket = false;
    uint64_t hour = UINT64_MAX;
    const uint32_t lo = at == kNoTime ? 0 : static_cast<uint32_t>(std::max<Timestamp>(0, at) / 3600);
    for (uint32_t i = 0; i < le.span_len; ++i) {
      uint32_t e = span[i];
      const AdjacencySnapshot::Bucket* b = s_.buckets_.data() + s_.edges_[e].bucket_begin;
      const AdjacencySnapshot::Bucket* end = s_.buckets_.data() + s_.edges_[e + 1].bucket_begin;
      if (b == end) continue;
      any_bucket = true;
      while (b != end && b->hour < lo) ++b;
      if (b != end) hour = std::min<uint64_t>(hour, b->hour);
    }
    if (!any_bucket) return fs != kNoTime && (at == kNoTime || fs >= at) ? fs : kNoTime;
    if (hour == UINT64_MAX) return kNoTime;
    Timestamp t = static_cast<Timestamp>(hour) * 3600;
    if (fs != kNoTime && fs > t) t = fs;
    if (at != kNoTime && t < at) t = at;
    return t;
  }

  const AdjacencySnapshot& s_;
  const BlastRadiusOptions& o_;
  WalkBuffers& b_;
  TimeWindow w_;
  std::vector<const BlastRule*>& active_;
  std::vector<std::pair<uint16_t, std::unique_ptr<RuleTable>>>& tables_;
  VertexMap& map_;
  std::vector<uint32_t>& verts_;
  uint32_t nfoot_ = 0;
  std::vector<uint32_t>& edge_begin_;
  std::vector<uint32_t>& edge_end_;
  std::vector<Loaded>& loaded_;
  std::vector<uint32_t>& spans_;
  std::vector<uint32_t>& enis_;
  std::vector<Hit>& hits_;
  std::vector<Candidate>& cands_;
  std::vector<BlastReachCut> cuts_;
  bool truncated_ = false;
};

struct BlastReachScratch::State {
  WalkBuffers buffers;
};

BlastReachScratch::BlastReachScratch() : state_(std::make_unique<State>()) {}
BlastReachScratch::~BlastReachScratch() = default;
BlastReachScratch::BlastReachScratch(BlastReachScratch&&) noexcept = default;
BlastReachScratch& BlastReachScratch::operator=(BlastReachScratch&&) noexcept = default;

Result<BlastReach> BlastReachOf(const AdjacencySnapshot& snapshot, const EntityRef& start,
                                const BlastRadiusOptions& options, BlastReachScratch* scratch) {
  if (scratch != nullptr) return BlastReacher(snapshot, options, scratch->state_->buffers).Run(start);
  WalkBuffers buffers;
  return BlastReacher(snapshot, options, buffers).Run(start);
}

// ------------------------------------------------------------------ results

namespace {

// The stored stats of the snapshot edges `wanted`, each read from the
// shorter of its two rows, one raw scan per (row, edge kind) decoding only
// the edges asked for.
Result<std::unordered_map<uint32_t, EdgeStats>> ReadEdgeStats(const GraphReader& reader,
                                                              const AdjacencySnapshot& snap,
                                                              const std::vector<uint32_t>& wanted) {
  struct Want {
    EntityId other;
    uint32_t edge;
  };
  std::map<std::tuple<uint32_t, Direction, EdgeKind>, std::vector<Want>> rows;
  for (uint32_t e : wanted) {
    const uint32_t src = snap.edge_src(e), dst = snap.edge_dst(e);
    const bool from_src = snap.out_begin(src + 1) - snap.out_begin(src) <= snap.in_begin(dst + 1) - snap.in_begin(dst);
    rows[{from_src ? src : dst, from_src ? Direction::kOut : Direction::kIn, snap.edge_kind(e)}].push_back(
        Want{snap.id(from_src ? dst : src), e});
  }
  std::unordered_map<uint32_t, EdgeStats> out;
  // Plain variables, not structured bindings: the scan lambda captures them.
  for (auto& entry : rows) {
    const uint32_t v = std::get<0>(entry.first);
    const Direction dir = std::get<1>(entry.first);
    const EdgeKind kind = std::get<2>(entry.first);
    std::vector<Want>& want = entry.second;
    std::sort(want.begin(), want.end(), [](const Want& a, const Want& b) { return a.other < b.other; });
    want.erase(std::unique(want.begin(), want.end(), [](const Want& a, const Want& b) { return a.edge == b.edge; }),
               want.end());
    size_t left = want.size();
    Status bad = Status::Ok();
    GUMSHOE_RETURN_IF_ERROR(reader.ScanRawEdges(snap.id(v), dir, {kind}, [&](const GraphReader::RawEdge& raw) {
      const EntityId& other = dir == Direction::kOut ? raw.dst : raw.src;
      auto it = std::lower_bound(want.begin(), want.end(), other,
                                 [](const Want& w, const EntityId& id) { return w.other < id; });
      if (it == want.end() || it->other != other) return true;
      Result<EdgeStats> stats = DecodeEdgeStats(raw.stats);
      if (!stats.ok()) {
        bad = stats.status();
        return false;
      }
      out[it->edge] = std::move(*stats);
      return --left > 0;
    }));
    GUMSHOE_RETURN_IF_ERROR(bad);
    if (left > 0) return Status::NotFound("edge of the adjacency snapshot not in the store (stale snapshot?)");
  }
  return out;
}

}  // namespace

Result<BlastRadiusResult> BlastRadius(const GraphReader& reader, const AdjacencySnapshot& snapshot,
                                      const EntityRef& start, const BlastRadiusOptions& options,
                                      BlastReachScratch* scratch) {
  GUMSHOE_ASSIGN_OR_RETURN(BlastReach reach, BlastReachOf(snapshot, start, options, scratch));
  BlastRadiusResult result;
  result.start = start;
  result.window = reach.window;
  const bool finding = start.kind == EntityKind::kFinding;
  if (finding) {
    GUMSHOE_ASSIGN_OR_RETURN(std::optional<Entity> f, reader.Find(start));
    if (!f) return Status::NotFound("no entity " + FormatRef(start));
    result.start_entity = std::move(*f);
  }
  for (uint32_t f : reach.footholds) result.footholds.push_back(snapshot.Ref(f));
  result.foothold_note = BlastFootholdNote(finding, reach.footholds_marked, reach.launcher_footholds > 0);

  // The reached entities, in one batch.
  std::vector<EntityId> ids;
  ids.reserve(reach.entities.size());
  for (const BlastReachEntity& e : reach.entities) ids.push_back(snapshot.id(e.entity));
  GUMSHOE_ASSIGN_OR_RETURN(std::vector<std::optional<Entity>> read, reader.GetEntities(ids));
  auto ref_of = [&](uint32_t v) {  // as the loader names an entity it could not read
    return snapshot.stored(v) ? snapshot.Ref(v) : EntityRef{snapshot.kind(v), "?"};
  };
  GUMSHOE_ASSIGN_OR_RETURN(auto stats_of, ReadEdgeStats(reader, snapshot, reach.parent_edges));
  // BFS order: a parent comes before what it reached.
  std::unordered_map<uint32_t, size_t> node_of;
  std::vector<BlastNode> nodes;
  nodes.reserve(reach.entities.size());
  for (size_t i = 0; i < reach.entities.size(); ++i) {
    const BlastReachEntity& r = reach.entities[i];
    BlastNode node;
    if (read[i]) {
      node.entity = std::move(*read[i]);
    } else {
      node.entity.kind = snapshot.kind(r.entity);
      node.entity.key = "?";
    }
    node.hop = r.hop;
    node.first_touch = r.first_touch;
    node.foothold = r.hop == 0;
    if (r.parent != AdjacencySnapshot::kNone) {
      EdgeStats merged;
      for (uint32_t k = 0; k < r.parent_edges_len; ++k)
        MergeEdgeStats(merged, stats_of.at(reach.parent_edges[r.parent_edges_begin + k]));
      auto parent = node_of.find(r.parent);
      if (parent != node_of.end()) node.path = nodes[parent->second].path;
      BlastHop h;
      h.from = ref_of(r.parent);
      h.to = ref_of(r.entity);
      h.edge = r.edge;
      h.stored_forward = r.stored_forward;
      h.time = r.first_touch;
      if (r.via != AdjacencySnapshot::kNone) h.via = std::string(ref_of(r.via).key);
      const Evidence& ev = BlastHopEvidence(merged, h.time);
      h.evidence = ev.ref;
      h.evidence_time = ev.time;
      node.path.push_back(std::move(h));
      node.volume = merged.CountInWindow(result.window.since, result.window.until);
      node.score = BlastScore(r.edge, node.volume, node.first_touch, result.window, node.hop);
    }
    node_of.emplace(r.entity, nodes.size());
    nodes.push_back(std::move(node));
  }
  result.nodes = std::move(nodes);
  std::sort(result.nodes.begin(), result.nodes.end(), [](const BlastNode& a, const BlastNode& b) {
    if (a.foothold != b.foothold) return a.foothold;
    if (a.score != b.score) return a.score > b.score;
    return a.entity.ref() < b.entity.ref();
  });
  for (const BlastReachCut& c : reach.cuts) {
    BlastTruncation t;
    t.at = ref_of(c.at);
    t.edge = c.edge;
    t.dir = c.dir;
    t.omitted = c.omitted;
    t.omitted_kind = c.omitted_kind;
    t.note = BlastTruncationNote(t);
    result.truncations.push_back(std::move(t));
  }
  result.truncated = reach.truncated;
  GUMSHOE_RETURN_IF_ERROR(FinishBlastResult(reader, result));
  return result;
}

}  // namespace gumshoe
