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

TEST(Config, FileHashesAndMagic) {
  auto c = parse_config("files:\n  magic: no\n  hashes: [sha256]\n");
  ASSERT_TRUE(c) << c.error().str();
  EXPECT_FALSE(c->files.magic);
  EXPECT_FALSE(c->files.md5);
  EXPECT_FALSE(c->files.sha1);
  EXPECT_TRUE(c->files.sha256);
  EXPECT_FALSE(parse_config("files: {hashes: [crc32]}\n"));
  EXPECT_FALSE(parse_config("files: {hashes: sha256}\n"));
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
