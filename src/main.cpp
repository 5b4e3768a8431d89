// wardwatch command line: analyze pcaps, capture live, check rules.
//
// Exit codes: 0 success; 1 runtime failure; 2 bad arguments, bad configuration, or an input
// file that is missing, unreadable or truncated (a truncated capture is still processed up to
// the cut, and its events are written, before exiting 2).
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "capture/pipeline.h"
#include "core/config.h"

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
};

void add_common(CLI::App* cmd, CommonOptions& o) {
  cmd->add_option("-c,--config", o.config_path, "YAML configuration file");
  cmd->add_option("-l,--log-dir", o.log_dir, "Directory for eve.json and other outputs")
      ->capture_default_str();
  cmd->add_option("--workers", o.workers, "Worker threads (default: one per core)")
      ->check(CLI::Range(1, 256));
  cmd->add_flag("-v,--verbose", o.verbose, "Log more");
  cmd->add_flag("-q,--quiet", o.quiet, "Print no summary");
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

int run_analyze(const CommonOptions& o, const std::vector<std::string>& files,
                const std::vector<std::string>& rule_files) {
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
  for (const auto& r : rule_files) {
    if (::access(r.c_str(), R_OK) != 0) {
      spdlog::error("{}: rule file missing or not readable", r);
      return kExitUsage;
    }
  }
  if (!rule_files.empty())
    spdlog::warn("signature matching is not built yet (issue 4): {} rule file(s) not applied",
                 rule_files.size());
  if (auto r = prepare_log_dir(o.log_dir); !r) {
    spdlog::error("{}", r.error().str());
    return kExitUsage;
  }
  int workers = o.workers > 0 ? o.workers : (cfg->workers > 0 ? cfg->workers : 0);
  ww::capture::Engine engine(std::move(*cfg), o.log_dir);
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

int run_live(const CommonOptions& o, const std::string& iface, const std::string& bpf) {
  auto cfg = load_config(o);
  if (!cfg) {
    spdlog::error("{}", cfg.error().str());
    return kExitUsage;
  }
  if (!bpf.empty()) {
    if (auto r = ww::capture::check_bpf(bpf); !r) {
      spdlog::error("{}", r.error().str());
      return kExitUsage;
    }
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
  analyze->add_option("-S,--rules", rules, "Rule file (repeatable)");
  add_common(analyze, common);

  std::string iface, bpf;
  auto* run = app.add_subcommand("run", "Capture and analyse live traffic");
  run->add_option("-i,--interface", iface, "Network interface")->required();
  run->add_option("-f,--filter", bpf, "BPF capture filter");
  add_common(run, common);

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

  if (*analyze) return run_analyze(common, files, rules);
  if (*run) return run_live(common, iface, bpf);
  return kExitUsage;
}
