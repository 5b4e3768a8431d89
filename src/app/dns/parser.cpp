#include "app/dns/parser.h"
#include "core/hex.h"

#include <cstdio>
#include <cstring>

#include "core/types.h"
#include "flow/arena.h"
#include "flow/flow.h"

namespace ww::app::dns {

std::string_view rrtype_name(uint16_t t, char (&buf)[8]) noexcept {
  switch (t) {
    case 1: return "A";
    case 2: return "NS";
    case 5: return "CNAME";
    case 6: return "SOA";
    case 10: return "NULL";
    case 12: return "PTR";
    case 13: return "HINFO";
    case 15: return "MX";
    case 16: return "TXT";
    case 28: return "AAAA";
    case 33: return "SRV";
    case 35: return "NAPTR";
    case 39: return "DNAME";
    case 41: return "OPT";
    case 43: return "DS";
    case 46: return "RRSIG";
    case 47: return "NSEC";
    case 48: return "DNSKEY";
    case 50: return "NSEC3";
    case 64: return "SVCB";
    case 65: return "HTTPS";
    case 99: return "SPF";
    case 250: return "TSIG";
    case 251: return "IXFR";
    case 252: return "AXFR";
    case 255: return "ANY";
    case 257: return "CAA";
    default: {
      int n = std::snprintf(buf, sizeof buf, "%u", t);
      return {buf, size_t(n)};
    }
  }
}

std::string_view rcode_name(uint8_t rc, char (&buf)[8]) noexcept {
  static constexpr std::string_view kNames[] = {
      "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",  "REFUSED",
      "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH",  "NOTZONE"};
  if (rc < std::size(kNames)) return kNames[rc];
  int n = std::snprintf(buf, sizeof buf, "%u", rc);
  return {buf, size_t(n)};
}

namespace {

enum class NameStatus : uint8_t { Ok, Truncated, Malformed };

// Where a message's anomalies go: the transaction the message becomes (tx_id, direction), as
// Suricata names it in the anomaly event, or plain anomalies (probe, tests).
struct Sink {
  ParseContext* ctx = nullptr;
  bool tx = false;
  uint64_t tx_id = 0;
  Direction d = Direction::ToServer;
  void operator()(const char* e) const noexcept {
    if (!ctx) return;
    if (tx) ctx->on_tx_anomaly(e, tx_id, d);
    else ctx->on_anomaly(e);
  }
};

// Reads a (possibly compressed) name at `pos` of `msg`; advances `pos` past it in the record.
// Writes the dotted name into the message text when `out` is set (nothing kept when it does
// not fit); a name over kMaxNameLen is cut there and `*cut` set. Compression pointers may point
// forward (RFC 1035 does not forbid it): kMaxPointers bounds a loop, kMaxLabels the walk.
struct NameReader {
  Bytes msg;
  Message* m;          // null: validate only
  Sink sink;

  void anomaly(const char* e) const noexcept { sink(e); }

  NameStatus read(size_t& pos, Text* out, bool* cut = nullptr) const noexcept {
    size_t p = pos;
    bool jumped = false;
    uint32_t pointers = 0, labels = 0;
    uint32_t total = 0;  // dotted length kept so far
    bool keep = m && out;
    uint32_t start = keep ? m->text_used : 0;
    bool fits = keep, over = false;
    for (;;) {
      if (p >= msg.size()) return NameStatus::Truncated;
      uint8_t len = msg[p];
      if ((len & 0xC0) == 0xC0) {
        if (p + 1 >= msg.size()) return NameStatus::Truncated;
        if (!jumped) pos = p + 2;
        jumped = true;
        if (++pointers > kMaxPointers) {
          anomaly("dns.infinite_loop");
          return NameStatus::Malformed;
        }
        p = size_t(len & 0x3F) << 8 | msg[p + 1];
        continue;
      }
      if (len & 0xC0) {
        anomaly("dns.label_too_long");
        return NameStatus::Malformed;
      }
      if (len == 0) {
        if (!jumped) pos = p + 1;
        break;
      }
      if (p + 1 + len > msg.size()) return NameStatus::Truncated;
      if (++labels > kMaxLabels) {
        anomaly("dns.too_many_labels");
        return NameStatus::Malformed;
      }
      // The dotted form, cut at kMaxNameLen.
      uint32_t sep = total ? 1u : 0u;
      uint32_t take = sep + len;
      if (total + take > kMaxNameLen) {
        take = kMaxNameLen - total;
        over = true;
      }
      if (fits && take) {
        if (m->text_used + take > kTextBytes) {
          fits = false;
        } else {
          if (sep) m->text[m->text_used++] = '.';
          std::memcpy(m->text + m->text_used, msg.data() + p + 1, take - sep);
          m->text_used += take - sep;
        }
      }
      total += take;
      p += 1 + len;
    }
    if (over) {
      if (cut) *cut = true;
      if (m && !m->name_too_long) {  // once per message
        m->name_too_long = true;
        anomaly("dns.name_too_long");
      }
    }
    if (out) {
      if (!fits) {
        if (m) {
          m->text_used = start;
          m->records_dropped = true;
        }
        *out = Text{};
      } else {
        *out = Text{uint16_t(start), uint16_t(m->text_used - start)};
      }
    }
    return NameStatus::Ok;
  }
};

bool append_text(Message& m, std::string_view s, Text& out) noexcept {
  if (m.text_used + s.size() > kTextBytes) {
    m.records_dropped = true;
    return false;
  }
  copy_bytes(m.text + m.text_used, s.data(), s.size());
  out = Text{uint16_t(m.text_used), uint16_t(s.size())};
  m.text_used += uint32_t(s.size());
  return true;
}

// rdata of a record into r (text) according to its type.
void decode_rdata(const NameReader& nr, size_t off, size_t len, Record& r) noexcept {
  Message& m = *nr.m;
  Bytes msg = nr.msg;
  ByteReader rd(msg.subspan(off, len));
  auto name_at = [&](size_t at, Text& t) {
    size_t p = at;
    bool ok = nr.read(p, &t) == NameStatus::Ok;
    return ok ? p : size_t(0);
  };
  switch (r.type) {
    case rrtype::kA:
      if (len == 4) {
        char buf[48];
        IpAddr a = IpAddr::v4(msg.data() + off);
        r.has_rdata = append_text(m, std::string_view(buf, a.format(buf)), r.rdata);
      }
      break;
    case rrtype::kAaaa:
      if (len == 16) {
        char buf[48];
        IpAddr a = IpAddr::v6(msg.data() + off);
        r.has_rdata = append_text(m, std::string_view(buf, a.format(buf)), r.rdata);
      }
      break;
    case rrtype::kCname:
    case rrtype::kNs:
    case rrtype::kPtr:
    case rrtype::kDname:
      r.has_rdata = name_at(off, r.rdata) != 0;
      break;
    case rrtype::kMx:
      if (len >= 3) {
        r.n[0] = rd.u16be();
        r.has_rdata = name_at(off + 2, r.rdata) != 0;
      }
      break;
    case rrtype::kSrv:
      if (len >= 7) {
        r.n[0] = rd.u16be();
        r.n[1] = rd.u16be();
        r.n[2] = rd.u16be();
        r.has_rdata = name_at(off + 6, r.rdata) != 0;
      }
      break;
    case rrtype::kSvcb:
    case rrtype::kHttps:
      if (len >= 3) {
        r.n[0] = rd.u16be();
        r.has_rdata = name_at(off + 2, r.rdata) != 0;
      }
      break;
    case rrtype::kSoa: {
      size_t p = name_at(off, r.rdata);
      if (!p) break;
      p = name_at(p, r.rdata2);
      if (!p || p + 20 > off + len) break;
      ByteReader t(msg.subspan(p, 20));
      for (uint32_t& v : r.n) v = t.u32be();
      r.has_rdata = true;
      break;
    }
    case rrtype::kNull: {
      // Raw bytes as Suricata logs them: ASCII as is, a byte over 0x7f as the text "\xNN".
      uint32_t start = m.text_used;
      for (uint8_t c : msg.subspan(off, len)) {
        uint32_t need = c < 0x80 ? 1 : 4;
        if (m.text_used + need > kTextBytes) {
          m.records_dropped = true;
          break;
        }
        if (c < 0x80) {
          m.text[m.text_used++] = char(c);
        } else {
          char* o = m.text + m.text_used;
          o[0] = '\\';
          o[1] = 'x';
          hex::byte(uint8_t(c), o + 2);
          m.text_used += 4;
        }
      }
      r.rdata = Text{uint16_t(start), uint16_t(m.text_used - start)};
      r.has_rdata = true;
      break;
    }
    case rrtype::kTxt: {
      // Character-strings joined (as Suricata logs them).
      uint32_t start = m.text_used;
      while (!rd.empty()) {
        uint8_t l = rd.u8();
        Bytes s = rd.bytes(l);
        if (!rd.ok()) break;
        if (m.text_used + s.size() > kTextBytes) {
          m.records_dropped = true;
          break;
        }
        copy_bytes(m.text + m.text_used, s.data(), s.size());
        m.text_used += uint32_t(s.size());
      }
      r.rdata = Text{uint16_t(start), uint16_t(m.text_used - start)};
      r.has_rdata = true;
      break;
    }
    default: break;
  }
}

// Header and question checks shared by the probe: Match, NoMatch, or NeedMore when `msg` ends
// before the question does and `partial` says more may come.
ProbeResult check(Bytes msg, bool partial) noexcept {
  if (msg.size() < 12) return partial ? ProbeResult::NeedMore : ProbeResult::NoMatch;
  ByteReader r(msg);
  r.u16be();
  uint16_t flags = r.u16be();
  uint16_t qd = r.u16be(), an = r.u16be(), ns = r.u16be(), ar = r.u16be();
  bool response = flags & 0x8000;
  if (an > 256 || ns > 256 || ar > 256) return ProbeResult::NoMatch;
  if (qd == 0 && !(response && an > 0)) return ProbeResult::NoMatch;
  if (!response && an > 16) return ProbeResult::NoMatch;
  // The first name (question, or answer when there is no question) with its type and class.
  NameReader nr{msg, nullptr, Sink{}};
  size_t pos = 12;
  NameStatus st = nr.read(pos, nullptr);
  if (st == NameStatus::Malformed) return ProbeResult::NoMatch;
  if (st == NameStatus::Truncated || pos + 4 > msg.size())
    return partial ? ProbeResult::NeedMore : ProbeResult::NoMatch;
  uint16_t qtype = uint16_t(msg[pos] << 8 | msg[pos + 1]);
  uint16_t qclass = uint16_t(msg[pos + 2] << 8 | msg[pos + 3]);
  // NetBIOS name service (RFC 1002) shares the format: NB/NBSTAT for a 32-byte encoded name.
  if ((qtype == 32 || qtype == 33) && msg[12] == 32) return ProbeResult::NoMatch;
  if (qd == 0) return ProbeResult::Match;
  uint16_t c = qclass & 0x7FFF;  // mDNS: top bit is "unicast response"
  if (c != 1 && c != 3 && c != 4 && c != 254 && c != 255) return ProbeResult::NoMatch;
  return ProbeResult::Match;
}

bool decode_msg(Bytes b, Message& m, const Sink& anomaly) noexcept;

class DnsParser final : public Parser {
 public:
  DnsParser(char* text, bool tcp) noexcept : tcp_(tcp) { msg_.text = text; }

  ParseResult parse(Direction d, Bytes data, ParseContext& ctx) noexcept override {
    if (!tcp_) {
      message(d, data, ctx);
      return {ParseStatus::Ok, data.size(), 0};
    }
    size_t pos = 0;
    while (pos < data.size()) {
      size_t left = data.size() - pos;
      if (left < 2) return {ParseStatus::Incomplete, pos, 2 - left};
      size_t len = size_t(data[pos]) << 8 | data[pos + 1];
      if (len < 12) {
        // Cannot be a message: the framing is lost for this direction.
        ctx.on_anomaly("dns.invalid_tcp_length");
        return {ParseStatus::Error, pos, 0};
      }
      if (left < 2 + len) return {ParseStatus::Incomplete, pos, 2 + len - left};
      message(d, data.subspan(pos + 2, len), ctx);
      pos += 2 + len;
    }
    return {ParseStatus::Ok, data.size(), 0};
  }

  void gap(Direction d, uint64_t len, ParseContext& ctx) noexcept override {
    // TCP framing after a gap is unknown; the app layer drops the partial message. Later
    // messages are found only if the gap ended on a message boundary.
  }

 private:
  void message(Direction d, Bytes b, ParseContext& ctx) noexcept {
    if (!decode_msg(b, msg_, Sink{&ctx, true, next_tx_, d})) return;
    // Each message is a transaction of its own, as in Suricata (a query and its answer are
    // two: the answer is not paired with its query by id).
    msg_.tx_id = next_tx_++;
    ctx.on_transaction(&msg_, msg_.tx_id, d);
  }

  bool tcp_;
  Message msg_;
  uint64_t next_tx_ = 0;
};

Parser* create(ParseContext& ctx) noexcept {
  char* text = ctx.arena().alloc_array<char>(kTextBytes);
  if (!text) return nullptr;
  return ctx.arena().make<DnsParser>(text, ctx.flow().proto == ipproto::kTcp);
}

}  // namespace

bool decode(Bytes b, Message& m, ParseContext* ctx) noexcept {
  return decode_msg(b, m, Sink{ctx});
}

namespace {

bool decode_msg(Bytes b, Message& m, const Sink& anomaly) noexcept {
  char* text = m.text;
  static_cast<MessageHead&>(m) = MessageHead{};
  m.text = text;
  ByteReader r(b);
  m.id = r.u16be();
  m.flags = r.u16be();
  for (uint16_t& c : m.counts) c = r.u16be();
  if (!r.ok()) {
    anomaly("dns.malformed_data");
    return false;
  }
  m.response = m.flags & 0x8000;
  m.opcode = (m.flags >> 11) & 0xF;
  m.rcode = m.flags & 0xF;
  if (m.opcode == 3 || m.opcode > 6) anomaly("dns.invalid_opcode");
  if (m.flags & 0x0040) anomaly("dns.z_flag_set");
  NameReader nr{b, &m, anomaly};
  size_t pos = 12;
  if (m.counts[0] > kMaxQuestions) anomaly("dns.too_many_questions");  // the first are kept
  for (uint32_t i = 0; i < m.counts[0]; ++i) {
    Message::Query q;
    bool keep = i < kMaxQuestions;
    NameStatus st = nr.read(pos, keep ? &q.name : nullptr, &q.truncated);
    if (st != NameStatus::Ok || pos + 4 > b.size()) {
      if (st != NameStatus::Malformed) anomaly("dns.malformed_data");
      // A bad later question: the first ones still name the transaction (as tshark shows it).
      m.records_dropped = i > 0;
      return i > 0;
    }
    q.type = uint16_t(b[pos] << 8 | b[pos + 1]);
    q.cls = uint16_t(b[pos + 2] << 8 | b[pos + 3]);
    if (keep) m.queries[m.query_count++] = q;
    else m.records_dropped = true;
    pos += 4;
  }
  uint32_t an = m.counts[1], ns = m.counts[2];
  uint32_t rrs = an + ns + m.counts[3];
  for (uint32_t i = 0; i < rrs; ++i) {
    Record rec;
    rec.section = i < an ? Section::Answer : i < an + ns ? Section::Authority : Section::Additional;
    bool keep = m.record_count < kMaxRecords;
    uint32_t mark = m.text_used;
    NameStatus st = nr.read(pos, keep ? &rec.name : nullptr, &rec.name_truncated);
    if (st != NameStatus::Ok || pos + 10 > b.size()) {
      if (st != NameStatus::Malformed) anomaly("dns.malformed_data");
      m.records_dropped = true;
      m.text_used = mark;
      return true;  // keep what was decoded
    }
    ByteReader h(b.subspan(pos, 10));
    rec.type = h.u16be();
    rec.cls = h.u16be();
    rec.ttl = h.u32be();
    uint16_t rdlen = h.u16be();
    pos += 10;
    if (pos + rdlen > b.size()) {
      anomaly("dns.malformed_data");
      m.records_dropped = true;
      m.text_used = mark;
      return true;
    }
    if (keep) {
      decode_rdata(nr, pos, rdlen, rec);
      m.records[m.record_count++] = rec;
    } else {
      m.records_dropped = true;
    }
    pos += rdlen;
  }
  return true;
}

}  // namespace

ProbeResult probe(Direction d, Bytes first) noexcept {
  // TCP form first: a 2-byte length then the message; then the datagram form.
  ProbeResult tcp = ProbeResult::NoMatch;
  if (first.size() < 2) return ProbeResult::NeedMore;
  size_t len = size_t(first[0]) << 8 | first[1];
  if (len >= 12) {
    Bytes body = first.subspan(2);
    bool partial = body.size() < len;
    tcp = check(partial ? body : body.first(len), partial);
    if (tcp == ProbeResult::Match) return tcp;
  }
  ProbeResult udp = check(first, false);
  if (udp == ProbeResult::Match) return udp;
  return tcp == ProbeResult::NeedMore ? tcp : ProbeResult::NoMatch;
}

void log_tx(const void* tx, output::EveWriter& w) noexcept;
void log_v3(const void* tx, output::EveWriter& w) noexcept;
bool log_reversed(const void* tx, Direction d) noexcept;
void buffers(const void* tx, Direction d, detect::InspectBuffers& out) noexcept;
bool check(const void* tx, Direction d, std::string_view keyword,
           std::string_view value) noexcept;

const ParserSpec kSpec = {
    Proto::Dns, true,    true,   {53, 5353, 0, 0}, &probe,  &create,       "dns", &log_tx,
    &buffers,   /*tx_both_dirs=*/false, Proto::Unknown, nullptr, &check, &log_v3, &log_reversed,
    /*inspect_dirs=*/nullptr, /*not_ports=*/{5355, 0},  // LLMNR (RFC 4795): not DNS
};

}  // namespace ww::app::dns
