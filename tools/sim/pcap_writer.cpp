// Classic pcap writer; see pcap_writer.h.
#include "pcap_writer.h"

#include <cstring>

namespace ww::sim {

namespace {
constexpr size_t kBufSize = 4 << 20;

void le32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
  p[2] = static_cast<uint8_t>(v >> 16);
  p[3] = static_cast<uint8_t>(v >> 24);
}
}  // namespace

bool PcapWriter::open(const std::string& path) {
  if (path == "-") {
    f_ = stdout;
    own_ = false;
  } else {
    f_ = std::fopen(path.c_str(), "wb");
    own_ = true;
  }
  if (!f_) return false;
  buf_.resize(kBufSize);
  uint8_t h[24];
  le32(h, 0xa1b2c3d4);
  h[4] = 2;  // version 2.4
  h[5] = 0;
  h[6] = 4;
  h[7] = 0;
  le32(h + 8, 0);        // thiszone
  le32(h + 12, 0);       // sigfigs
  le32(h + 16, 65535);   // snaplen
  le32(h + 20, 1);       // LINKTYPE_ETHERNET
  std::memcpy(buf_.data(), h, 24);
  used_ = 24;
  bytes_ = 24;
  return true;
}

void PcapWriter::flush() {
  if (used_ && f_ && std::fwrite(buf_.data(), 1, used_, f_) != used_) error_ = true;
  used_ = 0;
}

void PcapWriter::write(Ts ts, const uint8_t* data, size_t len) {
  if (used_ + 16 + len > buf_.size()) flush();
  uint8_t* p = buf_.data() + used_;
  le32(p, static_cast<uint32_t>(ts / kSec));
  le32(p + 4, static_cast<uint32_t>(ts % kSec));
  le32(p + 8, static_cast<uint32_t>(len));
  le32(p + 12, static_cast<uint32_t>(len));
  std::memcpy(p + 16, data, len);
  used_ += 16 + len;
  bytes_ += 16 + len;
  ++packets_;
}

bool PcapWriter::close() {
  if (!f_) return !error_;
  flush();
  if (own_) {
    if (std::fclose(f_) != 0) error_ = true;
  } else {
    std::fflush(f_);
  }
  f_ = nullptr;
  return !error_;
}

}  // namespace ww::sim
