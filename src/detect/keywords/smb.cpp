// SMB keywords checked against the transaction by the SMB parser (ParserSpec::check):
// smb.version:1|2 (the transaction is SMB1, or SMB2/3). The share and named pipe keywords are
// sticky buffers (detect/buffers.h).
#include "detect/keywords/keywords.h"
#include "detect/keywords/util.h"

namespace ww::detect::kw {

Result<void> smb_version(RuleBuilder& b, std::string_view arg) {
  arg = trim(arg);
  if (arg != "1" && arg != "2") return fail(fmt::format("invalid SMB version '{}' (1 or 2)", arg));
  b.rule.app_checks.push_back({"smb.version", std::string(arg), false});
  return {};
}

}  // namespace ww::detect::kw
