#include "gumshoe/delta.h"

#include <utility>

namespace gumshoe {
namespace {

void Stretch(Entity& e, Timestamp t) {
  if (t == kNoTime) return;
  if (e.first_seen == kNoTime || t < e.first_seen) e.first_seen = t;
  if (e.last_seen == kNoTime || t > e.last_seen) e.last_seen = t;
}

}  // namespace

GraphDelta::GraphDelta(GraphDelta&& other) noexcept { *this = std::move(other); }

GraphDelta& GraphDelta::operator=(GraphDelta&& other) noexcept {
  if (this == &other) return *this;
  entities_ = std::move(other.entities_);
  edges_ = std::move(other.edges_);
  records_ = std::move(other.records_);
  memo_ = other.memo_;
  memo_next_ = other.memo_next_;
  approx_bytes_ = other.approx_bytes_;
  other.Clear();
  return *this;
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
  scratch_.clear();
  scratch_.push_back(static_cast<char>(e.kind));
  scratch_.push_back('\0');
  scratch_.append(e.key);
  auto it = entities_.find(scratch_);
  if (it != entities_.end()) return it->second;
  it = entities_.emplace(scratch_, Entity{}).first;
  it->second.kind = e.kind;
  it->second.key = e.key;
  approx_bytes_ += 2 * e.key.size() + 160;
  return it->second;
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
  auto [it, inserted] = edges_.try_emplace(EdgeKey{&s, &d, kind});
  EdgeEntry& entry = it->second;
  if (inserted) {
    entry.src = &s;
    entry.kind = kind;
    entry.dst = &d;
    approx_bytes_ += 320;
  }
  size_t hours_before = entry.stats.hourly.size();
  ObserveEdge(entry.stats, obs.time, obs.outcome, obs.evidence, obs.weight);
  if (entry.stats.hourly.size() != hours_before) approx_bytes_ += 48;
  return entry.stats;
}

void GraphDelta::Clear() {
  edges_.clear();
  entities_.clear();
  records_.clear();
  memo_.fill(nullptr);
  memo_next_ = 0;
  approx_bytes_ = 0;
}

}  // namespace gumshoe
