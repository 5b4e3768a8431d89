// Classtypes; see classification.h.
#include "detect/classification.h"

#include <charconv>
#include <fstream>
#include <sstream>

namespace ww::detect {
namespace {

struct Builtin {
  const char* name;
  const char* description;
  int priority;
};

// The standard classification list (Suricata's classification.config, ET Open additions).
constexpr Builtin kBuiltin[] = {
    {"not-suspicious", "Not Suspicious Traffic", 3},
    {"unknown", "Unknown Traffic", 3},
    {"bad-unknown", "Potentially Bad Traffic", 2},
    {"attempted-recon", "Attempted Information Leak", 2},
    {"successful-recon-limited", "Information Leak", 2},
    {"successful-recon-largescale", "Large Scale Information Leak", 2},
    {"attempted-dos", "Attempted Denial of Service", 2},
    {"successful-dos", "Denial of Service", 2},
    {"attempted-user", "Attempted User Privilege Gain", 1},
    {"unsuccessful-user", "Unsuccessful User Privilege Gain", 1},
    {"successful-user", "Successful User Privilege Gain", 1},
    {"attempted-admin", "Attempted Administrator Privilege Gain", 1},
    {"successful-admin", "Successful Administrator Privilege Gain", 1},
    {"rpc-portmap-decode", "Decode of an RPC Query", 2},
    {"shellcode-detect", "Executable code was detected", 1},
    {"string-detect", "A suspicious string was detected", 3},
    {"suspicious-filename-detect", "A suspicious filename was detected", 2},
    {"suspicious-login", "An attempted login using a suspicious username was detected", 2},
    {"system-call-detect", "A system call was detected", 2},
    {"tcp-connection", "A TCP connection was detected", 4},
    {"trojan-activity", "A Network Trojan was detected", 1},
    {"unusual-client-port-connection", "A client was using an unusual port", 2},
    {"network-scan", "Detection of a Network Scan", 3},
    {"denial-of-service", "Detection of a Denial of Service Attack", 2},
    {"non-standard-protocol", "Detection of a non-standard protocol or event", 2},
    {"protocol-command-decode", "Generic Protocol Command Decode", 3},
    {"web-application-activity", "access to a potentially vulnerable web application", 2},
    {"web-application-attack", "Web Application Attack", 1},
    {"misc-activity", "Misc activity", 3},
    {"misc-attack", "Misc Attack", 2},
    {"icmp-event", "Generic ICMP event", 3},
    {"inappropriate-content", "Inappropriate Content was Detected", 1},
    {"policy-violation", "Potential Corporate Privacy Violation", 1},
    {"default-login-attempt", "Attempt to login by a default username and password", 2},
    {"targeted-activity", "Targeted Malicious Activity was Detected", 1},
    {"exploit-kit", "Exploit Kit Activity Detected", 1},
    {"external-ip-check", "Device Retrieving External IP Address Detected", 2},
    {"domain-c2", "Domain Observed Used for C2 Detected", 1},
    {"pup-activity", "Possibly Unwanted Program Detected", 2},
    {"credential-theft", "Successful Credential Theft Detected", 1},
    {"social-engineering", "Possible Social Engineering Attempted", 2},
    {"coin-mining", "Crypto Currency Mining Activity Detected", 2},
    {"command-and-control", "Malware Command and Control Activity Detected", 1},
    // Suricata-internal event rules.
    {"sdf", "Sensitive Data was Transmitted Across the Network", 2},
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

Classifications Classifications::defaults() {
  Classifications c;
  for (const auto& b : kBuiltin) c.add({b.name, b.description, b.priority});
  return c;
}

void Classifications::parse(std::string_view text, std::string_view file,
                            std::vector<Diagnostic>* problems) {
  int lineno = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++lineno;
    if (line.empty() || line.front() == '#') continue;
    auto bad = [&](std::string msg) {
      if (problems) problems->push_back({std::move(msg), std::string(file), lineno, 0, ""});
    };
    constexpr std::string_view kPrefix = "config classification:";
    if (line.substr(0, kPrefix.size()) != kPrefix) {
      bad("expected 'config classification: name,description,priority'");
      continue;
    }
    std::string_view rest = line.substr(kPrefix.size());
    size_t c1 = rest.find(','), c2 = rest.rfind(',');
    if (c1 == std::string_view::npos || c1 == c2) {
      bad("expected 'name,description,priority'");
      continue;
    }
    std::string_view name = trim(rest.substr(0, c1));
    std::string_view desc = trim(rest.substr(c1 + 1, c2 - c1 - 1));
    std::string_view prio = trim(rest.substr(c2 + 1));
    int p = 0;
    auto [ptr, ec] = std::from_chars(prio.data(), prio.data() + prio.size(), p);
    if (name.empty() || ec != std::errc() || ptr != prio.data() + prio.size() || p < 1 || p > 255) {
      bad(fmt::format("invalid classification '{}'", line));
      continue;
    }
    add({std::string(name), std::string(desc), p});
  }
}

Result<void> Classifications::load_file(const std::string& path,
                                        std::vector<Diagnostic>* problems) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(Diagnostic{"cannot open classification file", path});
  std::stringstream ss;
  ss << in.rdbuf();
  parse(ss.str(), path, problems);
  return {};
}

}  // namespace ww::detect
