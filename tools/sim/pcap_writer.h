// Classic libpcap file writer (microsecond timestamps, LINKTYPE_ETHERNET) through one large
// buffer: a packet is a memcpy, the disk sees 4 MiB writes.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "sim.h"

namespace ww::sim {

class PcapWriter {
 public:
  PcapWriter() = default;
  ~PcapWriter() { close(); }
  PcapWriter(const PcapWriter&) = delete;
  PcapWriter& operator=(const PcapWriter&) = delete;

  bool open(const std::string& path);  // "-" writes to stdout
  void write(Ts ts, const uint8_t* data, size_t len);
  bool close();
  uint64_t bytes() const { return bytes_; }
  uint64_t packets() const { return packets_; }

 private:
  void flush();
  FILE* f_ = nullptr;
  bool own_ = false;
  std::vector<uint8_t> buf_;
  size_t used_ = 0;
  uint64_t bytes_ = 0;
  uint64_t packets_ = 0;
  bool error_ = false;
};

}  // namespace ww::sim
