#include "gumshoe/delta.h"

namespace gumshoe {
namespace {

std::string EntityMapKey(const EntityRef& e) {
  std::string k;
  k.reserve(2 + e.key.size());
  k.push_back(static_cast<char>(e.kind));
  k.push_back('\0');
  k.append(e.key);
  return k;
}

void Stretch(Entity& e, Timestamp t) {
  if (t == kNoTime) return;
  if (e.first_seen == kNoTime || t < e.first_seen) e.first_seen = t;
  if (e.last_seen == kNoTime || t > e.last_seen) e.last_seen = t;
}

}  // namespace

Entity& GraphDelta::EntityFor(const EntityRef& e) {
  auto [it, inserted] = entities_.try_emplace(EntityMapKey(e));
  if (inserted) {
    it->second.kind = e.kind;
    it->second.key = e.key;
    approx_bytes_ += 2 * e.key.size() + 160;
  }
  return it->second;
}

void GraphDelta::Touch(const EntityRef& e, Timestamp t) { Stretch(EntityFor(e), t); }

void GraphDelta::SetAttr(const EntityRef& e, std::string_view name, std::string_view value, Timestamp t) {
  Entity& ent = EntityFor(e);
  Stretch(ent, t);
  Entity patch;
  patch.attrs.emplace(std::string(name), AttrValue{std::string(value), t});
  size_t before = ent.attrs.size();
  MergeEntity(ent, patch);
  if (ent.attrs.size() != before) approx_bytes_ += name.size() + value.size() + 64;
}

void GraphDelta::AddTag(const EntityRef& e, std::string_view tag, Timestamp t) {
  Entity& ent = EntityFor(e);
  Stretch(ent, t);
  if (ent.tags.emplace(tag).second) approx_bytes_ += tag.size() + 48;
}

EdgeStats& GraphDelta::AddEdge(const EntityRef& src, EdgeKind kind, const EntityRef& dst,
                               const EdgeObservation& obs) {
  Touch(src, obs.time);
  Touch(dst, obs.time);
  std::string k = EntityMapKey(src);
  k.push_back('\0');
  k.push_back(static_cast<char>(kind));
  k.append(EntityMapKey(dst));
  auto [it, inserted] = edges_.try_emplace(std::move(k));
  EdgeEntry& entry = it->second;
  if (inserted) {
    entry.src = src;
    entry.kind = kind;
    entry.dst = dst;
    approx_bytes_ += 3 * (src.key.size() + dst.key.size()) + 320;
  }
  EdgeStats one;
  one.count = obs.weight;
  if (obs.outcome > 0) one.success = obs.weight;
  if (obs.outcome < 0) one.failure = obs.weight;
  one.first_seen = one.last_seen = obs.time;
  one.first_evidence = one.last_evidence = Evidence{obs.time, std::string(obs.evidence)};
  if (obs.time != kNoTime && obs.time >= 0) {
    size_t before = entry.stats.hourly.size();
    one.hourly.emplace(static_cast<uint32_t>(obs.time / 3600), obs.weight);
    MergeEdgeStats(entry.stats, one);
    if (entry.stats.hourly.size() != before) approx_bytes_ += 48;
  } else {
    MergeEdgeStats(entry.stats, one);
  }
  return entry.stats;
}

void GraphDelta::Clear() {
  entities_.clear();
  edges_.clear();
  records_.clear();
  approx_bytes_ = 0;
}

}  // namespace gumshoe
