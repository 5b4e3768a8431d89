#include "core/config.h"

#include <gtest/gtest.h>

namespace ww {
namespace {

TEST(Config, EmptyDocumentGivesDefaults) {
  auto c = parse_config("");
  ASSERT_TRUE(c) << c.error().str();
  EXPECT_EQ(c->vars.address_groups.at("HOME_NET"), "[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]");
  EXPECT_EQ(c->vars.port_groups.at("HTTP_PORTS"), "80");
  EXPECT_EQ(c->eve.filename, "eve.json");
}

TEST(Config, ReadsSuricataStyleKeys) {
  auto c = parse_config(R"(
vars:
  address-groups:
    HOME_NET: "[10.77.0.0/16]"
  port-groups:
    HL7_PORTS: "[2575,6661]"
workers: 2
flow:
  memcap: 64mb
  timeouts:
    established: 600
    udp: 30.5
stream:
  depth: 2mb
  midstream: false
outputs:
  eve-log:
    filename: alerts.json
    rotate-size: 100mb
    types:
      - alert
      - http: {extended: yes}
)");
  ASSERT_TRUE(c) << c.error().str();
  EXPECT_EQ(c->vars.address_groups.at("HOME_NET"), "[10.77.0.0/16]");
  EXPECT_EQ(c->vars.address_groups.at("EXTERNAL_NET"), "!$HOME_NET");  // default kept
  EXPECT_EQ(c->vars.port_groups.at("HL7_PORTS"), "[2575,6661]");
  EXPECT_EQ(c->workers, 2);
  EXPECT_EQ(c->flow.memcap, 64u << 20);
  EXPECT_EQ(c->flow.timeout_established, 600'000'000);
  EXPECT_EQ(c->flow.timeout_udp, 30'500'000);
  EXPECT_EQ(c->stream.depth, 2u << 20);
  EXPECT_FALSE(c->stream.midstream);
  EXPECT_EQ(c->eve.filename, "alerts.json");
  EXPECT_EQ(c->eve.rotate_bytes, 100u << 20);
  ASSERT_EQ(c->eve.types.size(), 2u);
  EXPECT_TRUE(c->eve.has_type("http"));
  EXPECT_FALSE(c->eve.has_type("flow"));
}

TEST(Config, EveAlertOptionsAsSuricataWritesThem) {
  auto c = parse_config(R"(
outputs:
  eve-log:
    ethernet: yes
    community-id: true
    community-id-seed: 5
    types:
      - alert:
          payload: yes
          payload-buffer-size: 8kb
          payload-printable: yes
          packet: yes
          metadata: no
          verdict: yes
          tagged-packets: yes
          xff:
            enabled: yes
            mode: overwrite
            deployment: forward
            header: X-Real-IP
      - files
)");
  ASSERT_TRUE(c) << c.error().str();
  const auto& a = c->eve.alert;
  EXPECT_TRUE(a.payload && a.payload_printable && a.packet && a.verdict);
  EXPECT_FALSE(a.metadata);
  EXPECT_EQ(a.payload_buffer_size, 8u << 10);
  EXPECT_EQ(a.xff_mode, EveAlertConfig::XffMode::Overwrite);
  EXPECT_TRUE(a.xff_forward);
  EXPECT_EQ(a.xff_header, "X-Real-IP");
  EXPECT_TRUE(c->eve.ethernet);
  EXPECT_TRUE(c->eve.community_id);
  EXPECT_EQ(c->eve.community_id_seed, 5);
  EXPECT_TRUE(c->eve.has_type("alert"));
  EXPECT_TRUE(c->eve.has_type("fileinfo"));  // Suricata's `files`

  auto d = parse_config("");
  ASSERT_TRUE(d);
  EXPECT_FALSE(d->eve.alert.payload || d->eve.alert.packet || d->eve.alert.verdict);
  EXPECT_TRUE(d->eve.alert.metadata);
  EXPECT_EQ(d->eve.alert.xff_mode, EveAlertConfig::XffMode::Off);
  // xff disabled: off whatever the mode.
  auto e = parse_config(
      "outputs:\n  eve-log:\n    types:\n      - alert:\n          xff: {enabled: no, mode: "
      "overwrite}\n");
  ASSERT_TRUE(e) << e.error().str();
  EXPECT_EQ(e->eve.alert.xff_mode, EveAlertConfig::XffMode::Off);
  EXPECT_FALSE(parse_config(
      "outputs:\n  eve-log:\n    types:\n      - alert:\n          xff: {enabled: yes, mode: "
      "replace}\n"));
}

// Anomaly event types, Suricata's way (in the types list) or as a key of their own.
TEST(Config, AnomalyTypes) {
  auto d = parse_config("");
  ASSERT_TRUE(d);
  EXPECT_FALSE(d->eve.anomaly_stream);
  EXPECT_TRUE(d->eve.anomaly_applayer);
  auto c = parse_config(
      "outputs:\n  eve-log:\n    types:\n      - anomaly:\n          types: {stream: yes, "
      "applayer: no}\n");
  ASSERT_TRUE(c) << c.error().str();
  EXPECT_TRUE(c->eve.anomaly_stream);
  EXPECT_FALSE(c->eve.anomaly_applayer);
  EXPECT_TRUE(c->eve.has_type("anomaly"));
  auto k = parse_config("outputs:\n  eve-log:\n    anomaly-types: {stream: yes}\n");
  ASSERT_TRUE(k) << k.error().str();
  EXPECT_TRUE(k->eve.anomaly_stream);
  EXPECT_TRUE(k->eve.has_type("flow"));  // the default list stays
  EXPECT_FALSE(parse_config("outputs:\n  eve-log:\n    anomaly-types: {stream: maybe}\n"));
}

TEST(Config, FileHashesAndMagic) {
  auto c = parse_config("files:\n  magic: no\n  hashes: [sha256]\n");
  ASSERT_TRUE(c) << c.error().str();
  EXPECT_FALSE(c->files.magic);
  EXPECT_FALSE(c->files.md5);
  EXPECT_FALSE(c->files.sha1);
  EXPECT_TRUE(c->files.sha256);
  EXPECT_TRUE(c->files.entropy);  // default
  auto ne = parse_config("files: {entropy: no}\n");
  ASSERT_TRUE(ne);
  EXPECT_FALSE(ne->files.entropy);
  EXPECT_FALSE(parse_config("files: {entropy: maybe}\n"));
  EXPECT_FALSE(parse_config("files: {hashes: [crc32]}\n"));
  EXPECT_FALSE(parse_config("files: {hashes: sha256}\n"));
}

// SMTP MIME settings under Suricata's keys, and the EVE smtp md5 option.
TEST(Config, SmtpMimeSettings) {
  auto d = parse_config("");
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->smtp_extract_urls);
  EXPECT_TRUE(d->smtp_url_schemes.empty());  // http
  EXPECT_FALSE(d->smtp_body_md5);
  auto c = parse_config(
      "app-layer:\n  protocols:\n    smtp:\n      mime:\n        extract-urls: no\n"
      "        extract-urls-schemes: [http, ftp]\n        log-url-scheme: yes\n"
      "        body-md5: yes\n"
      "outputs:\n  eve-log:\n    types:\n      - smtp:\n          md5: [body, subject]\n");
  ASSERT_TRUE(c) << c.error().str();
  EXPECT_FALSE(c->smtp_extract_urls);
  EXPECT_EQ(c->smtp_url_schemes, (std::vector<std::string>{"http", "ftp"}));
  EXPECT_TRUE(c->smtp_log_url_scheme);
  EXPECT_TRUE(c->smtp_body_md5);
  EXPECT_TRUE(c->smtp_log_body_md5);
  EXPECT_TRUE(c->smtp_log_subject_md5);
  EXPECT_FALSE(parse_config("app-layer: {protocols: {smtp: {mime: {body-md5: maybe}}}}\n"));
}

TEST(Config, BadValueNamesFileLineAndKey) {
  auto c = parse_config("flow:\n  memcap: lots\n", "ww.yaml");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().file, "ww.yaml");
  EXPECT_EQ(c.error().line, 2);
  EXPECT_NE(c.error().message.find("flow.memcap"), std::string::npos);
}

TEST(Config, RejectsOutOfRangeAndSyntaxErrors) {
  EXPECT_FALSE(parse_config("workers: 0\n"));
  EXPECT_FALSE(parse_config("workers: many\n"));
  EXPECT_FALSE(parse_config("stream: {depth: 12 parsecs}\n"));
  EXPECT_FALSE(parse_config("outputs:\n  eve-log:\n    filename: ../../etc/passwd\n"));
  auto bad = parse_config("flow: [unclosed\n", "x.yaml");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("YAML syntax error"), std::string::npos);
  EXPECT_FALSE(parse_config("- just\n- a list\n"));
}

TEST(Config, ParseSize) {
  EXPECT_EQ(*parse_size("4096"), 4096u);
  EXPECT_EQ(*parse_size("64mb"), 64u << 20);
  EXPECT_EQ(*parse_size("1 GB"), 1u << 30);
  EXPECT_FALSE(parse_size("mb"));
  EXPECT_FALSE(parse_size("99999999999999999999999"));
  EXPECT_FALSE(parse_size("5 furlongs"));
}

TEST(Config, MissingFileIsAnError) {
  auto c = load_config("/nonexistent/wardwatch.yaml");
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().str().find("/nonexistent/wardwatch.yaml"), std::string::npos);
}

}  // namespace
}  // namespace ww
