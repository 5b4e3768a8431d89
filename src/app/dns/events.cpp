// EVE `dns` object in Suricata 7's version 2 format: "type":"query" for a query, and for a
// response "type":"answer" with flags, rcode, "answers", "grouped" and "authorities".
#include <cstdio>

#include "app/dns/parser.h"
#include "output/eve.h"

namespace ww::app::dns {

namespace {

void record(output::EveWriter& w, const Message& m, const Record& r) {
  auto& j = w.begin_raw();
  char tb[8];
  j.StartObject();
  w.kv("rrname", m.str(r.name));
  w.kv("rrtype", rrtype_name(r.type, tb));
  w.kv("ttl", uint64_t(r.ttl));
  if (r.has_rdata) {
    switch (r.type) {
      case rrtype::kSoa:
        j.Key("soa");
        j.StartObject();
        w.kv("mname", m.str(r.rdata));
        w.kv("rname", m.str(r.rdata2));
        w.kv("serial", uint64_t(r.n[0]));
        w.kv("refresh", uint64_t(r.n[1]));
        w.kv("retry", uint64_t(r.n[2]));
        w.kv("expire", uint64_t(r.n[3]));
        w.kv("minimum", uint64_t(r.n[4]));
        j.EndObject();
        break;
      case rrtype::kSrv:
        j.Key("srv");
        j.StartObject();
        w.kv("priority", uint64_t(r.n[0]));
        w.kv("weight", uint64_t(r.n[1]));
        w.kv("port", uint64_t(r.n[2]));
        w.kv("name", m.str(r.rdata));
        j.EndObject();
        break;
      default: w.kv("rdata", m.str(r.rdata)); break;
    }
  }
  j.EndObject();
}

bool groupable(const Record& r) {
  return r.section == Section::Answer && r.has_rdata && r.type != rrtype::kSoa &&
         r.type != rrtype::kSrv;
}

}  // namespace

void log_tx(const void* p, output::EveWriter& w) noexcept {
  const auto& m = *static_cast<const Message*>(p);
  auto& j = w.begin_raw();
  char tb[8];
  j.StartObject();
  if (!m.response) {
    w.kv("type", std::string_view("query"));
    w.kv("id", uint64_t(m.id));
    if (m.has_question) {
      w.kv("rrname", m.str(m.qname));
      w.kv("rrtype", rrtype_name(m.qtype, tb));
    }
    w.kv("tx_id", m.tx_id);
    if (m.flags & 0x0040) w.kv_bool("z", true);  // reserved bit set (Suricata logs it)
    w.kv("opcode", uint64_t(m.opcode));
    j.EndObject();
    return;
  }
  w.kv("version", uint64_t(2));
  w.kv("type", std::string_view("answer"));
  w.kv("id", uint64_t(m.id));
  char hex[5];
  std::snprintf(hex, sizeof hex, "%04x", m.flags);
  w.kv("flags", std::string_view(hex, 4));
  w.kv_bool("qr", true);
  if (m.flags & 0x0400) w.kv_bool("aa", true);
  if (m.flags & 0x0200) w.kv_bool("tc", true);
  if (m.flags & 0x0100) w.kv_bool("rd", true);
  if (m.flags & 0x0080) w.kv_bool("ra", true);
  if (m.flags & 0x0040) w.kv_bool("z", true);
  w.kv("opcode", uint64_t(m.opcode));
  if (m.has_question) {
    w.kv("rrname", m.str(m.qname));
    w.kv("rrtype", rrtype_name(m.qtype, tb));
  }
  char rb[8];
  w.kv("rcode", rcode_name(m.rcode, rb));
  bool any_answer = false, any_auth = false;
  for (uint32_t i = 0; i < m.record_count; ++i) {
    if (m.records[i].section == Section::Answer) any_answer = true;
    else any_auth = true;
  }
  if (any_answer) {
    j.Key("answers");
    j.StartArray();
    for (uint32_t i = 0; i < m.record_count; ++i)
      if (m.records[i].section == Section::Answer) record(w, m, m.records[i]);
    j.EndArray();
    // "grouped": rdata by type, types in order of first appearance.
    bool any_group = false;
    for (uint32_t i = 0; i < m.record_count; ++i) {
      const Record& r = m.records[i];
      if (!groupable(r)) continue;
      bool seen = false;
      for (uint32_t k = 0; k < i && !seen; ++k)
        seen = groupable(m.records[k]) && m.records[k].type == r.type;
      if (seen) continue;
      if (!any_group) {
        j.Key("grouped");
        j.StartObject();
        any_group = true;
      }
      char gb[8];
      std::string_view tn = rrtype_name(r.type, gb);
      j.Key(tn.data(), rapidjson::SizeType(tn.size()));
      j.StartArray();
      for (uint32_t k = i; k < m.record_count; ++k) {
        const Record& o = m.records[k];
        if (groupable(o) && o.type == r.type) {
          std::string_view v = m.str(o.rdata);
          j.String(v.data(), rapidjson::SizeType(v.size()));
        }
      }
      j.EndArray();
    }
    if (any_group) j.EndObject();
  }
  if (any_auth) {
    j.Key("authorities");
    j.StartArray();
    for (uint32_t i = 0; i < m.record_count; ++i)
      if (m.records[i].section == Section::Authority) record(w, m, m.records[i]);
    j.EndArray();
  }
  j.EndObject();
}

}  // namespace ww::app::dns
