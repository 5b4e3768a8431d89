// TCP conversation model: three-way handshake with options, MSS-sized segments sent in bursts
// (a congestion window that grows), ACKs every second segment, delayed ACKs piggybacked on the
// peer's data, occasional retransmissions (a copy of a segment after an RTO) and out-of-order
// segments (two neighbours swapped), FIN or RST teardown. Timing: a round trip of 0.2-1.5 ms
// inside the hospital and 15-90 ms to the internet; bytes take their serialisation time.
#pragma once

#include <span>
#include <string_view>

#include "engine.h"
#include "net.h"

namespace ww::sim {

enum class Dir { kC2S, kS2C };
enum class Connect { kOpen, kRefused, kFiltered };

class Tcp {
 public:
  Tcp(Sim& sim, Session& s, Host& client, Host& server, uint16_t dport, uint16_t sport = 0);

  // Handshake; false (and the conversation is over) when refused or filtered.
  bool connect(Connect mode = Connect::kOpen);
  // Half-open probe (SYN scan): SYN, SYN-ACK, RST when open; SYN, RST-ACK when closed.
  void syn_probe(bool open);
  // `think` is the time before the first byte leaves (user or server processing time).
  void send(Dir d, std::span<const uint8_t> data, Ts think = 0);
  void send(Dir d, std::string_view data, Ts think = 0) {
    send(d, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(data.data()), data.size()),
         think);
  }
  void close(Dir first = Dir::kC2S);
  void reset(Dir from);
  void wait(Ts d) { s_.now += d; }

  FiveTuple tuple() const {
    return FiveTuple{Proto::kTcp, c_.host->ip, c_.port, sv_.host->ip, sv_.port};
  }
  Ts now() const { return s_.now; }
  Ts rtt() const { return rtt_; }
  Session& session() { return s_; }
  // Loss and reordering probabilities per segment (0 disables: used for tiny test captures).
  void set_impairments(double loss, double reorder) {
    loss_ = loss;
    reorder_ = reorder;
  }

 private:
  struct Side {
    Host* host;
    uint16_t port;
    uint32_t seq;  // next sequence number to send
    Wire wire;
  };
  Side& side(Dir d) { return d == Dir::kC2S ? c_ : sv_; }
  Side& peer(Dir d) { return d == Dir::kC2S ? sv_ : c_; }
  // `ack` 0 acknowledges everything the peer sent so far.
  void seg(Side& from, Side& to, uint8_t flags, const uint8_t* p, size_t n, uint32_t seq,
           uint16_t mss_opt = 0, uint32_t ack = 0);
  void flush_delayed_ack();

  Sim& sim_;
  Session& s_;
  Side c_, sv_;
  Ts rtt_;
  double bytes_per_us_;
  double loss_, reorder_;
  uint16_t mss_;
  int cwnd_ = 10;
  bool have_last_ = false;
  Dir last_dir_ = Dir::kC2S;
  Side* owes_ack_ = nullptr;  // receiver with an unsent delayed ACK
};

}  // namespace ww::sim
