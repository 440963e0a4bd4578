// Output helpers for subcommands: JSON through RapidJSON's writer (always
// valid UTF-8: invalid bytes become U+FFFD) and aligned terminal tables whose
// cells pass through TerminalSafe.
#pragma once

#include <cstdio>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "cli_common.h"
#include "gumshoe/model.h"

namespace gumshoe::cli {

// Replaces invalid UTF-8 with U+FFFD so JSON output is always valid.
std::string ValidUtf8(std::string_view text);

// One JSON document (or one --jsonl line). The shape every --json document
// follows is docs/json.md; docs/schema/ holds a JSON Schema per document.
// Not thread-safe.
class JsonOut {
 public:
  // `reader` (may be null; must outlive this) is where Ref() looks up the
  // entities it is given, so a reference prints the same entity object as the
  // entity itself.
  explicit JsonOut(const GraphReader* reader = nullptr) : writer_(buffer_), reader_(reader) {}
  rapidjson::Writer<rapidjson::StringBuffer>& w() { return writer_; }
  void Key(std::string_view k) { writer_.Key(k.data(), static_cast<rapidjson::SizeType>(k.size())); }
  void String(std::string_view s) {
    std::string v = ValidUtf8(s);
    writer_.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
  }
  void Field(std::string_view k, std::string_view v) { Key(k); String(v); }
  void Field(std::string_view k, const char* v) { Key(k); String(v); }
  void Field(std::string_view k, const std::string& v) { Key(k); String(v); }
  void Field(std::string_view k, uint64_t v) { Key(k); writer_.Uint64(v); }
  void Field(std::string_view k, int64_t v) { Key(k); writer_.Int64(v); }
  void Field(std::string_view k, int v) { Key(k); writer_.Int(v); }
  void Field(std::string_view k, bool v) { Key(k); writer_.Bool(v); }
  void Time(std::string_view k, Timestamp t);  // ISO 8601 UTC text, or null
  // "<key>": {"from": time|null, "to": time|null} (null: unbounded that side).
  void Window(std::string_view k, const TimeWindow& w);
  // Starts a --json document: {"schema", "store", "window", ... The caller
  // writes "entity" (the queried entity, or null) and the rest, then EndObject.
  void Begin(std::string_view schema, const CliContext& ctx, const TimeWindow& window);

  // The entity object, the only place it is written (docs/json.md "The entity
  // object"): {kind, key, id ("kind:key"), label (short name), first_seen,
  // last_seen, attrs, tags}.
  void Entity(const gumshoe::Entity& e);
  // The same object for a reference: the stored entity when the reader has it
  // (looked up once per reference), else null times and no attrs or tags.
  void Ref(const EntityRef& r);
  // The same shape for a thing that is no graph entity kind (an IAM group of
  // an authorization snapshot): the given kind and key, times null.
  void Unstored(std::string_view kind, std::string_view key, std::string_view label);
  // An array of entity objects.
  void Refs(const std::vector<EntityRef>& refs);
  void Stats(const EdgeStats& s);              // {count,success,failure,first/last,evidence,counters}

  // The first store read that failed while looking up a reference.
  const Status& status() const { return status_; }
  // Prints the document and a newline on stdout.
  void Print();
  // Prints the document and returns kExitOk, or reports status() and returns its exit code.
  int Emit(const CliContext& ctx);
  // The document, with every unsafe code point (utf8.h) escaped.
  std::string str() const;

 private:
  void EntityObject(std::string_view kind, std::string_view key, std::string_view id, std::string_view label,
                    Timestamp first_seen, Timestamp last_seen, const gumshoe::Entity* stored);
  rapidjson::StringBuffer buffer_;
  rapidjson::Writer<rapidjson::StringBuffer> writer_;
  const GraphReader* reader_;
  std::map<EntityRef, std::optional<gumshoe::Entity>> looked_up_;
  Status status_;
};

// --jsonl: prints each of `items` as one JSON object per line, written by
// write(JsonOut&, item) with refs looked up in `reader`; returns an exit code.
template <typename Items, typename Write>
int PrintJsonLines(const CliContext& ctx, const GraphReader* reader, const Items& items, Write write) {
  for (const auto& item : items) {
    JsonOut j(reader);
    write(j, item);
    if (!j.status().ok()) return ReportError(ctx, j.status());
    j.Print();
  }
  return kExitOk;
}

// Prints rows as aligned columns; every cell goes through TerminalSafe.
void PrintTable(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
                FILE* out = stdout);

}  // namespace gumshoe::cli
