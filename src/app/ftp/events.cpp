// EVE `ftp` object with Suricata's field names: command, command_data, reply[],
// completion_code[] (as strings), dynamic_port, mode ("active"/"passive"), reply_received;
// plus data_address (the data channel's address when PORT/EPRT/227 gave it).
#include "app/ftp/parser.h"
#include "output/eve.h"

namespace ww::app::ftp {

void log_tx(const void* p, output::EveWriter& w) noexcept {
  const Tx& tx = *static_cast<const Tx*>(p);
  auto& j = w.begin_raw();
  j.StartObject();
  if (!tx.command.empty()) w.kv("command", tx.command.view());  // none: the greeting
  if (!tx.command_data.empty()) w.kv("command_data", tx.command_data.view());
  if (tx.reply.count) {
    j.Key("reply");
    j.StartArray();
    for (size_t i = 0; i < tx.reply.count; ++i) j.String(tx.reply[i]);
    j.EndArray();
  }
  if (tx.n_codes) {
    j.Key("completion_code");
    j.StartArray();
    for (uint8_t i = 0; i < tx.n_codes; ++i) {
      char b[4] = {char('0' + tx.completion_code[i] / 100),
                   char('0' + tx.completion_code[i] / 10 % 10),
                   char('0' + tx.completion_code[i] % 10), 0};
      j.String(b, 3);
    }
    j.EndArray();
  }
  if (tx.mode != Mode::None) {
    w.kv("dynamic_port", uint64_t(tx.dynamic_port));
    w.kv("mode", tx.mode == Mode::Active ? "active" : "passive");
    if (!tx.data_addr.empty()) w.kv("data_address", tx.data_addr.view());
  }
  w.kv("reply_received", tx.reply_received ? "yes" : "no");
  w.kv_bool("command_truncated", tx.command_truncated);
  w.kv_bool("reply_truncated", tx.reply_truncated);
  j.EndObject();
}

}  // namespace ww::app::ftp
