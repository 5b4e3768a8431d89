// Transforms: dotprefix, to_lowercase, to_uppercase, strip_whitespace, compress_whitespace,
// url_decode, to_md5, to_sha1, to_sha256, header_lowercase, strip_pseudo_headers, from_base64,
// xor:"key", pcrexform:"regex". They rewrite the sticky buffer before its matches run and must
// directly follow the sticky buffer keyword.
#include "detect/keywords/keywords.h"
#include "detect/keywords/pcre.h"
#include "detect/keywords/util.h"

namespace ww::detect::kw {

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
  }
  return b.add_transform(std::move(t));
}

}  // namespace ww::detect::kw
