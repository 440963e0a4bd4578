// The CLI a responder reaches for (issue 24): options anywhere, entity names
// as a person types them, progress on a terminal, tables that fit, colour,
// paging, completion and the man page. Through the built binary.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli_harness.h"

using namespace gumshoe::cli_test;

namespace {

const std::string kIncident = GUMSHOE_SOURCE_DIR "/examples/incident";
const std::string kCiDeploy = "arn:aws:iam::111122223333:user/ci-deploy";

// Sets an environment variable for the scope of one test (the binary inherits it).
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old, had_ = true;
    if (value != nullptr) setenv(name, value, 1);
    else unsetenv(name);
  }
  ~ScopedEnv() {
    if (had_) setenv(name_.c_str(), old_.c_str(), 1);
    else unsetenv(name_.c_str());
  }

 private:
  std::string name_, old_;
  bool had_ = false;
};

// Runs `gumshoe args` with stdin, stdout and stderr on a pseudo-terminal of
// `cols` columns; returns what the terminal received and the exit code.
struct PtyRun {
  int code = -1;
  std::string out;
};
PtyRun GumshoeOnPty(const std::vector<std::string>& args, unsigned short cols = 200) {
  struct winsize ws {};
  ws.ws_row = 50;
  ws.ws_col = cols;
  int master = -1;
  pid_t pid = forkpty(&master, nullptr, nullptr, &ws);
  PtyRun r;
  if (pid < 0) return r;
  if (pid == 0) {
    std::vector<char*> argv;
    std::string bin = GUMSHOE_CLI_PATH;
    argv.push_back(bin.data());
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  char buf[4096];
  for (;;) {
    ssize_t n = read(master, buf, sizeof buf);
    if (n > 0) {
      r.out.append(buf, static_cast<size_t>(n));
      continue;
    }
    break;  // EIO once the child has exited and closed the pty
  }
  int status = 0;
  waitpid(pid, &status, 0);
  close(master);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// The subcommands `gumshoe --help` lists (the app's own definitions).
std::vector<std::string> HelpSubcommands(const TempDir& dir) {
  Run help = Gumshoe(dir, "--help");
  std::vector<std::string> names;
  std::istringstream in(help.out);
  std::string line;
  bool in_list = false;
  while (std::getline(in, line)) {
    if (line.rfind("Subcommands:", 0) == 0 || line.rfind("SUBCOMMANDS:", 0) == 0) {
      in_list = true;
      continue;
    }
    if (!in_list) continue;
    if (line.empty()) break;
    std::istringstream words(line);
    std::string name;
    words >> name;
    if (!name.empty()) names.push_back(name);
  }
  return names;
}

// One store from examples/incident, ingested once for the tests below.
const std::string& IncidentDb() {
  static TempDir dir;  // removed at exit
  static std::string db = [] {
    Run r = Gumshoe(dir, "-q ingest --db " + Quote(dir.db()) + " " + Quote(kIncident));
    REQUIRE(r.code == 0);
    return dir.db();
  }();
  return db;
}

}  // namespace

TEST_CASE("CLI: global options are accepted before and after the subcommand", "[cli][usability]") {
  TempDir dir;
  const std::string db = Quote(IncidentDb());
  Run after = Gumshoe(dir, "stats --db " + db + " --json");
  Run before = Gumshoe(dir, "--db " + db + " --json stats");
  Run mixed = Gumshoe(dir, "--json stats --db " + db);
  REQUIRE(after.code == 0);
  CHECK(before.code == 0);
  CHECK(mixed.code == 0);
  CHECK(Has(after.out, "\"entities\":"));
  CHECK(before.out == after.out);
  CHECK(mixed.out == after.out);

  // -v and -q in both places; -v after `ingest` used to be a usage error.
  TempDir fresh;
  std::string file = Quote(GUMSHOE_TEST_DATA "/embed/cloudtrail.json");
  fs::create_directories(fresh.path() / "in");
  fs::copy_file(GUMSHOE_TEST_DATA "/embed/cloudtrail.json", fresh.path() / "in" / "trail.json");
  std::ofstream(fresh.path() / "in" / "README.txt") << "not a log\n";
  Run v_after = Gumshoe(fresh, "ingest --db " + Quote(fresh.db()) + " " + Quote((fresh.path() / "in").string()) + " -v");
  INFO(v_after.err);
  CHECK(v_after.code == 0);
  CHECK(Has(v_after.err, "debug: skipped "));  // -v took effect: the skipped file is a debug line
  Run q_before = Gumshoe(fresh, "-q --db " + Quote(fresh.db()) + " ingest " + file);
  CHECK(q_before.code == 0);
  CHECK(q_before.err.empty());
  CHECK(Gumshoe(dir, "stats --color never --db " + db).code == 0);
  CHECK(Gumshoe(dir, "--color=always stats --db " + db).code == 0);

  SECTION("bad values are usage errors") {
    CHECK(Gumshoe(dir, "--color=sometimes stats --db " + db).code == 2);
    Run json_dump = Gumshoe(dir, "--json dump --db " + db);
    CHECK(json_dump.code == 2);
    CHECK(Has(json_dump.err, "no JSON output"));
  }

  SECTION("GUMSHOE_DB names the default store; --db wins over it") {
    ScopedEnv env("GUMSHOE_DB", IncidentDb().c_str());
    Run r = Gumshoe(dir, "stats --json");
    CHECK(r.code == 0);
    CHECK(r.out == after.out);
    Run other = Gumshoe(dir, "stats --db " + Quote((dir.path() / "none").string()));
    CHECK(other.code == 1);
    CHECK(Has(other.err, "no gumshoe store at"));
  }
}

TEST_CASE("CLI: entities are named as a person types them", "[cli][usability][resolve]") {
  TempDir dir;
  const std::string db = "--db " + Quote(IncidentDb());
  for (const std::string& name : std::vector<std::string>{"ci-deploy", "iam_user:ci-deploy", "user/ci-deploy", kCiDeploy}) {
    INFO(name);
    Run r = Gumshoe(dir, "show " + db + " " + Quote(name));
    INFO(r.err);
    CHECK(r.code == 0);
    CHECK(Has(r.out, "IAM user " + kCiDeploy));
  }
  // The same resolver behind pivot, lineage, timeline, blast-radius.
  for (std::string cmd : {"pivot", "lineage", "timeline", "blast-radius"}) {
    INFO(cmd);
    Run r = Gumshoe(dir, cmd + " " + db + " ci-deploy");
    INFO(r.err);
    CHECK(r.code == 0);
  }
  // A finding-ID prefix.
  Run finding = Gumshoe(dir, "show " + db + " 3d9a1c7e");
  CHECK(finding.code == 0);
  CHECK(Has(finding.out, "3d9a1c7e5b2f4a8e9d0c1b2a3f4e5d6c"));

  SECTION("nothing matches: the closest keys are suggested") {
    Run r = Gumshoe(dir, "show " + db + " ci-deplyo");
    CHECK(r.code == 1);
    CHECK(Has(r.err, "no entity matches 'ci-deplyo'; did you mean iam_user:" + kCiDeploy));
  }
  SECTION("a session by its name, or role/name") {
    for (const char* name : {"backup-maint", "ops-admin/backup-maint"}) {
      Run session = Gumshoe(dir, "show " + db + " " + name);
      CHECK(session.code == 0);
      CHECK(Has(session.out, "arn:aws:sts::111122223333:assumed-role/ops-admin/backup-maint"));
    }
  }
  SECTION("an unknown --kind lists the valid kinds") {
    Run r = Gumshoe(dir, "entities " + db + " --kind iam_usr");
    CHECK(r.code == 2);
    CHECK(Has(r.err, "unknown entity kind 'iam_usr'; valid kinds: account, iam_user, iam_role"));
    CHECK(Has(r.err, "ip_network"));
  }
}

TEST_CASE("CLI: an ambiguous name lists every candidate with its kind", "[cli][usability][resolve]") {
  // A user and a session both named alice (the session of role ops).
  TempDir dir;
  std::string trail = (dir.path() / "trail.json").string();
  std::ofstream(trail)
      << R"({"Records":[)"
         R"({"eventVersion":"1.09","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLEALICE0001","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333","accessKeyId":"AKIAEXAMPLEALICE0001","userName":"alice"},"eventTime":"2026-11-02T09:00:00Z","eventSource":"ec2.amazonaws.com","eventName":"DescribeInstances","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.10","userAgent":"aws-cli/2.15.0","requestParameters":null,"responseElements":null,"requestID":"0f6a1d3e-4c1b-4d8a-9e2f-6b7c8d9e0a11","eventID":"8d1f3c2a-1b2c-4d3e-8f9a-0b1c2d3e4f51","readOnly":true,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management"},)"
         R"({"eventVersion":"1.09","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLEOPS000001:alice","arn":"arn:aws:sts::111122223333:assumed-role/ops/alice","accountId":"111122223333","accessKeyId":"ASIAEXAMPLEOPS000001","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLEOPS000001","arn":"arn:aws:iam::111122223333:role/ops","accountId":"111122223333","userName":"ops"},"attributes":{"creationDate":"2026-11-02T09:00:00Z","mfaAuthenticated":"false"}}},"eventTime":"2026-11-02T09:10:00Z","eventSource":"ec2.amazonaws.com","eventName":"DescribeInstances","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.10","userAgent":"aws-cli/2.15.0","requestParameters":null,"responseElements":null,"requestID":"1f6a1d3e-4c1b-4d8a-9e2f-6b7c8d9e0a11","eventID":"9d1f3c2a-1b2c-4d3e-8f9a-0b1c2d3e4f51","readOnly":true,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management"})"
         R"(]})";
  std::string db = "--db " + Quote(dir.db());
  REQUIRE(Gumshoe(dir, "ingest " + db + " " + Quote(trail)).code == 0);
  Run r = Gumshoe(dir, "show " + db + " alice");
  CHECK(r.code == 2);
  CHECK(Has(r.err, "'alice' matches 2 entities"));
  CHECK(Has(r.err, "\n  iam_user      arn:aws:iam::111122223333:user/alice"));
  CHECK(Has(r.err, "\n  role_session  arn:aws:sts::111122223333:assumed-role/ops/alice"));
  CHECK(Gumshoe(dir, "show " + db + " role_session:alice").code == 0);
  CHECK(Gumshoe(dir, "show " + db + " ops/alice").code == 0);
  CHECK(Gumshoe(dir, "show " + db + " user/alice").code == 0);
}

TEST_CASE("CLI: ingest shows a progress line on a terminal, not on a pipe or with -q", "[cli][usability][progress]") {
  TempDir dir;
  PtyRun tty = GumshoeOnPty({"ingest", "--db", dir.db(), kIncident});
  INFO(tty.out);
  CHECK(tty.code == 0);
  // Redrawn in place: carriage return, erase line, files of total, records, rate, elapsed, ETA.
  CHECK(Has(tty.out, "\r\033[K"));
  CHECK(Has(tty.out, "/14 files, "));
  CHECK(Has(tty.out, " records, "));
  CHECK(Has(tty.out, " MB/s, "));
  CHECK(Has(tty.out, " elapsed, ETA "));

  TempDir quiet;
  PtyRun q = GumshoeOnPty({"-q", "ingest", "--db", quiet.db(), kIncident});
  CHECK(q.code == 0);
  CHECK(!Has(q.out, " MB/s, "));

  TempDir piped;
  Run pipe = Gumshoe(piped, "ingest --db " + Quote(piped.db()) + " " + Quote(kIncident));
  CHECK(pipe.code == 0);
  CHECK(!Has(pipe.err, " MB/s, "));
  CHECK(!Has(pipe.err, "\r"));
}

TEST_CASE("CLI: the ingest summary lists files skipped as unknown, even under -q when nothing was ingested",
          "[cli][usability][progress]") {
  TempDir dir;
  fs::create_directories(dir.path() / "logs");
  for (int i = 0; i < 7; ++i) std::ofstream(dir.path() / "logs" / ("notes-" + std::to_string(i) + ".txt")) << "hello\n";
  Run r = Gumshoe(dir, "-q ingest --db " + Quote(dir.db()) + " " + Quote((dir.path() / "logs").string()));
  INFO(r.out + r.err);
  CHECK(Has(r.err, "nothing ingested: 7 files skipped as unknown (no ingestor reads them): "));
  CHECK(Has(r.err, "notes-0.txt"));
  CHECK(Has(r.err, ", ... and 2 more"));
  CHECK(Has(r.out, "7 files skipped as unknown"));
  CHECK(r.code == 4);  // nothing was ingested from the inputs given
}

TEST_CASE("CLI: tables fit the terminal, cutting keys in the middle, pipes and --wide get full keys",
          "[cli][usability][table]") {
  const std::string db = IncidentDb();
  // 90 columns: kind 8, first and last seen 20 each (never cut), 6 of spacing, the key 36.
  PtyRun narrow = GumshoeOnPty({"entities", "--db", db, "--kind", "iam_role", "--color", "never"}, 90);
  INFO(narrow.out);
  CHECK(narrow.code == 0);
  // arn:aws:iam::111122223333:role/ops-admin cut in the middle, head "arn:aws:iam::" kept.
  CHECK(Has(narrow.out, "arn:aws:iam::\xe2\x80\xa6"));
  CHECK(Has(narrow.out, "\xe2\x80\xa6" "2223333:role/ops-admin  2026-"));
  CHECK(!Has(narrow.out, "arn:aws:iam::111122223333:role/ops-admin"));
  CHECK(Has(narrow.out, "2026-11-02T08:07:02Z"));  // times are never cut
  std::istringstream lines(narrow.out);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t cols = 0;
    for (unsigned char c : line) cols += (c & 0xc0) != 0x80;  // code points
    CHECK(cols <= 90);
  }

  PtyRun wide = GumshoeOnPty({"entities", "--db", db, "--kind", "iam_role", "--wide"}, 60);
  CHECK(Has(wide.out, "arn:aws:iam::111122223333:role/ops-admin"));
  {
    ScopedEnv columns("COLUMNS", "200");
    PtyRun env = GumshoeOnPty({"entities", "--db", db, "--kind", "iam_role"}, 60);
    CHECK(Has(env.out, "arn:aws:iam::111122223333:role/ops-admin"));
  }
  TempDir dir;
  ScopedEnv columns("COLUMNS", "40");
  Run pipe = Gumshoe(dir, "entities --db " + Quote(db) + " --kind iam_role");
  CHECK(Has(pipe.out, "arn:aws:iam::111122223333:role/ops-admin"));
}

TEST_CASE("CLI: a cut never splits an escape or a UTF-8 sequence, hostile text stays escaped",
          "[cli][usability][table]") {
  TempDir dir;
  std::string trail = (dir.path() / "trail.json").string();
  // A user agent with an ANSI escape, a bidi override and multi-byte text, long enough to be cut.
  std::string agent = R"(evil\u001b[31mRED\u202egnp.exe)" + std::string(30, 'x') + R"(\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9)" + std::string(30, 'y');
  std::ofstream(trail)
      << R"({"Records":[{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLEALICE0001","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333","accessKeyId":"AKIAEXAMPLEALICE0001","userName":"alice"},"eventTime":"2026-11-02T09:00:00Z","eventSource":"ec2.amazonaws.com","eventName":"DescribeInstances","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.10","userAgent":")"
      << agent
      << R"(","requestParameters":null,"responseElements":null,"requestID":"0f6a1d3e-4c1b-4d8a-9e2f-6b7c8d9e0a11","eventID":"8d1f3c2a-1b2c-4d3e-8f9a-0b1c2d3e4f51","readOnly":true,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management"}]})";
  REQUIRE(Gumshoe(dir, "ingest --db " + Quote(dir.db()) + " " + Quote(trail)).code == 0);
  // The key column is cols - 56 wide; its head (a third) ends inside the escapes for
  // cols 69..129 and its tail reaches the multi-byte text past cols 102.
  for (unsigned short cols : {60, 70, 71, 72, 73, 74, 75, 76, 78, 80, 83, 86, 90, 100, 105, 110, 111, 112, 113, 120, 130}) {
    INFO(cols);
    PtyRun r = GumshoeOnPty({"entities", "--db", dir.db(), "--kind", "user_agent", "--color", "never"}, cols);
    INFO(r.out);
    CHECK(r.code == 0);
    CHECK(r.out.find('\033') == std::string::npos);          // no raw escape reached the terminal
    CHECK(!Has(r.out, "\xe2\x80\xae"));                      // nor the bidi override
    CHECK(Has(r.out, "evi"));
    CHECK(Has(r.out, "\xe2\x80\xa6"));                       // cut
    // Every escape is whole: "\x1b" never appears cut to "\x" or "\x1".
    for (size_t at = r.out.find("\\x"); at != std::string::npos; at = r.out.find("\\x", at + 1))
      CHECK(r.out.substr(at, 4) == "\\x1b");
    for (size_t at = r.out.find("\\u"); at != std::string::npos; at = r.out.find("\\u", at + 1))
      CHECK(r.out.substr(at, 8) == "\\u{202e}");
    // Valid UTF-8: no lone lead byte of é (0xc3) before the ellipsis or elsewhere.
    for (size_t i = 0; i < r.out.size(); ++i)
      if (static_cast<unsigned char>(r.out[i]) == 0xc3) CHECK(static_cast<unsigned char>(r.out[i + 1]) == 0xa9);
  }
}

TEST_CASE("CLI: colour for severities and outcomes: auto on a terminal, NO_COLOR, always, never",
          "[cli][usability][table]") {
  const std::string db = IncidentDb();
  PtyRun color = GumshoeOnPty({"findings", "--db", db});
  INFO(color.out);
  CHECK(color.code == 0);
  CHECK(Has(color.out, "\033[31m"));  // high severity in red
  CHECK(Has(color.out, "\033[0m"));
  {
    ScopedEnv no_color("NO_COLOR", "1");
    PtyRun plain = GumshoeOnPty({"findings", "--db", db});
    CHECK(plain.out.find('\033') == std::string::npos);
    PtyRun forced = GumshoeOnPty({"findings", "--db", db, "--color=always"});
    CHECK(Has(forced.out, "\033[31m"));
  }
  PtyRun never = GumshoeOnPty({"--color", "never", "findings", "--db", db});
  CHECK(never.out.find('\033') == std::string::npos);
  TempDir dir;
  Run pipe = Gumshoe(dir, "findings --db " + Quote(db));
  CHECK(pipe.out.find('\033') == std::string::npos);
  Run always = Gumshoe(dir, "findings --color=always --db " + Quote(db));
  CHECK(Has(always.out, "\033[31m"));
}

TEST_CASE("CLI: entities pages with --offset", "[cli][usability]") {
  TempDir dir;
  const std::string db = "--db " + Quote(IncidentDb());
  Run all = Gumshoe(dir, "entities " + db + " --kind iam_user --json");
  Run p1 = Gumshoe(dir, "entities " + db + " --kind iam_user --limit 1");
  Run p2 = Gumshoe(dir, "entities " + db + " --kind iam_user --limit 1 --offset 1");
  Run p3 = Gumshoe(dir, "entities " + db + " --kind iam_user --limit 1 --offset 2");
  Run past = Gumshoe(dir, "entities " + db + " --kind iam_user --limit 1 --offset 3");
  REQUIRE(p1.code == 0);
  // Users in key order: alice, ci-deploy, svc-backup.
  CHECK(Has(p1.out, "user/alice"));
  CHECK(Has(p1.out, "(1-1 of 3 shown; --offset 1 for the next page)"));
  CHECK(Has(p2.out, "user/ci-deploy"));
  CHECK(!Has(p2.out, "user/alice"));
  CHECK(Has(p2.out, "(2-2 of 3 shown; --offset 2 for the next page)"));
  CHECK(Has(p3.out, "user/svc-backup"));
  CHECK(Has(p3.out, "(3-3 of 3 shown)"));
  CHECK(!Has(past.out, "user/"));
}

TEST_CASE("CLI: completion scripts and the man page cover every subcommand", "[cli][usability][completion]") {
  TempDir dir;
  std::vector<std::string> commands = HelpSubcommands(dir);
  REQUIRE(commands.size() >= 10);
  Run bash = Gumshoe(dir, "completion bash");
  Run zsh = Gumshoe(dir, "completion zsh");
  Run man = Gumshoe(dir, "man");
  REQUIRE(bash.code == 0);
  REQUIRE(zsh.code == 0);
  REQUIRE(man.code == 0);
  for (const std::string& c : commands) {
    INFO(c);
    CHECK(Has(bash.out, "    " + c + ") opts=\""));
    CHECK(Has(zsh.out, "    '" + c + ":"));
    std::string roff;
    for (char ch : c) roff += ch == '-' ? std::string("\\-") : std::string(1, ch);
    CHECK(Has(man.out, ".SS \\fB" + roff + "\\fR"));
  }
  CHECK(!Has(bash.out, " man) opts="));  // the hidden man command is not offered
  CHECK(Has(man.out, ".SH EXIT STATUS"));
  CHECK(Has(man.out, "GUMSHOE_DB"));

  fs::path script = dir.path() / "gumshoe.bash";
  std::ofstream(script) << bash.out;
  CHECK(std::system(("bash -n " + Quote(script.string())).c_str()) == 0);
  // The function completes subcommands, options per subcommand, and --kind values.
  auto complete = [&](const std::string& words) {
    fs::path out = dir.path() / "reply";
    std::string cmd = "bash -c " + Quote("source " + Quote(script.string()) + "; COMP_WORDS=(" + words +
                                         "); COMP_CWORD=$((${#COMP_WORDS[@]}-1)); _gumshoe; printf '%s\\n' \"${COMPREPLY[@]}\"") +
                      " >" + Quote(out.string());
    REQUIRE(std::system(cmd.c_str()) == 0);
    return Slurp(out);
  };
  CHECK(Has(complete("gumshoe st"), "stats\n"));
  CHECK(Has(complete("gumshoe entities --k"), "--kind\n"));
  CHECK(Has(complete("gumshoe entities --kind iam_"), "iam_user\n"));
  CHECK(Has(complete("gumshoe --color a"), "always\n"));
  CHECK(Has(complete("gumshoe ingest --th"), "--threads\n"));
}
