// The test suite's own rule: catch_discover_tests hands each TEST_CASE name to
// CTest as a list item, so a name holding ';' becomes two CTest entries whose
// filters match nothing (they fail with --warn NoTests, but the test itself
// never runs). Every name under tests/ must be free of ';'.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

// The first string literal after each `TEST_CASE(` of `text`, adjacent
// literals joined ("a" "b" is "ab").
std::vector<std::string> TestNames(const std::string& text) {
  std::vector<std::string> out;
  const std::string marker = std::string("TEST_CASE") + "(";  // split: this line is no test case
  for (size_t at = text.find(marker); at != std::string::npos; at = text.find(marker, at + 1)) {
    size_t i = at + marker.size();
    std::string name;
    while (true) {
      while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
      if (i >= text.size() || text[i] != '"') break;
      size_t end = i + 1;
      while (end < text.size() && text[end] != '"') end += text[end] == '\\' ? 2 : 1;
      name += text.substr(i + 1, end - i - 1);
      i = end + 1;
    }
    if (!name.empty()) out.push_back(name);
  }
  return out;
}

}  // namespace

TEST_CASE("Test suite: no test case name holds a semicolon, which CTest would split", "[ingest][suite]") {
  const fs::path root = fs::path(GUMSHOE_SOURCE_DIR) / "tests";
  REQUIRE(fs::is_directory(root));
  size_t names = 0;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".cc") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    for (const std::string& name : TestNames(ss.str())) {
      ++names;
      INFO(entry.path().string() << ": " << name);
      CHECK(name.find(';') == std::string::npos);
    }
  }
  CHECK(names > 300);  // the scan found the suite
  CHECK(TestNames("TEST_CASE(\"a; \"\n   \"b\", \"[x]\")") == std::vector<std::string>{"a; b"});
}
