// MITRE ATT&CK (Enterprise, cloud matrix) mapping of AWS API calls, kept in
// the code so indicators can name the tactics and techniques a principal's
// calls suggest. Covers every event CloudTrail ingest handles specially and
// the events of the Stratus Red Team techniques (credential access, defense
// evasion, discovery, execution, exfiltration, impact, initial access,
// lateral movement, persistence, privilege escalation). A mapping says the
// call is *consistent with* a technique; it is not a detection by itself.
// Thread-safety: immutable static data.
#pragma once

#include <span>
#include <string_view>
#include <vector>

namespace gumshoe {

struct AttackMapping {
  std::string_view event_source;   // "iam.amazonaws.com"; empty: any source
  std::string_view event_name;     // "CreateUser"
  std::string_view tactic;         // "Persistence"
  std::string_view technique_id;   // "T1136.003"
  std::string_view technique;      // "Create Account: Cloud Account"
};

// The whole table.
std::span<const AttackMapping> AttackTable();

// The mappings of one call. `api` is an api_call key "<eventSource>:<eventName>"
// or a bare event name. Lambda's versioned names ("UpdateFunctionCode20150331v2")
// match their unversioned entry. Empty when the call is not mapped.
std::vector<const AttackMapping*> LookupAttack(std::string_view api);

}  // namespace gumshoe
