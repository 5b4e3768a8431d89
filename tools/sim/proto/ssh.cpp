// SSH 2.0 (RFC 4253): version banners, KEXINIT both ways, curve25519 ECDH init/reply,
// NEWKEYS, then aes128-ctr/hmac-sha2-256 binary packets (random ciphertext and MAC).
#include "proto.h"

namespace ww::sim {

namespace {
void packet(Buf& out, Rng& r, const Buf& payload) {
  size_t pad = 8 - ((payload.size() + 5) % 8);
  if (pad < 4) pad += 8;
  out.u32be(static_cast<uint32_t>(payload.size() + pad + 1)).u8(static_cast<uint8_t>(pad));
  out.bytes(payload.span());
  size_t at = out.size();
  out.zeros(pad);
  r.fill(out.v.data() + at, pad);
}
void sstr(Buf& b, std::string_view s) { b.u32be(static_cast<uint32_t>(s.size())).str(s); }
void sbytes(Buf& b, Rng& r, size_t n) {
  b.u32be(static_cast<uint32_t>(n));
  size_t at = b.size();
  b.zeros(n);
  r.fill(b.v.data() + at, n);
}
Buf kexinit(Rng& r) {
  Buf k;
  k.u8(20);
  size_t at = k.size();
  k.zeros(16);
  r.fill(k.v.data() + at, 16);
  sstr(k, "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,diffie-hellman-group14-sha256");
  sstr(k, "ssh-ed25519,rsa-sha2-512,rsa-sha2-256");
  sstr(k, "aes128-ctr,aes256-ctr,aes256-gcm@openssh.com");
  sstr(k, "aes128-ctr,aes256-ctr,aes256-gcm@openssh.com");
  sstr(k, "hmac-sha2-256,hmac-sha2-512");
  sstr(k, "hmac-sha2-256,hmac-sha2-512");
  sstr(k, "none,zlib@openssh.com");
  sstr(k, "none,zlib@openssh.com");
  sstr(k, "");
  sstr(k, "");
  k.u8(0).u32be(0);
  return k;
}
// aes128-ctr + hmac-sha2-256: the whole packet (length included) is ciphertext, in 16-byte
// blocks, followed by a 32-byte MAC.
void encrypted(Buf& out, Rng& r, size_t n) {
  size_t len = ((n + 4 + 15) / 16) * 16 + 32;
  size_t at = out.size();
  out.zeros(len);
  r.fill(out.v.data() + at, len);
}
}  // namespace

FiveTuple ssh_session(Sim& sim, Session& s, Host& client, Host& server, bool login_ok,
                      size_t interactive_bytes) {
  Rng& r = sim.rng;
  Tcp tcp(sim, s, client, server, 22);
  if (!tcp.connect()) return tcp.tuple();
  tcp.send(Dir::kS2C, "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.6\r\n", r.range(2 * kMs, 10 * kMs));
  tcp.send(Dir::kC2S, client.os == "windows" ? "SSH-2.0-PuTTY_Release_0.80\r\n"
                                             : "SSH-2.0-OpenSSH_9.6\r\n",
           r.range(200, 2000));
  Buf kc, ks;
  packet(kc, r, kexinit(r));
  tcp.send(Dir::kC2S, kc.span(), r.range(200, 2000));
  packet(ks, r, kexinit(r));
  tcp.send(Dir::kS2C, ks.span(), r.range(200, 2000));
  Buf init, initp;
  init.u8(30);
  sbytes(init, r, 32);
  packet(initp, r, init);
  tcp.send(Dir::kC2S, initp.span(), r.range(200, 2000));
  Buf reply, hostkey, sig, replyp;
  sstr(hostkey, "ssh-ed25519");
  sbytes(hostkey, r, 32);
  sstr(sig, "ssh-ed25519");
  sbytes(sig, r, 64);
  reply.u8(31).u32be(static_cast<uint32_t>(hostkey.size())).bytes(hostkey.span());
  sbytes(reply, r, 32);
  reply.u32be(static_cast<uint32_t>(sig.size())).bytes(sig.span());
  packet(replyp, r, reply);
  Buf nk;
  nk.u8(21);
  packet(replyp, r, nk);
  tcp.send(Dir::kS2C, replyp.span(), r.range(1 * kMs, 5 * kMs));
  Buf nkc;
  packet(nkc, r, nk);
  tcp.send(Dir::kC2S, nkc.span(), r.range(200, 1000));
  // Service request, user auth.
  Buf a;
  encrypted(a, r, 32);
  tcp.send(Dir::kC2S, a.span(), r.range(200, 1000));
  a.clear();
  encrypted(a, r, 32);
  tcp.send(Dir::kS2C, a.span(), r.range(200, 1000));
  a.clear();
  encrypted(a, r, 80);
  tcp.send(Dir::kC2S, a.span(), r.range(300 * kMs, 3 * kSec));
  a.clear();
  encrypted(a, r, login_ok ? 16 : 48);
  tcp.send(Dir::kS2C, a.span(), login_ok ? r.range(5 * kMs, 50 * kMs) : r.range(1 * kSec, 3 * kSec));
  if (login_ok) {
    size_t sent = 0;
    while (sent < interactive_bytes) {
      Buf k, e;
      encrypted(k, r, 16);
      tcp.send(Dir::kC2S, k.span(), r.range(80 * kMs, 900 * kMs));
      // At most ~1.4 KB per record: one segment. tshark cannot split random ciphertext into
      // records without the keys, and reports the tail segment of a bigger one as malformed.
      size_t n = 32 + r.below(1300);
      encrypted(e, r, n);
      tcp.send(Dir::kS2C, e.span(), r.range(1 * kMs, 20 * kMs));
      sent += n;
    }
    tcp.close(Dir::kC2S);
  } else {
    tcp.close(Dir::kS2C);
  }
  return tcp.tuple();
}

}  // namespace ww::sim
