// Protocol generators. Each writes well-formed messages of one protocol into a Session, over
// Tcp conversations or UDP datagrams; scenario code (background.cpp, attacks.cpp) decides who
// talks to whom and when. One file per protocol in this folder.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "../bytes.h"
#include "../engine.h"
#include "../net.h"
#include "../tcp.h"

namespace ww::sim {

// ---- UDP helper ----
// One datagram from `from` to `to`; returns its five-tuple.
FiveTuple udp_send(Sim& sim, Session& s, Host& from, uint16_t sport, Host& to, uint16_t dport,
                   std::span<const uint8_t> payload);

// ---- ARP (arp.cpp) ----
void arp_resolve(Sim& sim, Session& s, Host& asker, uint32_t target_ip, const Mac& target_mac);
void arp_gratuitous(Sim& sim, Session& s, Host& h);

// ---- DHCP (dhcp.cpp) ----
void dhcp_lease(Sim& sim, Session& s, Host& client);

// ---- DNS (dns.cpp) ----
struct DnsRr {
  uint16_t type;       // 1 A, 5 CNAME, 16 TXT, 28 AAAA
  std::string owner;   // owner name
  std::string target;  // CNAME target
  uint32_t ip = 0;     // A
  std::vector<std::string> txt;
  uint32_t ttl = 300;
};
Bytes dns_message(uint16_t id, uint16_t flags, const std::string& qname, uint16_t qtype,
                  const std::vector<DnsRr>& answers, bool edns);
// A query from `client` to the hospital resolver and its answer; returns the client flow.
FiveTuple dns_query(Sim& sim, Session& s, Host& client, const std::string& name, uint16_t qtype,
                    const std::vector<DnsRr>& answers, uint16_t rcode, bool forward_upstream);
// Resolves `target` for `client` unless cached (A, plus AAAA for Windows clients).
void resolve(Sim& sim, Session& s, Host& client, const Host& target);
// A TXT answer larger than the MTU (SPF/DKIM-style), so it travels as IPv4 fragments.
void dns_large_txt(Sim& sim, Session& s, Host& client, const std::string& name);

// ---- NTP (ntp.cpp) ----
void ntp_sync(Sim& sim, Session& s, Host& client, Host& server);

// ---- HTTP/1.1 (http.cpp) ----
struct HttpReq {
  std::string method = "GET";
  std::string uri = "/";
  std::string host;
  std::string user_agent;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};
struct HttpResp {
  int status = 200;
  std::string content_type = "text/html; charset=utf-8";
  std::string body;
  bool gzip = false;
  bool chunked = false;
  std::vector<std::pair<std::string, std::string>> headers;
};
std::string http_request(const HttpReq& r);
std::string http_response(Rng& rng, const HttpResp& r);
void http_exchange(Tcp& tcp, Rng& rng, const HttpReq& req, const HttpResp& resp, Ts think);
std::string user_agent_for(const Host& h);
std::string lorem_html(Rng& rng, size_t approx, const std::string& title);
std::string lorem(Rng& rng, size_t words);

// ---- TLS 1.2 / 1.3 (tls.cpp) ----
struct TlsParams {
  std::string sni;
  bool tls13 = true;
  size_t up = 600;       // application bytes client -> server
  size_t down = 20000;   // application bytes server -> client
  int exchanges = 1;     // request/response rounds
};
void tls_session(Sim& sim, Tcp& tcp, const TlsParams& p);
// DER X.509 certificate for a name, made once with OpenSSL from the run's RNG (Ed25519, so the
// bytes are the same for a seed).
const Bytes& tls_certificate(Sim& sim, const std::string& cn);

// ---- HL7 v2 over MLLP (hl7.cpp) ----
struct Patient {
  std::string mrn, family, given, dob, sex, account;
};
Patient random_patient(Rng& rng);
std::string hl7_message(Rng& rng, const std::string& type, const Patient& p,
                        const std::string& sending_app, const std::string& sending_fac,
                        Ts t, const std::string& ctrl_id);
std::string hl7_ack(const std::string& msg, const std::string& ctrl_id, Ts t, bool accept);
std::string mllp(const std::string& msg);
// Sends `types` messages over one MLLP connection, each acknowledged (MSA|AA, or MSA|AE when
// `accept` is false); returns the flow.
FiveTuple hl7_session(Sim& sim, Session& s, Host& sender, Host& receiver, uint16_t port,
                      const std::vector<std::string>& types, const std::string& sending_app,
                      bool accept = true);

// ---- DICOM (dicom.cpp) ----
struct DicomStudy {
  std::string modality = "CT";
  std::string manufacturer = "SIEMENS";
  std::string model;
  Patient patient;
  std::string study_uid, series_uid;
  int images = 4;
  size_t image_bytes = 512 * 512 * 2;
};
DicomStudy random_study(Rng& rng, const Host& modality_host, double bulk = 1.0);
enum class DicomOp { kEcho, kStore, kFindMwl, kRejected };
FiveTuple dicom_association(Sim& sim, Session& s, Host& scu, Host& scp, DicomOp op,
                            const DicomStudy& study, uint16_t port = 104);
// A DICOM Part 10 file (128-byte preamble, "DICM", meta group, dataset). `pe_preamble` puts an
// MZ/PE header in the preamble (the polyglot of CVE-2019-11687).
// One association carrying `count` DIMSE request/response pairs of one kind (PS3.7):
// `command` is the request's CommandField (0x0020 C-FIND, 0x0021 C-MOVE, 0x0001 C-STORE,
// 0x0130 N-ACTION, 0x0150 N-DELETE ...), answered with command | 0x8000 and `status`; a
// C-FIND/C-MOVE/C-STORE request carries a small dataset (query or image), ending with
// `payload` as a private OB element (0009,1010) when it is not empty. Returns the flow.
FiveTuple dicom_dimse(Sim& sim, Session& s, Host& scu, Host& scp, const std::string& sop_class,
                      uint16_t command, int count, uint16_t status, uint16_t port = 104,
                      std::span<const uint8_t> payload = {});
Bytes dicom_part10(Rng& rng, const DicomStudy& st, size_t pixel_bytes, bool pe_preamble);

// ---- FHIR REST (fhir.cpp) ----
std::string fhir_patient_json(Rng& rng, const Patient& p);
void fhir_session(Sim& sim, Session& s, Host& client, Host& server, bool tls, int calls);

// ---- SMB2 (smb.cpp) ----
class SmbClient {
 public:
  SmbClient(Sim& sim, Tcp& tcp, Host& client, Host& server);
  void negotiate();
  bool session_setup(const std::string& domain, const std::string& user, bool succeed = true);
  void tree_connect(const std::string& share);
  void list_dir(const std::string& dir, const std::vector<std::string>& names);
  uint64_t create(const std::string& path, bool write, bool create_new = false);  // file id
  Bytes read(uint64_t fid, size_t len);
  void write(uint64_t fid, std::span<const uint8_t> data);
  void rename(uint64_t fid, const std::string& new_path);
  void close(uint64_t fid);
  void logoff();
  Tcp& tcp() { return tcp_; }

 private:
  Buf header(uint16_t cmd, bool response, uint32_t status, uint64_t msg_id);
  void request(uint16_t cmd, const Buf& body);
  void response(uint16_t cmd, uint32_t status, const Buf& body, Ts think);
  void send(Dir d, Buf& msg, Ts think);
  Sim& sim_;
  Tcp& tcp_;
  Host& client_;
  Host& server_;
  uint64_t msg_id_ = 0;
  uint64_t session_id_ = 0;
  uint32_t tree_id_ = 0;
  uint64_t next_fid_ = 1;
  std::string server_name_;
};
void smb_office_session(Sim& sim, Session& s, Host& client, Host& server);

// ---- SMTP (smtp.cpp) ----
struct Mail {
  std::string from, to, subject, body;
  std::string attachment_name, attachment_type;
  Bytes attachment;
};
FiveTuple smtp_send(Sim& sim, Session& s, Host& client, Host& server, const Mail& m);

// ---- FTP (ftp.cpp) ----
struct FtpParams {
  std::string user = "scan";
  std::string pass = "scan";
  bool login_ok = true;
  bool upload = false;
  std::string file = "film_0001.tif";
  size_t bytes = 200000;
  Bytes content;  // the file's bytes; empty: `bytes` random bytes
};
FiveTuple ftp_session(Sim& sim, Session& s, Host& client, Host& server, const FtpParams& p);

// ---- SSH and Telnet (ssh.cpp, telnet.cpp) ----
FiveTuple ssh_session(Sim& sim, Session& s, Host& client, Host& server, bool login_ok,
                      size_t interactive_bytes);
FiveTuple telnet_session(Sim& sim, Session& s, Host& client, Host& server,
                         const std::string& user, const std::string& pass, bool login_ok);

// ---- Medical device telemetry (telemetry.cpp) ----
void pump_telemetry(Sim& sim, Session& s, Host& pump, Host& gateway);
void monitor_telemetry(Sim& sim, Session& s, Host& monitor, Host& engine);

}  // namespace ww::sim
