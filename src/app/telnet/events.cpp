// EVE `telnet` object (Suricata has no Telnet logger; names follow its style): options
// (offered by either side, IANA names or the number), terminal_type, window ("80x24"),
// username, login_prompt, password_prompt, login_attempts, login_failures, login
// ("success"/"failed" for the last attempt, absent when none). Never a password.
#include <cstdio>

#include "app/telnet/parser.h"
#include "output/eve.h"

namespace ww::app::telnet {

void log_tx(const void* p, output::EveWriter& w) noexcept {
  const Tx& tx = *static_cast<const Tx*>(p);
  auto& j = w.begin_raw();
  j.StartObject();
  bool any = false;
  for (int o = 0; o < 256; ++o) {
    if (!(tx.options[o >> 6] >> (o & 63) & 1)) continue;
    if (!any) {
      j.Key("options");
      j.StartArray();
      any = true;
    }
    if (const char* n = option_name(uint8_t(o))) {
      j.String(n);
    } else {
      char b[4];
      int k = std::snprintf(b, sizeof b, "%d", o);
      j.String(b, k > 0 ? k : 0);
    }
  }
  if (any) j.EndArray();
  if (!tx.terminal_type.empty()) w.kv("terminal_type", tx.terminal_type.view());
  if (tx.naws) {
    char b[16];
    int k = std::snprintf(b, sizeof b, "%ux%u", unsigned(tx.width), unsigned(tx.height));
    w.kv("window", std::string_view(b, k > 0 ? size_t(k) : 0));
  }
  if (!tx.username.empty()) w.kv("username", tx.username.view());
  w.kv_bool("login_prompt", tx.login_prompt);
  w.kv_bool("password_prompt", tx.password_prompt);
  w.kv("login_attempts", uint64_t(tx.attempts));
  w.kv("login_failures", uint64_t(tx.failures));
  if (tx.login != Login::None) w.kv("login", tx.login == Login::Success ? "success" : "failed");
  j.EndObject();
}

}  // namespace ww::app::telnet
