// Runs the gumshoe binary (GUMSHOE_CLI_PATH) from CLI tests: each call gets a
// fresh stdout/stderr capture inside a temporary directory and no stdin.
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace gumshoe::cli_test {

namespace fs = std::filesystem;

struct Run {
  int code = -1;  // exit status, -1 when killed by a signal
  std::string out, err;
};

// `s` single-quoted for /bin/sh.
inline std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'') {
      q += "'\\''";
    } else {
      q += c;
    }
  }
  return q + "'";
}

inline std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A directory under /tmp, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/gumshoe-cli-XXXXXX";
    if (mkdtemp(tmpl) != nullptr) path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }
  std::string db() const { return (path_ / "store.db").string(); }

 private:
  fs::path path_;
};

// Runs `gumshoe ARGS` (ARGS already quoted as needed).
inline Run Gumshoe(const TempDir& dir, const std::string& args) {
  fs::path out = dir.path() / "stdout", err = dir.path() / "stderr";
  std::string cmd = std::string(GUMSHOE_CLI_PATH) + " " + args + " >" + Quote(out.string()) + " 2>" +
                    Quote(err.string()) + " </dev/null";
  int status = std::system(cmd.c_str());
  Run r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = Slurp(out);
  r.err = Slurp(err);
  return r;
}

inline bool Has(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

}  // namespace gumshoe::cli_test
