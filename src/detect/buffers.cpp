// The buffer table; see buffers.h.
#include "detect/buffers.h"

#include <array>

namespace ww::detect {
namespace {

constexpr std::array<BufferSpec, kBufferCount> kSpecs = {{
#define WW_X(e, n, a, m, p) {BufferId::e, n, a, m, p},
    WW_DETECT_BUFFERS(WW_X)
#undef WW_X
}};

bool in_space_list(std::string_view list, std::string_view name) {
  while (!list.empty()) {
    size_t sp = list.find(' ');
    std::string_view item = list.substr(0, sp);
    if (item == name) return true;
    if (sp == std::string_view::npos) break;
    list.remove_prefix(sp + 1);
  }
  return false;
}

}  // namespace

std::span<const BufferSpec> buffer_specs() noexcept { return kSpecs; }

const BufferSpec& buffer_spec(BufferId id) noexcept {
  auto i = static_cast<size_t>(id);
  return kSpecs[i < kBufferCount ? i : 0];
}

std::optional<BufferId> buffer_by_sticky_name(std::string_view name) noexcept {
  for (const auto& s : kSpecs)
    if (s.name == name || in_space_list(s.legacy_sticky, name)) return s.id;
  return std::nullopt;
}

std::optional<BufferId> buffer_by_modifier(std::string_view name) noexcept {
  if (name.empty()) return std::nullopt;
  for (const auto& s : kSpecs)
    if (s.legacy_modifier == name) return s.id;
  return std::nullopt;
}

bool is_http_buffer(BufferId id) noexcept { return buffer_spec(id).proto == "http"; }

bool is_multi_buffer(BufferId id) noexcept {
  switch (id) {
    case BufferId::FileData:
    case BufferId::FileName:
    case BufferId::DnsQuery:
    case BufferId::DnsQueriesRrname:
    case BufferId::DnsAnswersRrname:
    case BufferId::DnsAuthoritiesRrname:
    case BufferId::DnsAdditionalsRrname:
    case BufferId::DnsResponseRrname:
    case BufferId::TlsCerts:
    case BufferId::TlsSubjectAltName:
    case BufferId::TlsAlpn:
    case BufferId::FtpReply:
    case BufferId::FtpCompletionCode:
      return true;
    default:
      return false;
  }
}

}  // namespace ww::detect
