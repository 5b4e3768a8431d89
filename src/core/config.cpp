#include "core/config.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <optional>
#include <sstream>

#include <yaml-cpp/yaml.h>

namespace ww {

RuleVarsConfig RuleVarsConfig::suricata_defaults() {
  RuleVarsConfig v;
  v.address_groups = {
      {"HOME_NET", "[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]"},
      {"EXTERNAL_NET", "!$HOME_NET"},
      {"HTTP_SERVERS", "$HOME_NET"},
      {"SMTP_SERVERS", "$HOME_NET"},
      {"SQL_SERVERS", "$HOME_NET"},
      {"DNS_SERVERS", "$HOME_NET"},
      {"TELNET_SERVERS", "$HOME_NET"},
      {"AIM_SERVERS", "$EXTERNAL_NET"},
      {"DC_SERVERS", "$HOME_NET"},
      {"DNP3_SERVER", "$HOME_NET"},
      {"DNP3_CLIENT", "$HOME_NET"},
      {"MODBUS_CLIENT", "$HOME_NET"},
      {"MODBUS_SERVER", "$HOME_NET"},
      {"ENIP_CLIENT", "$HOME_NET"},
      {"ENIP_SERVER", "$HOME_NET"},
  };
  v.port_groups = {
      {"HTTP_PORTS", "80"},          {"SHELLCODE_PORTS", "!80"},
      {"ORACLE_PORTS", "1521"},      {"SSH_PORTS", "22"},
      {"DNP3_PORTS", "20000"},       {"MODBUS_PORTS", "502"},
      {"FILE_DATA_PORTS", "[$HTTP_PORTS,110,143]"},
      {"FTP_PORTS", "21"},           {"GENEVE_PORTS", "6081"},
      {"VXLAN_PORTS", "4789"},       {"TEREDO_PORTS", "3544"},
      {"SIP_PORTS", "[5060,5061]"},
  };
  return v;
}

bool EveOutputConfig::has_type(std::string_view t) const {
  return std::find(types.begin(), types.end(), t) != types.end();
}

Result<uint64_t> parse_size(std::string_view s) {
  std::string t;
  for (char c : s)
    if (!std::isspace(static_cast<unsigned char>(c))) t += char(std::tolower(c));
  size_t i = 0;
  uint64_t v = 0;
  while (i < t.size() && std::isdigit(static_cast<unsigned char>(t[i]))) {
    if (v > (UINT64_MAX - 9) / 10) return fail("size too large: " + std::string(s));
    v = v * 10 + uint64_t(t[i++] - '0');
  }
  if (i == 0) return fail("not a size: '" + std::string(s) + "' (expected e.g. 64mb)");
  std::string unit = t.substr(i);
  uint64_t mul = 1;
  if (unit.empty() || unit == "b") mul = 1;
  else if (unit == "kb" || unit == "k" || unit == "kib") mul = 1ull << 10;
  else if (unit == "mb" || unit == "m" || unit == "mib") mul = 1ull << 20;
  else if (unit == "gb" || unit == "g" || unit == "gib") mul = 1ull << 30;
  else return fail("unknown size unit '" + unit + "' in '" + std::string(s) + "'");
  if (v > UINT64_MAX / mul) return fail("size too large: " + std::string(s));
  return v * mul;
}

namespace {

// Reads typed values out of a YAML tree; the first error wins and names file:line and key.
class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}
  bool ok() const { return !err_.has_value(); }
  Diagnostic error() const { return *err_; }

  void error_at(const YAML::Node& n, const std::string& key, const std::string& msg) {
    if (err_) return;
    Diagnostic d;
    d.file = file_;
    d.line = n.Mark().line >= 0 ? n.Mark().line + 1 : 0;
    d.message = "'" + key + "': " + msg;
    err_ = d;
  }

  template <typename T>
  void get(const YAML::Node& parent, const char* key, const std::string& path, T& out) {
    YAML::Node n = parent[key];
    if (!n) return;
    try {
      out = n.as<T>();
    } catch (const YAML::Exception&) {
      error_at(n, path, "expected " + type_name<T>() + ", got '" + scalar(n) + "'");
    }
  }
  template <typename T>
  void get_range(const YAML::Node& parent, const char* key, const std::string& path, T& out,
                 T lo, T hi) {
    T v = out;
    get(parent, key, path, v);
    if (!ok()) return;
    if (v < lo || v > hi) {
      error_at(parent[key], path, fmt::format("must be between {} and {}", lo, hi));
      return;
    }
    out = v;
  }
  template <typename T>
  void get_size(const YAML::Node& parent, const char* key, const std::string& path, T& out) {
    YAML::Node n = parent[key];
    if (!n) return;
    if (!n.IsScalar()) return error_at(n, path, "expected a size such as 64mb");
    auto r = parse_size(n.Scalar());
    if (!r) return error_at(n, path, r.error().message);
    out = static_cast<T>(*r);
  }
  // Seconds (integer or fraction) into microseconds.
  void get_seconds(const YAML::Node& parent, const char* key, const std::string& path,
                   int64_t& out_usec) {
    YAML::Node n = parent[key];
    if (!n) return;
    double s = 0;
    try {
      s = n.as<double>();
    } catch (const YAML::Exception&) {
      return error_at(n, path, "expected seconds, got '" + scalar(n) + "'");
    }
    if (s < 0 || s > 86400.0 * 365) return error_at(n, path, "out of range");
    out_usec = static_cast<int64_t>(s * 1e6);
  }

 private:
  static std::string scalar(const YAML::Node& n) { return n.IsScalar() ? n.Scalar() : "<non-scalar>"; }
  template <typename T>
  static std::string type_name() {
    if constexpr (std::is_same_v<T, bool>) return "yes/no";
    else if constexpr (std::is_integral_v<T>) return "an integer";
    else if constexpr (std::is_floating_point_v<T>) return "a number";
    else return "a string";
  }
  std::string file_;
  std::optional<Diagnostic> err_;
};

void read_map(Reader& rd, const YAML::Node& n, const std::string& path,
              std::map<std::string, std::string>& out) {
  if (!n) return;
  if (!n.IsMap()) return rd.error_at(n, path, "expected a mapping");
  for (const auto& kv : n) {
    if (!kv.second.IsScalar()) return rd.error_at(kv.second, path, "expected a string value");
    out[kv.first.Scalar()] = kv.second.Scalar();
  }
}

// `- alert: {payload: yes, packet: yes, xff: {enabled: yes, mode: extra-data, ...}, ...}`
// with Suricata's option names; options wardwatch does not have (http-body, tagged-packets)
// are accepted and ignored.
void read_alert_options(Reader& rd, const YAML::Node& n, EveAlertConfig& a) {
  const std::string base = "outputs.eve-log.types.alert.";
  rd.get(n, "payload", base + "payload", a.payload);
  rd.get(n, "payload-printable", base + "payload-printable", a.payload_printable);
  rd.get_size(n, "payload-buffer-size", base + "payload-buffer-size", a.payload_buffer_size);
  rd.get(n, "packet", base + "packet", a.packet);
  rd.get(n, "metadata", base + "metadata", a.metadata);
  rd.get(n, "verdict", base + "verdict", a.verdict);
  if (auto x = n["xff"]) {
    if (!x.IsMap()) return rd.error_at(x, base + "xff", "expected a mapping");
    bool enabled = false;
    rd.get(x, "enabled", base + "xff.enabled", enabled);
    std::string mode = "extra-data", deployment = "reverse";
    rd.get(x, "mode", base + "xff.mode", mode);
    rd.get(x, "deployment", base + "xff.deployment", deployment);
    rd.get(x, "header", base + "xff.header", a.xff_header);
    if (mode != "extra-data" && mode != "overwrite")
      return rd.error_at(x["mode"], base + "xff.mode", "expected extra-data or overwrite");
    if (deployment != "reverse" && deployment != "forward")
      return rd.error_at(x["deployment"], base + "xff.deployment", "expected reverse or forward");
    if (a.xff_header.empty() || a.xff_header.size() > 64)
      return rd.error_at(x["header"], base + "xff.header", "expected a header name");
    using M = EveAlertConfig::XffMode;
    a.xff_mode = !enabled ? M::Off : mode == "overwrite" ? M::Overwrite : M::ExtraData;
    a.xff_forward = deployment == "forward";
  }
}

}  // namespace

Result<Config> parse_config(const std::string& text, const std::string& name) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    Diagnostic d;
    d.file = name;
    d.line = e.mark.line + 1;
    d.message = "YAML syntax error: " + e.msg;
    return fail(d);
  }
  Config c;
  c.source_file = name;
  if (!root || root.IsNull()) return c;
  Reader rd(name);
  if (!root.IsMap()) {
    rd.error_at(root, "<top>", "expected a mapping at the top level");
    return fail(rd.error());
  }

  if (auto vars = root["vars"]) {
    read_map(rd, vars["address-groups"], "vars.address-groups", c.vars.address_groups);
    read_map(rd, vars["port-groups"], "vars.port-groups", c.vars.port_groups);
  }

  if (auto w = root["workers"]) {
    if (w.IsScalar() && w.Scalar() == "auto") {
      c.workers = 0;
    } else {
      rd.get_range(root, "workers", "workers", c.workers, 1, 256);
    }
  }
  rd.get_range(root, "stats-interval", "stats-interval", c.stats_interval_sec, 0, 86400);
  rd.get_size(root, "ring-size", "ring-size", c.ring_bytes);
  if (c.ring_bytes < (1u << 20) && rd.ok() && root["ring-size"])
    rd.error_at(root["ring-size"], "ring-size", "must be at least 1mb");

  if (auto rs = root["reader-share"]) {
    if (!(rs.IsScalar() && rs.Scalar() == "auto"))
      rd.get_range(root, "reader-share", "reader-share", c.reader_share, 0.0, 1.0);
  }
  if (auto cap = root["capture"]) {
    rd.get_range(cap, "snaplen", "capture.snaplen", c.snaplen, 64, 262144);
    rd.get_range(cap, "buffer-mb", "capture.buffer-mb", c.live_buffer_mb, 1, 4096);
  }
  if (auto v = root["vlan"])
    rd.get(v, "use-for-tracking", "vlan.use-for-tracking", c.vlan_tracking);
  if (auto a = root["app-layer"]) {
    rd.get(a, "enabled", "app-layer.enabled", c.app_layer_enabled);
    rd.get(a, "redact-phi", "app-layer.redact-phi", c.redact_phi);
    auto protocols = a["protocols"];
    if (auto ftp = protocols ? protocols["ftp"] : YAML::Node()) {
      rd.get(ftp, "log-password", "app-layer.protocols.ftp.log-password", c.ftp_log_password);
      rd.get_size(ftp, "max-line-length", "app-layer.protocols.ftp.max-line-length",
                  c.ftp_max_line);
      if (rd.ok() && (c.ftp_max_line < 64 || c.ftp_max_line > (1u << 20)))
        rd.error_at(ftp["max-line-length"], "app-layer.protocols.ftp.max-line-length",
                    "must be between 64 and 1mb");
      rd.get(ftp, "max-tx", "app-layer.protocols.ftp.max-tx", c.ftp_max_tx);
    }
    if (auto smb = protocols ? protocols["smb"] : YAML::Node())
      rd.get(smb, "max-tx", "app-layer.protocols.smb.max-tx", c.smb_max_tx);
    auto smtp = protocols ? protocols["smtp"] : YAML::Node();
    if (auto mime = smtp ? smtp["mime"] : YAML::Node()) {
      const std::string k = "app-layer.protocols.smtp.mime.";
      rd.get(mime, "extract-urls", k + "extract-urls", c.smtp_extract_urls);
      rd.get(mime, "extract-urls-schemes", k + "extract-urls-schemes", c.smtp_url_schemes);
      rd.get(mime, "log-url-scheme", k + "log-url-scheme", c.smtp_log_url_scheme);
      rd.get(mime, "body-md5", k + "body-md5", c.smtp_body_md5);
    }
  }
  rd.get_range(root, "packet-alert-max", "packet-alert-max", c.detect.packet_alert_max, 1u,
               255u);
  if (auto ao = root["action-order"]) {
    if (!ao.IsSequence()) rd.error_at(ao, "action-order", "expected a list of actions");
    for (const auto& x : ao.IsSequence() ? ao : YAML::Node()) {
      std::string v = x.IsScalar() ? x.Scalar() : "";
      if (v != "pass" && v != "drop" && v != "reject" && v != "alert") {
        rd.error_at(x, "action-order", "unknown action '" + v + "' (pass, drop, reject, alert)");
        break;
      }
      c.detect.action_order.push_back(v);
    }
  }
  if (auto d = root["detect"]) rd.get(d, "simulate-ips", "detect.simulate-ips", c.detect.simulate_ips);
  if (auto d = root["decoder"]) {
    rd.get(d, "ipv4-checksum", "decoder.ipv4-checksum", c.decode.ipv4_checksum);
    rd.get(d, "l4-checksum", "decoder.l4-checksum", c.decode.l4_checksum);
    rd.get(d, "tunnels", "decoder.tunnels", c.decode.decode_tunnels);
    int port = c.decode.vxlan_port;
    rd.get_range(d, "vxlan-port", "decoder.vxlan-port", port, 1, 65535);
    c.decode.vxlan_port = static_cast<uint16_t>(port);
  }
  if (auto d = root["defrag"]) {
    rd.get_size(d, "memcap", "defrag.memcap", c.defrag.memcap);
    rd.get_range(d, "max-datagrams", "defrag.max-datagrams", c.defrag.max_datagrams, 1u,
                 1u << 24);
    rd.get_seconds(d, "timeout", "defrag.timeout", c.defrag.timeout_usec);
  }
  if (auto f = root["flow"]) {
    rd.get_size(f, "memcap", "flow.memcap", c.flow.memcap);
    rd.get_range(f, "hash-size", "flow.hash-size", c.flow.hash_size, 1024u, 1u << 26);
    rd.get_size(f, "arena-memcap", "flow.arena-memcap", c.flow.arena_memcap);
    if (auto t = f["timeouts"]) {
      rd.get_seconds(t, "new", "flow.timeouts.new", c.flow.timeout_new);
      rd.get_seconds(t, "established", "flow.timeouts.established", c.flow.timeout_established);
      rd.get_seconds(t, "closed", "flow.timeouts.closed", c.flow.timeout_closed);
      rd.get_seconds(t, "udp", "flow.timeouts.udp", c.flow.timeout_udp);
      rd.get_seconds(t, "icmp", "flow.timeouts.icmp", c.flow.timeout_icmp);
      rd.get_seconds(t, "other", "flow.timeouts.other", c.flow.timeout_other);
    }
  }
  if (auto s = root["stream"]) {
    rd.get_size(s, "memcap", "stream.memcap", c.stream.memcap);
    rd.get_size(s, "depth", "stream.depth", c.stream.depth);
    rd.get(s, "midstream", "stream.midstream", c.stream.midstream);
    rd.get(s, "inline", "stream.inline", c.stream.inline_mode);
    rd.get_range(s, "max-segments", "stream.max-segments", c.stream.max_segments_per_dir, 1u,
                 1u << 20);
    rd.get_range(s, "retain-segments", "stream.retain-segments", c.stream.retain_segments_per_dir,
                 0u, 1024u);
    if (auto w = s["app-delivery"]) {
      std::string v = w.IsScalar() ? w.Scalar() : "";
      if (v == "acked") c.stream.deliver_on_ack = true;
      else if (v == "arrival") c.stream.deliver_on_ack = false;
      else rd.error_at(w, "stream.app-delivery", "expected acked or arrival");
    }
    rd.get_size(s, "max-unacked", "stream.max-unacked", c.stream.max_unacked);
  }
  if (auto f = root["files"]) {
    rd.get(f, "magic", "files.magic", c.files.magic);
    rd.get(f, "magic-offload", "files.magic-offload", c.files.magic_offload);
    rd.get(f, "entropy", "files.entropy", c.files.entropy);
    rd.get_range(f, "max-open", "files.max-open", c.files.max_open_files, 1u, 1u << 20);
    rd.get_range(f, "max-per-flow", "files.max-per-flow", c.files.max_files_per_flow, 1u, 1u << 16);
    if (auto h = f["hashes"]) {
      if (!h.IsSequence()) {
        rd.error_at(h, "files.hashes", "expected a list such as [md5, sha1, sha256]");
      } else {
        c.files.md5 = c.files.sha1 = c.files.sha256 = false;
        for (const auto& x : h) {
          std::string v = x.IsScalar() ? x.Scalar() : "";
          if (v == "md5") c.files.md5 = true;
          else if (v == "sha1") c.files.sha1 = true;
          else if (v == "sha256") c.files.sha256 = true;
          else rd.error_at(x, "files.hashes", "unknown hash '" + v + "' (md5, sha1, sha256)");
        }
      }
    }
    // A path or a list of paths.
    auto paths = [&](const YAML::Node& n, const std::string& key, std::vector<std::string>& out) {
      if (!n) return;
      if (n.IsScalar()) {
        out.push_back(n.Scalar());
      } else if (n.IsSequence()) {
        for (const auto& x : n) {
          if (!x.IsScalar()) return rd.error_at(x, key, "expected a path");
          out.push_back(x.Scalar());
        }
      } else {
        rd.error_at(n, key, "expected a path or a list of paths");
      }
    };
    paths(f["hash-lists"], "files.hash-lists", c.files.hash_list_paths);
    if (auto st = f["filestore"]) {
      auto& fs = c.files.filestore_config;
      rd.get(st, "enabled", "files.filestore.enabled", fs.enabled);
      rd.get(st, "dir", "files.filestore.dir", fs.dir);
      rd.get(st, "all", "files.filestore.all", fs.all);
      rd.get_size(st, "max-file-size", "files.filestore.max-file-size", fs.max_file_bytes);
      rd.get_size(st, "max-total-size", "files.filestore.max-total-size", fs.max_total_bytes);
    }
    if (auto y = f["yara"]) {
      auto& yc = c.files.yara_config;
      paths(y["rules"], "files.yara.rules", yc.paths);
      rd.get_range(y, "threads", "files.yara.threads", yc.threads, 1u, 32u);
      rd.get_range(y, "queue", "files.yara.queue", yc.queue, 1u, 4096u);
      rd.get_size(y, "memcap", "files.yara.memcap", yc.memcap);
      rd.get_size(y, "max-scan-size", "files.yara.max-scan-size", yc.max_scan_bytes);
      rd.get_range(y, "timeout", "files.yara.timeout", yc.timeout_s, 1, 3600);
      if (auto w = y["when-full"]) {
        std::string v = w.IsScalar() ? w.Scalar() : "";
        if (v == "wait") yc.wait_when_full = true;
        else if (v == "drop") yc.wait_when_full = false;
        else rd.error_at(w, "files.yara.when-full", "expected wait or drop");
        yc.when_full_set = true;
      }
    }
  }
  if (auto out = root["outputs"]) {
    if (auto eve = out["eve-log"]) {
      rd.get(eve, "enabled", "outputs.eve-log.enabled", c.eve.enabled);
      rd.get(eve, "filename", "outputs.eve-log.filename", c.eve.filename);
      rd.get(eve, "unix-socket", "outputs.eve-log.unix-socket", c.eve.unix_socket);
      rd.get_size(eve, "rotate-size", "outputs.eve-log.rotate-size", c.eve.rotate_bytes);
      int64_t iv = 0;
      rd.get_seconds(eve, "rotate-interval", "outputs.eve-log.rotate-interval", iv);
      c.eve.rotate_interval_sec = iv / 1000000;
      rd.get_range(eve, "max-files", "outputs.eve-log.max-files", c.eve.max_rotated_files, 1,
                   1000);
      rd.get(eve, "ethernet", "outputs.eve-log.ethernet", c.eve.ethernet);
      rd.get(eve, "community-id", "outputs.eve-log.community-id", c.eve.community_id);
      rd.get_range(eve, "dns-version", "outputs.eve-log.dns-version", c.eve.dns_version, 2, 3);
      rd.get_range(eve, "community-id-seed", "outputs.eve-log.community-id-seed",
                   c.eve.community_id_seed, uint16_t(0), uint16_t(65535));
      // The anomaly types also as a key of their own (the types list keeps its default).
      if (auto at = eve["anomaly-types"]; at && at.IsMap()) {
        rd.get(at, "stream", "outputs.eve-log.anomaly-types.stream", c.eve.anomaly_stream);
        rd.get(at, "applayer", "outputs.eve-log.anomaly-types.applayer", c.eve.anomaly_applayer);
      }
      if (auto types = eve["types"]) {
        if (!types.IsSequence()) {
          rd.error_at(types, "outputs.eve-log.types", "expected a list of event types");
        } else {
          c.eve.types.clear();
          for (const auto& t : types) {
            // Suricata allows `- flow` and `- http: {extended: yes}`; its `files` type is the
            // fileinfo event.
            std::string name;
            if (t.IsScalar()) name = t.Scalar();
            else if (t.IsMap() && t.size() == 1) name = t.begin()->first.Scalar();
            else rd.error_at(t, "outputs.eve-log.types", "expected an event type name");
            if (name.empty()) continue;
            if (name == "files") name = "fileinfo";
            if (name == "http" && t.IsMap() && t.begin()->second.IsMap()) {
              if (auto dump = t.begin()->second["dump-all-headers"]; dump && dump.IsScalar()) {
                std::string v = dump.Scalar();
                c.eve.http_request_headers = v == "both" || v == "request";
                c.eve.http_response_headers = v == "both" || v == "response";
              }
            }
            if (name == "dns" && t.IsMap() && t.begin()->second.IsMap())
              rd.get_range(t.begin()->second, "version", "outputs.eve-log.types.dns.version",
                           c.eve.dns_version, 2, 3);
            if (name == "drop" && t.IsMap() && t.begin()->second.IsMap())
              if (auto fl = t.begin()->second["flows"]; fl && fl.IsScalar())
                c.detect.drop_log_all = fl.Scalar() == "all";
            if (name == "smtp" && t.IsMap() && t.begin()->second.IsMap())
              if (auto md5 = t.begin()->second["md5"]; md5 && md5.IsSequence())
                for (const auto& f : md5) {
                  std::string v = f.IsScalar() ? f.Scalar() : "";
                  c.smtp_log_body_md5 |= v == "body";
                  c.smtp_log_subject_md5 |= v == "subject";
                }
            if (name == "anomaly" && t.IsMap() && t.begin()->second.IsMap())
              if (auto at = t.begin()->second["types"]; at && at.IsMap()) {
                rd.get(at, "stream", "outputs.eve-log.types.anomaly.types.stream",
                       c.eve.anomaly_stream);
                rd.get(at, "applayer", "outputs.eve-log.types.anomaly.types.applayer",
                       c.eve.anomaly_applayer);
              }
            if (name == "alert" && t.IsMap() && t.begin()->second.IsMap())
              read_alert_options(rd, t.begin()->second, c.eve.alert);
            c.eve.types.push_back(name);
          }
        }
      }
      if (rd.ok() && c.eve.filename.find('/') != std::string::npos)
        rd.error_at(eve["filename"], "outputs.eve-log.filename",
                    "must be a file name inside the log directory, not a path");
    }
  }
  if (!rd.ok()) return fail(rd.error());
  return c;
}

Result<Config> load_config(const std::string& path) {
  std::ifstream in(path);
  if (!in) return fail(Diagnostic{"cannot open configuration file", path});
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return fail(Diagnostic{"cannot read configuration file", path});
  return parse_config(ss.str(), path);
}

}  // namespace ww
