// README.md's "Anomalies and rejects" table against the ingestors' sources:
// every name a source can count (a string literal passed to Anomaly(),
// Reject() or OnReject(), a string_view constant passed to them, or a reason a
// parser returns for Reject(reason)) has a row in the right half of the table
// (rejects / anomalies) naming its source, and no row names a counter that no
// source counts. A literal that is the start of a concatenation
// (std::string("bad_") + what) is documented as the family `bad_<field>`.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The file without its whole-line // comments (prose that quotes names).
std::string WithoutCommentLines(const std::string& text) {
  std::istringstream in(text);
  std::string line, out;
  while (std::getline(in, line)) {
    size_t first = line.find_first_not_of(" \t");
    if (first != std::string::npos && line.compare(first, 2, "//") == 0) continue;
    out += line;
    out += '\n';
  }
  return out;
}

bool IsNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// String literals of `arg` made of name characters; a literal followed by
// `+` (after an optional `)`) is a prefix and gets "<field>" appended.
std::vector<std::string> Literals(const std::string& arg) {
  std::vector<std::string> out;
  for (size_t i = 0; i < arg.size(); ++i) {
    if (arg[i] != '"') continue;
    size_t end = arg.find('"', i + 1);
    if (end == std::string::npos) break;
    std::string lit = arg.substr(i + 1, end - i - 1);
    bool name = !lit.empty();
    for (char c : lit) name &= IsNameChar(c);
    size_t j = end + 1;
    while (j < arg.size() && (arg[j] == ' ' || arg[j] == ')')) ++j;
    if (name) out.push_back(j < arg.size() && arg[j] == '+' ? lit + "<field>" : lit);
    i = end;
  }
  return out;
}

// `constexpr std::string_view kName = "value";` of a file.
std::map<std::string, std::string> Constants(const std::string& text) {
  std::map<std::string, std::string> out;
  const std::string marker = "constexpr std::string_view ";
  for (size_t at = text.find(marker); at != std::string::npos; at = text.find(marker, at + 1)) {
    size_t name_begin = at + marker.size();
    size_t eq = text.find(" = \"", name_begin);
    size_t semi = text.find(';', name_begin);
    if (eq == std::string::npos || semi < eq) continue;
    size_t close = text.find('"', eq + 4);
    if (close == std::string::npos) continue;
    out[text.substr(name_begin, eq - name_begin)] = text.substr(eq + 4, close - eq - 4);
  }
  return out;
}

// The ingestor names a folder's counters are reported under.
std::vector<std::string> SourcesOf(const std::string& folder) {
  if (folder == "dns") return {"route53"};
  if (folder == "db_login") return {"mysql_audit", "postgres"};
  if (folder.empty()) return {"every"};  // the framework: any source's files
  return {folder};
}

struct Found {
  std::set<std::string> folders;
};

// kind ("reject"/"anomaly") -> name -> folders (relative to ingest/src, "" for the framework).
std::map<std::string, std::map<std::string, Found>> NamesInSources(const fs::path& root) {
  std::map<std::string, std::map<std::string, Found>> out;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file()) continue;
    std::string ext = entry.path().extension().string();
    if (ext != ".cc" && ext != ".h") continue;
    std::string folder = fs::relative(entry.path().parent_path(), root).generic_string();
    if (folder == ".") folder.clear();
    std::string text = WithoutCommentLines(Slurp(entry.path()));
    std::map<std::string, std::string> consts = Constants(text);
    for (const char* call : {"Anomaly(", "Reject(", "OnReject("}) {
      const std::string kind = std::string(call) == "Anomaly(" ? "anomaly" : "reject";
      const std::string needle = call;
      for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
        if (at > 0 && IsNameChar(text[at - 1])) continue;  // OnReject( inside "OnReject(" for Reject(
        size_t semi = text.find_first_of(";{", at);
        if (semi == std::string::npos) break;
        std::string arg = text.substr(at + needle.size(), semi - at - needle.size());
        for (const std::string& lit : Literals(arg)) out[kind][lit].folders.insert(folder);
        for (const auto& [k, v] : consts)
          if (arg.find(k) != std::string::npos) out[kind][v].folders.insert(folder);
        // Reject(reason) where the parser returns the reason: the file's `return "x";`.
        if (arg.rfind("reason)", 0) == 0) {
          std::istringstream in(text);
          std::string line;
          while (std::getline(in, line)) {
            if (line.find("override") != std::string::npos) continue;
            size_t r = line.find("return \"");
            if (r == std::string::npos) continue;
            size_t close = line.find('"', r + 8);
            if (close == std::string::npos || line.compare(close, 2, "\";") != 0) continue;
            std::string reason = line.substr(r + 8, close - r - 8);
            bool name = !reason.empty();
            for (char c : reason) name &= IsNameChar(c);
            if (name) out[kind][reason].folders.insert(folder);
          }
        }
      }
    }
  }
  return out;
}

// README section rows: kind -> name -> source cell.
std::map<std::string, std::map<std::string, std::string>> ReadmeTable(const std::string& readme) {
  std::map<std::string, std::map<std::string, std::string>> out;
  size_t begin = readme.find("\n## Anomalies and rejects\n");
  REQUIRE(begin != std::string::npos);
  size_t end = readme.find("\n## ", begin + 5);
  std::istringstream in(readme.substr(begin, end - begin));
  std::string line, kind;
  while (std::getline(in, line)) {
    if (line.rfind("**Rejects", 0) == 0) kind = "reject";
    if (line.rfind("**Anomalies", 0) == 0) kind = "anomaly";
    if (line.rfind("| `", 0) != 0) continue;
    REQUIRE(!kind.empty());
    size_t close = line.find('`', 3);
    std::string name = line.substr(3, close - 3);
    size_t cell = line.find("| ", close);
    size_t cell_end = line.find(" |", cell + 2);
    INFO(line);
    CHECK(out[kind].count(name) == 0);  // one row per name and half
    out[kind][name] = line.substr(cell + 2, cell_end - cell - 2);
  }
  return out;
}

TEST_CASE("README: every anomaly and reject name of the ingestors is explained, and only those", "[ingest][readme]") {
  const fs::path src = fs::path(GUMSHOE_SOURCE_DIR) / "ingest" / "src";
  REQUIRE(fs::exists(src));
  auto names = NamesInSources(src);
  auto table = ReadmeTable(Slurp(fs::path(GUMSHOE_SOURCE_DIR) / "README.md"));
  // The scan itself finds what it should (so that an empty scan cannot pass).
  REQUIRE(names["anomaly"].count("mint_without_session") == 1);
  REQUIRE(names["anomaly"].count("bad_<field>") == 1);
  REQUIRE(names["reject"].count("malformed_json") == 1);
  REQUIRE(names["reject"].count("truncated_json") == 1);  // a string_view constant
  REQUIRE(names["reject"].count("bad_prefix") == 1);      // returned by postgres' line parser
  CHECK(names["anomaly"].size() + names["reject"].size() > 80);

  for (const auto& [kind, by_name] : names) {
    for (const auto& [name, found] : by_name) {
      INFO(kind << " " << name);
      auto row = table[kind].find(name);
      REQUIRE(row != table[kind].end());
      for (const std::string& folder : found.folders) {
        bool named = false;
        for (const std::string& s : SourcesOf(folder)) named |= row->second.find(s) != std::string::npos;
        INFO("source folder '" << folder << "', row says '" << row->second << "'");
        CHECK(named);
      }
    }
  }
  for (const auto& [kind, rows] : table) {
    for (const auto& [name, sources] : rows) {
      INFO(kind << " row " << name << " (" << sources << ")");
      auto it = names[kind].find(name);
      REQUIRE(it != names[kind].end());
      // Each source the row names does count it.
      std::istringstream in(sources);
      std::string token;
      while (std::getline(in, token, ',')) {
        token.erase(0, token.find_first_not_of(' '));
        if (token.rfind("every", 0) == 0) continue;
        bool counts = false;
        for (const std::string& folder : it->second.folders)
          for (const std::string& s : SourcesOf(folder)) counts |= s == token;
        INFO("source " << token);
        CHECK(counts);
      }
    }
  }
}

}  // namespace
