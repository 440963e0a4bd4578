#include "lineage_json.h"

#include <cstdint>

namespace gumshoe::cli {

void WriteLineageStart(JsonOut& j, const LineageResult& r) {
  if (!r.nodes.empty() && r.nodes.front().entity.ref() == r.start) {
    j.Entity(r.nodes.front().entity);
  } else {
    j.Ref(r.start);
  }
}

void WriteLineageMembers(JsonOut& j, const LineageResult& r) {
  auto& w = j.w();
  j.Field("mode", r.descendants ? "descendants" : "ancestors");
  j.Field("ip_ranges_loaded", r.ip_ranges_loaded);
  j.Field("ip_ranges_note", r.ip_ranges_note);
  j.Field("truncated", r.truncated);
  j.Key("nodes");
  w.StartArray();
  for (size_t i = 0; i < r.nodes.size(); ++i) {
    const LineageNode& n = r.nodes[i];
    w.StartObject();
    j.Field("index", static_cast<uint64_t>(i));
    j.Key("entity");
    j.Entity(n.entity);
    j.Field("depth", n.depth);
    j.Field("account", n.account);
    j.Time("earliest_use", n.earliest_use);
    j.Key("root");
    if (n.root == LineageRoot::kNone) w.Null();
    else j.String(LineageRootName(n.root));
    j.Field("note", n.note);
    j.Key("console_sign_in");
    if (n.console_sign_in) {
      const ConsoleSignIn& c = *n.console_sign_in;
      w.StartObject();
      j.Key("principal");
      j.Ref(c.principal);
      j.Time("time", c.time);
      j.Field("source_ip", c.source_ip);
      j.Field("mfa", c.mfa);
      j.Field("event", c.event_id);
      j.Field("observed", c.observed);
      w.EndObject();
    } else {
      w.Null();
    }
    w.EndObject();
  }
  w.EndArray();
  j.Key("links");
  w.StartArray();
  for (const LineageLink& l : r.links) {
    w.StartObject();
    j.Field("from", static_cast<uint64_t>(l.from));
    j.Field("to", static_cast<uint64_t>(l.to));
    j.Field("edge", EdgeKindName(l.edge));
    j.Key("edge_src");
    j.Ref(l.edge_src);
    j.Field("event", l.event_id);
    j.Time("time", l.time);
    j.Field("source_ip", l.source_ip);
    j.Field("cross_account", l.cross_account);
    j.Field("note", l.note);
    w.EndObject();
  }
  w.EndArray();
  j.Key("roots");
  w.StartArray();
  for (size_t root : r.Roots()) w.Uint64(root);
  w.EndArray();
  j.Key("flags");
  w.StartArray();
  for (const LineageFlag& f : r.flags) {
    w.StartObject();
    j.Field("kind", f.kind);
    j.Key("entity");
    j.Ref(f.entity);
    j.Field("detail", f.detail);
    j.Field("evidence", f.evidence);
    j.Time("time", f.time);
    w.EndObject();
  }
  w.EndArray();
}

}  // namespace gumshoe::cli
