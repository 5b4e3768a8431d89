// EVE `dcerpc` object, as Suricata 8 writes it for DCE/RPC over TCP: request (PDU type, or
// REQUEST_LOST), for a BIND/ALTER_CONTEXT its interfaces (uuid, version, ack_result), for a
// REQUEST req {opnum, frag_cnt, stub_data_size} and the interface its context id refers to;
// response (PDU type, or UNREPLIED), for a RESPONSE res {frag_cnt, stub_data_size}; call_id;
// rpc_version ("5.0").
#include <cstdio>

#include "app/dcerpc/parser.h"
#include "output/eve.h"

namespace ww::app::dcerpc {
namespace {

void interfaces(output::EveWriter& w, const Tx& tx, bool acks) {
  auto& j = w.begin_raw();
  j.Key("interfaces");
  j.StartArray();
  for (uint8_t i = 0; i < tx.n_ifaces; ++i) {
    const Iface& f = tx.ifaces[i];
    char u[37];
    uuid_text(f.uuid, u);
    j.StartObject();
    w.kv("uuid", std::string_view(u, 36));
    char v[16];
    int n = std::snprintf(v, sizeof v, "%u.%u", unsigned(f.ver), unsigned(f.ver_min));
    w.kv("version", std::string_view(v, n > 0 ? size_t(n) : 0));
    if (acks && f.acked) w.kv("ack_result", uint64_t(f.result));
    j.EndObject();
  }
  j.EndArray();
}

}  // namespace

void log_tx(const void* p, output::EveWriter& w) noexcept {
  const Tx& tx = *static_cast<const Tx*>(p);
  auto& j = w.begin_raw();
  j.StartObject();
  if (tx.req_seen && tx.req_done) {
    w.kv("request", type_name(tx.req_type));
    if (tx.req_type == ptype::kRequest) {
      if (tx.n_ifaces) interfaces(w, tx, false);
      j.Key("req");
      j.StartObject();
      w.kv("opnum", uint64_t(tx.opnum));
      w.kv("frag_cnt", uint64_t(tx.req_frags));
      w.kv("stub_data_size", uint64_t(tx.req_stub));
      j.EndObject();
    } else if (tx.req_type == ptype::kBind || tx.req_type == ptype::kAlterContext) {
      interfaces(w, tx, true);
    }
  } else {
    w.kv("request", "REQUEST_LOST");
  }
  if (tx.rsp_done) {
    w.kv("response", type_name(tx.rsp_type));
    if (tx.rsp_type == ptype::kResponse) {
      j.Key("res");
      j.StartObject();
      w.kv("frag_cnt", uint64_t(tx.rsp_frags));
      w.kv("stub_data_size", uint64_t(tx.rsp_stub));
      j.EndObject();
    }
  } else {
    w.kv("response", "UNREPLIED");
  }
  w.kv("call_id", uint64_t(tx.call_id));
  char v[8];
  int n = std::snprintf(v, sizeof v, "%u.%u", unsigned(tx.rpc_major), unsigned(tx.rpc_minor));
  w.kv("rpc_version", std::string_view(v, n > 0 ? size_t(n) : 0));
  j.EndObject();
}

}  // namespace ww::app::dcerpc
