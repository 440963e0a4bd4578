// The source table (ingest/src/registry.cc kSources) is the one list of log
// sources. The fuzz targets (tests/fuzz/CMakeLists.txt) and scripts/fuzz.sh
// read its rows as text; these tests check that reading against the compiled
// table, and the README's Sources table against it.
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "gumshoe/ingest.h"
#include "registry.h"

namespace gumshoe::ingest {
namespace {

std::string ReadSource(const std::string& relative) {
  std::ifstream in(std::string(GUMSHOE_SOURCE_DIR) + "/" + relative, std::ios::binary);
  REQUIRE(in.good());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The rows as scripts/fuzz.sh (sed) and tests/fuzz/CMakeLists.txt (file(STRINGS))
// read them: one line `    {"name", &NewX, "seeds"},`.
std::vector<std::pair<std::string, std::string>> RowsReadAsText() {
  static const std::regex row(R"re(^    \{"([a-z0-9_]+)", &New[A-Za-z0-9]+, "([^"]*)"\},$)re");
  std::vector<std::pair<std::string, std::string>> rows;
  std::istringstream in(ReadSource("ingest/src/registry.cc"));
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_match(line, m, row)) rows.emplace_back(m[1], m[2]);
  }
  return rows;
}

TEST_CASE("Registry: each row builds the ingestor it names, and ListIngestors follows the table", "[ingest][registry]") {
  const auto table = SourceTable();
  REQUIRE(table.size() == Ingestors().size());
  std::set<std::string_view> names;
  for (size_t i = 0; i < table.size(); ++i) {
    CHECK(table[i].name == Ingestors()[i]->name());
    CHECK(names.insert(table[i].name).second);
  }
  const std::vector<IngestorInfo> infos = ListIngestors();
  REQUIRE(infos.size() == table.size());
  for (size_t i = 0; i < table.size(); ++i) CHECK(infos[i].name == table[i].name);
}

TEST_CASE("Registry: the fuzz build and scripts/fuzz.sh read every row with its seeds", "[ingest][registry]") {
  const auto rows = RowsReadAsText();
  const auto table = SourceTable();
  REQUIRE(rows.size() == table.size());
  for (size_t i = 0; i < table.size(); ++i) {
    CHECK(rows[i].first == table[i].name);
    CHECK(rows[i].second == table[i].fuzz_seeds);
    // Every seed folder exists, so no fuzz target starts from an empty corpus by a typo.
    std::istringstream seeds{std::string(table[i].fuzz_seeds)};
    int folders = 0;
    for (std::string dir; seeds >> dir; ++folders) {
      INFO(table[i].name << " seeds from tests/data/" << dir);
      CHECK(std::filesystem::is_directory(std::string(GUMSHOE_TEST_DATA) + "/" + dir));
    }
    CHECK(folders > 0);
  }
  // Both readers take the table from registry.cc instead of a list of their own.
  CHECK(ReadSource("scripts/fuzz.sh").find("ingest/src/registry.cc") != std::string::npos);
  CHECK(ReadSource("tests/fuzz/CMakeLists.txt").find("ingest/src/registry.cc") != std::string::npos);
}

TEST_CASE("Registry: the README's Sources table has one row per source, in table order", "[ingest][registry]") {
  const std::string readme = ReadSource("README.md");
  const size_t start = readme.find("\n## Sources\n");
  REQUIRE(start != std::string::npos);
  const size_t end = readme.find("\n#", start + 1);
  std::istringstream in(readme.substr(start, end - start));
  static const std::regex row(R"re(^\| `([a-z0-9_]+)` \|.*)re");
  std::vector<std::string> listed;
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_match(line, m, row)) listed.push_back(m[1]);
  }
  std::vector<std::string> expected;
  for (const SourceRow& r : SourceTable()) expected.emplace_back(r.name);
  CHECK(listed == expected);
}

}  // namespace
}  // namespace gumshoe::ingest
