// Transforms: dotprefix, to_lowercase, to_uppercase, strip_whitespace, compress_whitespace,
// url_decode, to_md5, to_sha1, to_sha256, header_lowercase, strip_pseudo_headers,
// from_base64[: bytes N, offset N, mode rfc4648|rfc2045|strict], gunzip[: max-size N],
// zlib_deflate[: max-size N], xor:"key", pcrexform:"regex". They rewrite the sticky buffer
// before the matches that follow them run; a match placed before a transform inspects the
// buffer as transformed up to there (Suricata 8).
#include "detect/keywords/keywords.h"
#include "detect/keywords/pcre.h"
#include "detect/keywords/util.h"

namespace ww::detect::kw {

namespace {
// Output kept by gunzip / zlib_deflate without max-size (bounds the work per buffer).
constexpr uint32_t kDefaultMaxInflate = 64u << 10;

// "bytes N, offset N, mode M" (from_base64) or "max-size N" (gunzip, zlib_deflate).
Result<void> transform_options(Transform& t, std::string_view arg) {
  bool base64 = t.name == "from_base64";
  if (!base64) t.max_size = kDefaultMaxInflate;
  for (std::string_view opt : split(arg, ',')) {
    opt = trim(opt);
    if (opt.empty()) continue;
    size_t sp = opt.find_first_of(" \t:");
    std::string_view key = opt.substr(0, sp);
    std::string_view val = sp == std::string_view::npos ? std::string_view{} : opt.substr(sp);
    val = trim(val);
    if (!val.empty() && val.front() == ':') val = trim(val.substr(1));
    uint32_t n = 0;
    if (base64 && key == "mode") {
      if (val == "rfc4648")
        t.mode = 0;
      else if (val == "rfc2045")
        t.mode = 1;
      else if (val == "strict")
        t.mode = 2;
      else
        return fail(fmt::format("from_base64: unknown mode '{}'", val));
    } else if (base64 && (key == "bytes" || key == "offset")) {
      if (!parse_int(val, n)) return fail(fmt::format("from_base64: bad {} '{}'", key, val));
      (key == "bytes" ? t.bytes : t.offset) = n;
    } else if (!base64 && key == "max-size") {
      if (!parse_int(val, n) || n == 0)
        return fail(fmt::format("{}: bad max-size '{}'", t.name, val));
      t.max_size = n;
    } else {
      return fail(fmt::format("{}: unknown option '{}'", t.name, key));
    }
  }
  return {};
}
}  // namespace

Result<void> transform(RuleBuilder& b, std::string_view arg) {
  // The registry passes the argument; the name is recovered from the rule text by the caller
  // through RuleBuilder::current_keyword.
  std::string_view name = b.current_keyword;
  if (b.sticky() == BufferId::Payload && name != "xor" && name != "from_base64")
    return fail("transform needs a sticky buffer before it");
  Transform t{std::string(name), std::string(trim(arg))};
  if (name == "xor") {
    auto key = unquote(arg, true);
    if (!key) return Unexpected{key.error()};
    if (key->empty() || key->size() % 2)
      return fail("xor key must be an even number of hex digits");
    for (char c : *key)
      if (!std::isxdigit(static_cast<unsigned char>(c))) return fail("xor key must be hex");
    t.arg = *key;
  } else if (name == "pcrexform") {
    auto re = unquote(arg, true);
    if (!re) return Unexpected{re.error()};
    t.arg = *re;
    auto code = compile_pcre(t.arg, 0, true);
    if (!code) return Unexpected{code.error()};
    t.re = std::move(*code);
  } else if (name == "from_base64" || name == "gunzip" || name == "zlib_deflate") {
    if (auto r = transform_options(t, trim(arg)); !r) return r;
    t.arg.clear();
  } else if (!trim(arg).empty()) {
    return fail(fmt::format("transform '{}' takes no argument", name));
  }
  return b.add_transform(std::move(t));
}

}  // namespace ww::detect::kw
