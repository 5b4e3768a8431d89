#include "files/yara.h"

#include <magic.h>

#include <yara.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <ostream>
#include <thread>

namespace ww::files {

namespace {

namespace fs = std::filesystem;

constexpr const char* kExternals[] = {"filename", "filepath", "extension", "filetype", "owner"};

struct CompileErrors {
  std::vector<std::string>* out;
  size_t errors = 0, warnings = 0;
};

void compiler_cb(int level, const char* file, int line, const YR_RULE*, const char* msg,
                 void* arg) {
  auto* e = static_cast<CompileErrors*>(arg);
  if (level == YARA_ERROR_LEVEL_WARNING) {
    ++e->warnings;
    return;
  }
  ++e->errors;
  if (e->out)
    e->out->push_back(fmt::format("{}:{}: {}", file ? file : "?", line, msg ? msg : "error"));
}

struct CompilerDelete {
  void operator()(YR_COMPILER* c) const noexcept { yr_compiler_destroy(c); }
};
using Compiler = std::unique_ptr<YR_COMPILER, CompilerDelete>;

Compiler new_compiler(CompileErrors& errs) {
  YR_COMPILER* c = nullptr;
  if (yr_compiler_create(&c) != ERROR_SUCCESS) return nullptr;
  yr_compiler_set_callback(c, compiler_cb, &errs);
  for (const char* v : kExternals) yr_compiler_define_string_variable(c, v, "");
  return Compiler(c);
}

// Adds one file; returns the number of errors.
int add_file(YR_COMPILER* c, const std::string& path, const std::string& ns) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (!f) return -1;
  int n = yr_compiler_add_file(c, f, ns.c_str(), path.c_str());
  std::fclose(f);
  return n;
}

// Namespace of a rule file: its path below the configured folder, without the extension.
std::string ns_of(const std::string& file, const std::string& root) {
  std::error_code ec;
  fs::path rel = fs::is_directory(root, ec) ? fs::relative(file, root, ec) : fs::path(file).filename();
  if (ec || rel.empty()) rel = fs::path(file).filename();
  rel.replace_extension();
  return rel.generic_string();
}

struct YaraInit {
  bool ok = yr_initialize() == ERROR_SUCCESS;
  ~YaraInit() {
    if (ok) yr_finalize();
  }
};

// libyara's global state: initialised once, finalised at exit.
bool yara_init() {
  static YaraInit init;
  return init.ok;
}

}  // namespace

std::vector<std::string> yara_rule_files(const std::string& path) {
  std::vector<std::string> out;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    for (auto it = fs::recursive_directory_iterator(path, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (!it->is_regular_file(ec)) continue;
      auto ext = it->path().extension().string();
      if (ext == ".yar" || ext == ".yara") out.push_back(it->path().string());
    }
    std::sort(out.begin(), out.end());
  } else if (fs::exists(path, ec)) {
    out.push_back(path);
  }
  return out;
}

Result<std::shared_ptr<const YaraRules>> YaraRules::compile(const std::vector<std::string>& paths,
                                                            YaraCompileReport& rep) {
  if (!yara_init()) return fail("libyara: initialisation failed");
  CompileErrors main_errs{nullptr};
  Compiler main = new_compiler(main_errs);
  if (!main) return fail("libyara: cannot create a compiler");
  for (const auto& root : paths) {
    std::error_code ec;
    if (!fs::exists(root, ec)) return fail(fmt::format("{}: no such YARA file or folder", root));
    for (const auto& file : yara_rule_files(root)) {
      ++rep.files;
      std::string ns = ns_of(file, root);
      // A file that fails leaves its compiler unusable, so each file is tried on its own
      // compiler first and only added to the shared one when it compiles.
      CompileErrors errs{&rep.errors};
      Compiler probe = new_compiler(errs);
      if (!probe) return fail("libyara: cannot create a compiler");
      int n = add_file(probe.get(), file, ns);
      if (n < 0) rep.errors.push_back(fmt::format("{}: cannot read", file));
      if (n != 0) {
        ++rep.failed;
        continue;
      }
      rep.warnings += errs.warnings;
      if (add_file(main.get(), file, ns) != 0)
        return fail(fmt::format("{}: compiled alone but not with the others", file));
      ++rep.compiled;
    }
  }
  if (rep.files == 0) return fail("no YARA rule files (.yar, .yara) found");
  if (rep.compiled == 0) return fail(fmt::format("none of the {} YARA files compiled", rep.files));
  YR_RULES* rules = nullptr;
  if (yr_compiler_get_rules(main.get(), &rules) != ERROR_SUCCESS || !rules)
    return fail("libyara: cannot build the compiled rules (out of memory)");
  auto out = std::shared_ptr<YaraRules>(new YaraRules);
  out->rules_ = rules;
  const YR_RULE* r;
  yr_rules_foreach(rules, r)++ out->count_;
  rep.rules = out->count_;
  return std::shared_ptr<const YaraRules>(std::move(out));
}

YaraRules::~YaraRules() {
  if (rules_) yr_rules_destroy(rules_);
}

// --- channel rings ----------------------------------------------------------------------------

bool ScanChannel::Ring::push(ScanJob* j) noexcept {
  uint32_t h = head.load(std::memory_order_relaxed);
  uint32_t n = uint32_t((h + 1) % slots.size());
  if (n == tail.load(std::memory_order_acquire)) return false;
  slots[h] = j;
  head.store(n, std::memory_order_release);
  return true;
}

ScanJob* ScanChannel::Ring::pop() noexcept {
  uint32_t t = tail.load(std::memory_order_relaxed);
  if (t == head.load(std::memory_order_acquire)) return nullptr;
  ScanJob* j = slots[t];
  tail.store(uint32_t((t + 1) % slots.size()), std::memory_order_release);
  return j;
}

ScanChannel::ScanChannel(uint32_t capacity) : submit_(capacity), done_(capacity) {}

bool ScanChannel::submit(ScanJob* j) noexcept {
  if (!submit_.push(j)) return false;
  if (pool_) pool_->notify();
  return true;
}

ScanJob* ScanChannel::pop_done() noexcept { return done_.pop(); }

void ScanChannel::wait_done(uint32_t seen, int timeout_ms) noexcept {
  // C++20 atomic wait has no timeout: poll with short sleeps (only on drain or a full pool).
  for (int i = 0; i < timeout_ms && done_seq_.load(std::memory_order_acquire) == seen; ++i)
    std::this_thread::sleep_for(std::chrono::microseconds(200));
}

// --- pool -------------------------------------------------------------------------------------

ScanPool::ScanPool(std::shared_ptr<const YaraRules> rules, const YaraConfig& cfg)
    : rules_(std::move(rules)), cfg_(cfg) {
  cfg_.threads = std::clamp(cfg_.threads, 1u, 32u);  // libyara's YR_MAX_THREADS
  cfg_.max_scan_bytes =
      std::clamp<uint64_t>(cfg_.max_scan_bytes, 4096, 4096 + uint64_t(kMaxChunks) * kChunkBytes);
  cfg_.queue = std::clamp(cfg_.queue, 1u, 4096u);
  for (uint32_t i = 0; i < cfg_.threads; ++i) threads_.emplace_back([this] { run(); });
}

ScanPool::~ScanPool() {
  stop_.store(true);
  seq_.fetch_add(1);
  seq_.notify_all();
  for (auto& t : threads_) t.join();
}

void ScanPool::attach(ScanChannel* c) {
  std::lock_guard lk(mu_);
  c->pool_ = this;
  channels_.push_back(c);
}

void ScanPool::detach(ScanChannel* c) {
  std::lock_guard lk(mu_);
  channels_.erase(std::remove(channels_.begin(), channels_.end(), c), channels_.end());
  c->pool_ = nullptr;
  std::lock_guard done(c->done_mu_);  // a thread still finishing a push into c is done
}

void ScanPool::notify() noexcept {
  seq_.fetch_add(1, std::memory_order_release);
  seq_.notify_one();
}

ScanJob* ScanPool::take(ScanChannel** from) {
  std::lock_guard lk(mu_);
  for (size_t k = 0; k < channels_.size(); ++k) {
    ScanChannel* c = channels_[(rr_ + k) % channels_.size()];
    if (ScanJob* j = c->submit_.pop()) {
      rr_ = (rr_ + k + 1) % channels_.size();
      *from = c;
      return j;
    }
  }
  return nullptr;
}

namespace {

struct ScanCtx {
  ScanJob* job;
};

int scan_cb(YR_SCAN_CONTEXT*, int message, void* data, void* arg) {
  if (message != CALLBACK_MSG_RULE_MATCHING) return CALLBACK_CONTINUE;
  auto* job = static_cast<ScanCtx*>(arg)->job;
  auto* rule = static_cast<YR_RULE*>(data);
  if (job->matches.size() >= 32) return CALLBACK_CONTINUE;  // bounded per file
  YaraMatch m;
  m.rule = rule->identifier;
  m.ns = rule->ns && rule->ns->name ? rule->ns->name : "default";
  const YR_META* meta;
  yr_rule_metas_foreach(rule, meta) {
    std::string v;
    if (meta->type == META_TYPE_INTEGER)
      v = std::to_string(meta->integer);
    else if (meta->type == META_TYPE_BOOLEAN)
      v = meta->integer ? "true" : "false";
    else
      v = meta->string ? meta->string : "";
    m.meta.emplace_back(meta->identifier, std::move(v));
  }
  job->matches.push_back(std::move(m));
  return CALLBACK_CONTINUE;
}

struct ScannerDelete {
  void operator()(YR_SCANNER* s) const noexcept { yr_scanner_destroy(s); }
};

void scan_with(YR_SCANNER* sc, std::vector<uint8_t>& scratch, ScanJob& j, int timeout_s) {
  j.matches.clear();
  j.error = j.timeout = false;
  if (!sc) {
    j.error = true;
    return;
  }
  // External variables from the file's name (LOKI/THOR rules use them).
  std::string name(j.name, j.name_len);
  size_t slash = name.find_last_of("/\\");
  std::string base = slash == std::string::npos ? name : name.substr(slash + 1);
  std::string dir = slash == std::string::npos ? std::string() : name.substr(0, slash);
  size_t dot = base.rfind('.');
  std::string ext = dot == std::string::npos ? std::string() : base.substr(dot);
  yr_scanner_define_string_variable(sc, "filename", base.c_str());
  yr_scanner_define_string_variable(sc, "filepath", dir.c_str());
  yr_scanner_define_string_variable(sc, "extension", ext.c_str());
  const uint8_t* data = j.prefix;
  size_t len = j.prefix_len;
  if (j.nchunks > 0) {
    size_t need = size_t(j.kept);
    if (scratch.size() < need) scratch.resize(need);
    std::memcpy(scratch.data(), j.prefix, j.prefix_len);
    size_t off = j.prefix_len;
    for (uint32_t i = 0; i < j.nchunks && off < need; ++i) {
      size_t n = std::min(kChunkBytes, need - off);
      std::memcpy(scratch.data() + off, j.chunks[i]->data, n);
      off += n;
    }
    data = scratch.data();
    len = off;
  }
  ScanCtx ctx{&j};
  yr_scanner_set_callback(sc, scan_cb, &ctx);
  yr_scanner_set_timeout(sc, timeout_s);
  int rc = yr_scanner_scan_mem(sc, data, len);
  if (rc == ERROR_SCAN_TIMEOUT) j.timeout = true;
  if (rc != ERROR_SUCCESS) j.error = true;
}

}  // namespace

std::shared_ptr<const YaraRules> ScanPool::rules() const {
  std::lock_guard lk(mu_);
  return rules_;
}

void ScanPool::set_rules(std::shared_ptr<const YaraRules> r) {
  {
    std::lock_guard lk(mu_);
    rules_ = std::move(r);
  }
  rules_gen_.fetch_add(1, std::memory_order_acq_rel);
}

void ScanPool::scan_now(ScanJob& j) {
  auto rules = this->rules();
  if (!rules) return;
  YR_SCANNER* s = nullptr;
  yr_scanner_create(rules->get(), &s);
  std::unique_ptr<YR_SCANNER, ScannerDelete> sc(s);
  std::vector<uint8_t> scratch;
  scan_with(sc.get(), scratch, j, cfg_.timeout_s);
}

struct MagicDelete {
  void operator()(magic_set* m) const noexcept { magic_close(m); }
};

void ScanPool::run() {
  // The thread's scanner is made for one rule set; a reload (set_rules) makes a new one
  // before the next job. `rules` keeps the set alive while the scanner uses it.
  uint64_t gen = rules_gen_.load(std::memory_order_acquire);
  std::shared_ptr<const YaraRules> rules = this->rules();
  YR_SCANNER* s = nullptr;
  if (rules) yr_scanner_create(rules->get(), &s);
  std::unique_ptr<YR_SCANNER, ScannerDelete> sc(s);
  std::unique_ptr<magic_set, MagicDelete> mg;  // opened at the first job that wants a type
  bool mg_tried = false;
  std::vector<uint8_t> scratch;  // grows once to the largest file scanned (max_scan_bytes)
  while (true) {
    uint32_t seen = seq_.load(std::memory_order_acquire);
    ScanChannel* from = nullptr;
    if (ScanJob* j = take(&from)) {
      if (uint64_t g = rules_gen_.load(std::memory_order_acquire); g != gen) {
        gen = g;
        sc.reset();
        rules = this->rules();
        s = nullptr;
        if (rules) yr_scanner_create(rules->get(), &s);
        sc.reset(s);
      }
      if (j->want_magic) {
        if (!mg_tried) {
          mg_tried = true;
          mg.reset(magic_open(MAGIC_NONE));
          if (mg && magic_load(mg.get(), nullptr) != 0) mg.reset();
        }
        const char* d = mg && j->prefix_len ? magic_buffer(mg.get(), j->prefix, j->prefix_len) : nullptr;
        j->magic_out_len = d ? uint32_t(std::min(std::strlen(d), sizeof j->magic_out)) : 0;
        if (d) std::memcpy(j->magic_out, d, j->magic_out_len);
        j->magic_failed = !d && j->prefix_len > 0;
      }
      if (sc) scan_with(sc.get(), scratch, *j, cfg_.timeout_s);
      {
        std::lock_guard lk(from->done_mu_);
        from->done_.push(j);  // never full: it holds as many slots as the channel has jobs
        // Inside the lock: detach() takes it, so no pool thread touches a detached channel.
        from->done_seq_.fetch_add(1, std::memory_order_release);
      }
      continue;
    }
    if (stop_.load()) return;
    seq_.wait(seen, std::memory_order_acquire);
  }
}

int yara_check(const std::vector<std::string>& paths, std::ostream& out) {
  YaraCompileReport rep;
  auto r = YaraRules::compile(paths, rep);
  for (const auto& e : rep.errors) out << e << "\n";
  out << rep.compiled << " YARA files compiled, " << rep.failed << " failed, " << rep.rules
      << " rules\n";
  if (!r) {
    out << r.error().str() << "\n";
    return 1;
  }
  return rep.failed ? 1 : 0;
}

}  // namespace ww::files
