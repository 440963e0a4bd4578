// Parse-only baselines: the least work any ingestor must do on the same bytes.
#include <arpa/inet.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <libdeflate.h>
#include <zlib.h>

#include <algorithm>
#include <charconv>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string_view>

#include <rapidjson/document.h>

#include "bench_util.h"

namespace gumshoe::bench {

namespace fs = std::filesystem;

void Set(Results& r, const std::string& key, double value) {
  char buf[64];
  bool integral = value == double(int64_t(value)) && value > -1e15 && value < 1e15;
  std::snprintf(buf, sizeof(buf), integral ? "%.0f" : "%.6g", value);
  r[key] = buf;
}

double Get(const Results& r, const std::string& key, double fallback) {
  auto it = r.find(key);
  if (it == r.end()) return fallback;
  return std::strtod(it->second.c_str(), nullptr);
}

bool WriteResults(const std::string& path, const Results& r) {
  std::ofstream out(path, std::ios::trunc);
  for (const auto& [k, v] : r) {
    std::string clean = v;
    std::replace(clean.begin(), clean.end(), '\n', ' ');
    out << k << ' ' << clean << '\n';
  }
  return static_cast<bool>(out);
}

Results ReadResults(const std::string& path) {
  Results r;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    size_t sp = line.find(' ');
    if (sp == std::string::npos) continue;
    r[line.substr(0, sp)] = line.substr(sp + 1);
  }
  return r;
}

ChildRun RunChild(const std::string& work, const std::string& name, const std::function<int(Results&)>& fn) {
  ChildRun run;
  std::string file = work + "/phase-" + name + ".txt";
  std::error_code ec;
  fs::remove(file, ec);
  std::fflush(stdout);
  std::fflush(stderr);
  double t0 = Now();
  pid_t pid = fork();
  if (pid == 0) {
    Results r;
    int rc = fn(r);
    WriteResults(file, r);
    std::fflush(stdout);
    _exit(rc);
  }
  int status = 0;
  struct rusage ru {};
  if (pid < 0 || wait4(pid, &status, 0, &ru) < 0) return run;
  run.wall = Now() - t0;
  run.max_rss_mib = double(ru.ru_maxrss) / 1024.0;
  run.cpu = double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  run.results = ReadResults(file);
  run.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (!run.ok) std::fprintf(stderr, "%s: phase %s failed (status %d)\n", program_invocation_short_name, name.c_str(), status);
  return run;
}

void Lat(Results& r, const std::string& name, const std::vector<double>& ms) {
  Set(r, name + ".n", double(ms.size()));
  Set(r, name + ".p50_ms", Percentile(ms, 0.50));
  Set(r, name + ".p99_ms", Percentile(ms, 0.99));
  Set(r, name + ".max_ms", Percentile(ms, 1.0));
}

std::vector<std::string> FindFiles(const std::string& root, const std::string& marker) {
  std::vector<std::string> out;
  std::error_code ec;
  if (!fs::exists(root, ec)) return out;
  for (auto it = fs::recursive_directory_iterator(root, ec); it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (!it->is_regular_file()) continue;
    std::string p = it->path().string();
    if (p.find(marker) != std::string::npos) out.push_back(std::move(p));
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool ReadWholeFile(const std::string& path, std::string& out) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return false;
  std::fseek(f, 0, SEEK_END);
  long size = std::ftell(f);
  std::fseek(f, 0, SEEK_SET);
  out.resize(size > 0 ? size_t(size) : 0);
  size_t n = out.empty() ? 0 : std::fread(out.data(), 1, out.size(), f);
  std::fclose(f);
  return n == out.size();
}

uint64_t DirBytes(const std::string& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (it->is_regular_file(ec)) total += it->file_size(ec);
  }
  return total;
}

double CpuSeconds() {
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

namespace {

bool IsGz(const std::string& path) { return path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0; }

// Gunzips `in` into `out` with libdeflate, using the ISIZE trailer as a size hint.
bool Gunzip(libdeflate_decompressor* d, const std::string& in, std::string& out) {
  if (in.size() < 18) return false;
  uint32_t isize;
  std::memcpy(&isize, in.data() + in.size() - 4, 4);
  size_t cap = std::max<size_t>(isize, 1024);
  for (int attempt = 0; attempt < 6; ++attempt) {
    out.resize(cap);
    size_t actual = 0;
    auto rc = libdeflate_gzip_decompress(d, in.data(), in.size(), out.data(), out.size(), &actual);
    if (rc == LIBDEFLATE_SUCCESS) {
      out.resize(actual);
      return true;
    }
    if (rc != LIBDEFLATE_INSUFFICIENT_SPACE) return false;
    cap *= 4;
  }
  return false;
}

// Reads and (when .gz) decompresses one file into `text`.
bool Load(libdeflate_decompressor* d, const std::string& path, std::string& raw, std::string& text, ParseTotals& t) {
  if (!ReadWholeFile(path, raw)) return false;
  t.in_bytes += raw.size();
  if (IsGz(path)) {
    if (!Gunzip(d, raw, text)) return false;
  } else {
    text.swap(raw);
  }
  t.raw_bytes += text.size();
  return true;
}

}  // namespace

ParseTotals InflateOnly(const std::vector<std::string>& files) {
  ParseTotals t;
  libdeflate_decompressor* d = libdeflate_alloc_decompressor();
  std::string raw, text;
  double t0 = Now(), c0 = CpuSeconds();
  for (const auto& f : files) Load(d, f, raw, text, t);
  t.seconds = Now() - t0;
  t.cpu_seconds = CpuSeconds() - c0;
  libdeflate_free_decompressor(d);
  return t;
}

ParseTotals ZlibInflateOnly(const std::vector<std::string>& files) {
  ParseTotals t;
  std::string raw;
  std::vector<char> buf(1 << 16);
  double t0 = Now(), c0 = CpuSeconds();
  for (const auto& f : files) {
    if (!ReadWholeFile(f, raw)) continue;
    t.in_bytes += raw.size();
    z_stream zs{};
    if (inflateInit2(&zs, 15 + 16) != Z_OK) continue;
    zs.next_in = reinterpret_cast<Bytef*>(raw.data());
    zs.avail_in = uInt(raw.size());
    int rc = Z_OK;
    while (rc == Z_OK) {
      zs.next_out = reinterpret_cast<Bytef*>(buf.data());
      zs.avail_out = uInt(buf.size());
      rc = inflate(&zs, Z_NO_FLUSH);
      t.raw_bytes += buf.size() - zs.avail_out;
    }
    inflateEnd(&zs);
  }
  t.seconds = Now() - t0;
  t.cpu_seconds = CpuSeconds() - c0;
  return t;
}

ParseTotals ParseCloudTrail(const std::vector<std::string>& files) {
  ParseTotals t;
  libdeflate_decompressor* d = libdeflate_alloc_decompressor();
  std::string raw, text;
  double t0 = Now(), c0 = CpuSeconds();
  for (const auto& f : files) {
    if (!Load(d, f, raw, text, t)) continue;
    rapidjson::Document doc;
    doc.Parse(text.data(), text.size());
    if (doc.HasParseError() || !doc.IsObject()) continue;
    auto it = doc.FindMember("Records");
    if (it != doc.MemberEnd() && it->value.IsArray()) t.records += it->value.Size();
  }
  t.seconds = Now() - t0;
  t.cpu_seconds = CpuSeconds() - c0;
  libdeflate_free_decompressor(d);
  return t;
}

ParseTotals ParseFlows(const std::vector<std::string>& files) {
  ParseTotals t;
  libdeflate_decompressor* d = libdeflate_alloc_decompressor();
  std::string raw, text;
  uint64_t checksum = 0;
  double t0 = Now(), c0 = CpuSeconds();
  for (const auto& f : files) {
    if (!Load(d, f, raw, text, t)) continue;
    std::string_view all(text);
    bool header = true;
    while (!all.empty()) {
      size_t nl = all.find('\n');
      std::string_view line = all.substr(0, nl);
      all.remove_prefix(nl == std::string_view::npos ? all.size() : nl + 1);
      if (line.empty()) continue;
      if (header) {  // the header line names the fields
        header = false;
        if (line.find("srcaddr") != std::string_view::npos) continue;
      }
      // Split on spaces and parse each field by its type.
      size_t field = 0;
      while (!line.empty()) {
        size_t sp = line.find(' ');
        std::string_view tok = line.substr(0, sp);
        line.remove_prefix(sp == std::string_view::npos ? line.size() : sp + 1);
        if (tok == "-") {
          ++field;
          continue;
        }
        if (field == 3 || field == 4) {
          char ip[64];
          size_t n = std::min(tok.size(), sizeof(ip) - 1);
          std::memcpy(ip, tok.data(), n);
          ip[n] = 0;
          unsigned char addr[16];
          checksum += inet_pton(tok.find(':') == std::string_view::npos ? AF_INET : AF_INET6, ip, addr) == 1 ? addr[3] : 0;
        } else if (field == 0 || field == 1 || (field >= 5 && field <= 11)) {
          uint64_t v = 0;
          std::from_chars(tok.data(), tok.data() + tok.size(), v);
          checksum += v;
        } else {
          checksum += tok.size();
        }
        ++field;
      }
      ++t.records;
    }
  }
  t.seconds = Now() - t0;
  t.cpu_seconds = CpuSeconds() - c0;
  libdeflate_free_decompressor(d);
  if (checksum == 42) std::fputs("", stderr);  // keep the parse from being optimised away
  return t;
}

bool GunzipTree(const std::vector<std::string>& files, const std::string& root, const std::string& out_root,
                std::vector<std::string>& written) {
  libdeflate_decompressor* d = libdeflate_alloc_decompressor();
  std::string raw, text;
  bool ok = true;
  for (const auto& f : files) {
    ParseTotals t;
    if (!Load(d, f, raw, text, t)) {
      ok = false;
      break;
    }
    std::string rel = fs::relative(f, root).string();
    if (IsGz(rel)) rel.resize(rel.size() - 3);
    fs::path dst = fs::path(out_root) / rel;
    fs::create_directories(dst.parent_path());
    std::ofstream out(dst, std::ios::binary | std::ios::trunc);
    out.write(text.data(), std::streamsize(text.size()));
    if (!out) {
      ok = false;
      break;
    }
    written.push_back(dst.string());
  }
  libdeflate_free_decompressor(d);
  return ok;
}

}  // namespace gumshoe::bench
