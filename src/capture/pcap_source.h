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

// Reads a capture file. Classic pcap files (the common case, and what the simulator writes) are
// memory-mapped and walked in place: no copy per packet, and each packet's bytes stay valid
// until the source is destroyed (stable_data()), so the dispatcher can hand workers a pointer
// instead of a copy. pcapng (and anything else libpcap knows) goes through libpcap, whose
// buffer is reused by the next read.
class PcapFileSource {
 public:
  static Result<std::unique_ptr<PcapFileSource>> open(const std::string& path, uint16_t iface);
  ~PcapFileSource();
  ReadStatus next(Packet& p) noexcept;
  bool truncated() const { return truncated_; }
  const std::string& error() const { return error_; }
  const std::string& path() const { return path_; }
  uint32_t linktype() const { return linktype_; }
  // A BPF filter (tcpdump syntax) applied to every record: next() skips the records it
  // rejects (counted, filtered()). An invalid expression is an error naming it.
  Result<void> set_filter(const std::string& expr);
  uint64_t filtered() const { return filtered_; }
  // True when packet bytes stay valid after the next read (memory-mapped classic pcap).
  bool stable_data() const { return map_ != nullptr; }
  // Memory-mapped files: where the next record starts, and dropping the pages before `off`
  // from this process (the page cache keeps them), so resident memory stays bounded however
  // large the file. Only call it for bytes no worker still reads.
  size_t offset() const { return off_; }
  void release_before(size_t off) noexcept;

 private:
  PcapFileSource(std::string path, uint16_t iface) : path_(std::move(path)), iface_(iface) {}
  bool open_mapped(int fd, size_t size);
  ReadStatus next_mapped(Packet& p) noexcept;
  ReadStatus next_record(Packet& p) noexcept;
  std::string path_;
  bpf_program filter_{};
  bool has_filter_ = false;
  uint64_t filtered_ = 0;
  PcapHandle h_;
  uint32_t linktype_ = 0;
  uint16_t iface_;
  bool truncated_ = false;
  std::string error_;
  // memory-mapped classic pcap
  const uint8_t* map_ = nullptr;
  size_t map_size_ = 0;
  size_t off_ = 0;
  size_t released_ = 0;
  bool swapped_ = false;   // file written on a host of the other byte order
  bool nanosec_ = false;   // nanosecond timestamps
  uint32_t snaplen_ = 0;
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
// Compiles `filter` (libpcap's syntax) for `linktype` into `prog`; the caller frees it.
Result<void> compile_bpf(const std::string& filter, int linktype, bpf_program& prog);

}  // namespace ww::capture
