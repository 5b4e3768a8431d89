// SMTP (RFC 5321) with a MIME (RFC 2045/2046) multipart message: a text part and a base64
// attachment; EHLO, MAIL, RCPT, DATA, QUIT.
#include "proto.h"

namespace ww::sim {

namespace {
std::string base64(std::span<const uint8_t> in) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t line = 0;
  for (size_t i = 0; i < in.size(); i += 3) {
    uint32_t v = uint32_t{in[i]} << 16;
    if (i + 1 < in.size()) v |= uint32_t{in[i + 1]} << 8;
    if (i + 2 < in.size()) v |= in[i + 2];
    out.push_back(t[(v >> 18) & 63]);
    out.push_back(t[(v >> 12) & 63]);
    out.push_back(i + 1 < in.size() ? t[(v >> 6) & 63] : '=');
    out.push_back(i + 2 < in.size() ? t[v & 63] : '=');
    line += 4;
    if (line >= 76) {
      out += "\r\n";
      line = 0;
    }
  }
  if (line) out += "\r\n";
  return out;
}
}  // namespace

FiveTuple smtp_send(Sim& sim, Session& s, Host& client, Host& server, const Mail& m) {
  Rng& r = sim.rng;
  if (client.kind == HostKind::kInternal) resolve(sim, s, client, server);
  Tcp tcp(sim, s, client, server, 25);
  if (!tcp.connect()) return tcp.tuple();
  const std::string me = client.fqdn.empty() ? client.name : client.fqdn;
  tcp.send(Dir::kS2C, "220 " + server.fqdn + " ESMTP Postfix\r\n", r.range(1 * kMs, 20 * kMs));
  tcp.send(Dir::kC2S, "EHLO " + me + "\r\n", r.range(200, 2000));
  tcp.send(Dir::kS2C, "250-" + server.fqdn + "\r\n250-PIPELINING\r\n250-SIZE 52428800\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n", r.range(200, 2000));
  tcp.send(Dir::kC2S, "MAIL FROM:<" + m.from + ">\r\n", r.range(200, 2000));
  tcp.send(Dir::kS2C, "250 2.1.0 Ok\r\n", r.range(200, 2000));
  tcp.send(Dir::kC2S, "RCPT TO:<" + m.to + ">\r\n", r.range(200, 2000));
  tcp.send(Dir::kS2C, "250 2.1.5 Ok\r\n", r.range(200, 2000));
  tcp.send(Dir::kC2S, "DATA\r\n", r.range(200, 2000));
  tcp.send(Dir::kS2C, "354 End data with <CR><LF>.<CR><LF>\r\n", r.range(200, 2000));
  std::string boundary = "----=_Part_" + r.digits(6) + "_" + r.digits(9);
  std::string msg = "Received: from " + me + " (" + ip_str(client.ip) + ")\r\n";
  msg += "From: <" + m.from + ">\r\nTo: <" + m.to + ">\r\nSubject: " + m.subject +
         "\r\nDate: Mon, 4 Mar 2024 08:00:00 +0000\r\nMessage-ID: <" + r.hex(12) + "@" + me +
         ">\r\nMIME-Version: 1.0\r\n";
  if (m.attachment.empty()) {
    msg += "Content-Type: text/plain; charset=utf-8\r\n\r\n" + m.body + "\r\n";
  } else {
    msg += "Content-Type: multipart/mixed; boundary=\"" + boundary + "\"\r\n\r\n";
    msg += "This is a multi-part message in MIME format.\r\n\r\n--" + boundary +
           "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n" +
           m.body + "\r\n\r\n--" + boundary + "\r\nContent-Type: " + m.attachment_type +
           "; name=\"" + m.attachment_name +
           "\"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"" +
           m.attachment_name + "\"\r\n\r\n" + base64(m.attachment) + "\r\n--" + boundary + "--\r\n";
  }
  msg += ".\r\n";
  tcp.send(Dir::kC2S, msg, r.range(200, 2000));
  tcp.send(Dir::kS2C, "250 2.0.0 Ok: queued as " + r.hex(5) + "\r\n", r.range(2 * kMs, 40 * kMs));
  tcp.send(Dir::kC2S, "QUIT\r\n", r.range(200, 2000));
  tcp.send(Dir::kS2C, "221 2.0.0 Bye\r\n", r.range(200, 2000));
  tcp.close(Dir::kS2C);
  return tcp.tuple();
}

}  // namespace ww::sim
