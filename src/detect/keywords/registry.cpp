// The keyword table and RuleBuilder; see registry.h.
#include "detect/keywords/registry.h"

#include <array>

#include "detect/keywords/keywords.h"
#include "detect/keywords/requires.h"
#include "detect/keywords/util.h"

namespace ww::detect {
namespace {

using namespace kw;

// One line per keyword: name, aliases, argument, parser.
constexpr std::array kKeywords = {
    // meta (meta.cpp)
    KeywordSpec{"msg", "", Arg::Required, &msg},
    KeywordSpec{"sid", "", Arg::Required, &sid},
    KeywordSpec{"rev", "", Arg::Required, &rev},
    KeywordSpec{"gid", "", Arg::Required, &gid},
    KeywordSpec{"classtype", "", Arg::Required, &classtype},
    KeywordSpec{"priority", "", Arg::Required, &priority},
    KeywordSpec{"reference", "", Arg::Required, &reference},
    KeywordSpec{"metadata", "", Arg::Required, &metadata},
    KeywordSpec{"target", "", Arg::Required, &target},
    KeywordSpec{"noalert", "", Arg::None, &noalert},
    KeywordSpec{"config", "", Arg::Required, &config},
    KeywordSpec{"tag", "", Arg::Required, &tag},
    KeywordSpec{"prefilter", "", Arg::None, &ignored},
    KeywordSpec{"requires", "", Arg::Required, &requires_kw},  // requires.cpp
    // payload (content.cpp, pcre.cpp, byte.cpp, size.cpp, transform.cpp)
    KeywordSpec{"content", "", Arg::Required, &content},
    KeywordSpec{"uricontent", "", Arg::Required, &uricontent},
    KeywordSpec{"tls.subject", "tls.issuerdn", Arg::Required, &tls_subject},
    KeywordSpec{"nocase", "", Arg::None, &nocase},
    KeywordSpec{"offset", "", Arg::Required, &offset},
    KeywordSpec{"depth", "", Arg::Required, &depth},
    KeywordSpec{"distance", "", Arg::Required, &distance},
    KeywordSpec{"within", "", Arg::Required, &within},
    KeywordSpec{"startswith", "", Arg::None, &startswith},
    KeywordSpec{"endswith", "", Arg::None, &endswith},
    KeywordSpec{"fast_pattern", "", Arg::Optional, &fast_pattern},
    KeywordSpec{"rawbytes", "", Arg::None, &rawbytes},
    KeywordSpec{"pcre", "", Arg::Required, &pcre},
    KeywordSpec{"byte_test", "", Arg::Required, &byte_test},
    KeywordSpec{"byte_jump", "", Arg::Required, &byte_jump},
    KeywordSpec{"byte_extract", "", Arg::Required, &byte_extract},
    KeywordSpec{"byte_math", "", Arg::Required, &byte_math},
    KeywordSpec{"isdataat", "", Arg::Required, &isdataat},
    KeywordSpec{"bsize", "", Arg::Required, &bsize},
    KeywordSpec{"absent", "", Arg::Optional, &absent},
    KeywordSpec{"ipv4-csum", "", Arg::Required, &ipv4_csum},
    KeywordSpec{"dsize", "", Arg::Required, &dsize},
    KeywordSpec{"urilen", "", Arg::Required, &urilen},
    KeywordSpec{"base64_decode", "", Arg::Optional, &base64_decode},
    KeywordSpec{"dotprefix",
                "to_lowercase to_uppercase strip_whitespace compress_whitespace "
                "url_decode to_md5 to_sha1 to_sha256 header_lowercase "
                "strip_pseudo_headers from_base64 gunzip zlib_deflate",
                Arg::Optional, &transform},
    KeywordSpec{"xor", "pcrexform", Arg::Required, &transform},
    // files (content.cpp, app.cpp)
    KeywordSpec{"filename", "", Arg::Required, &filename},
    KeywordSpec{"fileext", "", Arg::Required, &fileext},
    KeywordSpec{"filemagic", "", Arg::Required, &filemagic},
    KeywordSpec{"ftpdata_command", "", Arg::Required, &ftpdata_command},
    KeywordSpec{"filesize", "", Arg::Required, &filesize},
    KeywordSpec{"filemd5", "filesha1 filesha256", Arg::Required, &file_hash_list},
    KeywordSpec{"filestore", "", Arg::Optional, &filestore},
    // flow (flow.cpp, threshold.cpp)
    KeywordSpec{"flow", "", Arg::Required, &flow},
    KeywordSpec{"flowbits", "", Arg::Required, &flowbits},
    KeywordSpec{"flowint", "", Arg::Required, &flowint},
    KeywordSpec{"xbits", "", Arg::Required, &xbits},
    KeywordSpec{"hostbits", "", Arg::Required, &hostbits},
    KeywordSpec{"threshold", "", Arg::Required, &threshold},
    KeywordSpec{"detection_filter", "", Arg::Required, &detection_filter},
    KeywordSpec{"stream_size", "", Arg::Required, &stream_size},
    // headers (header.cpp)
    KeywordSpec{"ttl", "", Arg::Required, &ttl},
    KeywordSpec{"id", "", Arg::Required, &ip_id},
    KeywordSpec{"ip_proto", "", Arg::Required, &ip_proto},
    KeywordSpec{"seq", "tcp.seq", Arg::Required, &tcp_seq},
    KeywordSpec{"ack", "tcp.ack", Arg::Required, &tcp_ack},
    KeywordSpec{"window", "tcp.window", Arg::Required, &tcp_window},
    KeywordSpec{"tcp.mss", "", Arg::Required, &tcp_mss},
    KeywordSpec{"itype", "", Arg::Required, &itype},
    KeywordSpec{"icode", "", Arg::Required, &icode},
    KeywordSpec{"icmp_id", "", Arg::Required, &icmp_id},
    KeywordSpec{"icmp_seq", "", Arg::Required, &icmp_seq},
    KeywordSpec{"icmpv6.mtu", "", Arg::Required, &icmpv6_mtu},
    KeywordSpec{"fragoffset", "", Arg::Required, &fragoffset},
    KeywordSpec{"flags", "tcp.flags", Arg::Required, &flags},
    KeywordSpec{"fragbits", "", Arg::Required, &fragbits},
    KeywordSpec{"sameip", "", Arg::None, &sameip},
    // app layer and events (app.cpp)
    KeywordSpec{"app-layer-protocol", "", Arg::Required, &app_layer_protocol},
    KeywordSpec{"app-layer-event", "", Arg::Required, &app_layer_event},
    KeywordSpec{"decode-event", "", Arg::Required, &decode_event},
    KeywordSpec{"stream-event", "", Arg::Required, &stream_event},
    KeywordSpec{"dns.opcode", "", Arg::Required, &dns_opcode},
    KeywordSpec{"ftpbounce", "", Arg::None, &ftpbounce},
    KeywordSpec{"dns.rcode", "", Arg::Required, &dns_rcode},
    KeywordSpec{"dns.rrtype", "", Arg::Required, &dns_rrtype},
    KeywordSpec{"tls.version", "", Arg::Required, &tls_version},
    // DCE/RPC (dcerpc.cpp)
    KeywordSpec{"dcerpc.iface", "dce_iface", Arg::Required, &dcerpc_iface},
    KeywordSpec{"dcerpc.opnum", "dce_opnum", Arg::Required, &dcerpc_opnum},
    KeywordSpec{"smb.version", "", Arg::Required, &smb_version},  // smb.cpp
};

bool in_list(std::string_view list, std::string_view name) {
  while (!list.empty()) {
    size_t sp = list.find(' ');
    if (list.substr(0, sp) == name) return true;
    if (sp == std::string_view::npos) break;
    list.remove_prefix(sp + 1);
  }
  return false;
}

// Suricata keywords recognised but not implemented.
constexpr std::string_view kUnimplemented =
    "asn1 dataset datarep iprep lua luajit replace rpc geoip ssl_state ssl_version "
    "tls.store tls_store tls.fingerprint tls_cert_notbefore tls_cert_notafter tls_cert_expired "
    "tls_cert_valid tls.random tls.random_time tls.random_bytes tls.cert_chain_len "
    "tls.subjectaltname ja4.string ja3s.string krb5_msg_type krb5_err_code krb5.cname "
    "krb5.sname modbus enip_command cip_service dnp3_func dnp3_ind dnp3_obj dnp3_data "
    "engine-event bypass config transactional frame pkt_data_ex stream_data "
    "icmpv6.hdr ipv4.hdr ipv6.hdr tcp.hdr udp.hdr icmpv4.hdr ipopts "
    "tcpv4-csum tcpv6-csum udpv4-csum udpv6-csum icmpv4-csum icmpv6-csum igmp-csum tos "
    "fragbits_ex l3_proto entropy luaxform flow.age flow.pkts flow.bytes flow.pkts_toserver "
    "flow.pkts_toclient flow.bytes_toserver flow.bytes_toclient iprep urilen_raw "
    "http.request_header.raw http.response_header.raw file.name.raw rfb.name rfb.secresult "
    "rfb.sectype snmp.version snmp.community snmp.pdu_type sip.method sip.uri "
    "nfs_procedure nfs.version tftp.file_name";

// Keyword namespaces of protocols wardwatch does not parse (http2.*, quic.* ...).
constexpr std::string_view kUnimplementedPrefixes =
    "http2 quic mqtt ike snmp sip rfb krb5 modbus dnp3 enip cip nfs dcerpc ldap pgsql "
    "websocket mdns ntp tftp bittorrent-dht rdp dhcp tcp ip icmpv6 ipv6 ipv4";

}  // namespace

std::span<const KeywordSpec> keyword_specs() noexcept { return kKeywords; }

const KeywordSpec* find_keyword(std::string_view name) noexcept {
  for (const auto& k : kKeywords)
    if (k.name == name || in_list(k.aliases, name)) return &k;
  return nullptr;
}

bool is_known_unimplemented(std::string_view name) noexcept {
  if (in_list(kUnimplemented, name)) return true;
  size_t dot = name.find('.');
  if (dot != std::string_view::npos && in_list(kUnimplementedPrefixes, name.substr(0, dot)))
    return true;
  return false;
}

// --- RuleBuilder ---------------------------------------------------------------------------

void RuleBuilder::set_sticky(BufferId id) {
  sticky_dir = BufferList::Dir::Default;
  sticky_ = id;
  sticky_set_ = true;
  current_ = -1;
  new_instance_ = is_multi_buffer(id);
  pending_transforms_.clear();
}

Result<void> RuleBuilder::add_transform(Transform t) {
  // After matches (Suricata 8): they inspect the buffer transformed so far (their list keeps
  // the transforms before this one), the matches that follow inspect it transformed by this one.
  pending_transforms_.push_back(std::move(t));
  current_ = -1;
  return {};
}

BufferList& RuleBuilder::current_list() {
  if (current_ < 0) {
    auto same = [&](const BufferList& l) {
      if (l.buffer != sticky_ || l.dir != sticky_dir ||
          l.transforms.size() != pending_transforms_.size())
        return false;
      for (size_t i = 0; i < l.transforms.size(); ++i)
        if (l.transforms[i].name != pending_transforms_[i].name ||
            l.transforms[i].arg != pending_transforms_[i].arg)
          return false;
      return true;
    };
    if (!new_instance_)
      for (size_t i = 0; i < rule.buffers.size(); ++i)
        if (same(rule.buffers[i])) current_ = int(i);
    new_instance_ = false;
    if (current_ < 0) {
      rule.buffers.push_back(BufferList{sticky_, pending_transforms_, {}});
      rule.buffers.back().dir = sticky_dir;
      current_ = int(rule.buffers.size() - 1);
    }
  }
  return rule.buffers[current_];
}

BufferList& RuleBuilder::list_for(BufferId id) {
  for (auto& l : rule.buffers)
    if (l.buffer == id && l.transforms.empty()) return l;
  rule.buffers.push_back(BufferList{id, {}, {}});
  return rule.buffers.back();
}

namespace {
// Items that follow the previous content/pcre's buffer when no sticky buffer is set.
bool follows_last_match(const MatchItem& m) {
  if (std::holds_alternative<Base64Decode>(m)) return true;
  if (auto* t = std::get_if<ByteTest>(&m)) return t->relative;
  if (auto* j = std::get_if<ByteJump>(&m)) return j->relative;
  if (auto* e = std::get_if<ByteExtract>(&m)) return e->relative;
  if (auto* x = std::get_if<ByteMath>(&m)) return x->relative;
  if (auto* d = std::get_if<IsDataAt>(&m)) return d->relative;
  return false;
}
}  // namespace

MatchItem& RuleBuilder::add(MatchItem item) {
  if (!sticky_set_ && last_list_ >= 0 && rule.buffers[size_t(last_list_)].buffer != sticky_ &&
      follows_last_match(item)) {
    BufferList& l = rule.buffers[size_t(last_list_)];
    l.items.push_back(std::move(item));
    return l.items.back();
  }
  BufferList& l = current_list();
  l.items.push_back(std::move(item));
  if (std::holds_alternative<Content>(l.items.back()) ||
      std::holds_alternative<Pcre>(l.items.back())) {
    last_list_ = current_;
    last_item_ = int(l.items.size() - 1);
  }
  return l.items.back();
}

MatchItem& RuleBuilder::add_to(BufferId id, MatchItem item) {
  BufferList& l = list_for(id);
  l.items.push_back(std::move(item));
  int li = int(&l - rule.buffers.data());
  if (std::holds_alternative<Content>(l.items.back()) ||
      std::holds_alternative<Pcre>(l.items.back())) {
    last_list_ = li;
    last_item_ = int(l.items.size() - 1);
  }
  // list_for may have reallocated: the current list index stays valid, pointers do not.
  return l.items.back();
}

Content* RuleBuilder::last_content() {
  if (last_list_ < 0) return nullptr;
  return std::get_if<Content>(&rule.buffers[last_list_].items[last_item_]);
}

Pcre* RuleBuilder::last_pcre() {
  if (last_list_ < 0) return nullptr;
  return std::get_if<Pcre>(&rule.buffers[last_list_].items[last_item_]);
}

Result<void> RuleBuilder::move_last_content(BufferId to, std::string_view modifier) {
  if (!last_content()) return fail("content modifier without a preceding content");
  BufferList& from = rule.buffers[last_list_];
  if (from.buffer == to && from.transforms.empty()) return {};  // repeated modifier
  if (from.buffer != BufferId::Payload)
    return fail(fmt::format("content is already in buffer '{}' (sticky buffer plus modifier)",
                            buffer_name(from.buffer)));
  if (last_item_ != int(from.items.size() - 1))
    return fail("content modifier does not follow its content");
  MatchItem item = std::move(from.items.back());
  from.items.pop_back();
  int from_idx = last_list_;
  BufferList& dst = list_for(to);
  dst.items.push_back(std::move(item));
  last_list_ = int(&dst - rule.buffers.data());
  last_item_ = int(dst.items.size() - 1);
  if (rule.buffers[from_idx].items.empty() && from_idx != current_) {
    // Keep indexes stable: an empty payload list is harmless and removed at the end.
  }
  return {};
}

Result<IntOrVar> RuleBuilder::int_or_var(std::string_view arg, int64_t min, int64_t max) {
  arg = trim(arg);
  IntOrVar v;
  if (parse_int(arg, v.value)) {
    if (v.value < min || v.value > max)
      return fail(fmt::format("value {} out of range [{}, {}]", v.value, min, max));
    return v;
  }
  for (size_t i = 0; i < rule.byte_vars.size(); ++i)
    if (rule.byte_vars[i] == arg) {
      v.var = int16_t(i);
      return v;
    }
  return fail(fmt::format("'{}' is neither a number nor a byte_extract/byte_math variable", arg));
}

Result<int16_t> RuleBuilder::define_var(std::string_view name) {
  name = trim(name);
  if (name.empty()) return fail("missing variable name");
  for (size_t i = 0; i < rule.byte_vars.size(); ++i)
    if (rule.byte_vars[i] == name) return int16_t(i);
  if (rule.byte_vars.size() >= 64) return fail("too many byte variables");
  rule.byte_vars.emplace_back(name);
  return int16_t(rule.byte_vars.size() - 1);
}

void RuleBuilder::unsupported(std::string_view keyword, std::string why) {
  if (unsupported_keyword_.empty()) {
    unsupported_keyword_ = std::string(keyword);
    unsupported_reason_ = std::move(why);
  }
}

}  // namespace ww::detect
