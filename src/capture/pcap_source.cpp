#include "capture/pcap_source.h"

#include <linux/if_packet.h>
#include <poll.h>
#include <sys/socket.h>

#include <cstring>

namespace ww::capture {

// ------------------------------------------------------------------------------ files

PcapFileSource::PcapFileSource(std::string path, PcapHandle h, uint16_t iface)
    : path_(std::move(path)),
      h_(std::move(h)),
      linktype_(static_cast<uint32_t>(pcap_datalink(h_.get()))),
      iface_(iface) {}

Result<std::unique_ptr<PcapFileSource>> PcapFileSource::open(const std::string& path,
                                                             uint16_t iface) {
  char err[PCAP_ERRBUF_SIZE] = {0};
  PcapHandle h(pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_MICRO, err));
  if (!h) return fail(Diagnostic{err[0] ? err : "cannot open capture", path});
  return std::unique_ptr<PcapFileSource>(new PcapFileSource(path, std::move(h), iface));
}

ReadStatus PcapFileSource::next(Packet& p) noexcept {
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

Result<void> check_bpf(const std::string& filter, int linktype) {
  PcapHandle h(pcap_open_dead(linktype, 65535));
  bpf_program prog{};
  if (pcap_compile(h.get(), &prog, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0)
    return fail(Diagnostic{std::string("bad BPF filter '") + filter + "': " + pcap_geterr(h.get())});
  pcap_freecode(&prog);
  return {};
}

}  // namespace ww::capture
