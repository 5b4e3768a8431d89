// capture: packet sources (pcap/pcapng files, live interfaces) on top of libpcap.
//
// A source fills a Packet with the frame's bytes (valid until the next call), timestamp,
// lengths and link type. Errors are Results with the file or interface named; a truncated file
// yields every complete record before the cut, then End with truncated() == true.
#pragma once

#include <pcap/pcap.h>

#include <memory>
#include <string>

#include "core/packet.h"
#include "core/result.h"
#include "core/stats.h"

namespace ww::capture {

enum class ReadStatus : uint8_t { Packet, Timeout, End, Error };

struct PcapCloser {
  void operator()(pcap_t* p) const noexcept {
    if (p) pcap_close(p);
  }
};
using PcapHandle = std::unique_ptr<pcap_t, PcapCloser>;

class PcapFileSource {
 public:
  static Result<std::unique_ptr<PcapFileSource>> open(const std::string& path, uint16_t iface);
  ReadStatus next(Packet& p) noexcept;
  bool truncated() const { return truncated_; }
  const std::string& error() const { return error_; }
  const std::string& path() const { return path_; }
  uint32_t linktype() const { return linktype_; }

 private:
  PcapFileSource(std::string path, PcapHandle h, uint16_t iface);
  std::string path_;
  PcapHandle h_;
  uint32_t linktype_;
  uint16_t iface_;
  bool truncated_ = false;
  std::string error_;
};

struct LiveOptions {
  std::string iface;
  std::string bpf;
  int snaplen = 262144;
  int buffer_mb = 64;
  int fanout_group = -1;   // >= 0: join this AF_PACKET fanout group (flow hash, defrag)
};

class LiveSource {
 public:
  static Result<std::unique_ptr<LiveSource>> open(const LiveOptions& opt, StatsBlock& stats);
  ReadStatus next(Packet& p) noexcept;
  // Reads kernel counters into capture.kernel_packets / capture.kernel_drops.
  void update_stats() noexcept;
  uint32_t linktype() const { return linktype_; }
  const std::string& error() const { return error_; }

 private:
  LiveSource(PcapHandle h, StatsBlock& stats);
  PcapHandle h_;
  uint32_t linktype_;
  std::string error_;
  Counter& kernel_packets_;
  Counter& kernel_drops_;
  Counter& kernel_ifdrops_;
};

// Compiles and checks a BPF filter against a link type without opening an interface.
Result<void> check_bpf(const std::string& filter, int linktype = DLT_EN10MB);

}  // namespace ww::capture
