// EVE `dns` object. Version 2 (Suricata 7): "type":"query" for a query, and for a response
// "type":"answer" with flags, rcode, "answers", "grouped" and "authorities". Version 3
// (Suricata 8's default, and what its alerts carry): "type":"request"/"response", the header
// flags in both, every question in "queries", then "answers", "grouped", "authorities" and
// "additionals".
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "app/dns/parser.h"
#include "output/eve.h"

namespace ww::app::dns {

namespace {

// Members whose text depends only on a small key (the header flags, a record type's name, an
// rcode's name, the opcode) and repeat from event to event: written by the writer the first time, then the
// text it wrote is appended as it is (EveWriter::append_members, as the flow header cache
// does). Per thread, kSlots direct-mapped slots compared on the whole key, so a hit is the
// writer's own text. The text starts with the comma after the members before it: only used
// where the open object has members already (every place below), else written normally.
class MemberCache {
 public:
  template <typename Write>
  void put(output::EveWriter& w, uint32_t key, Write&& write) noexcept {
    Slot& s = slots_[(key ^ key >> 8) % kSlots];
    const bool before = w.has_members();
    if (s.used && s.key == key && before) {
      w.append_members({s.text, s.len});
      return;
    }
    std::string_view text = w.capture_members(write);
    if (text.empty() || text.size() > sizeof s.text) return;
    std::memcpy(s.text, text.data(), text.size());
    s.used = true;
    s.key = key;
    s.len = uint8_t(text.size());
  }

 private:
  static constexpr size_t kSlots = 16;
  struct Slot {
    bool used = false;
    uint32_t key = 0;
    uint8_t len = 0;
    char text[128];
  };
  Slot slots_[kSlots];
};

// "rrtype":"<name>" (a member of a record or question object, after its "rrname").
void rrtype_member(output::EveWriter& w, uint16_t type) noexcept {
  thread_local MemberCache cache;
  cache.put(w, type, [&] {
    char tb[8];
    w.kv("rrtype", rrtype_name(type, tb));
  });
}

// "rcode":"<name>".
void rcode_member(output::EveWriter& w, uint8_t rcode) noexcept {
  thread_local MemberCache cache;
  cache.put(w, rcode, [&] {
    char rb[8];
    w.kv("rcode", rcode_name(rcode, rb));
  });
}

// "opcode":<n>.
void opcode_member(output::EveWriter& w, uint8_t opcode) noexcept {
  thread_local MemberCache cache;
  cache.put(w, opcode, [&] { w.kv("opcode", uint64_t(opcode)); });
}

void record(output::EveWriter& w, const Message& m, const Record& r) {
  auto& j = w.begin_raw();
  j.StartObject();
  w.kv("rrname", m.str(r.name));
  rrtype_member(w, r.type);
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
  if (r.name_truncated) w.kv_bool("rrname_truncated", true);
  j.EndObject();
}

// The records of one section as an array named `key` (nothing when the section is empty).
void section(output::EveWriter& w, const Message& m, Section sec, const char* key) {
  bool any = false;
  auto& j = w.begin_raw();
  for (uint32_t i = 0; i < m.record_count; ++i) {
    if (m.records[i].section != sec) continue;
    if (!any) {
      j.Key(key);
      j.StartArray();
      any = true;
    }
    record(w, m, m.records[i]);
  }
  if (any) j.EndArray();
}

// Header flags as Suricata writes them: "flags" in hex, then each bit that is set.
void write_header_flags(output::EveWriter& w, const Message& m, bool pad) {
  char hex[16];
  size_t n = output::format_hex(m.flags, pad ? 4 : 1, hex);
  w.kv("flags", std::string_view(hex, n));
  if (m.flags & 0x8000) w.kv_bool("qr", true);
  if (m.flags & 0x0400) w.kv_bool("aa", true);
  if (m.flags & 0x0200) w.kv_bool("tc", true);
  if (m.flags & 0x0100) w.kv_bool("rd", true);
  if (m.flags & 0x0080) w.kv_bool("ra", true);
  if (m.flags & 0x0040) w.kv_bool("z", true);
}

// The flag members depend only on the flags and the padding, and a server's answers share
// their flags.
void header_flags(output::EveWriter& w, const Message& m, bool pad) {
  thread_local MemberCache cache;
  cache.put(w, uint32_t(m.flags) << 1 | (pad ? 1u : 0u), [&] { write_header_flags(w, m, pad); });
}

bool groupable(const Record& r) {
  return r.section == Section::Answer && r.has_rdata && r.type != rrtype::kSoa &&
         r.type != rrtype::kSrv;
}

// "grouped": rdata of the answers by type, types in order of first appearance.
void grouped(output::EveWriter& w, const Message& m) {
  auto& j = w.begin_raw();
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
    j.Key(tn.data(), tn.size());
    j.StartArray();
    for (uint32_t k = i; k < m.record_count; ++k) {
      const Record& o = m.records[k];
      if (groupable(o) && o.type == r.type) {
        std::string_view v = m.str(o.rdata);
        j.String(v.data(), v.size());
      }
    }
    j.EndArray();
  }
  if (any_group) j.EndObject();
}

// The first question's name and type as version 2 writes them.
void first_question(output::EveWriter& w, const Message& m) {
  if (!m.query_count) return;
  w.kv("rrname", m.str(m.queries[0].name));
  rrtype_member(w, m.queries[0].type);
  if (m.queries[0].truncated) w.kv_bool("rrname_truncated", true);
}

void log_v2(const Message& m, output::EveWriter& w) {
  auto& j = w.begin_raw();
  j.StartObject();
  if (!m.response) {
    w.kv("type", std::string_view("query"));
    w.kv("id", uint64_t(m.id));
    first_question(w, m);
    w.kv("tx_id", m.tx_id);
    if (m.flags & 0x0040) w.kv_bool("z", true);  // reserved bit set (Suricata logs it)
    opcode_member(w, m.opcode);
    j.EndObject();
    return;
  }
  w.kv("version", uint64_t(2));
  w.kv("type", std::string_view("answer"));
  w.kv("id", uint64_t(m.id));
  header_flags(w, m, true);
  opcode_member(w, m.opcode);
  first_question(w, m);
  rcode_member(w, m.rcode);
  section(w, m, Section::Answer, "answers");
  grouped(w, m);
  section(w, m, Section::Authority, "authorities");
  j.EndObject();
}

}  // namespace

void log_v3(const void* p, output::EveWriter& w) noexcept {
  const auto& m = *static_cast<const Message*>(p);
  auto& j = w.begin_raw();
  j.StartObject();
  w.kv("version", uint64_t(3));
  w.kv("type", std::string_view(m.response ? "response" : "request"));
  w.kv("tx_id", m.tx_id);
  w.kv("id", uint64_t(m.id));
  header_flags(w, m, false);
  opcode_member(w, m.opcode);
  rcode_member(w, m.rcode);
  if (m.query_count) {
    j.Key("queries");
    j.StartArray();
    for (uint32_t i = 0; i < m.query_count; ++i) {
      const Message::Query& q = m.queries[i];
      j.StartObject();
      w.kv("rrname", m.str(q.name));
      rrtype_member(w, q.type);
      if (q.truncated) w.kv_bool("rrname_truncated", true);
      j.EndObject();
    }
    j.EndArray();
  }
  section(w, m, Section::Answer, "answers");
  grouped(w, m);
  section(w, m, Section::Authority, "authorities");
  section(w, m, Section::Additional, "additionals");
  j.EndObject();
}

namespace {
std::atomic<int> g_eve_version{2};
}  // namespace

void set_eve_version(int version) noexcept {
  g_eve_version.store(version == 3 ? 3 : 2, std::memory_order_relaxed);
}
int eve_version() noexcept { return g_eve_version.load(std::memory_order_relaxed); }

void log_tx(const void* p, output::EveWriter& w) noexcept {
  if (eve_version() == 3) return log_v3(p, w);
  log_v2(*static_cast<const Message*>(p), w);
}

// Version 3 names the sender of a response as src (the packet's direction); version 2 keeps
// the flow's.
bool log_reversed(const void*, Direction d) noexcept {
  return d == Direction::ToClient && eve_version() == 3;
}

}  // namespace ww::app::dns
