// Rule loading; see loader.h.
#include "detect/loader.h"

#include <fstream>
#include <sstream>
#include <unordered_map>

#include "detect/keywords/threshold_parse.h"
#include "detect/keywords/util.h"
#include "detect/prefilter.h"

namespace ww::detect {
namespace {

using kw::trim;

bool looks_like_rule(std::string_view s) {
  static constexpr std::string_view kActions[] = {
      "alert ", "drop ", "pass ", "reject ", "rejectsrc ", "rejectdst ", "rejectboth "};
  for (auto a : kActions)
    if (s.substr(0, a.size()) == a) return s.find("sid:") != std::string_view::npos;
  return false;
}

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(Diagnostic{"cannot open file", path});
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class Loader {
 public:
  Loader(const RuleVars& vars, const LoadOptions& opts) : vars_(vars), opts_(opts) {
    set_.classifications = Classifications::defaults();
  }

  Result<void> setup() {
    if (!opts_.classification_file.empty()) {
      auto r = set_.classifications.load_file(opts_.classification_file, &set_.config_problems);
      if (!r) return r;
    }
    if (!opts_.threshold_file.empty()) {
      auto text = read_file(opts_.threshold_file);
      if (!text) return Unexpected{text.error()};
      set_.thresholds =
          parse_threshold_config(*text, opts_.threshold_file, vars_, &set_.config_problems);
    }
    return {};
  }

  void add_text(std::string_view text, const std::string& file) {
    int lineno = 0;
    std::string pending;
    int pending_line = 0;
    while (!text.empty()) {
      size_t nl = text.find('\n');
      std::string_view line = text.substr(0, nl);
      text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
      ++lineno;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      std::string_view t = trim(line);
      if (pending.empty()) {
        if (t.empty()) continue;
        if (t.front() == '#') {
          if (looks_like_rule(trim(t.substr(1)))) ++set_.disabled;
          continue;
        }
        pending_line = lineno;
      }
      if (!t.empty() && t.back() == '\\') {  // continuation
        pending.append(t.substr(0, t.size() - 1));
        continue;
      }
      pending.append(t);
      add_rule(pending, file, pending_line);
      pending.clear();
    }
    if (!pending.empty()) add_rule(pending, file, pending_line);
  }

  Result<RuleSet> finish() {
    if (opts_.build_prefilter) {
      auto pf = Prefilter::build(set_.rules);
      if (!pf) return Unexpected{pf.error()};
      set_.prefilter = std::move(*pf);
    }
    return std::move(set_);
  }

 private:
  void add_rule(std::string_view text, const std::string& file, int line) {
    ParseContext ctx;
    ctx.vars = &vars_;
    ctx.classes = &set_.classifications;
    ctx.file = file;
    ctx.line = line;
    ctx.pcre_jit = opts_.pcre_jit;
    ParseOutcome o = parse_rule(text, ctx);
    if (o.status == RuleStatus::Loaded) {
      uint64_t key = uint64_t(o.rule.gid) << 32 | o.rule.sid;
      auto [it, fresh] = seen_.emplace(key, Seen{std::string(file), line, set_.rules.size()});
      if (!fresh) {
        // Suricata keeps the higher revision (a rule file may hold a rule and its update for
        // a newer version, told apart by `requires`); the other is reported.
        Seen& first = it->second;
        Rule& kept = set_.rules[first.index];
        std::string where = fmt::format("{}:{}", first.file, first.line);
        if (o.rule.rev > kept.rev) {
          std::swap(kept, o.rule);
          where = fmt::format("{}:{}", file, line);
          first.file = std::string(file);
          first.line = line;
        }
        o.status = RuleStatus::Invalid;
        o.diag.keyword = "sid";
        o.diag.message = fmt::format("duplicate sid {} (rev {} kept, at {})", o.rule.sid,
                                     kept.rev, where);
      }
    }
    switch (o.status) {
      case RuleStatus::Loaded:
        ++set_.loaded;
        set_.rules.push_back(std::move(o.rule));
        break;
      case RuleStatus::Unsupported:
        ++set_.unsupported;
        ++set_.unsupported_by_keyword[o.diag.keyword];
        set_.problems.push_back({o.status, std::move(o.diag)});
        break;
      case RuleStatus::Skipped:
        ++set_.skipped;
        break;
      case RuleStatus::Invalid:
        ++set_.invalid;
        set_.problems.push_back({o.status, std::move(o.diag)});
        break;
    }
  }

  const RuleVars& vars_;
  const LoadOptions& opts_;
  RuleSet set_;
  struct Seen {
    std::string file;
    int line = 0;
    size_t index = 0;  // in set_.rules
  };
  std::unordered_map<uint64_t, Seen> seen_;
};

}  // namespace

// "track by_src, count 3, seconds 60, new_action drop, timeout 10" (the rate_filter options
// after gen_id and sig_id).
static Result<ThresholdEntry::Rate> parse_rate_filter(std::string_view args) {
  ThresholdEntry::Rate r;
  bool track = false, count = false, seconds = false, action = false, timeout = false;
  for (std::string_view it : kw::split(args, ',')) {
    it = trim(it);
    size_t sp = it.find_first_of(" \t");
    std::string_view word = it.substr(0, sp);
    std::string_view val = sp == std::string_view::npos ? "" : trim(it.substr(sp));
    if (word == "track") {
      auto t = kw::parse_track(val);
      if (!t) return Unexpected{t.error()};
      r.track = *t;
      track = true;
    } else if (word == "count") {
      count = kw::parse_int(val, r.count) && r.count > 0;
      if (!count) return fail(fmt::format("rate_filter: invalid count '{}'", val));
    } else if (word == "seconds") {
      seconds = kw::parse_int(val, r.seconds);
      if (!seconds) return fail(fmt::format("rate_filter: invalid seconds '{}'", val));
    } else if (word == "timeout") {
      timeout = kw::parse_int(val, r.timeout);
      if (!timeout) return fail(fmt::format("rate_filter: invalid timeout '{}'", val));
    } else if (word == "new_action") {
      action = true;
      if (val == "alert") r.new_action = Action::Alert;
      else if (val == "drop") r.new_action = Action::Drop;
      else if (val == "pass") r.new_action = Action::Pass;
      else if (val == "reject") r.new_action = Action::Reject;
      else return fail(fmt::format("rate_filter: invalid new_action '{}'", val));
    } else {
      return fail(fmt::format("rate_filter: unknown option '{}'", word));
    }
  }
  if (!track || !count || !seconds || !action || !timeout)
    return fail("rate_filter needs track, count, seconds, new_action and timeout");
  return r;
}

ThresholdConfig parse_threshold_config(std::string_view text, std::string_view file,
                                       const RuleVars& vars, std::vector<Diagnostic>* problems) {
  ThresholdConfig cfg;
  int lineno = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++lineno;
    if (line.empty() || line.front() == '#') continue;
    auto bad = [&](std::string msg, uint32_t sid = 0) {
      if (problems) problems->push_back({std::move(msg), std::string(file), lineno, sid, ""});
    };
    size_t sp = line.find_first_of(" \t");
    std::string_view kind = line.substr(0, sp);
    std::string_view rest = sp == std::string_view::npos ? "" : trim(line.substr(sp));
    ThresholdEntry e;
    e.file = std::string(file);
    e.line = lineno;
    if (kind == "threshold")
      e.kind = ThresholdEntry::Kind::Threshold;
    else if (kind == "event_filter")
      e.kind = ThresholdEntry::Kind::EventFilter;
    else if (kind == "suppress")
      e.kind = ThresholdEntry::Kind::Suppress;
    else if (kind == "rate_filter")
      e.kind = ThresholdEntry::Kind::RateFilter;
    else {
      bad(fmt::format("unknown entry '{}' (threshold, event_filter, suppress, rate_filter)", kind));
      continue;
    }
    std::string thr_args;  // the "type/track/count/seconds" part, for the shared parser
    bool have_gid = false, have_sid = false, ok = true;
    std::string_view ip_text;
    for (std::string_view it : kw::split(rest, ',')) {
      size_t s2 = it.find_first_of(" \t");
      std::string_view word = it.substr(0, s2);
      std::string_view val = s2 == std::string_view::npos ? "" : trim(it.substr(s2));
      if (word == "gen_id") {
        have_gid = kw::parse_int(val, e.gid);
        if (!have_gid) {
          bad(fmt::format("invalid gen_id '{}'", val));
          ok = false;
          break;
        }
      } else if (word == "sig_id") {
        have_sid = kw::parse_int(val, e.sid);
        if (!have_sid) {
          bad(fmt::format("invalid sig_id '{}'", val));
          ok = false;
          break;
        }
      } else if (e.kind == ThresholdEntry::Kind::Suppress && word == "track") {
        if (val != "by_src" && val != "by_dst" && val != "by_either") {
          bad(fmt::format("invalid suppress track '{}'", val), e.sid);
          ok = false;
          break;
        }
        e.track = std::string(val);
      } else if (e.kind == ThresholdEntry::Kind::Suppress && word == "ip") {
        ip_text = val;
      } else {
        if (!thr_args.empty()) thr_args += ", ";
        thr_args += std::string(it);
      }
    }
    if (!ok) continue;
    if (!have_gid || !have_sid) {
      bad("needs gen_id and sig_id", e.sid);
      continue;
    }
    if (e.kind == ThresholdEntry::Kind::Suppress) {
      if (!thr_args.empty()) {
        bad(fmt::format("unknown suppress option '{}'", thr_args), e.sid);
        continue;
      }
      if (e.track.empty() != ip_text.empty()) {
        bad("suppress needs both track and ip, or neither", e.sid);
        continue;
      }
      if (!ip_text.empty()) {
        auto g = parse_address_group(ip_text, vars);
        if (!g) {
          bad("ip: " + g.error().message, e.sid);
          continue;
        }
        e.ip = std::move(*g);
      }
    } else if (e.kind == ThresholdEntry::Kind::RateFilter) {
      e.rate_filter = thr_args;
      auto rf = parse_rate_filter(thr_args);
      if (!rf) {
        bad(rf.error().message, e.sid);
        continue;
      }
      e.rate = *rf;
    } else {
      auto t = kw::parse_threshold_args(thr_args, false);
      if (!t) {
        bad(t.error().message, e.sid);
        continue;
      }
      e.threshold = *t;
    }
    cfg.entries.push_back(std::move(e));
  }
  return cfg;
}

Result<RuleSet> load_rules(const std::vector<std::string>& files, const RuleVars& vars,
                           const LoadOptions& options) {
  try {
    Loader l(vars, options);
    if (auto r = l.setup(); !r) return Unexpected{r.error()};
    for (const auto& f : files) {
      auto text = read_file(f);
      if (!text) return Unexpected{text.error()};
      l.add_text(*text, f);
    }
    return l.finish();
  } catch (const std::exception& e) {
    return fail(fmt::format("rule loading failed: {}", e.what()));
  }
}

Result<RuleSet> load_rules_from_string(std::string_view text, std::string_view name,
                                       const RuleVars& vars, const LoadOptions& options) {
  try {
    Loader l(vars, options);
    if (auto r = l.setup(); !r) return Unexpected{r.error()};
    l.add_text(text, std::string(name));
    return l.finish();
  } catch (const std::exception& e) {
    return fail(fmt::format("rule loading failed: {}", e.what()));
  }
}

}  // namespace ww::detect
