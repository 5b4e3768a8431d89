// wardwatch command line: analyze pcaps, capture live, check rules.
//
// Exit codes: 0 success; 1 runtime failure; 2 bad arguments, bad configuration, or an input
// file that is missing, unreadable or truncated (a truncated capture is still processed up to
// the cut, and its events are written, before exiting 2).
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "capture/pipeline.h"
#include "app/parser.h"
#include "core/config.h"
#include "detect/engine.h"
#include "detect/loader.h"
#include "detect/rules_check.h"
#include "files/file_rules.h"
#include "files/filestore.h"
#include "files/hash_list.h"
#include "files/yara.h"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitRuntime = 1;
constexpr int kExitUsage = 2;

struct CommonOptions {
  std::string config_path;
  std::string log_dir = ".";
  int workers = 0;
  bool verbose = false;
  bool quiet = false;
  std::vector<std::string> yara;       // --yara FILE|DIR (added to files.yara.rules)
  std::vector<std::string> hash_lists;  // --hash-list FILE (added to files.hash-lists)
  bool filestore = false;               // --filestore (files.filestore.enabled)
};

void add_common(CLI::App* cmd, CommonOptions& o) {
  cmd->add_option("-c,--config", o.config_path, "YAML configuration file");
  cmd->add_option("-l,--log-dir", o.log_dir, "Directory for eve.json and other outputs")
      ->capture_default_str();
  cmd->add_option("--workers", o.workers, "Worker threads (default: one per core)")
      ->check(CLI::Range(1, 256));
  cmd->add_flag("-v,--verbose", o.verbose, "Log more");
  cmd->add_flag("-q,--quiet", o.quiet, "Print no summary");
  cmd->add_option("--yara", o.yara, "YARA rule file or folder (repeatable): scan every file");
  cmd->add_option("--hash-list", o.hash_lists,
                  "Known-bad file hashes, one MD5/SHA-1/SHA-256 per line (repeatable)");
  cmd->add_flag("--filestore", o.filestore,
                "Store files (filestore rules' or, with files.filestore.all, every file) under "
                "LOGDIR/filestore");
}

// files.hash-lists and --hash-list, merged into one known-bad list.
ww::Result<std::shared_ptr<const ww::files::HashList>> load_hash_lists(
    const std::vector<std::string>& paths) {
  std::vector<std::shared_ptr<const ww::files::HashList>> lists;
  for (const auto& p : paths) {
    auto l = ww::files::HashList::load(p);
    if (!l) return ww::Unexpected{l.error()};
    lists.push_back(std::move(*l));
  }
  return ww::files::HashList::merge(lists, "known-bad");
}

struct RuleOptions {
  std::vector<std::string> files;
  std::string threshold_file;       // Suricata's threshold-file
  std::string classification_file;  // Suricata's classification-file
  bool per_file_output = false;     // hidden: OUTDIR/<index>/eve.json per capture, rules once
};

// Signature options of analyze and run (SIGHUP reloads the same files).
void add_rule_options(CLI::App* cmd, std::vector<std::string>& rules, RuleOptions& ro) {
  cmd->add_option("-S,--rules", rules, "Rule file (repeatable)");
  cmd->add_option("--threshold-file", ro.threshold_file,
                  "threshold.config (suppress/threshold entries)");
  cmd->add_option("--classification-file", ro.classification_file,
                  "classification.config (default: built-in classtypes)");
}

// The file rules (filemd5, filesize ...) of a rule set with their hash lists; null when it has
// none.
ww::Result<std::shared_ptr<const ww::files::FileRules>> file_rules_of(
    std::shared_ptr<const ww::detect::DetectEngine> detect) {
  auto fr = ww::files::FileRules::build(std::move(detect));
  if (!fr) return ww::Unexpected{fr.error()};
  if ((*fr)->rules().empty()) return std::shared_ptr<const ww::files::FileRules>();
  return std::move(*fr);
}

// File detection set up once at start (docs/files.md): YARA rules compiled and the scan pool
// started, known-bad hash lists loaded, file rules (filemd5, filesize ...) picked from the
// rule set with their hash lists. Errors are configuration errors (exit 2).
ww::Result<void> setup_files(ww::Config& cfg, const CommonOptions& o,
                             std::shared_ptr<const ww::detect::DetectEngine> detect, bool live) {
  auto& fc = cfg.files;
  auto& yc = fc.yara_config;
  for (const auto& y : o.yara) yc.paths.push_back(y);
  for (const auto& h : o.hash_lists) fc.hash_list_paths.push_back(h);
  if (!yc.paths.empty()) {
    ww::files::YaraCompileReport rep;
    auto t0 = std::chrono::steady_clock::now();
    auto rules = ww::files::YaraRules::compile(yc.paths, rep);
    size_t shown = 0;
    for (const auto& e : rep.errors)
      if (shown++ < 20) spdlog::warn("YARA: {}", e);
    if (rep.errors.size() > 20) spdlog::warn("YARA: {} more errors", rep.errors.size() - 20);
    if (!rules) return ww::Unexpected{rules.error()};
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!o.quiet)
      fmt::print("{} YARA rules from {} files ({} failed) compiled in {:.2f} s\n", rep.rules,
                 rep.compiled, rep.failed, secs);
    if (!yc.when_full_set) yc.wait_when_full = !live;  // live: the packet path never waits
    fc.yara = std::make_shared<ww::files::ScanPool>(std::move(*rules), yc);
  } else if (fc.magic && fc.magic_offload) {
    // No YARA: a pool of its own runs libmagic off the packet path (docs/files.md).
    if (!yc.when_full_set) yc.wait_when_full = !live;
    fc.yara = std::make_shared<ww::files::ScanPool>(nullptr, yc);
  }
  if (!fc.hash_list_paths.empty()) {
    auto kb = load_hash_lists(fc.hash_list_paths);
    if (!kb) return ww::Unexpected{kb.error()};
    fc.known_bad = std::move(*kb);
    if (!o.quiet) fmt::print("{} known-bad file hashes loaded\n", fc.known_bad->size());
  }
  auto& fsc = fc.filestore_config;
  if (o.filestore) fsc.enabled = true;
  if (fsc.enabled) {
    if (fsc.dir.empty()) fsc.dir = o.log_dir + "/filestore";
    auto st = ww::files::FileStore::open(fsc);
    if (!st) return ww::Unexpected{st.error()};
    fc.filestore = std::move(*st);
  }
  if (detect) {
    auto fr = file_rules_of(detect);
    if (!fr) return ww::Unexpected{fr.error()};
    fc.rules = std::move(*fr);
  }
  return {};
}

ww::Result<ww::Config> load_config(const CommonOptions& o) {
  if (o.config_path.empty()) return ww::Config{};
  return ww::load_config(o.config_path);
}

ww::Result<void> prepare_log_dir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return ww::fail(ww::Diagnostic{"cannot create log directory: " + ec.message(), dir});
  if (::access(dir.c_str(), W_OK) != 0)
    return ww::fail(ww::Diagnostic{"log directory is not writable", dir});
  return {};
}

std::string human_bytes(double b) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  int i = 0;
  while (b >= 1000 && i < 4) {
    b /= 1000;
    ++i;
  }
  return fmt::format("{:.1f} {}", b, units[i]);
}

void print_summary(const ww::capture::RunSummary& s, ww::capture::Engine& e, const char* what) {
  auto snap = e.stats().snapshot();
  auto v = [&](const char* k) { return snap.count(k) ? snap.at(k) : 0; };
  double secs = s.seconds > 0 ? s.seconds : 1e-9;
  fmt::print("wardwatch {}: {} packets, {} in {:.2f} s ({:.0f} packets/s, {:.1f} Mbit/s){}\n", what,
             s.packets, human_bytes(double(s.bytes)), s.seconds, double(s.packets) / secs,
             double(s.bytes) * 8 / secs / 1e6, s.interrupted ? " [interrupted]" : "");
  fmt::print("  decoded: {} IPv4, {} IPv6, {} invalid; {} fragments reassembled\n",
             v("decoder.ipv4"), v("decoder.ipv6"), v("decoder.invalid"),
             v("defrag.ipv4.reassembled") + v("defrag.ipv6.reassembled"));
  fmt::print("  flows:   {} ({} TCP, {} UDP, {} ICMP); {} stream gaps\n", v("flow.total"),
             v("flow.tcp"), v("flow.udp"), v("flow.icmpv4") + v("flow.icmpv6"),
             v("stream.reassembly_gap"));
  fmt::print("  events:  {} flow, {} alert, {} anomaly\n", v("output.eve.events.flow"),
             v("output.eve.events.alert"), v("output.eve.events.anomaly"));
  if (e.config().eve.enabled) fmt::print("  EVE:     {}\n", e.eve_path());
}

ww::detect::RuleVars rule_vars(const ww::Config& cfg) {
  ww::detect::RuleVars v;
  for (const auto& [k, val] : cfg.vars.address_groups) v.address_groups[k] = val;
  for (const auto& [k, val] : cfg.vars.port_groups) v.port_groups[k] = val;
  return v;
}


// Rule, threshold and classification files must be readable (exit 2 otherwise).
bool check_rule_inputs(const RuleOptions& ro) {
  for (const auto& r : ro.files) {
    if (::access(r.c_str(), R_OK) != 0) {
      spdlog::error("{}: rule file missing or not readable", r);
      return false;
    }
  }
  for (const auto* extra : {&ro.threshold_file, &ro.classification_file}) {
    if (!extra->empty() && ::access(extra->c_str(), R_OK) != 0) {
      spdlog::error("{}: file missing or not readable", *extra);
      return false;
    }
  }
  return true;
}

// The engine's settings from the configuration (packet-alert-max, action-order, IPS).
ww::detect::DetectLimits detect_limits(const ww::Config& cfg) {
  ww::detect::DetectLimits l;
  l.max_alerts_per_packet = cfg.detect.packet_alert_max;
  l.set_action_order(cfg.detect.action_order);
  l.ips = cfg.detect.simulate_ips;
  l.drop_log_all = cfg.detect.drop_log_all;
  return l;
}

// Loads the rule files (already checked readable) and builds the shared detection engine.
// The rule files with their threshold and classification files (start-up and reload).
auto load_rule_set(const ww::detect::RuleVars& vars, const RuleOptions& ro) {
  ww::detect::LoadOptions lo;
  lo.threshold_file = ro.threshold_file;
  lo.classification_file = ro.classification_file;
  return ww::detect::load_rules(ro.files, vars, lo);
}

ww::Result<std::shared_ptr<const ww::detect::DetectEngine>> load_detect(const ww::Config& cfg,
                                                                       const RuleOptions& ro,
                                                                       bool quiet) {
  auto t0 = std::chrono::steady_clock::now();
  auto rs = load_rule_set(rule_vars(cfg), ro);
  if (!rs) return ww::Unexpected{rs.error()};
  for (const auto& p : rs->problems)
    spdlog::warn("{}: {}", p.status == ww::detect::RuleStatus::Invalid ? "invalid rule"
                                                                        : "unsupported rule",
                 p.diag.str());
  for (const auto& d : rs->config_problems) spdlog::warn("{}", d.str());
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!quiet)
    fmt::print("{} rules loaded ({} unsupported, {} invalid) in {:.2f} s\n", rs->loaded,
               rs->unsupported, rs->invalid, secs);
  auto shared = std::make_shared<const ww::detect::RuleSet>(std::move(*rs));
  return ww::detect::DetectEngine::build(std::move(shared), detect_limits(cfg));
}

// Live reload (SIGHUP, capture/reload.h): everything load_detect and setup_files load, built
// again from the same files. Stricter than start-up: an invalid rule, a missing file, a hash
// list or YARA file that does not load fails the whole reload (the running content stays);
// rules with unsupported keywords are skipped as at start-up. The configuration file (vars,
// paths) is not re-read.
ww::capture::ReloadHub::Builder reload_builder(const ww::Config& cfg, const RuleOptions& ro) {
  ww::detect::RuleVars vars = rule_vars(cfg);
  return [vars, ro, limits = detect_limits(cfg), hash_paths = cfg.files.hash_list_paths,
          yara_paths = cfg.files.yara_config.paths, pool = cfg.files.yara]()
             -> ww::Result<std::shared_ptr<const ww::capture::DetectionContent>> {
    auto c = std::make_shared<ww::capture::DetectionContent>();
    size_t nrules = 0;
    if (!ro.files.empty()) {
      auto rs = load_rule_set(vars, ro);
      if (!rs) return ww::Unexpected{rs.error()};
      for (const auto& p : rs->problems)
        if (p.status == ww::detect::RuleStatus::Invalid)
          return ww::fail(ww::Diagnostic{"invalid rule: " + p.diag.str()});
      nrules = rs->loaded;
      auto eng = ww::detect::DetectEngine::build(
          std::make_shared<const ww::detect::RuleSet>(std::move(*rs)), limits);
      if (!eng) return ww::Unexpected{eng.error()};
      c->detect = std::move(*eng);
      auto fr = file_rules_of(c->detect);
      if (!fr) return ww::Unexpected{fr.error()};
      c->file_rules = std::move(*fr);
    }
    if (!hash_paths.empty()) {
      auto kb = load_hash_lists(hash_paths);
      if (!kb) return ww::Unexpected{kb.error()};
      c->known_bad = std::move(*kb);
    }
    if (pool && !yara_paths.empty()) {
      ww::files::YaraCompileReport rep;
      auto y = ww::files::YaraRules::compile(yara_paths, rep);
      if (!y) return ww::Unexpected{y.error()};
      if (!rep.errors.empty()) return ww::fail(ww::Diagnostic{"YARA: " + rep.errors.front()});
      c->yara = std::move(*y);
    }
    c->summary = fmt::format("{} rules, {} known-bad hashes, {} YARA rules", nrules,
                             c->known_bad ? c->known_bad->size() : 0,
                             c->yara ? c->yara->rule_count() : 0);
    // Everything loaded: the scan threads switch now, the workers at their next tick.
    if (pool && c->yara) pool->set_rules(c->yara);
    return std::shared_ptr<const ww::capture::DetectionContent>(std::move(c));
  };
}

int run_analyze(const CommonOptions& o, const std::vector<std::string>& files,
                const RuleOptions& ro, const std::string& bpf) {
  const std::vector<std::string>& rule_files = ro.files;
  auto cfg = load_config(o);
  if (!cfg) {
    spdlog::error("{}", cfg.error().str());
    return kExitUsage;
  }
  for (const auto& f : files) {
    struct stat st {};
    if (::stat(f.c_str(), &st) != 0) {
      spdlog::error("{}: no such file", f);
      return kExitUsage;
    }
    if (!S_ISREG(st.st_mode)) {
      spdlog::error("{}: not a regular file", f);
      return kExitUsage;
    }
    if (::access(f.c_str(), R_OK) != 0) {
      spdlog::error("{}: not readable", f);
      return kExitUsage;
    }
  }
  if (!check_rule_inputs(ro)) return kExitUsage;
  std::shared_ptr<const ww::detect::DetectEngine> detect;
  if (!rule_files.empty()) {
    auto d = load_detect(*cfg, ro, o.quiet);
    if (!d) {
      spdlog::error("{}", d.error().str());
      return kExitUsage;
    }
    detect = std::move(*d);
  }
  if (auto r = setup_files(*cfg, o, detect, false); !r) {
    spdlog::error("{}", r.error().str());
    return kExitUsage;
  }
  if (auto r = prepare_log_dir(o.log_dir); !r) {
    spdlog::error("{}", r.error().str());
    return kExitUsage;
  }
  int workers = o.workers > 0 ? o.workers : (cfg->workers > 0 ? cfg->workers : 0);
  if (ro.per_file_output) {
    // One engine (outputs, flows) per capture, written to LOGDIR/<index>/, sharing the rules.
    int rc = kExitOk;
    for (size_t i = 0; i < files.size(); ++i) {
      std::string dir = fmt::format("{}/{}", o.log_dir, i);
      if (auto r = prepare_log_dir(dir); !r) {
        spdlog::error("{}", r.error().str());
        return kExitUsage;
      }
      ww::capture::Engine engine(*cfg, dir);
      engine.set_file_filter(bpf);
      engine.set_detect(detect);
      if (auto r = engine.open_outputs(); !r) {
        spdlog::error("{}", r.error().str());
        return kExitUsage;
      }
      auto res = engine.analyze({files[i]}, workers);
      if (!res) {
        spdlog::error("{}: {}", files[i], res.error().str());
        rc = kExitUsage;
        continue;
      }
      if (res->truncated_files) rc = kExitUsage;
      if (!o.quiet) print_summary(*res, engine, files[i].c_str());
    }
    return rc;
  }
  ww::capture::Engine engine(std::move(*cfg), o.log_dir);
  engine.set_file_filter(bpf);
  engine.set_detect(detect);
  engine.reload().set_builder(reload_builder(engine.config(), ro));
  if (auto r = engine.open_outputs(); !r) {
    spdlog::error("{}", r.error().str());
    return kExitUsage;
  }
  auto res = engine.analyze(files, workers);
  if (!res) {
    spdlog::error("{}", res.error().str());
    return kExitUsage;
  }
  for (const auto& w : res->warnings) spdlog::warn("{}", w);
  if (!o.quiet) print_summary(*res, engine, "analyze");
  return res->truncated_files ? kExitUsage : kExitOk;
}

int run_live(const CommonOptions& o, const std::string& iface, const std::string& bpf,
             const RuleOptions& ro) {
  auto cfg = load_config(o);
  if (!cfg) {
    spdlog::error("{}", cfg.error().str());
    return kExitUsage;
  }
  if (!check_rule_inputs(ro)) return kExitUsage;
  std::shared_ptr<const ww::detect::DetectEngine> detect;
  if (!ro.files.empty()) {
    auto d = load_detect(*cfg, ro, o.quiet);
    if (!d) {
      spdlog::error("{}", d.error().str());
      return kExitUsage;
    }
    detect = std::move(*d);
  }
  if (!bpf.empty()) {
    if (auto r = ww::capture::check_bpf(bpf); !r) {
      spdlog::error("{}", r.error().str());
      return kExitUsage;
    }
  }
  if (auto r = setup_files(*cfg, o, detect, true); !r) {
    spdlog::error("{}", r.error().str());
    return kExitUsage;
  }
  if (auto r = prepare_log_dir(o.log_dir); !r) {
    spdlog::error("{}", r.error().str());
    return kExitUsage;
  }
  ww::capture::LiveOptions opt;
  opt.iface = iface;
  opt.bpf = bpf;
  opt.snaplen = cfg->snaplen;
  opt.buffer_mb = cfg->live_buffer_mb;
  int workers = o.workers > 0 ? o.workers : (cfg->workers > 0 ? cfg->workers : 0);
  ww::capture::Engine engine(std::move(*cfg), o.log_dir);
  engine.set_detect(detect);
  engine.reload().set_builder(reload_builder(engine.config(), ro));
  if (auto r = engine.open_outputs(); !r) {
    spdlog::error("{}", r.error().str());
    return kExitUsage;
  }
  spdlog::info("capturing on {} ({} workers); Ctrl-C to stop", iface,
               workers > 0 ? workers : ww::capture::default_workers());
  auto res = engine.run_live(opt, workers);
  if (!res) {
    spdlog::error("{}", res.error().str());
    return kExitRuntime;
  }
  if (!o.quiet) print_summary(*res, engine, "run");
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  auto logger = spdlog::stderr_color_mt("wardwatch");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%^%l%$: %v");

  CLI::App app{"wardwatch: network threat detection for hospitals"};
  app.set_version_flag("-V,--version", std::string("wardwatch ") + WW_VERSION);
  app.require_subcommand(1);

  CommonOptions common;
  std::vector<std::string> files, rules;
  auto* analyze = app.add_subcommand("analyze", "Analyse pcap/pcapng files");
  analyze->add_option("-r,--read", files, "Capture file (repeatable)")->required();
  add_common(analyze, common);
  RuleOptions rule_opts;
  add_rule_options(analyze, rules, rule_opts);
  std::string analyze_bpf;
  analyze->add_option("-f,--filter", analyze_bpf,
                      "BPF filter (tcpdump syntax): records it rejects are skipped");
  analyze->add_flag("--per-file-output", rule_opts.per_file_output,
                    "Write LOGDIR/<index>/eve.json per capture (rules loaded once)")
      ->group("");

  std::vector<std::string> check_files;
  std::string check_config;
  auto* rules_cmd = app.add_subcommand("rules", "Rule tools");
  auto* rules_check = rules_cmd->add_subcommand("check", "Validate rule files (like suricata -T)");
  std::vector<std::string> check_yara;
  rules_check->add_option("files", check_files, "Rule files");
  rules_check->add_option("--yara", check_yara, "YARA rule file or folder to compile (repeatable)");
  rules_check->add_option("-c,--config", check_config, "YAML configuration file (vars)");
  auto* rules_protocols =
      rules_cmd->add_subcommand("protocols", "List the app-layer protocols wardwatch parses");
  rules_cmd->require_subcommand(1);

  std::string iface, bpf;
  auto* run = app.add_subcommand("run", "Capture and analyse live traffic");
  run->add_option("-i,--interface", iface, "Network interface")->required();
  run->add_option("-f,--filter", bpf, "BPF capture filter");
  add_common(run, common);
  add_rule_options(run, rules, rule_opts);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }
  if (common.verbose) spdlog::set_level(spdlog::level::debug);
  ww::capture::Signals::install();

  if (*analyze) {
    rule_opts.files = rules;
    return run_analyze(common, files, rule_opts, analyze_bpf);
  }
  if (*rules_protocols) {
    for (const auto* spec : ww::app::parser_specs())
      fmt::print("{}\n", ww::app::proto_name(spec->proto));
    return kExitOk;
  }
  if (*rules_check) {
    ww::Config cfg;
    if (!check_config.empty()) {
      auto c = ww::load_config(check_config);
      if (!c) {
        spdlog::error("{}", c.error().str());
        return kExitUsage;
      }
      cfg = std::move(*c);
    }
    if (check_files.empty() && check_yara.empty() && cfg.files.yara_config.paths.empty()) {
      spdlog::error("rules check: give rule files and/or --yara FILE|DIR");
      return kExitUsage;
    }
    int rc = 0;
    if (!check_files.empty()) {
      // File rules first: their hash lists (filemd5/filesha1/filesha256) must load. The rule
      // check's summary line ("N loaded, N unsupported, N invalid") is then the last line.
      auto rs = ww::detect::load_rules(check_files, rule_vars(cfg));
      if (rs) {
        auto eng = ww::detect::DetectEngine::build(
            std::make_shared<const ww::detect::RuleSet>(std::move(*rs)));
        if (eng) {
          auto fr = ww::files::FileRules::build(*eng);
          if (!fr) {
            std::cout << fr.error().str() << "\n";
            rc = 1;
          } else {
            std::cout << (*fr)->rules().size() << " file rules, " << (*fr)->hash_lists()
                      << " hash lists loaded\n";
          }
        }
      }
      if (ww::detect::rules_check(check_files, rule_vars(cfg), std::cout) != 0) rc = 1;
    }
    for (const auto& y : cfg.files.yara_config.paths) check_yara.push_back(y);
    if (!check_yara.empty() && ww::files::yara_check(check_yara, std::cout) != 0) rc = 1;
    return rc;
  }
  if (*run) {
    rule_opts.files = rules;
    return run_live(common, iface, bpf, rule_opts);
  }
  return kExitUsage;
}
