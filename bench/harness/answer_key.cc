// Checks the generated incidents' answer key against the ingested graph.
//
// Check types (see bench/README.md): entity, pivot, lineage, blast_radius,
// edge. Every query runs over the whole generated period (answer key
// start..end), so a default "last 24 hours" scope cannot hide an incident.
#include <rapidjson/document.h>

#include <algorithm>
#include <set>

#include "bench_util.h"
#include "gumshoe/blast_radius.h"
#include "gumshoe/lineage.h"
#include "gumshoe/pivot.h"
#include "gumshoe/time_util.h"

namespace gumshoe::bench {
namespace {

std::optional<EntityRef> RefOf(const rapidjson::Value& v) {
  if (!v.IsObject() || !v.HasMember("kind") || !v.HasMember("key") || !v["kind"].IsString() || !v["key"].IsString())
    return std::nullopt;
  auto kind = ParseEntityKind(v["kind"].GetString());
  if (!kind) return std::nullopt;
  return EntityRef{*kind, v["key"].GetString()};
}

std::vector<EntityRef> RefsOf(const rapidjson::Value& obj, const char* member) {
  std::vector<EntityRef> out;
  if (!obj.HasMember(member) || !obj[member].IsArray()) return out;
  for (const auto& v : obj[member].GetArray())
    if (auto r = RefOf(v)) out.push_back(*r);
  return out;
}

std::string Missing(const std::vector<EntityRef>& want, const std::set<EntityRef>& have) {
  std::string out;
  for (const auto& w : want)
    if (!have.count(w)) out += (out.empty() ? "missing " : ", ") + FormatRef(w);
  return out;
}

Timestamp ParseTime(const rapidjson::Document& doc, const char* member) {
  if (!doc.HasMember(member) || !doc[member].IsString()) return kNoTime;
  std::optional<Timestamp> t = ParseIsoTime(doc[member].GetString());
  return t ? *t : kNoTime;
}

}  // namespace

std::vector<CheckOutcome> RunAnswerKey(const GraphReader& reader, const std::string& path) {
  std::vector<CheckOutcome> out;
  std::string text;
  if (!ReadWholeFile(path, text)) {
    out.push_back({"", "read answer key", false, false, "cannot read " + path});
    return out;
  }
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("incidents") || !doc["incidents"].IsArray()) {
    out.push_back({"", "parse answer key", false, false, "malformed " + path});
    return out;
  }
  TimeWindow window{ParseTime(doc, "start"), ParseTime(doc, "end")};
  for (const auto& inc : doc["incidents"].GetArray()) {
    std::string name = inc.HasMember("name") && inc["name"].IsString() ? inc["name"].GetString() : "?";
    if (!inc.HasMember("checks") || !inc["checks"].IsArray()) continue;
    for (const auto& c : inc["checks"].GetArray()) {
      CheckOutcome o;
      o.incident = name;
      std::string type = c.HasMember("check") && c["check"].IsString() ? c["check"].GetString() : "";
      if (type == "entity") {
        auto ref = RefOf(c["entity"]);
        o.what = "entity " + (ref ? FormatRef(*ref) : "?");
        auto e = ref ? reader.Find(*ref) : Result<std::optional<Entity>>(Status::InvalidArgument("bad ref"));
        o.ok = e.ok() && e.value().has_value();
        if (!o.ok) o.detail = e.ok() ? "not stored" : e.status().ToString();
      } else if (type == "pivot") {
        auto from = RefOf(c["from"]);
        o.what = "pivot from " + (from ? FormatRef(*from) : "?");
        PivotOptions opt;
        opt.window = window;
        opt.limit = 1000000;
        auto r = from ? Pivot(reader, *from, opt) : Result<PivotResult>(Status::InvalidArgument("bad ref"));
        if (!r.ok()) {
          o.detail = r.status().ToString();
        } else {
          std::set<EntityRef> have;
          for (const auto& g : r.value().groups)
            for (const auto& n : g.neighbors) have.insert(n.entity);
          o.detail = Missing(RefsOf(c, "must_reach"), have);
          o.ok = o.detail.empty();
        }
      } else if (type == "lineage") {
        auto from = RefOf(c["from"]);
        o.what = "lineage of " + (from ? FormatRef(*from) : "?");
        auto r = from ? Lineage(reader, *from, LineageOptions{}) : Result<LineageResult>(Status::InvalidArgument("bad ref"));
        if (!r.ok()) {
          o.detail = r.status().ToString();
        } else {
          std::set<EntityRef> have;
          for (const auto& n : r.value().nodes) have.insert(n.entity.ref());
          o.detail = Missing(RefsOf(c, "must_reach"), have);
          if (c.HasMember("flags_any") && c["flags_any"].IsArray()) {
            bool any = false;
            for (const auto& f : c["flags_any"].GetArray())
              for (const auto& fl : r.value().flags) any = any || (f.IsString() && fl.kind == f.GetString());
            if (!any) o.detail += std::string(o.detail.empty() ? "" : "; ") + "no expected flag";
          }
          o.ok = o.detail.empty();
        }
      } else if (type == "blast_radius") {
        auto from = RefOf(c["from"]);
        o.what = "blast radius of " + (from ? FormatRef(*from) : "?");
        BlastRadiusOptions opt;
        opt.window = window;
        opt.max_depth = c.HasMember("depth") && c["depth"].IsInt() ? c["depth"].GetInt() : 3;
        auto r = from ? BlastRadius(reader, *from, opt) : Result<BlastRadiusResult>(Status::InvalidArgument("bad ref"));
        if (!r.ok()) {
          o.detail = r.status().ToString();
        } else {
          std::set<EntityRef> have;
          for (const auto& n : r.value().nodes) have.insert(n.entity.ref());
          o.detail = Missing(RefsOf(c, "must_reach"), have);
          o.ok = o.detail.empty();
        }
      } else if (type == "edge") {
        auto src = RefOf(c["src"]);
        auto dst = RefOf(c["dst"]);
        auto kind = c.HasMember("edge") && c["edge"].IsString() ? ParseEdgeKind(c["edge"].GetString()) : std::nullopt;
        o.what = "edge " + (src ? FormatRef(*src) : "?") + " -" + (kind ? std::string(EdgeKindName(*kind)) : "?") + "-> " +
                 (dst ? FormatRef(*dst) : "?");
        if (src && dst && kind) {
          EntityId sid = reader.IdOf(src->kind, src->key), did = reader.IdOf(dst->kind, dst->key);
          std::optional<EdgeStats> found;
          Status s = reader.ScanEdges(sid, Direction::kOut, *kind, [&](const Edge& e) {
            if (e.dst == did) found = e.stats;
            return !found.has_value();
          });
          if (!s.ok()) {
            o.detail = s.ToString();
          } else if (!found) {
            o.detail = "edge not stored";
          } else {
            int64_t min_failure = c.HasMember("min_failure") && c["min_failure"].IsInt64() ? c["min_failure"].GetInt64() : 0;
            int64_t min_success = c.HasMember("min_success") && c["min_success"].IsInt64() ? c["min_success"].GetInt64() : 0;
            o.ok = int64_t(found->failure) >= min_failure && int64_t(found->success) >= min_success;
            o.detail = "failure=" + std::to_string(found->failure) + " success=" + std::to_string(found->success);
            if (o.ok) o.detail.clear();
          }
        } else {
          o.detail = "bad check";
        }
      } else {
        o.what = "unknown check '" + type + "'";
        o.skipped = true;
      }
      out.push_back(std::move(o));
    }
  }
  return out;
}

}  // namespace gumshoe::bench
