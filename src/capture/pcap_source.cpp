#include "capture/pcap_source.h"

#include <fcntl.h>
#include <linux/if_packet.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

namespace ww::capture {

// ------------------------------------------------------------------------------ files

namespace {
constexpr uint32_t kMagicUsec = 0xA1B2C3D4, kMagicNsec = 0xA1B23C4D;
constexpr size_t kFileHeader = 24, kRecordHeader = 16;
// A record longer than this is corrupt, whatever the file header's snaplen says (libpcap's
// own limit for files).
constexpr uint32_t kMaxRecord = 262144;

uint32_t rd32(const uint8_t* p, bool swapped) {
  uint32_t v = uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
  return swapped ? __builtin_bswap32(v) : v;
}
}  // namespace

PcapFileSource::~PcapFileSource() {
  if (map_) ::munmap(const_cast<uint8_t*>(map_), map_size_);
  if (has_filter_) pcap_freecode(&filter_);
}

bool PcapFileSource::open_mapped(int fd, size_t size) {
  if (size < kFileHeader) return false;
  uint8_t hdr[kFileHeader];
  if (::pread(fd, hdr, sizeof hdr, 0) != static_cast<ssize_t>(sizeof hdr)) return false;
  uint32_t magic = rd32(hdr, false);
  if (magic == kMagicUsec || magic == kMagicNsec) {
    swapped_ = false;
  } else if (__builtin_bswap32(magic) == kMagicUsec || __builtin_bswap32(magic) == kMagicNsec) {
    swapped_ = true;
    magic = __builtin_bswap32(magic);
  } else {
    return false;  // pcapng or not a capture: libpcap decides
  }
  nanosec_ = magic == kMagicNsec;
  snaplen_ = rd32(hdr + 16, swapped_);
  // The link type's low 16 bits; LINKTYPE_ values map to DLT_ values as libpcap does for the
  // ones whose numbers differ.
  uint32_t lt = rd32(hdr + 20, swapped_) & 0xFFFF;
  if (lt == 101) lt = DLT_RAW;
  linktype_ = lt;
  void* m = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (m == MAP_FAILED) return false;
  ::madvise(m, size, MADV_SEQUENTIAL);
  map_ = static_cast<const uint8_t*>(m);
  map_size_ = size;
  off_ = kFileHeader;
  return true;
}

Result<std::unique_ptr<PcapFileSource>> PcapFileSource::open(const std::string& path,
                                                             uint16_t iface) {
  std::unique_ptr<PcapFileSource> src(new PcapFileSource(path, iface));
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(Diagnostic{std::strerror(errno), path});
  struct stat st {};
  bool mapped = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
                src->open_mapped(fd, static_cast<size_t>(st.st_size));
  ::close(fd);
  if (mapped) return src;
  char err[PCAP_ERRBUF_SIZE] = {0};
  src->h_.reset(
      pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_MICRO, err));
  if (!src->h_) return fail(Diagnostic{err[0] ? err : "cannot open capture", path});
  src->linktype_ = static_cast<uint32_t>(pcap_datalink(src->h_.get()));
  return src;
}

void PcapFileSource::release_before(size_t off) noexcept {
  if (!map_) return;
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  size_t end = std::min(off, map_size_) / page * page;
  if (end <= released_) return;
  ::madvise(const_cast<uint8_t*>(map_) + released_, end - released_, MADV_DONTNEED);
  released_ = end;
}

ReadStatus PcapFileSource::next_mapped(Packet& p) noexcept {
  if (off_ == map_size_) return ReadStatus::End;
  if (map_size_ - off_ < kRecordHeader) {
    truncated_ = true;
    error_ = "truncated record header at the end of the file";
    return ReadStatus::End;
  }
  const uint8_t* r = map_ + off_;
  // Records are read once, in order: fetch a few KiB ahead so the next headers (and the bytes
  // the decoder reads) are in cache when we get there; hardware prefetchers stop at page ends.
  if (map_size_ - off_ > 8192) {
    __builtin_prefetch(r + 4096);
    __builtin_prefetch(r + 8192);
  }
  uint32_t sec = rd32(r, swapped_), frac = rd32(r + 4, swapped_);
  uint32_t caplen = rd32(r + 8, swapped_), wirelen = rd32(r + 12, swapped_);
  if (caplen > kMaxRecord) {
    truncated_ = true;
    error_ = "invalid packet capture length " + std::to_string(caplen);
    return ReadStatus::End;
  }
  if (map_size_ - off_ - kRecordHeader < caplen) {
    truncated_ = true;
    error_ = "truncated packet at the end of the file";
    return ReadStatus::End;
  }
  p = Packet{};
  p.ts = Timestamp{int64_t(sec) * 1000000 + (nanosec_ ? frac / 1000 : frac)};
  p.data = r + kRecordHeader;
  p.stable_data = true;  // the mapping lives as long as the source (released pages re-fault)
  p.caplen = caplen;
  p.wirelen = wirelen;
  p.linktype = linktype_;
  p.iface = iface_;
  off_ += kRecordHeader + caplen;
  return ReadStatus::Packet;
}

Result<void> PcapFileSource::set_filter(const std::string& expr) {
  if (has_filter_) pcap_freecode(&filter_);
  has_filter_ = false;
  if (expr.empty()) return {};
  if (auto r = compile_bpf(expr, int(linktype_), filter_); !r)
    return fail(Diagnostic{r.error().str(), path_});
  has_filter_ = true;
  return {};
}

ReadStatus PcapFileSource::next(Packet& p) noexcept {
  for (;;) {
    ReadStatus st = next_record(p);
    if (st != ReadStatus::Packet || !has_filter_) return st;
    pcap_pkthdr h{};
    h.ts.tv_sec = time_t(p.ts.usec / 1000000);
    h.ts.tv_usec = suseconds_t(p.ts.usec % 1000000);
    h.caplen = p.caplen;
    h.len = p.wirelen;
    if (pcap_offline_filter(&filter_, &h, p.data) != 0) return st;
    ++filtered_;
  }
}

ReadStatus PcapFileSource::next_record(Packet& p) noexcept {
  if (map_) return next_mapped(p);
  pcap_pkthdr* hdr = nullptr;
  const u_char* data = nullptr;
  int rc = pcap_next_ex(h_.get(), &hdr, &data);
  if (rc == 1) {
    p = Packet{};
    p.ts = Timestamp{int64_t(hdr->ts.tv_sec) * 1000000 + hdr->ts.tv_usec};
    p.data = data;
    p.caplen = hdr->caplen;
    p.wirelen = hdr->len;
    p.linktype = linktype_;
    p.iface = iface_;
    return ReadStatus::Packet;
  }
  if (rc == PCAP_ERROR_BREAK) return ReadStatus::End;
  // libpcap reports a cut or corrupt record as an error ("truncated dump file", "invalid
  // packet capture length"): everything before it was delivered, so the capture is processed
  // up to the cut and reported as truncated, not failed.
  const char* e = pcap_geterr(h_.get());
  error_ = e ? e : "read error";
  truncated_ = true;
  return ReadStatus::End;
}

// ------------------------------------------------------------------------------- live

LiveSource::LiveSource(PcapHandle h, StatsBlock& stats)
    : h_(std::move(h)),
      linktype_(static_cast<uint32_t>(pcap_datalink(h_.get()))),
      kernel_packets_(stats.counter("capture.kernel_packets")),
      kernel_drops_(stats.counter("capture.kernel_drops")),
      kernel_ifdrops_(stats.counter("capture.kernel_ifdrops")) {}

Result<std::unique_ptr<LiveSource>> LiveSource::open(const LiveOptions& opt, StatsBlock& stats) {
  char err[PCAP_ERRBUF_SIZE] = {0};
  PcapHandle h(pcap_create(opt.iface.c_str(), err));
  if (!h) return fail(Diagnostic{err, opt.iface});
  pcap_set_snaplen(h.get(), opt.snaplen);
  pcap_set_promisc(h.get(), 1);
  // A 100 ms timeout lets the worker run its housekeeping on an idle link. libpcap uses a
  // TPACKET_V3 memory-mapped ring on Linux; the buffer size is the ring size.
  pcap_set_timeout(h.get(), 100);
  pcap_set_buffer_size(h.get(), opt.buffer_mb << 20);
  int rc = pcap_activate(h.get());
  if (rc < 0) return fail(Diagnostic{pcap_geterr(h.get()), opt.iface});
  // With TPACKET_V3 an idle link never completes a block, so a blocking read could wait
  // forever; read non-blocking and poll with our own timeout instead (see next()).
  if (pcap_setnonblock(h.get(), 1, err) != 0) return fail(Diagnostic{err, opt.iface});
  if (!opt.bpf.empty()) {
    bpf_program prog{};
    if (pcap_compile(h.get(), &prog, opt.bpf.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0)
      return fail(Diagnostic{std::string("bad BPF filter: ") + pcap_geterr(h.get()), opt.iface});
    rc = pcap_setfilter(h.get(), &prog);
    pcap_freecode(&prog);
    if (rc != 0) return fail(Diagnostic{pcap_geterr(h.get()), opt.iface});
  }
  if (opt.fanout_group >= 0) {
    // Every worker joins the same group: the kernel hashes each flow to one socket and, with
    // the defrag flag, reassembles IP fragments first so they follow their flow.
    int fd = pcap_fileno(h.get());
    int arg = (opt.fanout_group & 0xffff) | ((PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_DEFRAG) << 16);
    if (setsockopt(fd, SOL_PACKET, PACKET_FANOUT, &arg, sizeof arg) != 0)
      return fail(Diagnostic{std::string("PACKET_FANOUT: ") + std::strerror(errno), opt.iface});
  }
  return std::unique_ptr<LiveSource>(new LiveSource(std::move(h), stats));
}

ReadStatus LiveSource::next(Packet& p) noexcept {
  pcap_pkthdr* hdr = nullptr;
  const u_char* data = nullptr;
  int rc = pcap_next_ex(h_.get(), &hdr, &data);
  if (rc == 0) {
    pollfd pfd{pcap_get_selectable_fd(h_.get()), POLLIN, 0};
    if (::poll(&pfd, 1, 100) <= 0) return ReadStatus::Timeout;
    rc = pcap_next_ex(h_.get(), &hdr, &data);
  }
  if (rc == 1) {
    p = Packet{};
    p.ts = Timestamp{int64_t(hdr->ts.tv_sec) * 1000000 + hdr->ts.tv_usec};
    p.data = data;
    p.caplen = hdr->caplen;
    p.wirelen = hdr->len;
    p.linktype = linktype_;
    return ReadStatus::Packet;
  }
  if (rc == 0) return ReadStatus::Timeout;
  if (rc == PCAP_ERROR_BREAK) return ReadStatus::End;
  const char* e = pcap_geterr(h_.get());
  error_ = e ? e : "capture error";
  return ReadStatus::Error;
}

void LiveSource::update_stats() noexcept {
  pcap_stat st{};
  if (pcap_stats(h_.get(), &st) == 0) {
    kernel_packets_.set(st.ps_recv);
    kernel_drops_.set(st.ps_drop);
    kernel_ifdrops_.set(st.ps_ifdrop);
  }
}

Result<void> compile_bpf(const std::string& filter, int linktype, bpf_program& prog) {
  PcapHandle h(pcap_open_dead(linktype, 65535));
  if (!h) return fail(Diagnostic{"cannot compile BPF filter '" + filter + "'"});
  if (pcap_compile(h.get(), &prog, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0)
    return fail(Diagnostic{std::string("bad BPF filter '") + filter + "': " + pcap_geterr(h.get())});
  return {};
}

Result<void> check_bpf(const std::string& filter, int linktype) {
  bpf_program prog{};
  if (auto r = compile_bpf(filter, linktype, prog); !r) return r;
  pcap_freecode(&prog);
  return {};
}

}  // namespace ww::capture
