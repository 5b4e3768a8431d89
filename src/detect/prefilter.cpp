// Vectorscan prefilter; see prefilter.h.
#include "detect/prefilter.h"

#include <hs/hs.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <map>

namespace ww::detect {
namespace {

// Suricata-like strength: longer wins; among equals, more distinct bytes (fewer false hits).
int distinct_bytes(std::string_view s) {
  bool seen[256] = {};
  int n = 0;
  for (unsigned char c : s)
    if (!seen[c]) {
      seen[c] = true;
      ++n;
    }
  return n;
}

struct Pat {
  std::string bytes;
  bool nocase;
  bool operator<(const Pat& o) const {
    return nocase != o.nocase ? nocase < o.nocase : bytes < o.bytes;
  }
};

}  // namespace

std::optional<FastPattern> choose_fast_pattern(const Rule& r) {
  const Content* best = nullptr;
  int best_list = -1, best_item = -1;
  auto better = [](const Content& a, BufferId ab, const Content& b, BufferId bb) {
    if (a.bytes.size() != b.bytes.size()) return a.bytes.size() > b.bytes.size();
    int da = distinct_bytes(a.bytes), db = distinct_bytes(b.bytes);
    if (da != db) return da > db;
    return ab != BufferId::Payload && bb == BufferId::Payload;  // app buffers are narrower
  };
  for (size_t li = 0; li < r.buffers.size(); ++li) {
    const BufferList& l = r.buffers[li];
    if (l.absent != BufferList::Absent::No) continue;  // matches without its contents
    for (size_t ii = 0; ii < l.items.size(); ++ii) {
      const Content* c = std::get_if<Content>(&l.items[ii]);
      if (!c) continue;
      if (c->fast_pattern) {
        if (c->negated || !l.transforms.empty()) return std::nullopt;
        FastPattern fp{l.buffer, c->bytes, c->nocase, c->fast_pattern_only, int(li), int(ii)};
        if (c->fp_chop) fp.bytes = c->bytes.substr(c->fp_chop_offset, c->fp_chop_len);
        return fp;
      }
      if (c->negated || !l.transforms.empty()) continue;
      if (!best || better(*c, l.buffer, *best, r.buffers[best_list].buffer)) {
        best = c;
        best_list = int(li);
        best_item = int(ii);
      }
    }
  }
  if (!best) return std::nullopt;
  return FastPattern{
      r.buffers[best_list].buffer, best->bytes, best->nocase, false, best_list, best_item};
}

Prefilter::Scratch::Scratch(Scratch&& o) noexcept : s_(o.s_) { o.s_ = nullptr; }
Prefilter::Scratch& Prefilter::Scratch::operator=(Scratch&& o) noexcept {
  std::swap(s_, o.s_);
  return *this;
}
Prefilter::Scratch::~Scratch() {
  if (s_) hs_free_scratch(s_);
}

Prefilter::~Prefilter() {
  for (auto& d : dbs_)
    if (d.db) hs_free_database(d.db);
}

Result<std::shared_ptr<const Prefilter>> Prefilter::build(const std::vector<Rule>& rules) {
  auto t0 = std::chrono::steady_clock::now();
  std::shared_ptr<Prefilter> pf(new Prefilter());
  constexpr size_t kSlots = kBufferCount * 2;
  pf->dbs_.resize(kSlots);
  pf->fp_.resize(rules.size());
  std::vector<std::map<Pat, std::vector<uint32_t>>> pats(kSlots);
  for (uint32_t i = 0; i < rules.size(); ++i) {
    auto fp = choose_fast_pattern(rules[i]);
    if (fp && fp->bytes.front() == '\0') {
      // Vectorscan's literal API takes a leading NUL for an empty string: prefilter on the
      // rest (a superset of the matches) and let verification check the whole content.
      size_t nz = fp->bytes.find_first_not_of('\0');
      if (nz == std::string::npos) {
        fp.reset();
      } else {
        fp->bytes.erase(0, nz);
        fp->only = false;
      }
    }
    const FlowOpts& f = rules[i].flow;
    bool ts = !f.to_client || rules[i].bidirectional, tc = !f.to_server || rules[i].bidirectional;
    for (Direction d : {Direction::ToServer, Direction::ToClient}) {
      if (!(d == Direction::ToServer ? ts : tc)) continue;
      if (fp) {
        pats[slot(fp->buffer, d)][Pat{fp->bytes, fp->nocase}].push_back(i);
      } else {
        BufferId b = rules[i].buffers.empty() ? BufferId::Payload : rules[i].buffers[0].buffer;
        pf->dbs_[slot(b, d)].always.push_back(i);
      }
    }
    pf->fp_[i] = std::move(fp);
  }

  // Compiles one buffer's database; returns an error message or empty.
  auto compile = [&](size_t b) -> std::string {
    auto& m = pats[b];
    if (m.empty()) return {};
    Db& d = pf->dbs_[b];
    std::vector<const char*> exprs;
    std::vector<size_t> lens;
    std::vector<unsigned> flags, ids;
    exprs.reserve(m.size());
    unsigned id = 0;
    for (auto& [p, rs] : m) {
      exprs.push_back(p.bytes.data());
      lens.push_back(p.bytes.size());
      flags.push_back(HS_FLAG_SINGLEMATCH | (p.nocase ? HS_FLAG_CASELESS : 0));
      ids.push_back(id++);
      d.first.push_back(uint32_t(d.rules.size()));
      d.rules.insert(d.rules.end(), rs.begin(), rs.end());
    }
    d.first.push_back(uint32_t(d.rules.size()));
    hs_compile_error_t* err = nullptr;
    if (hs_compile_lit_multi(exprs.data(), flags.data(), ids.data(), lens.data(),
                             unsigned(exprs.size()), HS_MODE_BLOCK, nullptr, &d.db,
                             &err) != HS_SUCCESS) {
      std::string msg = fmt::format("Vectorscan compile of buffer {} failed: {}",
                                    buffer_name(BufferId(b / 2)), err ? err->message : "?");
      hs_free_compile_error(err);
      return msg;
    }
    return {};
  };
  // Two compile threads: the machine is small and the largest databases dominate.
  std::vector<size_t> order;
  for (size_t b = 0; b < kSlots; ++b)
    if (!pats[b].empty()) order.push_back(b);
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return pats[a].size() > pats[b].size(); });
  std::vector<size_t> half[2];
  size_t load[2] = {0, 0};
  for (size_t b : order) {
    int t = load[0] <= load[1] ? 0 : 1;
    half[t].push_back(b);
    load[t] += pats[b].size();
  }
  auto run = [&](int t) {
    for (size_t b : half[t])
      if (auto e = compile(b); !e.empty()) return e;
    return std::string();
  };
  auto other = std::async(std::launch::async, run, 1);
  std::string e0 = run(0);
  std::string e1 = other.get();
  if (!e0.empty()) return fail(e0);
  if (!e1.empty()) return fail(e1);
  pf->compile_seconds_ =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return std::shared_ptr<const Prefilter>(std::move(pf));
}

Result<Prefilter::Scratch> Prefilter::make_scratch() const {
  Scratch s;
  for (const auto& d : dbs_) {
    if (!d.db) continue;
    if (hs_alloc_scratch(d.db, &s.s_) != HS_SUCCESS)
      return fail("Vectorscan scratch allocation failed");
  }
  return s;
}

namespace {
struct ScanCtx {
  const uint32_t* first;
  const uint32_t* rules;
  Prefilter::Callback cb;
  void* ctx;
};
int on_match(unsigned id, unsigned long long, unsigned long long, unsigned, void* p) {
  auto* c = static_cast<ScanCtx*>(p);
  for (uint32_t i = c->first[id]; i < c->first[id + 1]; ++i) c->cb(c->rules[i], c->ctx);
  return 0;
}
}  // namespace

bool Prefilter::scan(BufferId buffer, Direction dir, std::span<const uint8_t> data,
                     Scratch& scratch, Callback cb, void* ctx) const noexcept {
  const Db& d = dbs_[slot(buffer, dir)];
  if (!d.db || data.empty()) return true;
  ScanCtx c{d.first.data(), d.rules.data(), cb, ctx};
  return hs_scan(d.db, reinterpret_cast<const char*>(data.data()), unsigned(data.size()), 0,
                 scratch.s_, &on_match, &c) == HS_SUCCESS;
}

std::span<const uint32_t> Prefilter::always(BufferId buffer, Direction dir) const noexcept {
  return dbs_[slot(buffer, dir)].always;
}

const FastPattern* Prefilter::fast_pattern(uint32_t rule) const noexcept {
  if (rule >= fp_.size() || !fp_[rule]) return nullptr;
  return &*fp_[rule];
}

size_t Prefilter::pattern_count(BufferId buffer, Direction dir) const noexcept {
  const Db& d = dbs_[slot(buffer, dir)];
  return d.first.empty() ? 0 : d.first.size() - 1;
}

size_t Prefilter::database_bytes() const noexcept {
  size_t total = 0;
  for (const auto& d : dbs_) {
    size_t n = 0;
    if (d.db && hs_database_size(d.db, &n) == HS_SUCCESS) total += n;
  }
  return total;
}

}  // namespace ww::detect
