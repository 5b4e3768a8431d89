// Rule header, vars, loader, threshold.config, rules check and prefilter tests.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "core/byte_reader.h"
#include "detect/keywords/test_util.h"
#include "detect/loader.h"
#include "detect/prefilter.h"
#include "detect/rules_check.h"

namespace ww::detect {
namespace {
using namespace test;

IpAddr ip(const char* s) {
  auto n = parse_address_item(s);
  EXPECT_TRUE(n) << s;
  return n->lo;
}

TEST(AddressTest, VarsNegationNesting) {
  RuleVars v = RuleVars::suricata_defaults();
  auto home = parse_address_group("$HOME_NET", v);
  ASSERT_TRUE(home);
  EXPECT_TRUE(home->contains(ip("10.1.2.3")));
  EXPECT_FALSE(home->contains(ip("8.8.8.8")));
  auto ext = parse_address_group("$EXTERNAL_NET", v);
  ASSERT_TRUE(ext);
  EXPECT_FALSE(ext->contains(ip("192.168.1.1")));
  EXPECT_TRUE(ext->contains(ip("8.8.8.8")));
  auto g = parse_address_group("[10.0.0.0/8, ![10.1.0.0/16, !10.1.2.0/24], 2001:db8::/32]", v);
  ASSERT_TRUE(g) << g.error().message;
  EXPECT_TRUE(g->contains(ip("10.2.0.1")));
  EXPECT_FALSE(g->contains(ip("10.1.0.1")));
  EXPECT_TRUE(g->contains(ip("10.1.2.9")));
  EXPECT_TRUE(g->contains(ip("2001:db8::1")));
  EXPECT_FALSE(g->contains(ip("2001:db9::1")));
  auto r = parse_address_group("[1.1.1.1-1.1.1.5,!1.1.1.3]", v);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->contains(ip("1.1.1.4")));
  EXPECT_FALSE(r->contains(ip("1.1.1.3")));
  auto m = parse_address_group("10.0.0.0/255.0.0.0", v);
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->contains(ip("10.9.9.9")));
  auto any = parse_address_group("any", v);
  EXPECT_TRUE(any->any);
}

TEST(AddressTest, Errors) {
  RuleVars v = RuleVars::suricata_defaults();
  EXPECT_FALSE(parse_address_group("$NOPE", v));
  EXPECT_FALSE(parse_address_group("[10.0.0.0/8", v));
  EXPECT_FALSE(parse_address_group("10.0.0.0/33", v));
  EXPECT_FALSE(parse_address_group("!any", v));
  EXPECT_FALSE(parse_address_group("300.1.1.1", v));
  RuleVars loop;
  loop.address_groups["A"] = "$B";
  loop.address_groups["B"] = "$A";
  auto l = parse_address_group("$A", loop);
  ASSERT_FALSE(l);
  EXPECT_NE(l.error().message.find("loop"), std::string::npos);
}

TEST(PortTest, RangesListsNegationVars) {
  RuleVars v = RuleVars::suricata_defaults();
  auto p = parse_port_group("[1024:,!8080,$HTTP_PORTS]", v);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_TRUE(p->contains(80));
  EXPECT_TRUE(p->contains(5000));
  EXPECT_FALSE(p->contains(8080));
  EXPECT_FALSE(p->contains(443));
  auto s = parse_port_group("$SHELLCODE_PORTS", v);
  EXPECT_FALSE(s->contains(80));
  EXPECT_TRUE(s->contains(81));
  auto f = parse_port_group("$FILE_DATA_PORTS", v);
  EXPECT_TRUE(f->contains(110));
  auto r = parse_port_group(":1023", v);
  EXPECT_TRUE(r->contains(0));
  EXPECT_FALSE(r->contains(1024));
  EXPECT_FALSE(parse_port_group("70000", v));
  EXPECT_FALSE(parse_port_group("100:50", v));
  EXPECT_FALSE(parse_port_group("[80,", v));
}

TEST(HeaderTest, ProtocolsDirectionActions) {
  Rule r = loaded("sid:1;", "drop http $HOME_NET any <> $EXTERNAL_NET $HTTP_PORTS");
  EXPECT_EQ(r.action, Action::Drop);
  EXPECT_TRUE(r.bidirectional);
  EXPECT_EQ(app_proto(r.proto.app)->name, "http");
  Rule p = loaded("sid:1;", "alert tcp-pkt any any -> any any");
  EXPECT_TRUE(p.proto.pkt_only);
  Rule c = loaded("sid:1;", "alert fhir any any -> any any");
  EXPECT_EQ(app_proto(c.proto.app)->name, "fhir");
  ParseOutcome u = parse("sid:1;", "alert modbus any any -> any 502");
  EXPECT_EQ(u.status, RuleStatus::Unsupported);
  EXPECT_EQ(u.diag.keyword, "protocol:modbus");
}

TEST(HeaderTest, Errors) {
  auto bad = [](const std::string& header, const std::string& part) {
    ParseOutcome o = parse("sid:7;", header);
    EXPECT_EQ(o.status, RuleStatus::Invalid) << header;
    EXPECT_EQ(o.diag.sid, 7u);
    EXPECT_NE(o.diag.message.find(part), std::string::npos) << o.diag.str();
  };
  bad("alarm tcp any any -> any any", "unknown action");
  bad("alert tcpx any any -> any any", "unknown protocol");
  bad("alert tcp any any <- any any", "direction");  // => is transactional (Suricata 8)
  bad("alert tcp any any -> any", "header has 6 fields");
  bad("alert tcp $NOPE any -> any any", "source address: undefined variable $NOPE");
  bad("alert tcp any 99999 -> any any", "source port");
  ParseContext ctx;
  EXPECT_NE(parse_rule("alert tcp any any -> any any sid:1;", ctx).diag.message.find("'('"),
            std::string::npos);
  EXPECT_NE(parse_rule("alert tcp any any -> any any (sid:1;", ctx).diag.message.find("')'"),
            std::string::npos);
  EXPECT_NE(parse_rule("alert tcp any any -> any any (sid:1)", ctx).diag.message.find("';'"),
            std::string::npos);
}

const char* kRules = R"(# a comment
alert tcp any any -> any any (msg:"one"; content:"abc"; sid:1; rev:1;)
# alert tcp any any -> any any (msg:"disabled"; sid:2;)
alert http any any -> any any (msg:"multi"; \
    http.uri; content:"/login"; \
    sid:3;)
alert tcp any any -> any any (msg:"bad"; content:"|zz|"; sid:4;)
alert tcp any any -> any any (msg:"dup"; sid:1;)
alert tcp any any -> any any (msg:"asn"; asn1:oversize_length 10; sid:5;)

alert dns any any -> any any (msg:"nocontent"; dns.query; pcre:"/^a+$/"; sid:6;)
)";

TEST(LoaderTest, OutcomesAndDiagnostics) {
  auto rs = load_rules_from_string(kRules, "test.rules", RuleVars::suricata_defaults());
  ASSERT_TRUE(rs) << rs.error().str();
  EXPECT_EQ(rs->loaded, 3u);
  EXPECT_EQ(rs->invalid, 2u);
  EXPECT_EQ(rs->unsupported, 1u);
  EXPECT_EQ(rs->disabled, 1u);
  EXPECT_EQ(rs->unsupported_by_keyword.at("asn1"), 1u);
  ASSERT_EQ(rs->rules.size(), 3u);
  EXPECT_EQ(rs->rules[1].sid, 3u);
  EXPECT_EQ(rs->rules[1].line, 4);  // first line of a continued rule
  const Diagnostic& d = rs->problems[0].diag;
  EXPECT_EQ(d.str(), "test.rules:7: sid 4: keyword 'content': invalid hex character 'z'");
  EXPECT_NE(rs->problems[1].diag.message.find("duplicate sid 1 (rev 1 kept, at test.rules:2)"),
            std::string::npos);
}

// Suricata 8's requires: a rule whose requirements are not met is skipped (not an error, its
// other options unread); of two rules with one sid the higher rev is kept.
TEST(LoaderTest, RequiresAndDuplicateRevisions) {
  auto rs = load_rules_from_string(R"(
alert tcp any any -> any any (msg:"old"; content:"a"; sid:1; rev:1;)
alert tcp any any -> any any (msg:"new"; content:"a"; requires: version >= 8; sid:1; rev:2;)
alert tcp any any -> any any (msg:"future"; some_future_keyword; requires: version >= 9; sid:2;)
alert tcp any any -> any any (msg:"geoip"; requires: feature geoip, version >= 7; sid:3;)
alert tcp any any -> any any (msg:"range"; requires: version >= 7.0.3 < 8 | >= 8.0.1; sid:4;)
alert tcp any any -> any any (msg:"bad"; requires: version >= x; sid:5;)
)", "test.rules", RuleVars::suricata_defaults());
  ASSERT_TRUE(rs) << rs.error().str();
  EXPECT_EQ(rs->loaded, 2u);
  EXPECT_EQ(rs->skipped, 2u);
  EXPECT_EQ(rs->invalid, 2u);  // the duplicate (rev 1) and sid 5
  ASSERT_EQ(rs->rules.size(), 2u);
  EXPECT_EQ(rs->rules[0].msg, "new");
  EXPECT_EQ(rs->rules[0].rev, 2u);
  EXPECT_EQ(rs->rules[1].sid, 4u);
  EXPECT_EQ(rs->problems[1].diag.keyword, "requires");
}

TEST(LoaderTest, MissingFileFails) {
  auto rs = load_rules({"/nonexistent/x.rules"}, RuleVars::suricata_defaults());
  EXPECT_FALSE(rs);
}

TEST(ThresholdConfigTest, Entries) {
  std::vector<Diagnostic> problems;
  auto cfg = parse_threshold_config(R"(# comment
threshold gen_id 1, sig_id 2000001, type limit, track by_src, count 1, seconds 60
event_filter gen_id 1, sig_id 0, type both, track by_dst, count 5, seconds 30
suppress gen_id 1, sig_id 2000002
suppress gen_id 1, sig_id 2000003, track by_src, ip [10.0.0.0/8,$HOME_NET]
rate_filter gen_id 1, sig_id 1000, track by_rule, count 100, seconds 1, new_action drop, timeout 10
suppress gen_id 1, sig_id 5, track by_src
threshold gen_id 1, sig_id 6, type limit, count 1
frobnicate gen_id 1
)",
                                    "threshold.config", RuleVars::suricata_defaults(), &problems);
  ASSERT_EQ(cfg.entries.size(), 5u);
  EXPECT_EQ(cfg.entries[0].threshold.seconds, 60u);
  EXPECT_EQ(cfg.entries[1].kind, ThresholdEntry::Kind::EventFilter);
  EXPECT_TRUE(cfg.entries[3].ip->contains(ip("10.1.1.1")));
  EXPECT_EQ(cfg.entries[4].kind, ThresholdEntry::Kind::RateFilter);
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_EQ(problems[0].line, 7);
  EXPECT_EQ(problems[1].line, 8);
  EXPECT_NE(problems[2].message.find("unknown entry"), std::string::npos);
}

TEST(ClassificationTest, ParseFile) {
  Classifications c;
  std::vector<Diagnostic> problems;
  c.parse("config classification: foo,Foo Things, 2\nconfig classification: bad\n#x\n", "c.cfg",
          &problems);
  ASSERT_NE(c.find("foo"), nullptr);
  EXPECT_EQ(c.find("foo")->priority, 2);
  EXPECT_EQ(problems.size(), 1u);
  EXPECT_GE(Classifications::defaults().size(), 40u);
}

TEST(RulesCheckTest, SummaryAndExitCode) {
  std::string path = ::testing::TempDir() + "/check.rules";
  {
    std::ofstream f(path);
    f << kRules;
  }
  std::ostringstream out;
  int rc = rules_check({path}, RuleVars::suricata_defaults(), out);
  EXPECT_EQ(rc, 1);
  std::string s = out.str();
  EXPECT_TRUE(s.ends_with("\n3 loaded, 1 unsupported, 2 invalid\n")) << s;  // the last line
  EXPECT_NE(s.find("unsupported keywords:\n  asn1: 1\n"), std::string::npos) << s;
  {
    std::ofstream f(path);
    f << "alert tcp any any -> any any (sid:1; asn1:oversize_length 1;)\n";
  }
  std::ostringstream ok;
  EXPECT_EQ(rules_check({path}, RuleVars::suricata_defaults(), ok), 0);
}

TEST(PrefilterTest, FastPatternChoice) {
  Rule r = loaded(R"(content:"ab"; content:!"longest-negated"; content:"abcd"; sid:1;)");
  auto fp = choose_fast_pattern(r);
  ASSERT_TRUE(fp);
  EXPECT_EQ(fp->bytes, "abcd");
  Rule e = loaded(R"(content:"abcdefgh"; content:"xy"; fast_pattern; sid:1;)");
  EXPECT_EQ(choose_fast_pattern(e)->bytes, "xy");
  Rule c = loaded(R"(content:"abcdefgh"; fast_pattern:2,3; sid:1;)");
  EXPECT_EQ(choose_fast_pattern(c)->bytes, "cde");
  Rule n = loaded(R"(content:!"abc"; pcre:"/x/"; sid:1;)");
  EXPECT_FALSE(choose_fast_pattern(n));
}

TEST(PrefilterTest, ScanReportsCandidates) {
  auto rs = load_rules_from_string(R"(
alert tcp any any -> any any (content:"evil"; nocase; sid:1;)
alert tcp any any -> any any (content:"evil"; nocase; content:"x"; sid:2;)
alert http any any -> any any (http.uri; content:"/admin"; sid:3;)
alert tcp any any -> any any (dsize:0; sid:4;)
alert tcp any any -> any any (content:"|00 00|MZ"; sid:5;)
alert tcp any any -> any any (flow:to_client; content:"reply"; sid:6;)
)",
                                   "p.rules", RuleVars::suricata_defaults());
  ASSERT_TRUE(rs) << rs.error().str();
  ASSERT_EQ(rs->loaded, 6u);
  const Prefilter& pf = *rs->prefilter;
  auto scratch = pf.make_scratch();
  ASSERT_TRUE(scratch);
  std::vector<uint32_t> hits;
  std::string payload = "xx EvIL yy MZ reply";
  ASSERT_TRUE(pf.scan(BufferId::Payload, Direction::ToServer,
                      Bytes(reinterpret_cast<const uint8_t*>(payload.data()), payload.size()),
                      *scratch, [&](uint32_t r) { hits.push_back(r); }));
  std::sort(hits.begin(), hits.end());
  EXPECT_EQ(hits, (std::vector<uint32_t>{0, 1, 4}));  // rule 5: prefiltered on "MZ" only
  hits.clear();
  pf.scan(BufferId::Payload, Direction::ToClient,
          Bytes(reinterpret_cast<const uint8_t*>(payload.data()), payload.size()), *scratch,
          [&](uint32_t r) { hits.push_back(r); });
  std::sort(hits.begin(), hits.end());
  EXPECT_EQ(hits, (std::vector<uint32_t>{0, 1, 4, 5}));  // flow:to_client only this way
  hits.clear();
  std::string uri = "/admin/x";
  pf.scan(BufferId::HttpUri, Direction::ToServer,
          Bytes(reinterpret_cast<const uint8_t*>(uri.data()), uri.size()), *scratch,
          [&](uint32_t r) { hits.push_back(r); });
  EXPECT_EQ(hits, (std::vector<uint32_t>{2}));
  ASSERT_EQ(pf.always(BufferId::Payload, Direction::ToServer).size(), 1u);
  EXPECT_EQ(pf.always(BufferId::Payload, Direction::ToServer)[0], 3u);
  // "evil" is shared by two rules; "reply" is only in the to-client database.
  EXPECT_EQ(pf.pattern_count(BufferId::Payload, Direction::ToServer), 2u);
  EXPECT_EQ(pf.pattern_count(BufferId::Payload, Direction::ToClient), 3u);
}

}  // namespace
}  // namespace ww::detect
