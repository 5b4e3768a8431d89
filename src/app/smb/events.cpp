// EVE `smb` object with Suricata's field names: id, dialect, command, status, status_code,
// session_id, tree_id, and per command filename, disposition, fuid, share, share_type,
// named_pipe, client_dialects, ntlmssp {domain, user, host}, rename {from, to},
// set_info {class, info_level}, read/write offset and length; encrypted when a TRANSFORM
// header was seen.
#include <cstdio>

#include "app/smb/parser.h"
#include "core/hex.h"
#include "output/eve.h"

namespace ww::app::smb {
namespace {

const char* smb1_command_name(uint8_t c) noexcept {
  switch (c) {  // [MS-CIFS] 2.2.2.1, the ones a legacy client starts with
    case 0x72: return "SMB1_COMMAND_NEGOTIATE_PROTOCOL";
    case 0x73: return "SMB1_COMMAND_SESSION_SETUP_ANDX";
    case 0x75: return "SMB1_COMMAND_TREE_CONNECT_ANDX";
    case 0x74: return "SMB1_COMMAND_LOGOFF_ANDX";
    case 0x71: return "SMB1_COMMAND_TREE_DISCONNECT";
    case 0x2B: return "SMB1_COMMAND_ECHO";
    case 0xA2: return "SMB1_COMMAND_NT_CREATE_ANDX";
    case 0x04: return "SMB1_COMMAND_CLOSE";
    case 0x2D: return "SMB1_COMMAND_OPEN_ANDX";
    case 0x2E: return "SMB1_COMMAND_READ_ANDX";
    case 0x2F: return "SMB1_COMMAND_WRITE_ANDX";
    case 0x25: return "SMB1_COMMAND_TRANS";
    case 0x32: return "SMB1_COMMAND_TRANS2";
    default: return "SMB1_COMMAND_UNKNOWN";
  }
}

// 16 bytes as Suricata prints a GUID: the first three fields little-endian as MS-DTYP 2.3.4.2
// says, and the last 8 bytes as two little-endian 16-bit and one 32-bit value.
void guid(output::EveWriter& w, const char* key, const uint8_t* id) {
  // Byte order of "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x".
  static constexpr uint8_t kOrder[16] = {3, 2, 1, 0, 5, 4, 7, 6, 9, 8, 11, 10, 15, 14, 13, 12};
  char b[36];
  size_t n = 0;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) b[n++] = '-';
    hex::byte(id[kOrder[i]], b + n);
    n += 2;
  }
  w.kv(key, std::string_view(b, n));
}

// MS-SMB2 2.2.14.1 SMB2_FILEID (persistent, volatile) printed as a GUID, as Suricata.
void fuid(output::EveWriter& w, const uint8_t* id) { guid(w, "fuid", id); }

// The file's times and size (create/close responses), as Suricata names them.
void times(output::EveWriter& w, const Tx& tx) {
  if (!tx.has_times) return;
  w.kv("created", tx.created);
  w.kv("accessed", tx.accessed);
  w.kv("modified", tx.modified);
  w.kv("changed", tx.changed);
  w.kv("size", tx.size);
}

// NTLMSSP AUTHENTICATE fields of a session setup (SMB1 and SMB2).
void ntlmssp(output::EveWriter& w, const Tx& tx) {
  if (!tx.has_ntlmssp) return;
  auto& j = w.begin_raw();
  j.Key("ntlmssp");
  j.StartObject();
  w.kv("domain", tx.ntlm_domain.view());
  w.kv("user", tx.ntlm_user.view());
  w.kv("host", tx.ntlm_host.view());
  j.EndObject();
}

// SMB1 session setup: the native OS and LAN manager of one side, under `key`.
void native(output::EveWriter& w, const char* key, std::string_view os, std::string_view lm) {
  auto& j = w.begin_raw();
  j.Key(key);
  j.StartObject();
  w.kv("native_os", os);
  w.kv("native_lm", lm);
  j.EndObject();
}

// [MS-CIFS] 2.2.2.4 SMB_ERROR classes ERRDOS (1) and ERRSRV (2), as Suricata names them.
const char* dos_error_name(uint32_t s) {
  uint8_t cls = uint8_t(s >> 16);
  uint16_t code = uint16_t(s);
  if (cls == 0 && code == 0) return "STATUS_SUCCESS";
  if (cls == 1) {
    switch (code) {
      case 1: return "DOS_BADFUNC";
      case 2: return "DOS_BADFILE";
      case 3: return "DOS_BADPATH";
      case 5: return "DOS_NOACCESS";
      case 6: return "DOS_BADFID";
      default: break;
    }
  } else if (cls == 2) {
    switch (code) {
      case 1: return "SRV_ERROR";
      case 2: return "SRV_BADPW";
      case 4: return "SRV_ACCESS";
      case 5: return "SRV_INVTID";
      case 6: return "SRV_INVNETNAME";
      case 91: return "SRV_BADUID";
      default: break;
    }
  }
  return "UNKNOWN";
}

// The "dcerpc" object of Suricata's smb record.
void dcerpc(output::EveWriter& w, const Tx& tx) {
  auto& j = w.begin_raw();
  j.Key("dcerpc");
  j.StartObject();
  w.kv("request", dcerpc::type_name(tx.dce_req));
  w.kv("response", tx.dce_rsp_set ? dcerpc::type_name(tx.dce_rsp) : "UNREPLIED");
  bool bind = tx.dce_req == 11 || tx.dce_req == 14;
  if ((bind || tx.dce_req == 0) && tx.n_ifaces) {
    // A BIND's contexts with their results; a REQUEST's interface (Suricata 8.0.5).
    j.Key("interfaces");
    j.StartArray();
    for (uint8_t i = 0; i < tx.n_ifaces; ++i) {
      const dcerpc::Iface& f = tx.ifaces[i];
      char b[37];
      dcerpc::uuid_text(f.uuid, b);
      j.StartObject();
      w.kv("uuid", std::string_view(b, 36));
      int n = std::snprintf(b, sizeof b, "%u.%u", unsigned(f.ver), unsigned(f.ver_min));
      w.kv("version", std::string_view(b, size_t(n)));
      if (bind && f.acked) {
        w.kv("ack_result", uint64_t(f.result));
        // Suricata's SMB DCE/RPC record always says 0 here (it keeps only the result); the
        // provider reason is kept in the Tx for rules and tools but logged as Suricata does.
        w.kv("ack_reason", uint64_t(0));
      }
      j.EndObject();
    }
    j.EndArray();
  }
  if (tx.dce_req == 0) {
    w.kv("opnum", uint64_t(tx.opnum));
    j.Key("req");
    j.StartObject();
    w.kv("opnum", uint64_t(tx.opnum));
    w.kv("frag_cnt", uint64_t(1));
    w.kv("stub_data_size", uint64_t(tx.req_stub));
    j.EndObject();
  }
  if (tx.dce_rsp_set && tx.dce_rsp == 2) {
    j.Key("res");
    j.StartObject();
    w.kv("frag_cnt", uint64_t(1));
    w.kv("stub_data_size", uint64_t(tx.rsp_stub));
    j.EndObject();
  }
  w.kv("call_id", uint64_t(tx.call_id));
  j.EndObject();
}

const char* share_type_name(uint8_t t) {
  switch (t) {  // MS-SMB2 2.2.10 ShareType
    case 1: return "FILE";
    case 2: return "PIPE";
    case 3: return "PRINT";
    default: return "UNKNOWN";
  }
}

}  // namespace

void log_tx(const void* p, output::EveWriter& w) noexcept {
  const Tx& tx = *static_cast<const Tx*>(p);
  auto& j = w.begin_raw();
  j.StartObject();
  w.kv("id", tx.tx_id + 1);  // Suricata counts SMB transactions from 1
  char db[8];
  if (tx.smb1 && !tx.dialect)  // the negotiated SMB1 dialect string, as Suricata
    w.kv("dialect", tx.smb1_dialect.empty() ? std::string_view("unknown") : tx.smb1_dialect.view());
  else if (tx.dialect)
    w.kv("dialect", dialect_name(tx.dialect, db));
  else
    w.kv("dialect", "unknown");
  if (tx.encrypted) {
    w.kv_bool("encrypted", true);
    j.EndObject();
    return;
  }
  const char* cn = tx.smb1 ? smb1_command_name(uint8_t(tx.command)) : command_name(tx.command);
  w.kv("command", cn ? cn : "SMB2_COMMAND_UNKNOWN");
  if (tx.has_response && tx.dos_status) {  // [MS-CIFS] 2.2.2.4 ErrorClass / ErrorCode
    w.kv("status", dos_error_name(tx.status));
    char sc[18] = {'0', 'x'};
    size_t n = 2 + output::format_hex(tx.status & 0xFFFF, 4, sc + 2);
    w.kv("status_code", std::string_view(sc, n));
  } else if (tx.has_response) {
    w.kv("status", status_name(tx.status));
    char sc[18] = {'0', 'x'};
    size_t n = 2 + output::format_hex(tx.status, 1, sc + 2);
    w.kv("status_code", std::string_view(sc, n));
  }
  if (tx.smb1) {
    if (tx.command != 0x72) {
      w.kv("session_id", tx.session_id);
      w.kv("tree_id", uint64_t(tx.tree_id));
    }
    if (tx.smb1_dialects.count) {
      j.Key("client_dialects");
      j.StartArray();
      for (size_t i = 0; i < tx.smb1_dialects.count; ++i) j.String(tx.smb1_dialects[i]);
      j.EndArray();
    }
    if (tx.has_server_guid) guid(w, "server_guid", tx.server_guid);
    if (tx.command == 0x75 && !tx.share.empty()) w.kv(tx.named_pipe ? "named_pipe" : "share", tx.share.view());
    // NT_CREATE_ANDX, CLOSE and the file transactions: the file, as for SMB2.
    if (!tx.filename.empty()) w.kv("filename", tx.filename.view());
    if (tx.file_tx && !tx.share.empty()) w.kv("share", tx.share.view());
    if (tx.has_disposition) w.kv("disposition", disposition_name(tx.disposition));
    times(w, tx);
    if (tx.has_file_id) fuid(w, tx.file_id);
    ntlmssp(w, tx);
    if (tx.has_native_req) native(w, "request", tx.native_os_req.view(), tx.native_lm_req.view());
    if (tx.has_native_rsp) native(w, "response", tx.native_os_rsp.view(), tx.native_lm_rsp.view());
    j.EndObject();
    return;
  }
  w.kv("session_id", tx.session_id);
  w.kv("tree_id", uint64_t(tx.tree_id));
  if (tx.file_tx) {  // a file's READs or WRITEs, as Suricata's file transactions
    w.kv("filename", tx.filename.view());
    w.kv("share", tx.share.view());
    fuid(w, tx.file_id);
    j.EndObject();
    return;
  }
  if (tx.command == cmd::kCreate) {
    // As Suricata: "directory" for a directory, "<share_root>" for the empty name.
    std::string_view name = tx.filename.empty() ? "<share_root>" : tx.filename.view();
    w.kv(tx.directory ? "directory" : "filename", name);
  } else if (!tx.filename.empty()) {
    w.kv("filename", tx.filename.view());
  }
  if (tx.has_disposition) w.kv("disposition", disposition_name(tx.disposition));
  bool disposition_info = tx.command == cmd::kSetInfo && tx.info_class == 13;
  if (tx.command == cmd::kCreate || disposition_info)
    w.kv("access", tx.delete_on_close ? "delete on close" : "normal");
  times(w, tx);
  if (tx.has_file_id) fuid(w, tx.file_id);
  if (tx.has_server_guid) guid(w, "server_guid", tx.server_guid);
  if (tx.command == cmd::kTreeConnect) {
    // Suricata: the path is "named_pipe" for a pipe (IPC$) and "share" otherwise.
    w.kv(tx.named_pipe ? "named_pipe" : "share", tx.share.view());
    w.kv("share_type", share_type_name(tx.share_type ? tx.share_type : tx.named_pipe ? 2 : 0));
  } else if (!tx.share.empty()) {
    w.kv("share", tx.share.view());
    w.kv("share_type", tx.named_pipe ? "PIPE" : "FILE");
  }
  if (tx.named_pipe && tx.command == cmd::kCreate) w.kv("named_pipe", tx.filename.view());
  if (tx.n_dialects) {
    j.Key("client_dialects");
    j.StartArray();
    for (uint8_t i = 0; i < tx.n_dialects; ++i) j.String(dialect_name(tx.client_dialects[i], db));
    j.EndArray();
  }
  ntlmssp(w, tx);
  if (tx.command == cmd::kRead || tx.command == cmd::kWrite) {
    w.kv("offset", tx.offset);
    w.kv("length", uint64_t(tx.length));
  }
  if (tx.command == cmd::kSetInfo) {
    j.Key("set_info");
    j.StartObject();
    w.kv("class", tx.info_type == 1 ? "FILE_INFO" : "OTHER");
    w.kv("info_level", tx.info_class == 10   ? "SMB2_FILE_RENAME_INFO"
                       : tx.info_class == 13 ? "SMB2_FILE_DISPOSITION_INFO"
                                             : "OTHER");
    j.EndObject();
  }
  if (tx.has_rename) {
    j.Key("rename");
    j.StartObject();
    w.kv("from", tx.filename.view());
    w.kv("to", tx.rename_to.view());
    j.EndObject();
  }
  if (disposition_info) w.kv_bool("delete", tx.delete_on_close);
  if (tx.has_dce) dcerpc(w, tx);
  j.EndObject();
}

}  // namespace ww::app::smb
