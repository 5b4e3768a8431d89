// TCP conversation model; see tcp.h.
#include "tcp.h"

#include <algorithm>

namespace ww::sim {

Tcp::Tcp(Sim& sim, Session& s, Host& client, Host& server, uint16_t dport, uint16_t sport)
    : sim_(sim), s_(s) {
  Rng& r = sim.rng;
  c_.host = &client;
  c_.port = sport ? sport : client.ephemeral_port();
  c_.seq = r.u32();
  c_.wire = route(client, server, sim.net.router);
  sv_.host = &server;
  sv_.port = dport;
  sv_.seq = r.u32();
  sv_.wire = route(server, client, sim.net.router);
  bool wan = client.kind == HostKind::kInternet || server.kind == HostKind::kInternet;
  if (wan) {
    rtt_ = r.range(15 * kMs, 90 * kMs);
    bytes_per_us_ = 6.25;  // 50 Mbit/s
    loss_ = 0.004;
    reorder_ = 0.002;
    mss_ = 1380;
  } else {
    rtt_ = r.range(200, 1500);
    bytes_per_us_ = 125;  // 1 Gbit/s
    loss_ = 0.0008;
    reorder_ = 0.0005;
    mss_ = 1460;
  }
}

void Tcp::seg(Side& from, Side& to, uint8_t flags, const uint8_t* p, size_t n, uint32_t seq,
              uint16_t mss_opt, uint32_t ack) {
  TcpSeg t;
  t.sport = from.port;
  t.dport = to.port;
  t.seq = seq;
  t.ack = (flags & kAck) ? (ack ? ack : to.seq) : 0;
  t.flags = flags;
  t.window = (flags & kSyn) ? 64240 : 502;
  t.mss = mss_opt;
  emit_tcp(s_, s_.now, from.wire, t, p, n);
}

bool Tcp::connect(Connect mode) {
  seg(c_, sv_, kSyn, nullptr, 0, c_.seq, 1460);
  c_.seq++;
  if (mode == Connect::kFiltered) {
    s_.now += kSec;  // SYN retransmission after the initial RTO
    seg(c_, sv_, kSyn, nullptr, 0, c_.seq - 1, 1460);
    return false;
  }
  s_.now += rtt_ / 2 + sim_.rng.range(20, 200);
  if (mode == Connect::kRefused) {
    TcpSeg t{sv_.port, c_.port, 0, c_.seq, static_cast<uint8_t>(kRst | kAck), 0, 0};
    emit_tcp(s_, s_.now, sv_.wire, t, nullptr, 0);
    return false;
  }
  seg(sv_, c_, kSyn | kAck, nullptr, 0, sv_.seq, mss_);
  sv_.seq++;
  s_.now += rtt_ / 2 + sim_.rng.range(10, 60);
  seg(c_, sv_, kAck, nullptr, 0, c_.seq);
  have_last_ = false;
  return true;
}

void Tcp::syn_probe(bool open) {
  seg(c_, sv_, kSyn, nullptr, 0, c_.seq, 1024);
  c_.seq++;
  s_.now += rtt_ / 2 + sim_.rng.range(20, 200);
  if (!open) {
    TcpSeg t{sv_.port, c_.port, 0, c_.seq, static_cast<uint8_t>(kRst | kAck), 0, 0};
    emit_tcp(s_, s_.now, sv_.wire, t, nullptr, 0);
    return;
  }
  seg(sv_, c_, kSyn | kAck, nullptr, 0, sv_.seq, mss_);
  sv_.seq++;
  s_.now += rtt_ / 2 + 30;
  TcpSeg t{c_.port, sv_.port, c_.seq, 0, kRst, 0, 0};
  emit_tcp(s_, s_.now, c_.wire, t, nullptr, 0);
}

void Tcp::flush_delayed_ack() {
  if (!owes_ack_) return;
  Side& r = *owes_ack_;
  Side& o = (&r == &c_) ? sv_ : c_;
  s_.now += std::min<Ts>(40 * kMs, rtt_ / 2 + 200);
  seg(r, o, kAck, nullptr, 0, r.seq);
  owes_ack_ = nullptr;
}

void Tcp::send(Dir d, std::span<const uint8_t> data, Ts think) {
  Side& from = side(d);
  Side& to = peer(d);
  if (owes_ack_ == &from) owes_ack_ = nullptr;  // piggybacked on this data
  else flush_delayed_ack();
  if (have_last_ && last_dir_ != d) s_.now += rtt_ / 2;
  have_last_ = true;
  last_dir_ = d;
  s_.now += think;
  Rng& r = sim_.rng;
  size_t off = 0;
  const size_t total = data.size();
  while (off < total) {
    // One burst of up to cwnd segments.
    int nseg = 0;
    size_t burst_start = off;
    uint32_t ends[72];  // sequence number after each segment of the burst, in send order
    int nends = 0;
    size_t lost_off = SIZE_MAX, lost_len = 0;
    while (off < total && nseg < cwnd_) {
      size_t n = std::min<size_t>(mss_, total - off);
      bool last = off + n >= total || nseg + 1 == cwnd_;
      // Swap this segment with the next one now and then (out-of-order on the wire).
      size_t n2 = off + n < total ? std::min<size_t>(mss_, total - off - n) : 0;
      if (n2 && nseg + 2 <= cwnd_ && reorder_ > 0 && r.chance(reorder_)) {
        bool last2 = off + n + n2 >= total || nseg + 2 == cwnd_;
        seg(from, to, kAck | (last2 ? kPsh : 0), data.data() + off + n, n2,
            from.seq + static_cast<uint32_t>(n));
        s_.now += static_cast<Ts>(n2 / bytes_per_us_) + 1;
        seg(from, to, kAck, data.data() + off, n, from.seq);
        s_.now += static_cast<Ts>(n / bytes_per_us_) + 1;
        from.seq += static_cast<uint32_t>(n + n2);
        off += n + n2;
        nseg += 2;
        ends[nends++] = from.seq;
        ends[nends++] = from.seq;
        continue;
      }
      seg(from, to, kAck | (last ? kPsh : 0), data.data() + off, n, from.seq);
      if (lost_off == SIZE_MAX && loss_ > 0 && r.chance(loss_)) {
        lost_off = off;
        lost_len = n;
      }
      s_.now += static_cast<Ts>(n / bytes_per_us_) + 1;
      from.seq += static_cast<uint32_t>(n);
      off += n;
      ++nseg;
      ends[nends++] = from.seq;
    }
    if (lost_off != SIZE_MAX) {
      // Lost past the probe: the sender repeats it after its retransmission timeout.
      s_.now += std::max<Ts>(200 * kMs, 2 * rtt_);
      seg(from, to, kAck | kPsh, data.data() + lost_off, lost_len,
          from.seq - static_cast<uint32_t>(off - lost_off));
    }
    if (nseg >= 2 || off < total) {
      s_.now += rtt_ / 2;
      // One ACK per two segments (each for more data), the last for everything.
      uint32_t last_acked = from.seq - static_cast<uint32_t>(off - burst_start);
      for (int i = 1; i + 1 < nends; i += 2) {
        if (ends[i] == last_acked) continue;
        seg(to, from, kAck, nullptr, 0, to.seq, 0, ends[i]);
        last_acked = ends[i];
        s_.now += 2;
      }
      seg(to, from, kAck, nullptr, 0, to.seq);
      s_.now += 2;
      owes_ack_ = nullptr;
      if (off < total) s_.now += rtt_ / 2;
    } else {
      owes_ack_ = &to;
    }
    cwnd_ = std::min(cwnd_ * 2, 64);
  }
  if (total == 0) owes_ack_ = nullptr;
}

void Tcp::close(Dir first) {
  Side& a = side(first);
  Side& b = peer(first);
  if (owes_ack_ == &b) flush_delayed_ack();
  owes_ack_ = nullptr;
  s_.now += sim_.rng.range(50, 2000);
  seg(a, b, kFin | kAck, nullptr, 0, a.seq);
  a.seq++;
  s_.now += rtt_ / 2 + sim_.rng.range(20, 300);
  seg(b, a, kFin | kAck, nullptr, 0, b.seq);
  b.seq++;
  s_.now += rtt_ / 2 + sim_.rng.range(10, 100);
  seg(a, b, kAck, nullptr, 0, a.seq);
}

void Tcp::reset(Dir from) {
  Side& a = side(from);
  Side& b = peer(from);
  owes_ack_ = nullptr;
  s_.now += sim_.rng.range(50, 500);
  seg(a, b, kRst | kAck, nullptr, 0, a.seq);
}

}  // namespace ww::sim
