// EVE `ssh` object, with Suricata's field names:
// {"client": {"proto_version", "software_version", "hassh": {"hash", "string"}}, "server": ...}.
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "app/ssh/parser.h"
#include "output/eve.h"

namespace ww::app::ssh {
namespace {

void str(output::EveWriter::Json& j, const char* key, std::string_view v) {
  j.Key(key);
  j.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
}

void side(output::EveWriter::Json& j, const char* key, const Side& s) {
  if (!s.banner) return;
  j.Key(key);
  j.StartObject();
  str(j, "proto_version", s.proto_version.view());
  str(j, "software_version", s.software_version.view());
  if (s.kexinit) {
    j.Key("hassh");
    j.StartObject();
    str(j, "hash", s.hassh.view());
    str(j, "string", s.hassh_str());
    j.EndObject();
  }
  j.EndObject();
}

}  // namespace

void log_tx(const void* p, output::EveWriter& w) noexcept {
  const Tx& tx = *static_cast<const Tx*>(p);
  auto& j = w.begin_raw();
  j.StartObject();
  side(j, "client", tx.client);
  side(j, "server", tx.server);
  j.EndObject();
}

}  // namespace ww::app::ssh
