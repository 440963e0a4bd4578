// Threat-intel lists: which IPs were listed, and when.
//
// Graph: ip_address -listed_in-> threat_list. "Was this IP listed at time t"
// is, on that edge: counter listed_always > 0 (an undated entry: listed for
// the whole timeline), or a hourly bucket for hour t/3600 (a dated entry
// covers the hours of its window). One observation (count 1, evidence
// file:line) per list line; first/last seen = the listing time of a dated
// entry, none (kNoTime) for an undated one.
//
// Formats (the first line decides; --source threat_intel forces this ingestor):
// 1. Tor exit-addresses (check.torproject.org/exit-addresses): blocks of
//      ExitNode <fingerprint> / Published <time> / LastStatus <time> /
//      ExitAddress <ip> <time> (one or more)
//    List "tor" (or IngestOptions::list_name). Each ExitAddress is listed for
//    IngestOptions::tor_window_hours (default 24) on each side of its
//    timestamp: the exit list is refreshed hourly and drops relays unseen for
//    48 h, so a test at T says "exit around T", not "exit forever". The IP
//    gets tag tor_exit and attr tor_exit_node (the relay fingerprint).
// 2. One entry per line (torbulkexitlist, plain IP or CIDR lists): an IP or a
//    CIDR, optionally followed by whitespace and an ISO 8601 time at which it
//    was listed; '#' starts a comment. List name: IngestOptions::list_name;
//    without one, "tor" when the file name contains "torbulkexitlist" or
//    "tor-exit"/"tor_exit", else the file's base name without extension.
//    The listing time of a line without its own time: IngestOptions::
//    list_listed_at (--listed-at), else a header directive
//    `# listed_at: <time>`; with neither, the entry is undated and holds for
//    the whole timeline (a list says nothing about when it was compiled; the
//    file's modification time is only when it was downloaded). A dated entry
//    is listed for a window of IngestOptions::list_window_hours
//    (--window-hours), else `# window_hours: <N>`, else tor_window_hours, on
//    each side of its time. Tor lists tag the IP tor_exit, others tag it
//    threat_listed. A CIDR (shorter than /32, /128) is stored on the
//    threat_list entity as attr "cidr:<prefix>" = "<since>..<until>" (epoch
//    seconds; "..": the whole timeline; the newest listing of a prefix wins);
//    the detections test addresses against these prefixes.
//
// Record identity: the list name, the line and the listing it makes (time or
// "always", window), so the same file under another --list-name, or with
// another --listed-at/--window-hours, is a new listing, not a duplicate.
//
// Limits: a window is at most kMaxWindowHours on each side (a larger
// `# window_hours:` header is rejected as window_hours_too_large and the
// previous window stays); the hourly buckets written per file are at most
// kMaxListedHoursPerFile (entries past it are rejected as
// listed_hours_limit); CIDRs per file at most kMaxCidrsPerFile
// (too_many_cidrs). The buckets an entry adds count towards the write
// batch's size, so a long window closes batches sooner instead of growing
// one past --batch-mib.
//
// Rejects: bad_tor_line, bad_time, implausible_time, bad_ip, bad_entry,
// too_many_cidrs, bad_list_name, bad_directive, window_hours_too_large,
// listed_hours_limit.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gumshoe/ingest.h"
#include "gumshoe/normalize.h"
#include "gumshoe/time_util.h"
#include "ingestor.h"

namespace gumshoe::ingest {
namespace {

constexpr int kMaxWindowHours = kMaxListWindowHours;
constexpr size_t kMaxCidrsPerFile = 100000;
constexpr size_t kMaxListNameBytes = 128;
// Counter of undated listings: listed for the whole timeline.
constexpr std::string_view kListedAlways = "listed_always";
// What one new hourly bucket costs in a delta (GraphDelta's own estimate).
constexpr size_t kBucketBytes = 48;

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

// The list entity for `name`, or nullopt when the name is unusable.
std::optional<EntityRef> ListRef(std::string_view name) {
  if (name.empty() || name.size() > kMaxListNameBytes) return std::nullopt;
  Result<std::string> key = NormalizeKey(EntityKind::kThreatList, name);
  if (!key.ok()) return std::nullopt;
  return EntityRef{EntityKind::kThreatList, std::move(key).value()};
}

// The hourly buckets left to a file (IngestOptions::max_listed_hours_per_file:
// by default 2^24, e.g. 340k entries with the default 24 h window, 11k with
// the longest; each write batch stays bounded by --batch-mib meanwhile).
class HourBudget {
 public:
  explicit HourBudget(uint64_t limit) : limit_(limit) {}
  // Takes the buckets of a window of `window_hours` on each side; false when
  // the file's budget does not hold them (nothing taken).
  bool Take(int window_hours) {
    uint64_t n = 2 * static_cast<uint64_t>(window_hours) + 1;
    if (used_ + n > limit_) return false;
    used_ += n;
    return true;
  }

 private:
  uint64_t limit_;
  uint64_t used_ = 0;
};

// Adds the listing of `ip` in `list`: at `t`, covering [t - w, t + w] hours;
// undated (t == kNoTime): for the whole timeline (counter listed_always).
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
  if (t == kNoTime) {
    s.counters[std::string(kListedAlways)] += 1;
    return;
  }
  int64_t center = t / 3600;
  size_t added = 0;
  for (int64_t h = center - window_hours; h <= center + window_hours; ++h) {
    if (h == center || h < 0) continue;
    auto [it, fresh] = s.hourly.try_emplace(static_cast<uint32_t>(h), 0);
    it->second += 1;
    added += fresh;
  }
  delta.NoteBytes(added * kBucketBytes);
}

class TorExitParser final : public FileParser {
 public:
  explicit TorExitParser(const IngestOptions& options)
      : window_(std::clamp(options.tor_window_hours, 0, kMaxWindowHours)),
        list_(ListRef(options.list_name.empty() ? std::string_view("tor") : std::string_view(options.list_name))),
        budget_(options.max_listed_hours_per_file) {}

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
    if (!list_) {
      ctx.Reject("bad_list_name");
      return;
    }
    if (!budget_.Take(window_)) {
      ctx.Reject("listed_hours_limit");
      return;
    }
    // The default list keeps its historical identity ("tor|node|line").
    std::string identity = list_->key == "tor" ? std::string("tor") : list_->key + "|tor";
    identity += "|" + node_ + "|" + std::string(line);
    if (window_ != 24) identity += "|w" + std::to_string(window_);
    if (!ctx.BeginRecord(identity)) return;
    if (node_.empty()) ctx.Anomaly("exit_address_without_node");
    EntityRef ip_ref{EntityKind::kIpAddress, ip->ToString()};
    ctx.delta().SetAttr(*list_, "format", "tor_exit_addresses", *t);
    EmitListed(ctx, ip_ref, *list_, true, *t, window_);
    if (!node_.empty()) ctx.delta().SetAttr(ip_ref, "tor_exit_node", node_, *t);
  }

 private:
  int window_;
  std::optional<EntityRef> list_;
  std::string node_;
  HourBudget budget_;
};

class IpListParser final : public FileParser {
 public:
  IpListParser(const FileInfo& info, const IngestOptions& options)
      : window_(std::clamp(options.tor_window_hours, 0, kMaxWindowHours)),
        window_fixed_(options.list_window_hours >= 0),
        listed_at_(options.list_listed_at),
        listed_at_fixed_(options.list_listed_at != kNoTime),
        budget_(options.max_listed_hours_per_file) {
    if (window_fixed_) window_ = std::min(options.list_window_hours, kMaxWindowHours);
    std::string name = options.list_name;
    if (name.empty()) name = IsTorFileName(info.path) ? "tor" : BaseName(info.path);
    if (name.empty() || name == "-") name = "stdin";
    tor_ = name == "tor";
    list_ = ListRef(name);
  }

  void OnLine(std::string_view line, RecordContext& ctx) override {
    line = Trim(line);
    if (line.empty()) return;
    if (line[0] == '#') {
      Directive(Trim(line.substr(1)), ctx);
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
    Timestamp t = listed_at_;  // kNoTime: undated, the whole timeline
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
    if (t != kNoTime && !PlausibleTime(t, ctx.now())) {
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
    if (!ip && cidrs_ >= kMaxCidrsPerFile) {
      ctx.Reject("too_many_cidrs");
      return;
    }
    if (ip && t != kNoTime && !budget_.Take(window_)) {
      ctx.Reject("listed_hours_limit");
      return;
    }
    std::string identity = list_->key + "|" + std::string(line) + "|";
    identity += t == kNoTime ? std::string("always") : std::to_string(t) + "|w" + std::to_string(window_);
    if (!ctx.BeginRecord(identity)) return;
    ctx.delta().SetAttr(*list_, "format", "ip_list", t);
    if (ip) {
      EmitListed(ctx, EntityRef{EntityKind::kIpAddress, ip->ToString()}, *list_, tor_, t, window_);
      return;
    }
    ++cidrs_;
    Timestamp w = static_cast<Timestamp>(window_) * 3600;
    ctx.delta().SetAttr(*list_, "cidr:" + prefix->ToString(),
                        t == kNoTime ? std::string("..") : std::to_string(t - w) + ".." + std::to_string(t + w), t);
  }

 private:
  void Directive(std::string_view d, RecordContext& ctx) {
    if (StartsWith(d, "listed_at:")) {
      std::optional<Timestamp> t = ParseUserTime(Trim(d.substr(10)));
      if (!t) {
        ctx.Reject("bad_directive");
        return;
      }
      if (!listed_at_fixed_) listed_at_ = *t;
    } else if (StartsWith(d, "window_hours:")) {
      std::string_view v = Trim(d.substr(13));
      int h = 0;
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), h);
      if (ec == std::errc::result_out_of_range || (ec == std::errc() && p == v.data() + v.size() && h > kMaxWindowHours)) {
        ctx.Reject("window_hours_too_large");
        return;
      }
      if (ec != std::errc() || p != v.data() + v.size() || h < 0) {
        ctx.Reject("bad_directive");
        return;
      }
      if (!window_fixed_) window_ = h;
    }
  }

  int window_;
  const bool window_fixed_;  // --window-hours given: headers do not change it
  Timestamp listed_at_;
  const bool listed_at_fixed_;  // --listed-at given
  bool tor_ = false;
  std::optional<EntityRef> list_;
  size_t cidrs_ = 0;
  HourBudget budget_;
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
      std::string_view t = Trim(line);
      if (t.empty()) return;
      if (!inner_ || tentative_) {
        bool tor = StartsWith(t, "ExitNode ") || StartsWith(t, "ExitAddress ") || StartsWith(t, "Published ") ||
                   StartsWith(t, "LastStatus ");
        if (t[0] == '#') {
          // Comments before the first entry: a plain list's header
          // directives, read at their own line (a Tor file ignores them).
          if (!inner_) {
            inner_ = std::make_unique<IpListParser>(info_, options_);
            tentative_ = true;
          }
        } else {
          if (tor) inner_ = std::make_unique<TorExitParser>(options_);
          if (!inner_) inner_ = std::make_unique<IpListParser>(info_, options_);
          tentative_ = false;
        }
      }
      inner_->OnLine(line, ctx);
    }
    void Finish(RecordContext& ctx) override {
      if (inner_) inner_->Finish(ctx);
    }

   private:
    FileInfo info_;
    IngestOptions options_;
    std::unique_ptr<FileParser> inner_;
    bool tentative_ = false;  // inner_ was chosen on comments only
  };
};

}  // namespace

std::unique_ptr<Ingestor> NewThreatIntelIngestor() { return std::make_unique<ThreatIntelIngestor>(); }

}  // namespace gumshoe::ingest
