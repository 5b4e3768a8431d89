// SMB2/3 (MS-SMB2) over direct TCP (445, NetBIOS session framing): NEGOTIATE (2.0.2 to 3.0.2),
// SESSION_SETUP with raw NTLMSSP (NEGOTIATE / CHALLENGE with AV pairs / AUTHENTICATE with an
// NTLMv2 response), TREE_CONNECT, CREATE, QUERY_DIRECTORY, READ, WRITE, SET_INFO rename, CLOSE,
// LOGOFF. Failed logons answer STATUS_LOGON_FAILURE with an error body.
#include "proto.h"

namespace ww::sim {

namespace {
enum : uint16_t {
  kNegotiate = 0,
  kSessionSetup = 1,
  kLogoff = 2,
  kTreeConnect = 3,
  kCreate = 5,
  kClose = 6,
  kRead = 8,
  kWrite = 9,
  kQueryDirectory = 0x0e,
  kSetInfo = 0x11,
};
constexpr uint32_t kOk = 0;
constexpr uint32_t kMoreProcessing = 0xc0000016;
constexpr uint32_t kLogonFailure = 0xc000006d;
constexpr uint32_t kNoMoreFiles = 0x80000006;

uint64_t filetime(Ts t) { return (static_cast<uint64_t>(t / kSec) + 11644473600ULL) * 10000000ULL + static_cast<uint64_t>(t % kSec) * 10; }

void ntlm_field(Buf& b, size_t len, size_t off) {
  b.u16le(static_cast<uint32_t>(len)).u16le(static_cast<uint32_t>(len)).u32le(static_cast<uint32_t>(off));
}
void version(Buf& b) { b.u8(10).u8(0).u16le(19041).zeros(3).u8(15); }

Buf av_pairs(const std::string& domain, const std::string& server, const std::string& dns_domain, Ts t) {
  Buf a;
  auto pair = [&](uint16_t id, const std::string& s) {
    a.u16le(id).u16le(static_cast<uint32_t>(s.size() * 2)).utf16(s);
  };
  pair(2, domain);
  pair(1, server);
  pair(4, dns_domain);
  pair(3, server + "." + dns_domain);
  a.u16le(7).u16le(8).u64le(filetime(t));
  a.u16le(0).u16le(0);
  return a;
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

void error_body(Buf& b) { b.u16le(9).u8(0).u8(0).u32le(0).u8(0); }
}  // namespace

SmbClient::SmbClient(Sim& sim, Tcp& tcp, Host& client, Host& server)
    : sim_(sim), tcp_(tcp), client_(client), server_(server) {
  server_name_ = upper(server.name);
}

Buf SmbClient::header(uint16_t cmd, bool response, uint32_t status, uint64_t msg_id) {
  Buf h;
  h.u8(0xfe).str("SMB").u16le(64).u16le(1).u32le(response ? status : 0).u16le(cmd);
  h.u16le(response ? 32 : 31).u32le(response ? 1 : 0).u32le(0).u64le(msg_id);
  h.u32le(0xfeff).u32le(cmd == kNegotiate ? 0 : tree_id_).u64le(session_id_).zeros(16);
  return h;
}

void SmbClient::send(Dir d, Buf& msg, Ts think) {
  Buf nb;
  nb.u8(0).u24be(static_cast<uint32_t>(msg.size()));
  nb.bytes(msg.span());
  tcp_.send(d, nb.span(), think);
}

void SmbClient::request(uint16_t cmd, const Buf& body) {
  Buf m = header(cmd, false, 0, msg_id_);
  m.bytes(body.span());
  send(Dir::kC2S, m, sim_.rng.range(50, 3000));
}

void SmbClient::response(uint16_t cmd, uint32_t status, const Buf& body, Ts think) {
  Buf m = header(cmd, true, status, msg_id_);
  m.bytes(body.span());
  send(Dir::kS2C, m, think);
  ++msg_id_;
}

void SmbClient::negotiate() {
  Rng& r = sim_.rng;
  Buf q;
  q.u16le(36).u16le(4).u16le(1).u16le(0).u32le(0x7f);
  for (int i = 0; i < 2; ++i) q.u64le(r.next());
  q.u64le(0);
  q.u16le(0x0202).u16le(0x0210).u16le(0x0300).u16le(0x0302);
  request(kNegotiate, q);
  Buf a;
  a.u16le(65).u16le(1).u16le(0x0302).u16le(0);
  for (int i = 0; i < 2; ++i) a.u64le(fnv1a(server_.name) + static_cast<uint64_t>(i));
  a.u32le(0x2f).u32le(8388608).u32le(8388608).u32le(8388608);
  a.u64le(filetime(tcp_.now())).u64le(0);
  a.u16le(0x80).u16le(0).u32le(0);
  response(kNegotiate, kOk, a, r.range(200, 2000));
}

bool SmbClient::session_setup(const std::string& domain, const std::string& user, bool succeed) {
  Rng& r = sim_.rng;
  // NTLMSSP_NEGOTIATE
  Buf n;
  n.str(std::string("NTLMSSP\0", 8)).u32le(1).u32le(0xe2088297);
  ntlm_field(n, 0, 0);
  ntlm_field(n, 0, 0);
  version(n);
  Buf q;
  q.u16le(25).u8(0).u8(1).u32le(1).u32le(0).u16le(0x58).u16le(static_cast<uint32_t>(n.size())).u64le(0);
  q.bytes(n.span());
  request(kSessionSetup, q);
  // NTLMSSP_CHALLENGE
  session_id_ = 0x0000100000000000ULL | (r.next() & 0xffffffffULL);
  std::string dns_domain = sim_.net.domain;
  Buf info = av_pairs(upper(domain), server_name_, dns_domain, tcp_.now());
  Buf c;
  size_t name_len = upper(domain).size() * 2;
  c.str(std::string("NTLMSSP\0", 8)).u32le(2);
  ntlm_field(c, name_len, 56);
  c.u32le(0xe28a8215);
  size_t at = c.size();
  c.zeros(8);
  r.fill(c.v.data() + at, 8);
  c.zeros(8);
  ntlm_field(c, info.size(), 56 + name_len);
  version(c);
  c.utf16(upper(domain)).bytes(info.span());
  Buf a;
  a.u16le(9).u16le(0).u16le(0x48).u16le(static_cast<uint32_t>(c.size())).bytes(c.span());
  response(kSessionSetup, kMoreProcessing, a, r.range(300, 3000));
  // NTLMSSP_AUTH with an NTLMv2 response
  Buf nt;
  at = nt.size();
  nt.zeros(16);
  r.fill(nt.v.data() + at, 16);  // NTProofStr
  nt.u8(1).u8(1).u16le(0).u32le(0).u64le(filetime(tcp_.now()));
  at = nt.size();
  nt.zeros(8);
  r.fill(nt.v.data() + at, 8);  // client challenge
  nt.u32le(0).bytes(info.span()).u32le(0);
  std::string ws = upper(client_.name);
  size_t off = 88;
  Buf au;
  au.str(std::string("NTLMSSP\0", 8)).u32le(3);
  size_t dlen = upper(domain).size() * 2, ulen = user.size() * 2, wlen = ws.size() * 2;
  size_t lm_off = off + dlen + ulen + wlen;
  ntlm_field(au, 24, lm_off);
  ntlm_field(au, nt.size(), lm_off + 24);
  ntlm_field(au, dlen, off);
  ntlm_field(au, ulen, off + dlen);
  ntlm_field(au, wlen, off + dlen + ulen);
  ntlm_field(au, 16, lm_off + 24 + nt.size());
  au.u32le(0xe2888215);
  version(au);
  at = au.size();
  au.zeros(16);
  r.fill(au.v.data() + at, 16);  // MIC
  au.utf16(upper(domain)).utf16(user).utf16(ws).zeros(24).bytes(nt.span());
  at = au.size();
  au.zeros(16);
  r.fill(au.v.data() + at, 16);
  Buf q2;
  q2.u16le(25).u8(0).u8(1).u32le(1).u32le(0).u16le(0x58).u16le(static_cast<uint32_t>(au.size())).u64le(0);
  q2.bytes(au.span());
  request(kSessionSetup, q2);
  Buf a2;
  if (succeed) {
    a2.u16le(9).u16le(0).u16le(0x48).u16le(0);
    response(kSessionSetup, kOk, a2, r.range(1 * kMs, 8 * kMs));
  } else {
    error_body(a2);
    response(kSessionSetup, kLogonFailure, a2, r.range(1 * kMs, 8 * kMs));
  }
  return succeed;
}

void SmbClient::tree_connect(const std::string& share) {
  Rng& r = sim_.rng;
  std::string path = "\\\\" + server_.fqdn + "\\" + share;
  Buf q;
  q.u16le(9).u16le(0).u16le(0x48).u16le(static_cast<uint32_t>(path.size() * 2)).utf16(path);
  request(kTreeConnect, q);
  tree_id_ = 1 + static_cast<uint32_t>(r.below(16));
  Buf a;
  a.u16le(16).u8(1).u8(0).u32le(0x00000800).u32le(0).u32le(0x001f01ff);
  response(kTreeConnect, kOk, a, r.range(300, 2000));
}

uint64_t SmbClient::create(const std::string& path, bool write, bool create_new) {
  Rng& r = sim_.rng;
  bool dir = path.find('.') == std::string::npos;
  Buf q;
  q.u16le(57).u8(0).u8(0).u32le(2).u64le(0).u64le(0);
  q.u32le(write ? 0x0013019f : (dir ? 0x00100081 : 0x00120089));
  q.u32le(dir ? 0x10 : 0x80).u32le(7);
  q.u32le(create_new ? 5 : 1);  // FILE_OVERWRITE_IF : FILE_OPEN
  q.u32le(dir ? 0x21 : 0x44);
  q.u16le(0x78).u16le(static_cast<uint32_t>(path.size() * 2)).u32le(0).u32le(0);
  q.utf16(path);
  if (path.empty()) q.u8(0);
  request(kCreate, q);
  uint64_t fid = next_fid_++;
  Ts t = tcp_.now();
  Buf a;
  a.u16le(89).u8(0).u8(0).u32le(create_new ? 2 : 1);
  for (int i = 0; i < 4; ++i) a.u64le(filetime(t - (create_new ? 0 : 86400 * kSec)));
  a.u64le(dir ? 0 : 1048576).u64le(dir ? 0 : 524288).u32le(dir ? 0x10 : 0x20).u32le(0);
  a.u64le(0x0000000400000000ULL | fid).u64le(0x0000000800000000ULL | fid).u32le(0).u32le(0);
  response(kCreate, kOk, a, r.range(200, 3000));
  return fid;
}

void SmbClient::list_dir(const std::string& dir, const std::vector<std::string>& names) {
  Rng& r = sim_.rng;
  uint64_t fid = create(dir, false);
  auto query = [&](uint8_t flags) {
    Buf q;
    q.u16le(33).u8(0x01).u8(flags).u32le(0);
    q.u64le(0x0000000400000000ULL | fid).u64le(0x0000000800000000ULL | fid);
    q.u16le(0x60).u16le(2).u32le(65536).utf16("*");
    request(kQueryDirectory, q);
  };
  query(0x01);
  Buf entries;
  Ts t = tcp_.now();
  for (size_t i = 0; i < names.size(); ++i) {
    size_t start = entries.size();
    size_t len = 64 + names[i].size() * 2;
    size_t padded = (len + 7) & ~size_t{7};
    bool last = i + 1 == names.size();
    entries.u32le(last ? 0 : static_cast<uint32_t>(padded)).u32le(0);
    for (int k = 0; k < 4; ++k) entries.u64le(filetime(t - static_cast<Ts>(r.below(90 * 86400)) * kSec));
    uint64_t size = 20000 + r.below(2000000);
    entries.u64le(size).u64le((size + 4095) & ~uint64_t{4095}).u32le(0x20);
    entries.u32le(static_cast<uint32_t>(names[i].size() * 2)).utf16(names[i]);
    if (!last) entries.zeros(padded - (entries.size() - start));
  }
  Buf a;
  a.u16le(9).u16le(0x48).u32le(static_cast<uint32_t>(entries.size())).bytes(entries.span());
  response(kQueryDirectory, kOk, a, r.range(500, 5000));
  query(0x00);
  Buf e;
  error_body(e);
  response(kQueryDirectory, kNoMoreFiles, e, r.range(200, 1000));
  close(fid);
}

Bytes SmbClient::read(uint64_t fid, size_t len) {
  Rng& r = sim_.rng;
  Bytes out;
  size_t off = 0;
  while (off < len) {
    size_t n = std::min<size_t>(len - off, 1048576);
    Buf q;
    q.u16le(49).u8(0x50).u8(0).u32le(static_cast<uint32_t>(n)).u64le(off);
    q.u64le(0x0000000400000000ULL | fid).u64le(0x0000000800000000ULL | fid);
    q.u32le(0).u32le(0).u32le(0).u16le(0).u16le(0).u8(0);
    request(kRead, q);
    Buf a;
    a.u16le(17).u8(0x50).u8(0).u32le(static_cast<uint32_t>(n)).u32le(0).u32le(0);
    size_t at = a.size();
    a.zeros(n);
    r.fill(a.v.data() + at, n);
    out.insert(out.end(), a.v.begin() + static_cast<long>(at), a.v.end());
    response(kRead, kOk, a, r.range(200, 4000));
    off += n;
  }
  return out;
}

void SmbClient::write(uint64_t fid, std::span<const uint8_t> data) {
  Rng& r = sim_.rng;
  size_t off = 0;
  do {
    size_t n = std::min<size_t>(data.size() - off, 1048576);
    Buf q;
    q.u16le(49).u16le(0x70).u32le(static_cast<uint32_t>(n)).u64le(off);
    q.u64le(0x0000000400000000ULL | fid).u64le(0x0000000800000000ULL | fid);
    q.u32le(0).u32le(0).u16le(0).u16le(0).u32le(0);
    q.bytes(data.data() + off, n);
    request(kWrite, q);
    Buf a;
    a.u16le(17).u16le(0).u32le(static_cast<uint32_t>(n)).u32le(0).u16le(0).u16le(0);
    response(kWrite, kOk, a, r.range(300, 5000));
    off += n;
  } while (off < data.size());
}

void SmbClient::rename(uint64_t fid, const std::string& new_path) {
  Rng& r = sim_.rng;
  Buf info;
  info.u8(0).zeros(7).u64le(0).u32le(static_cast<uint32_t>(new_path.size() * 2)).utf16(new_path);
  Buf q;
  q.u16le(33).u8(1).u8(10).u32le(static_cast<uint32_t>(info.size())).u16le(0x60).u16le(0).u32le(0);
  q.u64le(0x0000000400000000ULL | fid).u64le(0x0000000800000000ULL | fid);
  q.bytes(info.span());
  request(kSetInfo, q);
  Buf a;
  a.u16le(2);
  response(kSetInfo, kOk, a, r.range(300, 3000));
}

void SmbClient::close(uint64_t fid) {
  Rng& r = sim_.rng;
  Buf q;
  q.u16le(24).u16le(0).u32le(0).u64le(0x0000000400000000ULL | fid).u64le(0x0000000800000000ULL | fid);
  request(kClose, q);
  Buf a;
  a.u16le(60).u16le(0).u32le(0).zeros(32).u64le(0).u64le(0).u32le(0);
  response(kClose, kOk, a, r.range(100, 1500));
}

void SmbClient::logoff() {
  Buf q;
  q.u16le(4).u16le(0);
  request(kLogoff, q);
  Buf a;
  a.u16le(4).u16le(0);
  response(kLogoff, kOk, a, sim_.rng.range(100, 1000));
}

void smb_office_session(Sim& sim, Session& s, Host& client, Host& server) {
  Rng& r = sim.rng;
  resolve(sim, s, client, server);
  Tcp tcp(sim, s, client, server, 445);
  if (!tcp.connect()) return;
  SmbClient smb(sim, tcp, client, server);
  smb.negotiate();
  static const char* kUsers[] = {"jsmith", "apatel", "mkhan", "lnguyen", "rjones", "etaylor"};
  smb.session_setup("STMARYS", kUsers[r.below(std::size(kUsers))]);
  static const char* kShares[] = {"Clinical", "Admin", "Policies", "Rota"};
  smb.tree_connect(kShares[r.below(std::size(kShares))]);
  static const char* kDocs[] = {"Handover\\ward_handover.docx", "Rota\\march_rota.xlsx",
                                "Policies\\infection_control.pdf", "Forms\\consent_form.docx",
                                "Reports\\bed_occupancy.xlsx"};
  int files = 1 + static_cast<int>(r.below(3));
  for (int i = 0; i < files; ++i) {
    std::string path = kDocs[r.below(std::size(kDocs))];
    uint64_t fid = smb.create(path, false);
    smb.read(fid, sim.scaled(20000 + r.below(400000)));
    smb.close(fid);
    tcp.wait(r.range(100 * kMs, 5 * kSec));
  }
  if (r.chance(0.4)) {
    // Save: write a temporary file and rename it over the document, as Office does.
    std::string tmp = "Handover\\~WRD" + std::to_string(1000 + r.below(9000)) + ".tmp";
    uint64_t fid = smb.create(tmp, true, true);
    Bytes data(sim.scaled(30000 + r.below(200000)));
    r.fill(data.data(), data.size());
    smb.write(fid, data);
    smb.rename(fid, "Handover\\ward_handover.docx");
    smb.close(fid);
  }
  smb.logoff();
  tcp.close(Dir::kC2S);
}

}  // namespace ww::sim
