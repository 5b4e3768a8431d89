// FTP (RFC 959): cleartext USER/PASS, SYST, TYPE I, PASV with a separate data connection for
// RETR or STOR, QUIT. A failed login answers 530.
#include "proto.h"

namespace ww::sim {

FiveTuple ftp_session(Sim& sim, Session& s, Host& client, Host& server, const FtpParams& p) {
  Rng& r = sim.rng;
  if (client.kind == HostKind::kInternal) resolve(sim, s, client, server);
  Tcp ctl(sim, s, client, server, 21);
  if (!ctl.connect()) return ctl.tuple();
  auto both = [&](const std::string& cmd, const std::string& reply, Ts think) {
    ctl.send(Dir::kC2S, cmd + "\r\n", r.range(300, 3000));
    ctl.send(Dir::kS2C, reply + "\r\n", think);
  };
  ctl.send(Dir::kS2C, "220 (vsFTPd 2.3.4)\r\n", r.range(1 * kMs, 10 * kMs));
  both("USER " + p.user, "331 Please specify the password.", r.range(200, 2000));
  if (!p.login_ok) {
    both("PASS " + p.pass, "530 Login incorrect.", r.range(500 * kMs, 1500 * kMs));
    ctl.close(Dir::kS2C);
    return ctl.tuple();
  }
  both("PASS " + p.pass, "230 Login successful.", r.range(2 * kMs, 30 * kMs));
  both("SYST", "215 UNIX Type: L8", r.range(200, 2000));
  both("TYPE I", "200 Switching to Binary mode.", r.range(200, 2000));
  uint16_t dport = static_cast<uint16_t>(40000 + r.below(10000));
  uint32_t ip = server.ip;
  char pasv[96];
  std::snprintf(pasv, sizeof pasv, "227 Entering Passive Mode (%u,%u,%u,%u,%u,%u).", ip >> 24,
                (ip >> 16) & 255, (ip >> 8) & 255, ip & 255, dport >> 8, dport & 255);
  both("PASV", pasv, r.range(200, 2000));
  const std::string verb = p.upload ? "STOR " : "RETR ";
  ctl.send(Dir::kC2S, verb + p.file + "\r\n", r.range(300, 3000));
  Tcp data(sim, s, client, server, dport);
  data.connect();
  ctl.send(Dir::kS2C, p.upload ? "150 Ok to send data.\r\n"
                               : "150 Opening BINARY mode data connection for " + p.file + " (" +
                                     std::to_string(p.content.empty() ? p.bytes : p.content.size()) + " bytes).\r\n",
           r.range(200, 1000));
  Bytes payload = p.content;
  if (payload.empty()) {
    payload.resize(p.bytes);
    r.fill(payload.data(), payload.size());
  }
  data.send(p.upload ? Dir::kC2S : Dir::kS2C, payload, r.range(200, 1000));
  data.close(p.upload ? Dir::kC2S : Dir::kS2C);
  ctl.send(Dir::kS2C, "226 Transfer complete.\r\n", r.range(200, 2000));
  both("QUIT", "221 Goodbye.", r.range(200, 2000));
  ctl.close(Dir::kS2C);
  return ctl.tuple();
}

}  // namespace ww::sim
