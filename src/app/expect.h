// app/expect: connections announced by a control protocol (the FTP data channel: PORT, EPRT,
// PASV, EPSV, then RETR/STOR...), so that the connection is identified as soon as its first
// bytes arrive, without probing (Suricata's app-layer expectations).
//
// One table for the process, shared by the workers: the dispatcher hashes each 5-tuple, so a
// data connection may land on another worker than its control connection. It is a fixed array
// behind a spin lock, touched only when a parser announces a connection and when a new TCP
// flow has its first bytes while the table holds entries (an atomic count says so without the
// lock), never per packet.
// Limits: kExpectCap entries (when full, the entry closest to expiry is replaced: counted),
// each valid kExpectTimeoutUs after the announcement (packet time); an entry is used once.
// Race (as in Suricata): with several workers, a data connection whose first bytes are
// analysed before the worker of its control connection has read the announcing command is
// not linked (it is probed as usual).
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>

#include "app/proto.h"
#include "core/types.h"

namespace ww::app {

inline constexpr size_t kExpectCap = 256;
inline constexpr int64_t kExpectTimeoutUs = 60'000'000;

struct Expectation {
  Proto proto = Proto::Unknown;  // what the connection carries (Proto::FtpData)
  IpAddr client;                 // the address that will connect
  IpAddr server;                 // the address that will accept
  uint16_t port = 0;             // the accepting port
  int64_t expires_us = 0;        // packet time after which the entry is dropped
  uint64_t control_flow_id = 0;  // the announcing flow (EVE: none yet; kept for debugging)
  // What the announcing parser hands the parser of the connection (FTP: the command and the
  // file name).
  char command[8] = {};
  char name[256] = {};
  uint16_t name_len = 0;

  std::string_view name_view() const noexcept { return {name, name_len}; }
  std::string_view command_view() const noexcept;
  void set(std::string_view cmd, std::string_view file) noexcept;
};

class ExpectationTable {
 public:
  enum class Add : uint8_t { Added, Replaced, Evicted };
  // Adds `e`; an entry for the same client, server and port is replaced (Replaced); when the
  // table is full the entry that expires first goes (Evicted).
  Add add(const Expectation& e) noexcept;
  // Takes (removes) the entry for a connection client -> server:port still valid at now_us,
  // into `out`. Entries found expired on the way are dropped and counted into `expired`.
  bool take(const IpAddr& client, const IpAddr& server, uint16_t port, int64_t now_us,
            Expectation& out, uint32_t& expired) noexcept;
  bool empty() const noexcept { return live_.load(std::memory_order_acquire) == 0; }
  void clear() noexcept;

  static ExpectationTable& global() noexcept;

 private:
  void lock() noexcept;
  void unlock() noexcept { lock_.clear(std::memory_order_release); }
  std::atomic<uint32_t> live_{0};
  std::atomic_flag lock_ = ATOMIC_FLAG_INIT;
  Expectation slots_[kExpectCap];
  bool used_[kExpectCap] = {};
};

}  // namespace ww::app
