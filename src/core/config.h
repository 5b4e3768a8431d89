// Config: wardwatch's YAML configuration (yaml-cpp), Suricata-style where Suricata has a key.
//
// Loading is off the packet path and returns Result<Config>: a bad value names the file, line
// and key. Missing keys keep the defaults below, so an empty file is a valid configuration.
// The parsed Config is immutable after start-up and shared by const reference.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/result.h"
#include "decode/decoder.h"
#include "decode/defrag.h"
#include "files/tracker.h"
#include "flow/flow.h"
#include "stream/stream.h"

namespace ww {

// Suricata's `vars`: address and port groups used by rules ($HOME_NET, $HTTP_PORTS ...).
struct RuleVarsConfig {
  std::map<std::string, std::string> address_groups;
  std::map<std::string, std::string> port_groups;
  static RuleVarsConfig suricata_defaults();
};

// Options of the `alert` type (`outputs.eve-log.types: - alert: {...}`, Suricata's names).
struct EveAlertConfig {
  bool payload = false;            // "payload": base64 of the packet payload or stream data
  bool payload_printable = false;  // "payload_printable": the same, non-printable bytes as '.'
  uint32_t payload_buffer_size = 4096;  // stream data logged at most (the window's end)
  bool packet = false;             // "packet" (base64 of the frame) + "packet_info.linktype"
  bool metadata = true;            // the app-layer object, "flow" and the rule's metadata
  bool verdict = false;            // "verdict": {"action": alert|pass} (IDS: nothing dropped)
  // X-Forwarded-For of HTTP transaction alerts: extra-data adds "alert.xff", overwrite puts
  // the address in place of the client's (src_ip to_server, dest_ip to_client).
  enum class XffMode : uint8_t { Off, ExtraData, Overwrite };
  XffMode xff_mode = XffMode::Off;
  bool xff_forward = false;        // deployment forward: first address; reverse: last
  std::string xff_header = "X-Forwarded-For";
};

struct EveOutputConfig {
  bool enabled = true;
  std::string filename = "eve.json";   // relative to the log dir
  std::string unix_socket;             // when set, events go to this unix stream socket too
  uint64_t rotate_bytes = 0;           // rotate when the file exceeds this size; 0 = never
  int64_t rotate_interval_sec = 0;     // rotate every N seconds of wall time; 0 = never
  int max_rotated_files = 10;          // rotated files kept (eve.json.1 ... eve.json.N)
  // Event types logged.
  std::vector<std::string> types = {"alert", "anomaly", "flow",  "stats", "http",  "dns",
                                    "tls",   "smb",     "smtp",  "ftp",   "ssh",   "hl7",
                                    "dicom", "fhir",    "fileinfo", "dhcp", "telnet",
                                    "ftp_data", "dcerpc"};
  bool has_type(std::string_view t) const;
  EveAlertConfig alert;
  bool ethernet = false;           // "ether": {src_mac, dest_mac} on packet events (alerts)
  bool community_id = false;       // "community_id" (Community ID v1) on flow-scoped events
  // `- http: {dump-all-headers: both|request|response}`: request_headers / response_headers
  // arrays in http events (Suricata's option; off by default).
  bool http_request_headers = false;
  bool http_response_headers = false;
  // `dns-version: 2|3` (or Suricata's `- dns: {version: N}`): the EVE dns format, 2 as
  // Suricata 7 writes it, 3 as Suricata 8 does (app/dns/parser.h).
  int dns_version = 2;
  uint16_t community_id_seed = 0;
  // `- anomaly: {types: {stream: yes, applayer: no}}` (Suricata's keys and defaults; also
  // `anomaly-types: {stream: yes}` beside the types list): which
  // anomaly events are written: the reassembler's (type "stream", off by default) and the app
  // layer's (type "applayer", on).
  bool anomaly_stream = false;
  bool anomaly_applayer = true;
};

// Detection settings with Suricata's keys (top level there): packet-alert-max, action-order;
// detect.simulate-ips runs the rules as an inline IPS would (drop/reject rules drop packets,
// alerts say "blocked", `drop` events), on the mirror: nothing is really dropped.
struct DetectConfig {
  uint32_t packet_alert_max = 15;         // alerts kept per packet (highest priority first)
  std::vector<std::string> action_order;  // empty: pass, drop, reject, alert (Suricata's)
  bool simulate_ips = false;
  bool drop_log_all = false;  // outputs.eve-log.types.drop.flows: all (default start: the first)
};

struct Config {
  std::string source_file;       // where it was loaded from ("" = defaults)
  RuleVarsConfig vars = RuleVarsConfig::suricata_defaults();
  int workers = 0;               // 0 = one per core
  int stats_interval_sec = 8;    // stats events every N seconds of wall time; 0 = only at exit
  uint32_t ring_bytes = 8u << 20;  // per-worker dispatcher ring (offline multi-worker mode)
  double reader_share = -1;      // offline, >= 2 workers: hash share the reader keeps (-1 auto)
  int snaplen = 262144;          // live capture
  int live_buffer_mb = 64;       // live capture kernel ring
  bool app_layer_enabled = true;  // app-layer.enabled: protocol detection and parsers
  // app-layer.redact-phi: patient identifiers (HL7 PID-3/PID-5, DICOM group 0010, FHIR Patient
  // ids and search values) never reach the outputs; off only for a lab (app/redact.h).
  bool redact_phi = true;
  // app-layer.protocols.ftp: log-password (PASS's argument in EVE and ftp.command_data; off,
  // the hospital credential policy) and max-line-length (Suricata's, 4kb).
  bool ftp_log_password = false;
  uint32_t ftp_max_line = 4096;
  uint32_t ftp_max_tx = 0;  // max-tx: commands awaiting a reply at most (0: no limit)
  uint32_t smb_max_tx = 0;  // app-layer.protocols.smb.max-tx: requests awaiting a response
  bool vlan_tracking = true;  // vlan.use-for-tracking: the VLAN id is part of the flow key
  // app-layer.protocols.smtp.mime (Suricata's keys): extract-urls, extract-urls-schemes (empty:
  // http), log-url-scheme, body-md5; outputs.eve-log.types.smtp.md5: [body, subject].
  bool smtp_extract_urls = true;
  std::vector<std::string> smtp_url_schemes;
  bool smtp_log_url_scheme = false;
  bool smtp_body_md5 = false;
  bool smtp_log_body_md5 = false;
  bool smtp_log_subject_md5 = false;
  decode::DecodeConfig decode;
  decode::DefragConfig defrag;
  flow::FlowConfig flow;
  stream::StreamConfig stream;
  files::FileTrackerConfig files;
  EveOutputConfig eve;
  DetectConfig detect;
};

Result<Config> load_config(const std::string& path);
Result<Config> parse_config(const std::string& yaml_text, const std::string& name = "<string>");

// "64mb", "1gb", "4096", "512kb" -> bytes.
Result<uint64_t> parse_size(std::string_view s);

}  // namespace ww
