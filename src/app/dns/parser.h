// app/dns: DNS (RFC 1035 and successors) over UDP (one message per datagram) and TCP (each
// message behind a 2-byte length, RFC 1035 4.2.2, reassembled by the app layer through the
// Incomplete/needed contract).
//
// What it does: header (id, flags, opcode, rcode), the questions, answer, authority and
// additional records (A, AAAA, CNAME, NS, PTR, DNAME, MX, TXT, SOA, SRV, HTTPS/SVCB; other
// types keep name, type and TTL only), name compression with loop protection; each message is
// its own transaction (Suricata's tx_id: a query and its answer are two).
// Invariants: a message is decoded into one Message reused for every message of the flow
// (its text buffer comes once from the flow arena); a malformed message is an anomaly, never
// an error for the direction (except a TCP length that cannot be a message).
// Limits: kMaxRecords records and kTextBytes of names/rdata text kept per message (the rest is
// dropped and flagged), kMaxPointers compression pointers per name (forward pointers are
// accepted: the count bounds a loop), kMaxNameLen bytes kept per name (the rest is cut and the
// name flagged truncated), kMaxQuestions questions kept.
#pragma once

#include <cstdint>
#include <string_view>

#include "app/parser.h"

namespace ww::app::dns {

inline constexpr uint32_t kMaxRecords = 32;
inline constexpr uint32_t kTextBytes = 4096;
inline constexpr uint32_t kMaxPointers = 16;
inline constexpr uint32_t kMaxLabels = 255;  // labels walked per name (dns.too_many_labels)
inline constexpr uint32_t kMaxQuestions = 16;
inline constexpr uint32_t kMaxNameLen = 1025;  // as Suricata cuts names (rrname_truncated)

// Record types with a name (others are logged by number).
namespace rrtype {
inline constexpr uint16_t kA = 1, kNs = 2, kCname = 5, kSoa = 6, kNull = 10, kPtr = 12, kMx = 15,
                          kTxt = 16,
                          kAaaa = 28, kSrv = 33, kDname = 39, kOpt = 41, kSvcb = 64,
                          kHttps = 65;
}
// "A", "AAAA" ...; the number as text for the others (into buf).
std::string_view rrtype_name(uint16_t t, char (&buf)[8]) noexcept;
// "NOERROR", "NXDOMAIN" ...; the number as text for the others.
std::string_view rcode_name(uint8_t rc, char (&buf)[8]) noexcept;

struct Text {
  uint16_t off = 0, len = 0;
};

enum class Section : uint8_t { Answer, Authority, Additional };

struct Record {
  Text name;
  bool name_truncated = false;
  uint16_t type = 0;
  uint16_t cls = 0;
  uint32_t ttl = 0;
  Section section = Section::Answer;
  bool has_rdata = false;
  Text rdata;    // address, target name, TXT text; SOA: mname
  Text rdata2;   // SOA: rname
  uint32_t n[5] = {};  // MX: preference; SRV: priority, weight, port; SOA: serial .. minimum;
                       // SVCB/HTTPS: priority
};

// The header part of a message: what decode() resets for each message. The question and record
// arrays of Message are read only up to query_count and record_count, so they are not
// cleared (~1.6 KiB a message).
struct MessageHead {
  uint64_t tx_id = 0;  // Suricata's tx_id (query/answer pairing), logged in a query
  uint16_t id = 0;
  uint16_t flags = 0;
  bool response = false;
  uint8_t opcode = 0;
  uint8_t rcode = 0;
  uint32_t query_count = 0;
  uint16_t counts[4] = {};  // qd, an, ns, ar as announced
  uint32_t record_count = 0;
  bool records_dropped = false;  // over kMaxRecords / kTextBytes, or malformed part way
  bool name_too_long = false;    // a name was cut at kMaxNameLen (one anomaly per message)
  char* text = nullptr;          // kTextBytes
  uint32_t text_used = 0;
};

// One DNS message: what on_transaction receives (a query or a response).
struct Message : MessageHead {
  struct Query {
    Text name;
    uint16_t type = 0;
    uint16_t cls = 0;
    bool truncated = false;  // name over kMaxNameLen: cut
  };
  Query queries[kMaxQuestions];
  Record records[kMaxRecords];

  std::string_view str(Text t) const noexcept { return {text + t.off, t.len}; }
};

// Decodes one message (no length prefix) into `m` (whose `text` must be set). Anomalies go to
// `ctx` when given. False when the header or the question is malformed.
bool decode(Bytes msg, Message& m, ParseContext* ctx) noexcept;

// EVE `dns` format of dns events: 2 (Suricata 7: "query"/"answer") or 3 (Suricata 8's default:
// "request"/"response" with "queries", "answers", "authorities", "additionals"). Alerts always
// carry version 3, as Suricata 8 writes them. Process-wide (outputs.eve-log.dns-version).
void set_eve_version(int version) noexcept;
int eve_version() noexcept;

ProbeResult probe(Direction d, Bytes first) noexcept;

extern const ParserSpec kSpec;

}  // namespace ww::app::dns
