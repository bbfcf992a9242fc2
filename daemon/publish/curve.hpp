#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_set>
#include <vector>
#include <zmq.hpp>

namespace fw::publish {

// CURVE (RFC 26) encryption and authentication for the daemon's sockets (docs/security.md).
// Keys travel as Z85 text: 40 characters for 32 bytes.

inline constexpr std::size_t k_z85_key_size = 40;
// The ZAP domain of feedwire's CURVE server sockets; the ZapHandler answers only for it.
inline constexpr std::string_view k_zap_domain = "feedwire";

struct KeyPair {
  std::string public_key; // Z85, 40 characters
  std::string secret_key; // Z85, 40 characters
};

// A fresh key pair from libzmq's CSPRNG (zmq_curve_keypair). Throws fw::FatalError when libzmq
// was built without CURVE.
[[nodiscard]] KeyPair generate_key_pair();

// The public key of a Z85 secret key (zmq_curve_public). Throws fw::ConfigError when `secret`
// is not a 40-character Z85 key.
[[nodiscard]] std::string public_key_of(std::string_view secret_key);

// True when `key` is 40 characters of the Z85 alphabet.
[[nodiscard]] bool is_z85_key(std::string_view key) noexcept;

// The text of a key file as `feedwire keygen` writes it: a '#' comment header saying what the
// file is, then the layout CZMQ and pyzmq use for certificates (so zmq.auth.load_certificate()
// reads it too):
//
//   metadata
//   curve
//       public-key = "..."
//       secret-key = "..."      (only in the secret key file)
//
// `secret_key` empty: the public (.pub) file.
[[nodiscard]] std::string format_key_file(const KeyPair& keys);

// Reads a secret key file (PREFIX.key from `feedwire keygen`, or a CZMQ/pyzmq secret
// certificate). The public key, when the file has one, must belong to the secret key; when it
// has none it is derived. Throws fw::ConfigError naming the file (and the line) when it cannot
// be read, is readable or writable by group or others (mode & 077: "chmod 600 FILE"), has no
// secret-key, a key that is not 40 Z85 characters, an unknown line, or keys that do not match.
[[nodiscard]] KeyPair read_key_file(const std::filesystem::path& file);

// A public key: `key_or_file` itself when it is a 40-character Z85 key and no file of that
// name exists, else the public-key of that file (a .pub or a .key file; from a .key file without
// a public-key line, derived from its secret key; no mode check, nothing secret is kept).
// Throws fw::ConfigError as read_key_file() does.
[[nodiscard]] std::string read_public_key(std::string_view key_or_file);

// The client public keys of an allowed clients file: one Z85 key per line as the first word;
// the rest of the line is ignored (a name); blank lines and lines starting with '#' are comments
// (no Z85 key starts with '#'). Duplicates are kept once, in file order. Throws fw::ConfigError
// naming file:line for any other line, and the file when it cannot be read. May return an empty
// list.
[[nodiscard]] std::vector<std::string> read_allowed_clients(const std::filesystem::path& file);

// What a CURVE server socket needs: its key pair and the clients it lets in.
struct CurveServer {
  KeyPair keys;
  std::vector<std::string> allowed_clients; // Z85 public keys
};

// [security] curve_secret_key_file and curve_allowed_clients_file, read and checked: throws
// fw::ConfigError as read_key_file() and read_allowed_clients() do, and when the allowed list
// names no key (every client would be refused).
[[nodiscard]] CurveServer load_curve_server(const std::filesystem::path& secret_key_file,
                                            const std::filesystem::path& allowed_clients_file);

// Makes `socket` a CURVE server in domain k_zap_domain. Call before bind(), with a ZapHandler
// running on the socket's context (without one, libzmq lets every CURVE client in). Throws
// fw::ConfigError when libzmq refuses an option (a malformed secret key).
void make_curve_server(zmq::socket_t& socket, const CurveServer& server);

// Makes `socket` a CURVE client of the server with public key `server_public` (Z85),
// authenticating with `client`. Call before connect(). Throws zmq::error_t for a malformed key.
void make_curve_client(zmq::socket_t& socket, const std::string& server_public,
                       const KeyPair& client);

// A client's CURVE settings, as `feedwire sub --server-key --client-key` gives them.
struct CurveClient {
  std::string server_public_key; // Z85
  KeyPair client_keys;
};

// The CURVE settings of `--server-key KEY|FILE --client-key FILE` (feedwire sub, feedwire ctl):
// none when neither is given. Throws fw::ConfigError when only one is, or a key is bad.
[[nodiscard]] std::optional<CurveClient> curve_client(const std::optional<std::string>& server_key,
                                                      const std::optional<std::string>& client_key);

// Answers the ZAP (RFC 27) requests of the CURVE server sockets of one ZeroMQ context, on a
// thread of its own: a CURVE client whose public key is allowed gets 200 (its user id is its
// Z85 key), anything else 400: an unknown key, NULL or PLAIN, another domain; a request of
// another ZAP version 500. Each refused key is logged once at warn, with its Z85 and address,
// and at most k_max_logged_refusals lines a minute (the rest counted in one line), so a client
// retrying or a flood of keys cannot fill the log.
//
// Lifetime: construct it before the server socket binds (until it runs, libzmq lets every CURVE
// client in), and stop or destroy it after that socket is closed and before the context is
// terminated: zmq_ctx_term waits for the handler's sockets, which stop() closes. One per
// context: a second one on the same context fails to bind.
class ZapHandler {
public:
  static constexpr int k_max_logged_refusals = 10; // per minute

  // Binds inproc://zeromq.zap.01 in `context` and starts the thread. Throws fw::ConfigError for
  // a malformed key and fw::FatalError when the bind fails (a handler already runs on this
  // context) or the system refuses a thread. `context` must outlive this object.
  ZapHandler(zmq::context_t& context, const std::vector<std::string>& allowed_clients);
  // stop().
  ~ZapHandler();

  ZapHandler(const ZapHandler&) = delete;
  ZapHandler& operator=(const ZapHandler&) = delete;
  ZapHandler(ZapHandler&&) = delete;
  ZapHandler& operator=(ZapHandler&&) = delete;

  // Ends the thread and closes its socket; later handshakes on the context get no answer from
  // it. Idempotent; any thread.
  void stop() noexcept;

  // Requests answered 200 and otherwise. Any thread.
  [[nodiscard]] std::uint64_t accepted() const noexcept { return m_accepted.load(); }
  [[nodiscard]] std::uint64_t refused() const noexcept { return m_refused.load(); }

private:
  void run() noexcept;
  void answer();
  void note_refusal(const std::string& key_z85, const std::string& address, std::string_view why);

  std::unordered_set<std::string> m_allowed; // raw 32-byte keys
  zmq::socket_t m_socket;                    // REP; the thread's once it has started
  zmq::socket_t m_stop_in;                   // PAIR; the thread's
  zmq::socket_t m_stop_out;                  // PAIR; stop()'s
  std::mutex m_stop_mutex;
  std::thread m_thread;
  std::atomic<std::uint64_t> m_accepted{0};
  std::atomic<std::uint64_t> m_refused{0};

  // The thread's own: keys already logged, and this minute's log budget.
  std::unordered_set<std::string> m_logged_keys;
  std::int64_t m_log_minute = 0;
  int m_logged_this_minute = 0;
  std::uint64_t m_unlogged_this_minute = 0;
};

// True when `endpoint` can be reached only from this host: ipc:// and inproc://, and tcp://
// (also ws://, wss://, udp://) on 127.0.0.0/8, [::1], localhost or the interface lo. False for
// tcp://*, 0.0.0.0, [::], any other address or interface, and other transports. The daemon
// warns when it binds a non-loopback endpoint without CURVE.
[[nodiscard]] bool is_loopback_endpoint(std::string_view endpoint);

} // namespace fw::publish
