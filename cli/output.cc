#include "output.h"

#include <algorithm>

#include "gumshoe/normalize.h"
#include "gumshoe/time_util.h"
#include "gumshoe/utf8.h"

namespace gumshoe::cli {

std::string ValidUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    uint32_t cp;
    size_t n = DecodeUtf8(s, i, &cp);
    if (n == 0) {
      out += "\xef\xbf\xbd";
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

void JsonOut::Time(std::string_view k, Timestamp t) {
  Key(k);
  if (t == kNoTime) writer_.Null();
  else String(FormatTime(t));
}

void JsonOut::Window(std::string_view k, const TimeWindow& w) {
  Key(k);
  writer_.StartObject();
  Time("from", w.since);
  Time("to", w.until);
  writer_.EndObject();
}

void JsonOut::Begin(std::string_view schema, const CliContext& ctx, const TimeWindow& window) {
  writer_.StartObject();
  Field("schema", schema);
  Field("store", ctx.db_path);
  Window("window", window);
}

void JsonOut::EntityObject(std::string_view kind, std::string_view key, std::string_view id, std::string_view label,
                           Timestamp first_seen, Timestamp last_seen, const gumshoe::Entity* stored) {
  writer_.StartObject();
  Field("kind", kind);
  Field("key", key);
  Field("id", id);
  Field("label", label);
  Time("first_seen", first_seen);
  Time("last_seen", last_seen);
  Key("attrs");
  writer_.StartObject();
  if (stored != nullptr)
    for (const auto& [name, v] : stored->attrs) Field(name, v.value);
  writer_.EndObject();
  Key("tags");
  writer_.StartArray();
  if (stored != nullptr)
    for (const auto& t : stored->tags) String(t);
  writer_.EndArray();
  writer_.EndObject();
}

void JsonOut::Entity(const gumshoe::Entity& e) {
  EntityObject(EntityKindName(e.kind), e.key, FormatRef(e.ref()), ShortName(e.ref()), e.first_seen, e.last_seen, &e);
}

void JsonOut::Unstored(std::string_view kind, std::string_view key, std::string_view label) {
  EntityObject(kind, key, std::string(kind) + ":" + std::string(key), label, kNoTime, kNoTime, nullptr);
}

void JsonOut::Ref(const EntityRef& r) {
  auto it = looked_up_.find(r);
  if (it == looked_up_.end()) {
    std::optional<gumshoe::Entity> found;
    if (reader_ != nullptr && !r.key.empty()) {
      Result<std::optional<gumshoe::Entity>> e = reader_->Find(r);
      if (e.ok()) found = std::move(*e);
      else if (status_.ok()) status_ = e.status();
    }
    it = looked_up_.emplace(r, std::move(found)).first;
  }
  if (it->second) {
    Entity(*it->second);
  } else {
    Entity(gumshoe::Entity{r.kind, r.key, kNoTime, kNoTime, {}, {}});
  }
}

void JsonOut::Refs(const std::vector<EntityRef>& refs) {
  writer_.StartArray();
  for (const EntityRef& r : refs) Ref(r);
  writer_.EndArray();
}

void JsonOut::Stats(const EdgeStats& s) {
  writer_.StartObject();
  Field("count", s.count);
  Field("success", s.success);
  Field("failure", s.failure);
  Time("first_seen", s.first_seen);
  Time("last_seen", s.last_seen);
  Field("first_evidence", s.first_evidence.ref);
  Field("last_evidence", s.last_evidence.ref);
  Key("counters");
  writer_.StartObject();
  for (const auto& [name, v] : s.counters) Field(name, v);
  writer_.EndObject();
  writer_.EndObject();
}

std::string JsonOut::str() const {
  // RapidJSON escapes C0 controls; the other unsafe code points (DEL, C1,
  // bidi, separators, invisible formatting) become \uXXXX escapes here. They
  // can only be inside strings (JSON's structure is ASCII), so the document
  // means the same and no raw one reaches a terminal (dump, every --json).
  std::string_view text(buffer_.GetString(), buffer_.GetSize());
  std::string out;
  out.reserve(text.size());
  char esc[8];
  for (size_t i = 0; i < text.size();) {
    uint32_t cp = 0;
    size_t n = DecodeUtf8(text, i, &cp);
    if (n == 0) {
      out.push_back(text[i]);
      ++i;
      continue;
    }
    if (cp >= 0x20 && IsUnsafeCodePoint(cp)) {
      std::snprintf(esc, sizeof esc, "\\u%04x", static_cast<unsigned>(cp));
      out += esc;
    } else {
      out.append(text.substr(i, n));
    }
    i += n;
  }
  return out;
}

int JsonOut::Emit(const CliContext& ctx) {
  if (!status_.ok()) return ReportError(ctx, status_);
  Print();
  return kExitOk;
}

void JsonOut::Print() {
  std::string text = str();
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fputc('\n', stdout);
}

void PrintTable(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows, FILE* out) {
  std::vector<std::vector<std::string>> safe;
  safe.reserve(rows.size() + 1);
  safe.push_back(header);
  for (const auto& r : rows) {
    std::vector<std::string> s;
    s.reserve(r.size());
    for (const auto& c : r) s.push_back(TerminalSafe(c));
    safe.push_back(std::move(s));
  }
  std::vector<size_t> width(header.size(), 0);
  for (const auto& r : safe)
    for (size_t i = 0; i < r.size() && i < width.size(); ++i) width[i] = std::max(width[i], std::min<size_t>(r[i].size(), 80));
  for (const auto& r : safe) {
    std::string line;
    for (size_t i = 0; i < r.size() && i < width.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line.append(r[i].size() < width[i] ? width[i] - r[i].size() + 2 : 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    std::fprintf(out, "%s\n", line.c_str());
  }
}

}  // namespace gumshoe::cli
