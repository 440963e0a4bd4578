// Threat-intel lists: which IPs were listed, and when.
//
// Graph: ip_address -listed_in-> threat_list. The edge's hourly buckets cover
// the hours the list vouches for; "was this IP listed at time t" is "does the
// edge have a bucket for hour t/3600". One observation (count 1, first/last =
// the listing time, evidence file:line) per list line.
//
// Formats (the first line decides; --source threat_intel forces this ingestor):
// 1. Tor exit-addresses (check.torproject.org/exit-addresses): blocks of
//      ExitNode <fingerprint> / Published <time> / LastStatus <time> /
//      ExitAddress <ip> <time> (one or more)
//    List "tor". Each ExitAddress is listed for IngestOptions::tor_window_hours
//    (default 24) on each side of its timestamp: the exit list is refreshed
//    hourly and drops relays unseen for 48 h, so a test at T says "exit around
//    T", not "exit forever". The IP gets tag tor_exit and attr tor_exit_node
//    (the relay fingerprint).
// 2. One entry per line (torbulkexitlist, plain IP or CIDR lists): an IP or a
//    CIDR, optionally followed by whitespace and an ISO 8601 time at which it
//    was listed; '#' starts a comment. List name: IngestOptions::list_name;
//    without one, "tor" when the file name contains "torbulkexitlist" or
//    "tor-exit"/"tor_exit", else the file's base name without extension.
//    The listing time of a line without its own time is, in order: a header
//    directive `# listed_at: <ISO time>`, the file's modification time, the
//    ingest reference time. Each entry is listed for a window of
//    tor_window_hours on each side of that time, or `# window_hours: <N>`
//    (at most kMaxWindowHours). Tor lists tag the IP tor_exit, others tag it
//    threat_listed. A CIDR (shorter than /32, /128) is stored on the
//    threat_list entity as attr "cidr:<prefix>" = "<since>..<until>" (epoch
//    seconds; the newest listing of a prefix wins); the detections test
//    addresses against these prefixes.
//
// Rejects: bad_tor_line, bad_time, implausible_time, bad_ip, bad_entry,
// too_many_cidrs, bad_list_name.
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gumshoe/normalize.h"
#include "gumshoe/time_util.h"
#include "ingestor.h"

namespace gumshoe::ingest {
namespace {

constexpr int kMaxWindowHours = 24 * 366;
constexpr size_t kMaxCidrsPerFile = 100000;
constexpr size_t kMaxListNameBytes = 128;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

std::string BaseName(std::string_view path) {
  size_t slash = path.find_last_of('/');
  std::string_view base = slash == std::string_view::npos ? path : path.substr(slash + 1);
  for (std::string_view ext : {".gz", ".txt", ".list", ".csv", ".lst"})
    if (base.size() > ext.size() && base.substr(base.size() - ext.size()) == ext) base.remove_suffix(ext.size());
  return std::string(base);
}

bool IsTorFileName(std::string_view path) {
  std::string base = BaseName(path);
  for (char& c : base) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return base.find("torbulkexitlist") != std::string::npos || base.find("tor-exit") != std::string::npos ||
         base.find("tor_exit") != std::string::npos || base.find("exit-addresses") != std::string::npos;
}

// Adds the listing of `ip` in `list` at `t`, covering [t - w, t + w] hours.
void EmitListed(RecordContext& ctx, const EntityRef& ip, const EntityRef& list, bool tor, Timestamp t,
                int window_hours) {
  GraphDelta& delta = ctx.delta();
  std::optional<IpAddress> parsed = ParseIp(ip.key);
  if (parsed) {
    IpClass cls = ClassifyIp(*parsed);
    delta.SetAttr(ip, "ip_class", IpClassName(cls), t);
    delta.AddTag(ip, IsNonPublic(cls) ? "private" : "public", t);
  }
  delta.AddTag(ip, tor ? "tor_exit" : "threat_listed", t);
  std::string ev = ctx.EvidenceRef();
  EdgeStats& s = delta.AddEdge(ip, EdgeKind::kListedIn, list, EdgeObservation{t, 0, ev, 1});
  int64_t center = t / 3600;
  for (int64_t h = center - window_hours; h <= center + window_hours; ++h) {
    if (h == center || h < 0) continue;
    s.hourly[static_cast<uint32_t>(h)] += 1;
  }
}

class TorExitParser final : public FileParser {
 public:
  explicit TorExitParser(const IngestOptions& options)
      : window_(std::clamp(options.tor_window_hours, 0, kMaxWindowHours)) {}

  void OnLine(std::string_view line, RecordContext& ctx) override {
    line = Trim(line);
    if (line.empty() || line[0] == '#') return;
    if (StartsWith(line, "ExitNode ")) {
      node_ = std::string(Trim(line.substr(9)));
      return;
    }
    if (StartsWith(line, "Published ") || StartsWith(line, "LastStatus ")) return;
    if (!StartsWith(line, "ExitAddress ")) {
      ctx.Reject("bad_tor_line");
      return;
    }
    std::string_view rest = Trim(line.substr(12));
    size_t sp = rest.find(' ');
    if (sp == std::string_view::npos) {
      ctx.Reject("bad_tor_line");
      return;
    }
    bool leading_zero = false;
    std::optional<IpAddress> ip = ParseIp(rest.substr(0, sp), &leading_zero);
    if (!ip) {
      ctx.Reject("bad_ip");
      return;
    }
    if (leading_zero) ctx.Anomaly("leading_zero_ip");
    std::optional<Timestamp> t = ParseIsoTime(Trim(rest.substr(sp + 1)));
    if (!t) {
      ctx.Reject("bad_time");
      return;
    }
    if (!PlausibleTime(*t, ctx.now())) {
      ctx.Reject("implausible_time");
      return;
    }
    if (!ctx.BeginRecord("tor|" + node_ + "|" + std::string(line))) return;
    if (node_.empty()) ctx.Anomaly("exit_address_without_node");
    EntityRef ip_ref{EntityKind::kIpAddress, ip->ToString()};
    EntityRef list{EntityKind::kThreatList, "tor"};
    if (auto key = NormalizeKey(EntityKind::kThreatList, "tor"); key.ok()) list.key = *key;
    ctx.delta().SetAttr(list, "format", "tor_exit_addresses", *t);
    EmitListed(ctx, ip_ref, list, true, *t, window_);
    if (!node_.empty()) ctx.delta().SetAttr(ip_ref, "tor_exit_node", node_, *t);
  }

 private:
  int window_;
  std::string node_;
};

class IpListParser final : public FileParser {
 public:
  IpListParser(const FileInfo& info, const IngestOptions& options)
      : window_(std::clamp(options.tor_window_hours, 0, kMaxWindowHours)) {
    std::string name = options.list_name;
    if (name.empty()) name = IsTorFileName(info.path) ? "tor" : BaseName(info.path);
    if (name.empty() || name == "-") name = "stdin";
    tor_ = name == "tor";
    if (name.size() <= kMaxListNameBytes) {
      if (auto key = NormalizeKey(EntityKind::kThreatList, name); key.ok()) list_ = EntityRef{EntityKind::kThreatList, *key};
    }
    struct stat st;
    if (info.path != "-" && ::stat(info.path.c_str(), &st) == 0) mtime_ = st.st_mtime;
  }

  void OnLine(std::string_view line, RecordContext& ctx) override {
    line = Trim(line);
    if (line.empty()) return;
    if (line[0] == '#') {
      Directive(Trim(line.substr(1)));
      return;
    }
    size_t hash = line.find('#');
    if (hash != std::string_view::npos) line = Trim(line.substr(0, hash));
    if (!list_) {
      ctx.Reject("bad_list_name");
      return;
    }
    size_t sp = line.find_first_of(" \t,");
    std::string_view entry = line.substr(0, sp);
    Timestamp t = listed_at_ != kNoTime ? listed_at_ : mtime_ != kNoTime ? mtime_ : ctx.now();
    if (sp != std::string_view::npos) {
      std::string_view rest = Trim(line.substr(sp + 1));
      if (!rest.empty()) {
        std::optional<Timestamp> lt = ParseIsoTime(rest);
        if (!lt) {
          ctx.Reject("bad_time");
          return;
        }
        t = *lt;
      }
    }
    if (!PlausibleTime(t, ctx.now())) {
      ctx.Reject("implausible_time");
      return;
    }
    std::optional<IpAddress> ip;
    std::optional<IpPrefix> prefix;
    if (entry.find('/') != std::string_view::npos) {
      prefix = ParsePrefix(entry);
      if (!prefix) {
        ctx.Reject("bad_entry");
        return;
      }
      if (prefix->length == (prefix->base.v6 ? 128 : 32)) ip = prefix->base;
    } else {
      bool leading_zero = false;
      ip = ParseIp(entry, &leading_zero);
      if (!ip) {
        ctx.Reject("bad_ip");
        return;
      }
      if (leading_zero) ctx.Anomaly("leading_zero_ip");
    }
    if (!ctx.BeginRecord(list_->key + "|" + std::string(line) + "|" + std::to_string(t))) return;
    ctx.delta().SetAttr(*list_, "format", "ip_list", t);
    if (ip) {
      EmitListed(ctx, EntityRef{EntityKind::kIpAddress, ip->ToString()}, *list_, tor_, t, window_);
      return;
    }
    if (++cidrs_ > kMaxCidrsPerFile) {
      ctx.Reject("too_many_cidrs");
      return;
    }
    Timestamp w = static_cast<Timestamp>(window_) * 3600;
    ctx.delta().SetAttr(*list_, "cidr:" + prefix->ToString(), std::to_string(t - w) + ".." + std::to_string(t + w), t);
  }

 private:
  void Directive(std::string_view d) {
    if (StartsWith(d, "listed_at:")) {
      if (auto t = ParseUserTime(Trim(d.substr(10)))) listed_at_ = *t;
    } else if (StartsWith(d, "window_hours:")) {
      std::string_view v = Trim(d.substr(13));
      int h = 0;
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), h);
      if (ec == std::errc() && p == v.data() + v.size()) window_ = std::clamp(h, 0, kMaxWindowHours);
    }
  }

  int window_;
  bool tor_ = false;
  std::optional<EntityRef> list_;
  Timestamp mtime_ = kNoTime;
  Timestamp listed_at_ = kNoTime;
  size_t cidrs_ = 0;
};

class ThreatIntelIngestor final : public Ingestor {
 public:
  std::string_view name() const override { return "threat_intel"; }
  std::string_view description() const override {
    return "threat-intel lists: Tor exit-addresses, torbulkexitlist, plain IP/CIDR lists (--list-name)";
  }
  int Sniff(std::string_view path, std::string_view head) const override {
    if (StartsWith(head, "ExitNode ")) return 95;
    // Non-comment lines of the head (the last may be cut) that are an IP or CIDR.
    size_t lines = 0, entries = 0;
    size_t start = 0;
    while (start < head.size()) {
      size_t nl = head.find('\n', start);
      if (nl == std::string_view::npos) break;
      std::string_view l = Trim(head.substr(start, nl - start));
      start = nl + 1;
      if (l.empty() || l[0] == '#') continue;
      ++lines;
      std::string_view e = l.substr(0, l.find_first_of(" \t,#"));
      if (ParseIp(e) || (e.find('/') != std::string_view::npos && ParsePrefix(e))) ++entries;
    }
    // A few bad entries (typos, a stray header) still make a list.
    if (lines > 0 && entries * 10 >= lines * 7) return IsTorFileName(path) ? 85 : 40;
    return 0;
  }
  std::unique_ptr<FileParser> NewParser(const FileInfo& info, const IngestOptions& options) const override {
    (void)info;
    return std::make_unique<Dispatch>(info, options);
  }

 private:
  // Chooses the format on the first meaningful line.
  class Dispatch final : public FileParser {
   public:
    Dispatch(const FileInfo& info, const IngestOptions& options) : info_(info), options_(options) {}
    void OnLine(std::string_view line, RecordContext& ctx) override {
      if (!inner_) {
        std::string_view t = Trim(line);
        if (t.empty()) return;
        if (StartsWith(t, "ExitNode ") || StartsWith(t, "ExitAddress ") || StartsWith(t, "Published ") ||
            StartsWith(t, "LastStatus ")) {
          inner_ = std::make_unique<TorExitParser>(options_);
        } else if (t[0] == '#') {
          pending_comments_.emplace_back(line);
          if (pending_comments_.size() > 64) pending_comments_.erase(pending_comments_.begin());
          return;
        } else {
          inner_ = std::make_unique<IpListParser>(info_, options_);
        }
        for (const std::string& c : pending_comments_) inner_->OnLine(c, ctx);
        pending_comments_.clear();
      }
      inner_->OnLine(line, ctx);
    }
    void Finish(RecordContext& ctx) override {
      if (inner_) inner_->Finish(ctx);
    }

   private:
    FileInfo info_;
    IngestOptions options_;
    std::vector<std::string> pending_comments_;
    std::unique_ptr<FileParser> inner_;
  };
};

}  // namespace

std::unique_ptr<Ingestor> NewThreatIntelIngestor() { return std::make_unique<ThreatIntelIngestor>(); }

}  // namespace gumshoe::ingest
