// Telnet (RFC 854/857/858/1091): option negotiation, login prompt, username typed and echoed one
// character per segment, password without echo, then a shell or "Login incorrect".
#include "proto.h"

namespace ww::sim {

FiveTuple telnet_session(Sim& sim, Session& s, Host& client, Host& server, const std::string& user,
                         const std::string& pass, bool login_ok) {
  Rng& r = sim.rng;
  Tcp tcp(sim, s, client, server, 23);
  if (!tcp.connect()) return tcp.tuple();
  static const uint8_t kSrvOpts[] = {0xff, 0xfd, 0x18, 0xff, 0xfb, 0x01, 0xff, 0xfb, 0x03};
  static const uint8_t kCliOpts[] = {0xff, 0xfb, 0x18, 0xff, 0xfd, 0x01, 0xff, 0xfd, 0x03};
  tcp.send(Dir::kS2C, kSrvOpts, r.range(1 * kMs, 10 * kMs));
  tcp.send(Dir::kC2S, kCliOpts, r.range(200, 2000));
  tcp.send(Dir::kS2C, "\r\n" + server.name + " login: ", r.range(1 * kMs, 10 * kMs));
  for (char c : user) {
    tcp.send(Dir::kC2S, std::string(1, c), r.range(80 * kMs, 300 * kMs));
    tcp.send(Dir::kS2C, std::string(1, c), r.range(100, 1000));
  }
  tcp.send(Dir::kC2S, "\r\n", r.range(80 * kMs, 300 * kMs));
  tcp.send(Dir::kS2C, "\r\nPassword: ", r.range(1 * kMs, 10 * kMs));
  for (char c : pass) tcp.send(Dir::kC2S, std::string(1, c), r.range(80 * kMs, 300 * kMs));
  tcp.send(Dir::kC2S, "\r\n", r.range(80 * kMs, 300 * kMs));
  if (!login_ok) {
    tcp.send(Dir::kS2C, "\r\nLogin incorrect\r\n", r.range(1 * kSec, 3 * kSec));
    tcp.close(Dir::kS2C);
    return tcp.tuple();
  }
  tcp.send(Dir::kS2C, "\r\nLast login: Fri Mar  1 09:12:44 2024\r\nBusyBox v1.22.1 built-in shell (ash)\r\n# ",
           r.range(50 * kMs, 300 * kMs));
  for (const char* cmd : {"uptime", "cat /etc/hvac.conf", "exit"}) {
    std::string c = cmd;
    tcp.send(Dir::kC2S, c + "\r\n", r.range(1 * kSec, 4 * kSec));
    tcp.send(Dir::kS2C, c + "\r\n" + (c == "exit" ? std::string("logout\r\n") : lorem(r, 12) + "\r\n# "),
             r.range(5 * kMs, 50 * kMs));
  }
  tcp.close(Dir::kS2C);
  return tcp.tuple();
}

}  // namespace ww::sim
