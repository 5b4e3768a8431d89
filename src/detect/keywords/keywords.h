// Parse functions of all keywords; each family lives in its own file of this folder.
#pragma once

#include <string>
#include <string_view>

#include "detect/keywords/registry.h"

namespace ww::detect::kw {

#define WW_KW(fn) Result<void> fn(RuleBuilder& b, std::string_view arg)
// meta.cpp
WW_KW(msg);
WW_KW(sid);
WW_KW(rev);
WW_KW(gid);
WW_KW(classtype);
WW_KW(priority);
WW_KW(reference);
WW_KW(metadata);
WW_KW(target);
WW_KW(noalert);
WW_KW(tag);
WW_KW(ignored);
WW_KW(absent);  // absent.cpp
WW_KW(ipv4_csum);  // csum.cpp
// content.cpp
WW_KW(content);
WW_KW(uricontent);
WW_KW(tls_subject);
WW_KW(nocase);
WW_KW(offset);
WW_KW(depth);
WW_KW(distance);
WW_KW(within);
WW_KW(startswith);
WW_KW(endswith);
WW_KW(fast_pattern);
WW_KW(rawbytes);
WW_KW(filename);
WW_KW(fileext);
WW_KW(filemagic);
WW_KW(ftpdata_command);
// pcre.cpp
WW_KW(pcre);
// byte.cpp
WW_KW(byte_test);
WW_KW(byte_jump);
WW_KW(byte_extract);
WW_KW(byte_math);
// size.cpp
WW_KW(isdataat);
WW_KW(bsize);
WW_KW(dsize);
WW_KW(urilen);
// flow.cpp
WW_KW(flow);
WW_KW(flowbits);
WW_KW(flowint);
WW_KW(xbits);
WW_KW(hostbits);
// threshold.cpp
WW_KW(threshold);
WW_KW(detection_filter);
// header.cpp
WW_KW(ttl);
WW_KW(ip_id);
WW_KW(ip_proto);
WW_KW(tcp_seq);
WW_KW(tcp_ack);
WW_KW(tcp_window);
WW_KW(tcp_mss);
WW_KW(itype);
WW_KW(icode);
WW_KW(icmp_id);
WW_KW(icmp_seq);
WW_KW(fragoffset);
WW_KW(icmpv6_mtu);
WW_KW(flags);
WW_KW(fragbits);
WW_KW(sameip);
// app.cpp
WW_KW(app_layer_protocol);
WW_KW(app_layer_event);
WW_KW(decode_event);
WW_KW(stream_event);
WW_KW(dns_opcode);
WW_KW(dns_rcode);
WW_KW(dns_rrtype);
WW_KW(tls_version);
WW_KW(ftpbounce);
// dcerpc.cpp
WW_KW(dcerpc_iface);
WW_KW(dcerpc_opnum);
// smb.cpp
WW_KW(smb_version);
WW_KW(filesize);
WW_KW(config);
WW_KW(file_hash_list);
WW_KW(filestore);
WW_KW(stream_size);
WW_KW(base64_decode);
// transform.cpp
WW_KW(transform);
#undef WW_KW

// app.cpp: the app layer's anomaly name for a Suricata app-layer-event name
// ("tls.invalid_handshake_message" -> "tls.invalid_handshake").
std::string app_event_name(std::string_view suricata);

}  // namespace ww::detect::kw
