// gumshoe detect: runs the RDS Protection detections (gumshoe/rds_detect.h)
// over the store and writes the findings back as finding entities, so they get
// the same pivot, lineage and blast-radius treatment as GuardDuty findings.
// Idempotent: running it again over the same data writes nothing new.
#include <cstdio>
#include <memory>
#include <string>

#include "cli_common.h"
#include "gumshoe/rds_detect.h"
#include "gumshoe/time_util.h"
#include "output.h"
#include "table.h"

namespace gumshoe::cli {
namespace {

struct DetectArgs {
  RdsDetectOptions options;
  std::string since, until;
  bool dry_run = false;
  bool steps = false;
};

int PrintJson(const CliContext& ctx, const TimeWindow& window, const RdsDetectResult& r, uint64_t written,
              bool dry_run) {
  JsonOut out;
  auto& w = out.w();
  out.Begin("gumshoe.detect/1", ctx, window);
  out.Key("entity");
  w.Null();
  out.Field("instances", r.instances);
  out.Field("login_edges", r.login_edges);
  out.Field("truncated", r.truncated);
  out.Field("written", written);
  out.Field("dry_run", dry_run);
  out.Key("findings");
  w.StartArray();
  for (const RdsFinding& f : r.findings) {
    w.StartObject();
    out.Field("id", f.id);
    out.Field("type", f.type);
    out.Field("title", f.title);
    out.Key("severity");
    w.Double(f.severity);
    out.Field("severity_band", f.severity_band);
    out.Field("instance", f.instance);
    out.Field("db_user", f.db_user);
    out.Field("remote_ip", f.remote_ip);
    out.Field("ip_class", f.ip_class);
    if (!f.threat_list.empty()) out.Field("threat_list", f.threat_list);
    out.Time("first_seen", f.first_seen);
    out.Time("last_seen", f.last_seen);
    out.Field("successes", f.successes);
    out.Field("failures", f.failures);
    out.Field("probes", f.probes);
    out.Key("evidence");
    w.StartArray();
    for (const std::string& e : f.evidence) out.String(e);
    w.EndArray();
    out.Key("db_actions");
    w.StartArray();
    for (const std::string& a : f.db_actions) out.String(a);
    w.EndArray();
    out.Key("response");
    w.StartArray();
    for (const std::string& s : RdsResponseSteps(f)) out.String(s);
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return out.Emit(ctx);
}

void PrintText(const CliContext& ctx, const RdsDetectResult& r, uint64_t written, bool dry_run, bool steps) {
  std::vector<std::vector<std::string>> rows;
  for (const RdsFinding& f : r.findings) {
    rows.push_back({f.severity_band, f.type, f.instance, f.user_name.empty() ? "-" : f.user_name, f.remote_ip,
                    FormatTime(f.first_seen), f.id});
  }
  if (!rows.empty()) PrintTable(ctx, {"severity", "type", "instance", "user", "source ip", "first seen", "finding"}, rows);
  if (steps) {
    for (const RdsFinding& f : r.findings) {
      std::printf("\n%s  %s\n", TerminalSafe(f.id).c_str(), TerminalSafe(f.title).c_str());
      for (const std::string& e : f.evidence) std::printf("  evidence: %s\n", TerminalSafe(e).c_str());
      int n = 0;
      for (const std::string& s : RdsResponseSteps(f)) std::printf("  %d. %s\n", ++n, TerminalSafe(s).c_str());
    }
  }
  std::printf("%s%zu findings from %llu instances, %llu login edges; ", rows.empty() ? "" : "\n",
              r.findings.size(), static_cast<unsigned long long>(r.instances),
              static_cast<unsigned long long>(r.login_edges));
  if (dry_run) {
    std::printf("dry run, nothing written\n");
  } else {
    std::printf("%llu new or updated in the store\n", static_cast<unsigned long long>(written));
  }
  if (r.truncated > 0)
    std::printf("%llu more findings over --max-findings were dropped\n", static_cast<unsigned long long>(r.truncated));
}

int Run(CliContext& ctx, DetectArgs& args) {
  auto window = ParseWindow(args.since, args.until);
  if (!window.ok()) return ReportError(ctx, window.status());
  args.options.window = *window;
  auto store = OpenStore(ctx, /*writable=*/!args.dry_run);
  if (!store.ok()) return ReportError(ctx, store.status());
  auto result = DetectRds(**store, args.options);
  if (!result.ok()) return ReportError(ctx, result.status());
  uint64_t written = 0;
  if (!args.dry_run) {
    auto w = WriteRdsFindings(**store, result->findings);
    if (!w.ok()) return ReportError(ctx, w.status());
    written = *w;
    if (auto st = (*store)->Flush(); !st.ok()) return ReportError(ctx, st);
  }
  if (ctx.json) return PrintJson(ctx, args.options.window, *result, written, args.dry_run);
  PrintText(ctx, *result, written, args.dry_run, args.steps);
  return kExitOk;
}

}  // namespace

void RegisterDetectCommand(CLI::App& app, CliContext& ctx) {
  auto args = std::make_shared<DetectArgs>();
  CLI::App* cmd = app.add_subcommand(
      "detect", "Raise the GuardDuty RDS Protection finding types from stored DB logins and threat lists");
  AddCommonOptions(cmd, ctx);
  RdsDetectOptions& o = args->options;
  cmd->add_option("--learning-days", o.learning_period_days, "Days of history per instance that form its baseline")
      ->capture_default_str()
      ->check(CLI::Range(0, 3650));
  cmd->add_option("--brute-force-failures", o.brute_force_min_failures,
                  "Failures before a success that make a brute force")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  cmd->add_option("--brute-force-window-hours", o.brute_force_window_hours,
                  "Hours before the success in which those failures count")
      ->capture_default_str()
      ->check(CLI::Range(0, 24 * 366));
  cmd->add_option("--consistent-failures", o.consistent_failure_min,
                  "Public-IP failures on the instance that make an anomalous public login High")
      ->capture_default_str();
  cmd->add_option("--consistent-failure-window-hours", o.consistent_failure_window_hours,
                  "Hours before the login in which those failures count")
      ->capture_default_str()
      ->check(CLI::Range(0, 24 * 366));
  cmd->add_option("--failed-login-min", o.anomalous_failed_min,
                  "Failures from a new user/network that raise AnomalousBehavior.FailedLogin")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  cmd->add_option("--ipv4-network-bits", o.ipv4_network_bits, "Baseline network size for IPv4 sources")
      ->capture_default_str()
      ->check(CLI::Range(0, 32));
  cmd->add_option("--ipv6-network-bits", o.ipv6_network_bits, "Baseline network size for IPv6 sources")
      ->capture_default_str()
      ->check(CLI::Range(0, 128));
  cmd->add_option("--tor-list", o.tor_list, "Name of the Tor exit threat list")->capture_default_str();
  cmd->add_option("--max-findings", o.max_findings, "Most findings kept")->capture_default_str();
  cmd->add_option("--since", args->since, "Only findings active from (ISO 8601 or YYYY-MM-DD)");
  cmd->add_option("--until", args->until, "Only findings active until (ISO 8601 or YYYY-MM-DD)");
  cmd->add_flag("--dry-run", args->dry_run, "Print the findings without writing them");
  cmd->add_flag("--steps", args->steps, "Print each finding's evidence and response steps");
  cmd->callback([&ctx, args] { ctx.exit_code = Run(ctx, *args); });
}

}  // namespace gumshoe::cli
