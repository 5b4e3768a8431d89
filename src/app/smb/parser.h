// app/smb: SMB2/3 over TCP (MS-SMB2), behind the 4-byte NetBIOS session header (RFC 1002
// 4.3.1; port 445 uses the same framing). SMB1 (0xFF 'SMB') is recognised and flagged as
// legacy (smb.smb1, one transaction with dialect "NT LM 0.12"); an SMB3 TRANSFORM header
// (0xFD 'SMB', MS-SMB2 2.2.41) means that message is encrypted: noted once on a transaction and
// skipped by its NBSS length (plain messages may follow).
//
// What it does: negotiate (offered dialects, chosen dialect), session setup (NTLMSSP
// AUTHENTICATE inside the security blob: domain, user, host), tree connect (share, pipe when the
// share type is a pipe or the share is IPC$), create (name UTF-16LE -> UTF-8, disposition,
// file id), read/write (file id, offset, length; data streamed to ctx.file_* per file id and
// direction), close, set info (FileRenameInformation, FileDispositionInformation), every other
// command by name and status. Requests and responses are paired by MessageId into one Tx;
// compounded requests (NextCommand) are walked one by one.
//
// Invariants:
//  - Incremental: per direction a byte-driven state machine (NBSS header, message body); the
//    parser always consumes what it is given, so any split of the input gives the same Tx.
//  - Bounded: of each message only the first kKeep bytes are kept (headers, names, blobs);
//    READ/WRITE data beyond is streamed to file extraction straight from the input and never
//    buffered. At most kMaxPending requests wait for their response (the oldest is reported
//    without one when full), kMaxFiles open files and kMaxTrees trees are remembered.
//  - A message longer than kMaxMessage is smb.too_large and skipped; a message that is not
//    SMB is smb.malformed and stops the direction.
// Limits: names kept up to 256 bytes (UTF-8), NTLMSSP strings up to 64 bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "app/dcerpc/match.h"
#include "app/parser.h"
#include "app/tls/text.h"

namespace ww::app::smb {

inline constexpr uint32_t kKeep = 8 * 1024;
inline constexpr uint32_t kMaxMessage = 8 * 1024 * 1024 + 64 * 1024;
inline constexpr uint32_t kMaxPending = 8;
inline constexpr uint32_t kMaxFiles = 16;
inline constexpr uint32_t kMaxTrees = 8;
inline constexpr uint32_t kMaxDialects = 16;
inline constexpr uint32_t kMaxIfaces = 8;    // DCE/RPC bind context elements kept
inline constexpr uint32_t kMaxDceWait = 4;   // pipe writes waiting for their DCE/RPC answer
// The first bytes of a file in each direction, kept for the file.data rule buffer of its file
// Tx (from the flow arena, per file slot, on the slot's first data; reused by later files).
inline constexpr uint32_t kFileInspect = 16 * 1024;

// MS-SMB2 2.2.1.2 Command.
namespace cmd {
inline constexpr uint16_t kNegotiate = 0, kSessionSetup = 1, kLogoff = 2, kTreeConnect = 3,
                          kTreeDisconnect = 4, kCreate = 5, kClose = 6, kFlush = 7, kRead = 8,
                          kWrite = 9, kLock = 10, kIoctl = 11, kCancel = 12, kEcho = 13,
                          kQueryDirectory = 14, kChangeNotify = 15, kQueryInfo = 16,
                          kSetInfo = 17, kOplockBreak = 18;
}

// app-layer.protocols.smb.* (docs/protocols/smb.md): process-wide, set at start-up before the
// workers run (capture/worker.cpp), only read afterwards.
struct Settings {
  // max-tx (Suricata's): requests awaiting their response at most (kMaxPending bounds them
  // anyway: beyond it the oldest is reported without one). One more request is
  // smb.too_many_transactions and the direction stops on an error (a server that is seen but
  // never answers). Not applied while no packet at all came from the other side (a one-sided
  // capture, Suricata's async-oneside: nothing is waited for). 0: no such limit.
  uint32_t max_tx = 0;
};
void set_settings(const Settings& s) noexcept;
Settings settings() noexcept;

using Name = tls::BoundedStr<256>;
using Short = tls::BoundedStr<64>;
using Share = tls::BoundedStr<128>;

struct Tx {
  uint64_t tx_id = 0;
  uint64_t message_id = 0;
  uint64_t session_id = 0;
  uint32_t tree_id = 0;
  uint16_t command = 0;
  uint32_t status = 0;
  bool has_request = false;
  bool has_response = false;
  bool smb1 = false;       // a legacy SMB1 message (command is SMB1's)
  bool encrypted = false;  // a TRANSFORM header was seen: the rest is not readable
  uint16_t dialect = 0;    // negotiate response (0 = not known)
  uint16_t client_dialects[kMaxDialects] = {};
  uint8_t n_dialects = 0;
  Name filename;  // create; read/write/close/set info: the name the file was opened with
  Share share;    // tree connect path (\\server\share), or the tree's share
  bool named_pipe = false;
  bool has_disposition = false;
  uint32_t disposition = 0;  // MS-SMB2 2.2.13 CreateDisposition
  bool has_file_id = false;
  uint8_t file_id[16] = {};
  uint64_t offset = 0;  // read/write
  uint32_t length = 0;
  bool has_ntlmssp = false;
  Short ntlm_domain, ntlm_user, ntlm_host;
  uint8_t info_type = 0, info_class = 0;  // set info
  bool has_rename = false;
  Name rename_to;
  bool delete_on_close = false;  // FileDispositionInformation DeletePending; create option
  bool directory = false;        // create with FILE_DIRECTORY_FILE
  uint8_t share_type = 0;        // tree connect response: 1 disk, 2 pipe, 3 print
  bool has_times = false;        // create response: times (Unix seconds) and end of file
  uint64_t created = 0, accessed = 0, modified = 0, changed = 0, size = 0;
  bool has_server_guid = false;  // negotiate response
  uint8_t server_guid[16] = {};
  // All READs (to client) or WRITEs (to server) of one file in one direction: one Tx logged
  // when the file is closed, as Suricata's file transactions (filename, share, fuid).
  bool file_tx = false;
  // File Tx: the file's first bytes in its direction (file.data), up to kFileInspect; points
  // into the parser's arena buffer, valid until the file slot is reused.
  const uint8_t* file_data = nullptr;
  uint32_t file_data_len = 0;
  // DCE/RPC (C706 12.6) carried by a pipe WRITE and the READ that answers it, or by an
  // IOCTL FSCTL_PIPE_TRANSCEIVE: the PDU types, call id, opnum, stub sizes, bind interfaces.
  bool has_dce = false, dce_rsp_set = false;
  uint8_t dce_req = 0, dce_rsp = 0;
  uint32_t call_id = 0;
  uint16_t opnum = 0;
  uint32_t req_stub = 0, rsp_stub = 0;
  // BIND/ALTER_CONTEXT: its contexts (results from the answer); REQUEST: the bound interface
  // its context id refers to (0 or 1 entry).
  dcerpc::Iface ifaces[kMaxIfaces] = {};
  uint8_t n_ifaces = 0;
  bool dce_first_frag = false;  // the request PDU carried PFC_FIRST_FRAG
  uint16_t ctxid = 0;           // REQUEST: presentation context id
  // Stub data of the request (to server) and of the answer (to client) while the Tx is
  // inspected in that direction (dcerpc.stub_data); null otherwise.
  const uint8_t* dce_req_data = nullptr;
  uint32_t dce_req_len = 0;
  const uint8_t* dce_rsp_data = nullptr;
  uint32_t dce_rsp_len = 0;
  // The connection's bound DCE/RPC interfaces (dcerpc.iface), the parser's.
  const dcerpc::Iface* bound = nullptr;
  uint8_t n_bound = 0;
  // SMB1 ([MS-CIFS] 2.2.4): NEGOTIATE dialect strings (and the chosen one), SESSION_SETUP_ANDX
  // native OS / LAN manager of both sides; status as DOS error class/code when not NT status.
  tls::BoundedList<512, kMaxDialects> smb1_dialects;
  Short smb1_dialect;  // the dialect the flow negotiated ("NT LM 0.12"), empty when unknown
  bool has_native_req = false, has_native_rsp = false;
  Short native_os_req, native_lm_req, native_os_rsp, native_lm_rsp;
  bool dos_status = false;  // status is ErrorClass(8) << 16 | ErrorCode(16)
  // Not reported: a READ, a QUERY_INFO, a SET_INFO other than rename/delete, or a WRITE whose
  // data belongs to a file Tx (Suricata creates no transaction for them).
  bool quiet = false;
  // The to-server pass of a Tx reported with its response: no rule buffers (check() only).
  bool keywords_only = false;
};

// "SMB2_COMMAND_CREATE" ...; nullptr when unknown.
const char* command_name(uint16_t c) noexcept;
// "STATUS_SUCCESS" ...; "UNKNOWN" for the others.
const char* status_name(uint32_t s) noexcept;
// "2.02", "3.1.1" ...; writes into buf.
std::string_view dialect_name(uint16_t d, char (&buf)[8]) noexcept;
// MS-SMB2 2.2.13 CreateDisposition as Suricata names it ("FILE_OPEN" ...).
const char* disposition_name(uint32_t d) noexcept;

class SmbParser final : public Parser {
 public:
  // User-provided, so that make<SmbParser>() does not zero the whole object (40 KB: its Tx
  // slots and name buffers) before the member initialisers run: only what they name is set.
  SmbParser() noexcept {}
  ParseResult parse(Direction d, Bytes data, ParseContext& ctx) noexcept override;
  void gap(Direction d, uint64_t len, ParseContext& ctx) noexcept override;
  void finish(Direction d, ParseContext& ctx) noexcept override;

 private:
  enum class State : uint8_t { Nbss, Body, Encrypted, Dead };
  struct DirState {
    State state = State::Nbss;
    uint8_t nbss[4] = {};
    uint8_t nbss_have = 0;
    bool skip = false;        // a message that is not parsed (NBSS control, too large)
    uint32_t msg_len = 0;
    uint32_t msg_got = 0;
    uint32_t mark = 0;        // message offset at which early() looks again (UINT32_MAX: never)
    uint8_t* buf = nullptr;   // kKeep bytes from the flow arena
    uint32_t data_start = 0, data_end = 0;  // READ/WRITE data to stream (message offsets)
    uint32_t file = 0;        // ctx file id the data goes to (0: not tracked)
    int8_t file_slot = -1;    // files_ index the data belongs to (-1: none)
  };
  struct Pending {
    bool used = false;
    uint64_t seq = 0;
    Tx tx;
  };
  // The file Tx of one direction of a file (see Tx::file_tx).
  struct FileTx {
    bool open = false;
    bool has_response = false;
    uint16_t command = 0;
    uint32_t status = 0;
    uint32_t tree_id = 0;
    uint64_t tx_id = 0;
    uint64_t session_id = 0;
  };
  struct File {
    bool used = false;
    bool pipe = false;
    bool kind_known = false;  // the tree was seen (else the first data decides, as Suricata)
    bool smb1 = false;        // opened by an SMB1 NT_CREATE_ANDX (its Txs are SMB1's)
    uint8_t id[16] = {};
    Name name;
    Share share;
    uint32_t ctx_file[2] = {};  // per direction (write: to server, read: to client)
    FileTx ftx[2];
    uint32_t insp_len[2] = {};  // bytes of insp_[slot][dir] holding this file's first data
  };
  struct Tree {
    bool used = false;
    uint32_t id = 0;
    bool pipe = false;
    Share share;
  };

  void early(Direction d, ParseContext& ctx) noexcept;
  void end_message(Direction d, ParseContext& ctx) noexcept;
  void smb2(Direction d, Bytes msg, ParseContext& ctx) noexcept;
  bool command(Direction d, Bytes msg, ParseContext& ctx) noexcept;
  void request(Bytes m, Tx& tx, ParseContext& ctx) noexcept;
  void response(Bytes m, Tx& tx, ParseContext& ctx) noexcept;
  Pending* find_pending(uint64_t mid) noexcept;
  Pending& new_pending(ParseContext& ctx) noexcept;
  void emit(Tx& tx, Direction d, ParseContext& ctx) noexcept;
  void smb1(Direction d, Bytes m, ParseContext& ctx) noexcept;
  File* find_file(const uint8_t* id) noexcept;
  Tree* find_tree(uint32_t id) noexcept;
  void close_file(File& f, FileEnd end, ParseContext& ctx) noexcept;
  // Opens the file Tx of direction d (READ data: to client, WRITE data: to server).
  FileTx& open_file_tx(File& f, Direction d, uint16_t command, uint64_t session_id,
                       uint32_t tree_id) noexcept;
  void emit_file_tx(File& f, int dir, ParseContext& ctx) noexcept;
  // The file Tx of direction `dir` of f (what emit_file_tx reports).
  void file_tx(const File& f, int dir, Tx& tx) const noexcept;
  void malformed(ParseContext& ctx) noexcept;
  // A new request in direction d would pass max-tx: raises smb.too_many_transactions and
  // stops the direction (State::Dead). True when the request must not be kept.
  bool over_max_tx(Direction d, ParseContext& ctx) noexcept;
  uint32_t max_tx_ = settings().max_tx;
  // A new file slot for `id` (CREATE response), named after the request in `tx`.
  File& add_file(const uint8_t* id, const Tx& tx, ParseContext& ctx) noexcept;
  // READ/WRITE data of file `fid` at message offset [off, off + len): streams it from here on.
  void start_data(Direction d, Bytes m, const uint8_t* fid, uint32_t off, uint32_t len,
                  uint16_t command, uint64_t sid, uint32_t tree, ParseContext& ctx) noexcept;
  // File bytes of direction d: to the tracker and to the file's file.data prefix.
  void file_bytes(Direction d, Bytes b, ParseContext& ctx) noexcept;
  void smb1_early(Direction d, ParseContext& ctx) noexcept;
  void smb1_chain(Direction d, Bytes m, ParseContext& ctx) noexcept;
  // Appends to the file.data prefix of direction i of f (its slot's arena buffer).
  void append_insp(File& f, int i, Bytes b, ParseContext& ctx) noexcept;
  uint8_t* insp_[kMaxFiles][2] = {};
  bool insp_failed_ = false;  // the arena refused an inspection buffer: no more tries

  DirState dir_[2];
  Pending pending_[kMaxPending];
  File files_[kMaxFiles];
  Tree trees_[kMaxTrees];
  uint64_t seq_ = 0;
  uint64_t next_tx_ = 0;
  uint16_t dialect_ = 0;
  bool smb1_reported_ = false;
  // An SMB1 NEGOTIATE request waiting for its answer, which may be an SMB2 NEGOTIATE response
  // (multi-protocol negotiate, MS-SMB2 3.3.5.3.1): one Tx for both, as Suricata.
  bool smb1_negotiate_ = false;
  Tx smb1_neg_tx_;
  Short smb1_dialect_;  // negotiated SMB1 dialect string
  // The name of the last CREATE of the compounded chain being walked: related operations
  // (SMB2_FLAGS_RELATED_OPERATIONS) with FileId all 0xFF act on the file it opens.
  Name chain_name_;
  // Pipe WRITEs whose DCE/RPC answer (in a later READ) has not come yet.
  Tx dce_wait_[kMaxDceWait];
  bool dce_wait_used_[kMaxDceWait] = {};
  void park_dce(Tx& tx, ParseContext& ctx) noexcept;
  // A DCE/RPC request in a pipe WRITE/IOCTL: inspected to server at once (on_inspect).
  void inspect_dce(Tx& tx, ParseContext& ctx) noexcept;
  // A BIND_ACK/ALTER_CONTEXT_RESP answered tx: its accepted contexts become bound interfaces.
  void bind_dce(const Tx& tx) noexcept;
  dcerpc::Iface dce_bound_[dcerpc::kMaxBound] = {};
  uint8_t n_dce_bound_ = 0;
  void answer_dce(Bytes data, ParseContext& ctx) noexcept;
  bool related_ = false;  // the command being read is a related compounded one
  bool encrypted_reported_ = false;
  bool done_[2] = {false, false};
  bool flushed_ = false;
};

ProbeResult probe(Direction d, Bytes first_bytes) noexcept;
Parser* create(ParseContext& ctx) noexcept;
void log_tx(const void* tx, output::EveWriter& w) noexcept;
void buffers(const void* tx, Direction d, detect::InspectBuffers& out) noexcept;
bool check(const void* tx, Direction d, std::string_view keyword, std::string_view value) noexcept;

extern const ParserSpec kSpec;

}  // namespace ww::app::smb
