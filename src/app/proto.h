// Application protocols wardwatch knows, and their EVE `app_proto` names. Adding a protocol
// adds one enumerator and one name here, and one ParserSpec line in app/registry.cpp.
#pragma once

#include <cstdint>
#include <string_view>

namespace ww::app {

enum class Proto : uint16_t {
  Unknown = 0,
  Http,
  Dns,
  Tls,
  Smb,
  Smtp,
  Ftp,
  FtpData,
  Ssh,
  Telnet,
  Dhcp,
  Hl7,
  Dicom,
  Fhir,
  Dcerpc,
  Failed,  // detection ran and nothing matched (Suricata's "failed")
  kCount
};

constexpr std::string_view proto_name(Proto p) {
  switch (p) {
    case Proto::Http: return "http";
    case Proto::Dns: return "dns";
    case Proto::Tls: return "tls";
    case Proto::Smb: return "smb";
    case Proto::Smtp: return "smtp";
    case Proto::Ftp: return "ftp";
    case Proto::FtpData: return "ftp-data";
    case Proto::Ssh: return "ssh";
    case Proto::Telnet: return "telnet";
    case Proto::Dhcp: return "dhcp";
    case Proto::Hl7: return "hl7";
    case Proto::Dicom: return "dicom";
    case Proto::Fhir: return "fhir";
    case Proto::Dcerpc: return "dcerpc";
    case Proto::Failed: return "failed";
    default: return "";
  }
}

}  // namespace ww::app
