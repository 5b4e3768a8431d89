// Rule buffers: the named byte sequences a rule's matches inspect.
//
// One list (WW_DETECT_BUFFERS) names every buffer wardwatch knows: its sticky-buffer keyword,
// older sticky spellings, the legacy content modifier that moves the previous content into it
// (Snort/Suricata 4 style `content:"x"; http_uri;`) and the app-layer protocol that fills it.
// App-layer parsers fill buffers by BufferId; the prefilter keeps one database per BufferId.
// Adding a buffer is one line here.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace ww::detect {

// X(Enum, "sticky name", "legacy sticky names (space separated)", "legacy modifier", "proto")
#define WW_DETECT_BUFFERS(X)                                                       \
  X(Payload, "pkt_data", "", "", "")                                               \
  X(Ipv4Hdr, "ipv4.hdr", "", "", "")                                               \
  X(Ipv6Hdr, "ipv6.hdr", "", "", "")                                               \
  X(TcpHdr, "tcp.hdr", "", "", "")                                                 \
  X(UdpHdr, "udp.hdr", "", "", "")                                                 \
  X(Icmpv4Hdr, "icmpv4.hdr", "", "", "")                                           \
  X(Icmpv6Hdr, "icmpv6.hdr", "", "", "")                                           \
  X(HttpUri, "http.uri", "", "http_uri", "http")                                   \
  X(HttpUriRaw, "http.uri.raw", "", "http_raw_uri", "http")                        \
  X(HttpMethod, "http.method", "", "http_method", "http")                          \
  X(HttpHost, "http.host", "", "http_host", "http")                                \
  X(HttpHostRaw, "http.host.raw", "", "http_raw_host", "http")                     \
  X(HttpUserAgent, "http.user_agent", "", "http_user_agent", "http")               \
  X(HttpHeader, "http.header", "", "http_header", "http")                          \
  X(HttpHeaderRaw, "http.header.raw", "", "http_raw_header", "http")               \
  X(HttpHeaderNames, "http.header_names", "http_header_names", "", "http")         \
  X(HttpCookie, "http.cookie", "", "http_cookie", "http")                          \
  X(HttpRequestBody, "http.request_body", "", "http_client_body", "http")          \
  X(HttpStatCode, "http.stat_code", "", "http_stat_code", "http")                  \
  X(HttpStatMsg, "http.stat_msg", "", "http_stat_msg", "http")                     \
  X(HttpContentType, "http.content_type", "http_content_type", "", "http")         \
  X(HttpContentLen, "http.content_len", "http_content_len", "", "http")            \
  X(HttpProtocol, "http.protocol", "http_protocol", "", "http")                    \
  X(HttpRequestLine, "http.request_line", "http_request_line", "", "http")         \
  X(HttpResponseLine, "http.response_line", "http_response_line", "", "http")      \
  X(HttpStart, "http.start", "http_start", "", "http")                             \
  X(HttpLocation, "http.location", "", "", "http")                                 \
  X(HttpServer, "http.server", "", "", "http")                                     \
  X(HttpReferer, "http.referer", "", "http_referer", "http")                       \
  X(HttpAccept, "http.accept", "http_accept", "", "http")                          \
  X(HttpAcceptEnc, "http.accept_enc", "http_accept_enc", "", "http")               \
  X(HttpAcceptLang, "http.accept_lang", "http_accept_lang", "", "http")            \
  X(HttpConnection, "http.connection", "http_connection", "", "http")              \
  X(HttpRequestHeader, "http.request_header", "", "", "http")                      \
  X(HttpResponseHeader, "http.response_header", "", "", "http")                    \
  X(DnsQuery, "dns.query", "dns_query", "", "dns")                                 \
  X(DnsQueriesRrname, "dns.queries.rrname", "", "", "dns")                         \
  X(DnsAnswersRrname, "dns.answers.rrname", "", "", "dns")                         \
  X(DnsAuthoritiesRrname, "dns.authorities.rrname", "", "", "dns")                 \
  X(DnsAdditionalsRrname, "dns.additionals.rrname", "", "", "dns")                 \
  X(DnsResponseRrname, "dns.response.rrname", "", "", "dns")                       \
  X(TlsSni, "tls.sni", "tls_sni", "", "tls")                                       \
  X(TlsCertSubject, "tls.cert_subject", "tls_cert_subject", "", "tls")             \
  X(TlsCertIssuer, "tls.cert_issuer", "tls_cert_issuer", "", "tls")                \
  X(TlsCertSerial, "tls.cert_serial", "tls_cert_serial", "", "tls")                \
  X(TlsCertFingerprint, "tls.cert_fingerprint", "tls_cert_fingerprint", "", "tls") \
  X(TlsCerts, "tls.certs", "", "", "tls")                                          \
  X(TlsSubjectAltName, "tls.subjectaltname", "", "", "tls")                        \
  X(TlsAlpn, "tls.alpn", "", "", "tls")                                            \
  X(Ja3Hash, "ja3.hash", "ja3_hash", "", "tls")                                    \
  X(Ja3String, "ja3.string", "ja3_string", "", "tls")                              \
  X(Ja3sHash, "ja3s.hash", "ja3s_hash", "", "tls")                                 \
  X(Ja3sString, "ja3s.string", "ja3s_string", "", "tls")                           \
  X(Ja4Hash, "ja4.hash", "", "", "tls")                                            \
  X(FileData, "file.data", "file_data http.response_body", "http_server_body", "") \
  X(FileName, "file.name", "", "", "")                                             \
  X(FileMagic, "file.magic", "", "", "")                                           \
  X(SmbShare, "smb.share", "smb_share", "", "smb")                                 \
  X(SmbNamedPipe, "smb.named_pipe", "smb_named_pipe", "", "smb")                   \
  X(DceStubData, "dcerpc.stub_data", "dce_stub_data", "", "")                      \
  X(SmtpHelo, "smtp.helo", "", "", "smtp")                                         \
  X(SmtpMailFrom, "smtp.mail_from", "", "", "smtp")                                \
  X(SmtpRcptTo, "smtp.rcpt_to", "", "", "smtp")                                    \
  X(EmailFrom, "email.from", "", "", "smtp")                                       \
  X(EmailTo, "email.to", "", "", "smtp")                                           \
  X(EmailCc, "email.cc", "", "", "smtp")                                           \
  X(EmailSubject, "email.subject", "", "", "smtp")                                 \
  X(EmailDate, "email.date", "", "", "smtp")                                       \
  X(EmailMessageId, "email.message_id", "", "", "smtp")                            \
  X(EmailXMailer, "email.x_mailer", "", "", "smtp")                                \
  X(EmailUrl, "email.url", "", "", "smtp")                                         \
  X(SshProto, "ssh.proto", "ssh_proto", "", "ssh")                                 \
  X(SshSoftware, "ssh.software", "ssh_software", "", "ssh")                        \
  X(SshHassh, "ssh.hassh", "", "", "ssh")                                          \
  X(SshHasshString, "ssh.hassh.string", "", "", "ssh")                             \
  X(SshHasshServer, "ssh.hassh.server", "", "", "ssh")                             \
  X(SshHasshServerString, "ssh.hassh.server.string", "", "", "ssh")                \
  X(FtpCommand, "ftp.command", "", "", "ftp")                                      \
  X(FtpCommandData, "ftp.command_data", "", "", "ftp")                             \
  X(FtpReply, "ftp.reply", "", "", "ftp")                                          \
  X(FtpCompletionCode, "ftp.completion_code", "", "", "ftp")                       \
  X(FtpDataCommand, "ftp_data.command", "", "", "ftp-data")                        \
  X(Base64Data, "base64_data", "", "", "")                                         \
  X(Hl7MsgType, "hl7.msg_type", "", "", "hl7")                                     \
  X(Hl7SendingApp, "hl7.sending_app", "", "", "hl7")                               \
  X(Hl7Segment, "hl7.segment", "", "", "hl7")                                      \
  X(Hl7Field, "hl7.field", "", "", "hl7")                                          \
  X(Hl7AckCode, "hl7.ack_code", "", "", "hl7")                                     \
  X(DicomCallingAe, "dicom.calling_ae", "", "", "dicom")                           \
  X(DicomCalledAe, "dicom.called_ae", "", "", "dicom")                             \
  X(DicomCommand, "dicom.command", "", "", "dicom")                                \
  X(DicomSopClass, "dicom.sop_class", "", "", "dicom")                             \
  X(DicomStatus, "dicom.status", "", "", "dicom")                                  \
  X(FhirResourceType, "fhir.resource_type", "", "", "fhir")                        \
  X(FhirInteraction, "fhir.interaction", "", "", "fhir")

enum class BufferId : uint16_t {
#define WW_X(e, n, a, m, p) e,
  WW_DETECT_BUFFERS(WW_X)
#undef WW_X
      Count
};
inline constexpr size_t kBufferCount = static_cast<size_t>(BufferId::Count);

struct BufferSpec {
  BufferId id;
  std::string_view name;             // sticky keyword, canonical name (EVE, docs, stats)
  std::string_view legacy_sticky;    // older sticky spellings, space separated
  std::string_view legacy_modifier;  // content modifier moving the previous content here
  std::string_view proto;            // app-layer protocol filling it; empty: any
};

std::span<const BufferSpec> buffer_specs() noexcept;
const BufferSpec& buffer_spec(BufferId id) noexcept;
inline std::string_view buffer_name(BufferId id) noexcept { return buffer_spec(id).name; }
// Sticky name or legacy sticky spelling -> buffer.
std::optional<BufferId> buffer_by_sticky_name(std::string_view name) noexcept;
// Legacy content modifier (http_uri, http_client_body ...) -> buffer.
std::optional<BufferId> buffer_by_modifier(std::string_view name) noexcept;
// HTTP buffers (the pcre U/I/P/... flags and http_* modifiers refer to these).
bool is_http_buffer(BufferId id) noexcept;
// Multi-buffers (several instances per transaction: InspectBuffers::add): as in Suricata, each
// time a rule names one as its sticky buffer starts a list of its own, matched on any instance
// independently of the other lists (`file.data; content:"a"; file.data; content:"b";` matches
// a in one file and b in another).
bool is_multi_buffer(BufferId id) noexcept;

}  // namespace ww::detect
