#include "gumshoe/scope.h"

#include <vector>

namespace gumshoe {

TimeWindow ScopeWindowFor(const Entity& focus, const TimeWindow& requested, const ScopeOptions& options) {
  TimeWindow w = requested;
  if (focus.kind == EntityKind::kFinding) {
    if (w.since == kNoTime && focus.first_seen != kNoTime) w.since = focus.first_seen - options.finding_margin;
    if (w.until == kNoTime && focus.last_seen != kNoTime) w.until = focus.last_seen + options.finding_margin;
    return w;
  }
  if (w.until == kNoTime && focus.last_seen != kNoTime) w.until = focus.last_seen;
  if (w.since == kNoTime && w.until != kNoTime) w.since = w.until - options.entity_lookback;
  return w;
}

Result<TimeWindow> ScopeWindow(const GraphReader& reader, const EntityRef& focus, const TimeWindow& requested,
                               const ScopeOptions& options) {
  GUMSHOE_ASSIGN_OR_RETURN(std::optional<Entity> entity, reader.Find(focus));
  if (!entity) return Status::NotFound("no entity " + FormatRef(focus));
  if (focus.kind == EntityKind::kEc2Instance) {
    // An instance's traffic is recorded on its network interfaces.
    std::vector<EntityId> enis;
    GUMSHOE_RETURN_IF_ERROR(reader.ScanEdges(reader.IdOf(focus.kind, focus.key), Direction::kOut,
                                             EdgeKind::kHasInterface, [&](const Edge& e) {
                                               enis.push_back(e.dst);
                                               return enis.size() < 64;
                                             }));
    for (const EntityId& id : enis) {
      GUMSHOE_ASSIGN_OR_RETURN(std::optional<Entity> eni, reader.GetEntity(id));
      if (eni && eni->last_seen != kNoTime && (entity->last_seen == kNoTime || eni->last_seen > entity->last_seen))
        entity->last_seen = eni->last_seen;
    }
  }
  return ScopeWindowFor(*entity, requested, options);
}

}  // namespace gumshoe
