#include "gumshoe/delta.h"

#include <algorithm>
#include <functional>
#include <utility>

namespace gumshoe {
namespace {

void Stretch(Entity& e, Timestamp t) {
  if (t == kNoTime) return;
  if (e.first_seen == kNoTime || t < e.first_seen) e.first_seen = t;
  if (e.last_seen == kNoTime || t > e.last_seen) e.last_seen = t;
}

uint64_t Mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xFF51AFD7ED558CCDull;
  h ^= h >> 33;
  h *= 0xC4CEB9FE1A85EC53ull;
  h ^= h >> 33;
  return h;
}

uint64_t EntityHash(EntityKind kind, std::string_view key) {
  return Mix(std::hash<std::string_view>()(key) ^ (static_cast<uint64_t>(kind) << 56));
}

uint64_t EdgeHash(const Entity* src, const Entity* dst, EdgeKind kind) {
  uint64_t a = reinterpret_cast<uintptr_t>(src), b = reinterpret_cast<uintptr_t>(dst);
  return Mix(a * 0x9E3779B97F4A7C15ull ^ (b + 0x632BE59BD9B4E019ull + (a << 6) + (a >> 2)) ^
             static_cast<uint64_t>(kind) * 0xC2B2AE3D27D4EB4Full);
}

constexpr size_t kInitialSlots = 1024;

}  // namespace

GraphDelta::GraphDelta(GraphDelta&& other) noexcept { *this = std::move(other); }

GraphDelta& GraphDelta::operator=(GraphDelta&& other) noexcept {
  if (this == &other) return *this;
  // Edges first: they point into entities_.
  edges_ = std::move(other.edges_);
  edge_index_ = std::move(other.edge_index_);
  hour_cache_ = std::move(other.hour_cache_);
  entities_ = std::move(other.entities_);
  entity_index_ = std::move(other.entity_index_);
  records_ = std::move(other.records_);
  documents_ = std::move(other.documents_);
  memo_ = other.memo_;
  memo_next_ = other.memo_next_;
  approx_bytes_ = other.approx_bytes_;
  other.Clear();
  return *this;
}

void GraphDelta::GrowIndex(std::vector<Slot>& slots) {
  std::vector<Slot> bigger(slots.empty() ? kInitialSlots : 2 * slots.size());
  const size_t mask = bigger.size() - 1;
  for (const Slot& s : slots) {
    if (s.index == 0) continue;
    size_t i = s.hash & mask;
    while (bigger[i].index != 0) i = (i + 1) & mask;
    bigger[i] = s;
  }
  slots.swap(bigger);
}

template <typename Same>
size_t GraphDelta::Probe(std::vector<Slot>& slots, size_t size, uint64_t hash, const Same& same) {
  if ((size + 1) * 2 > slots.size()) GrowIndex(slots);
  const size_t mask = slots.size() - 1;
  size_t i = hash & mask;
  while (slots[i].index != 0 && !(slots[i].hash == hash && same(slots[i].index))) i = (i + 1) & mask;
  return i;
}

Entity& GraphDelta::EntityFor(const EntityRef& e) {
  for (Entity* m : memo_) {
    if (m != nullptr && m->kind == e.kind && m->key == e.key) return *m;
  }
  Entity& found = LookUp(e);
  memo_[memo_next_] = &found;
  memo_next_ = (memo_next_ + 1) % kMemoSlots;
  return found;
}

Entity& GraphDelta::LookUp(const EntityRef& e) {
  const uint64_t hash = EntityHash(e.kind, e.key);
  const size_t i = Probe(entity_index_, entities_.size(), hash, [&](uint32_t index) {
    const Entity& cand = entities_[index - 1];
    return cand.kind == e.kind && cand.key == e.key;
  });
  if (entity_index_[i].index != 0) return entities_[entity_index_[i].index - 1];
  Entity& added = entities_.emplace_back();
  added.kind = e.kind;
  added.key = e.key;
  entity_index_[i] = Slot{hash, static_cast<uint32_t>(entities_.size())};
  approx_bytes_ += 2 * e.key.size() + 160;
  return added;
}

void GraphDelta::Touch(const EntityRef& e, Timestamp t) { Stretch(EntityFor(e), t); }

void GraphDelta::SetAttr(const EntityRef& e, std::string_view name, std::string_view value, Timestamp t) {
  Entity& ent = EntityFor(e);
  Stretch(ent, t);
  if (ObserveAttr(ent, name, value, t)) approx_bytes_ += name.size() + value.size() + 64;
}

void GraphDelta::AddTag(const EntityRef& e, std::string_view tag, Timestamp t) {
  Entity& ent = EntityFor(e);
  Stretch(ent, t);
  if (ent.tags.find(std::string(tag)) == ent.tags.end()) {
    ent.tags.emplace(tag);
    approx_bytes_ += tag.size() + 48;
  }
}

EdgeStats& GraphDelta::AddEdge(const EntityRef& src, EdgeKind kind, const EntityRef& dst,
                               const EdgeObservation& obs) {
  Entity& s = EntityFor(src);
  Stretch(s, obs.time);
  Entity& d = EntityFor(dst);
  Stretch(d, obs.time);

  const uint64_t hash = EdgeHash(&s, &d, kind);
  const size_t i = Probe(edge_index_, edges_.size(), hash, [&](uint32_t index) {
    const EdgeEntry& cand = edges_[index - 1];
    return cand.src == &s && cand.dst == &d && cand.kind == kind;
  });
  size_t index = edge_index_[i].index;
  if (index == 0) {
    if (hour_cache_.size() == edges_.size()) hour_cache_.emplace_back();  // may throw: before the entry exists
    EdgeEntry& added = edges_.emplace_back();
    added.src = &s;
    added.kind = kind;
    added.dst = &d;
    index = edges_.size();
    hour_cache_[index - 1] = HourCache{};
    edge_index_[i] = Slot{hash, static_cast<uint32_t>(index)};
    approx_bytes_ += 320;
  }
  EdgeEntry& entry = edges_[index - 1];
  ObserveEdgeTotals(entry.stats, obs.time, obs.outcome, obs.evidence, obs.weight);
  if (std::optional<uint32_t> hour = HourOf(obs.time)) {
    HourCache& cache = hour_cache_[index - 1];
    if (cache.count == nullptr || cache.hour != *hour) {
      auto [it, added] = entry.stats.hourly.try_emplace(*hour, 0);
      if (added) approx_bytes_ += 48;
      cache = HourCache{*hour, &it->second};
    }
    *cache.count += obs.weight;
  }
  return entry.stats;
}

void GraphDelta::PutDocument(std::string key, std::string value) {
  approx_bytes_ += key.size() + value.size() + 64;
  documents_[std::move(key)] = std::move(value);
}

void GraphDelta::Clear() {
  edges_.clear();
  hour_cache_.clear();
  std::fill(edge_index_.begin(), edge_index_.end(), Slot{});
  entities_.clear();
  std::fill(entity_index_.begin(), entity_index_.end(), Slot{});
  records_.clear();
  documents_.clear();
  memo_.fill(nullptr);
  memo_next_ = 0;
  approx_bytes_ = 0;
}

}  // namespace gumshoe
