#include "publish/curve.hpp"

#include "publish/zmq_poll.hpp"
#include "util/errors.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <optional>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>
#include <utility>

namespace fw::publish {
namespace {

namespace fs = std::filesystem;

// RFC 32 (Z85).
constexpr std::string_view k_z85_alphabet =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
constexpr std::size_t k_raw_key_size = 32;
// Key files are a few lines; an allowed clients file a line per client.
constexpr std::size_t k_max_key_file_bytes = 64 * 1024;
constexpr std::size_t k_max_allowed_clients_bytes = 16 * 1024 * 1024;

// RFC 27 (ZAP): the handler's endpoint in the server socket's context, and the frames of a
// request (after the empty delimiter, which the REP socket strips): version, request id,
// domain, address, routing id, mechanism, then the mechanism's credentials (CURVE: the client's
// 32-byte public key). The reply: version, request id, status code, status text, user id,
// metadata.
constexpr const char* k_zap_endpoint = "inproc://zeromq.zap.01";
constexpr std::string_view k_zap_version = "1.0";
constexpr std::size_t k_zap_request_frames = 6; // before the credentials
// Refused keys remembered so that each is logged once; past this the memory starts over.
constexpr std::size_t k_max_remembered_keys = 4096;

enum class Secrecy { secret, public_ };

struct FileText {
  std::string text;
};

// The whole file. A secret file must be private to its owner (ssh refuses such a key too).
FileText read_file(const fs::path& file, std::size_t max_bytes, Secrecy secrecy) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    throw ConfigError(file.string() + ": cannot read: " + std::strerror(errno));
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    throw ConfigError(file.string() + ": cannot read: " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    throw ConfigError(file.string() + ": not a regular file");
  }
  if (secrecy == Secrecy::secret && (st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    throw ConfigError(file.string() +
                      ": the secret key file is accessible by group or others (mode " + mode +
                      "); refusing to use it: run `chmod 600 " + file.string() + "`");
  }
  if (static_cast<std::uintmax_t>(st.st_size) > max_bytes) {
    throw ConfigError(file.string() + ": too large for a key file (" + std::to_string(st.st_size) +
                      " bytes, at most " + std::to_string(max_bytes) + ")");
  }
  FileText out;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw ConfigError(file.string() + ": cannot read: " + std::strerror(errno));
    }
    if (n == 0) {
      break;
    }
    out.text.append(buffer, static_cast<std::size_t>(n));
    if (out.text.size() > max_bytes) {
      throw ConfigError(file.string() + ": too large for a key file");
    }
  }
  return out;
}

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) {
    return {};
  }
  const auto last = s.find_last_not_of(" \t\r");
  return s.substr(first, last - first + 1);
}

// Calls `on_line(number, line)` for each line of `text`, numbered from 1.
template <typename OnLine> void for_each_line(std::string_view text, OnLine on_line) {
  int number = 0;
  while (!text.empty()) {
    const auto end = text.find('\n');
    ++number;
    on_line(number, text.substr(0, end));
    if (end == std::string_view::npos) {
      break;
    }
    text.remove_prefix(end + 1);
  }
}

// The 32 bytes of a Z85 key, or why `key` is not one. The reason never quotes the key (it may
// be a secret one).
std::optional<std::string> decode_key(std::string_view key, std::string& why) {
  if (key.size() != k_z85_key_size) {
    why = "has " + std::to_string(key.size()) + " characters; a Z85 key has 40";
    return std::nullopt;
  }
  for (std::size_t i = 0; i < key.size(); ++i) {
    if (k_z85_alphabet.find(key[i]) == std::string_view::npos) {
      why = "character " + std::to_string(i + 1) + " is not in the Z85 alphabet";
      return std::nullopt;
    }
  }
  const std::string terminated(key);
  std::string raw(k_raw_key_size, '\0');
  if (zmq_z85_decode(reinterpret_cast<std::uint8_t*>(raw.data()), terminated.c_str()) == nullptr) {
    why = "is not valid Z85 (a group of 5 characters is out of range)";
    return std::nullopt;
  }
  return raw;
}

std::string encode_key(std::string_view raw) {
  char z85[k_z85_key_size + 1] = {};
  zmq_z85_encode(z85, reinterpret_cast<const std::uint8_t*>(raw.data()), raw.size());
  return z85;
}

struct KeyLine {
  std::string key;
  int line = 0;
};

struct ParsedKeyFile {
  std::optional<KeyLine> public_key;
  std::optional<KeyLine> secret_key;
};

// Reads `public-key = "..."` and `secret-key = "..."`, in the layout format_key_file() writes
// and CZMQ's ZPL certificates (sections `metadata` and `curve`; what `metadata` holds is not
// ours and is skipped). Values may be quoted with " or ' or bare.
ParsedKeyFile parse_key_file(const fs::path& file, std::string_view text) {
  ParsedKeyFile parsed;
  bool is_metadata = false;
  for_each_line(text, [&](int number, std::string_view raw_line) {
    const std::string_view line = trim(raw_line);
    const std::string where = file.string() + ":" + std::to_string(number) + ": ";
    if (line.empty() || line.front() == '#') {
      return;
    }
    if (line == "metadata" || line == "curve") {
      is_metadata = line == "metadata";
      return;
    }
    // '=' is a Z85 character: a bare key on a line has one. Nothing of an unexpected line is
    // quoted back, as it may hold a secret key.
    const auto eq = line.find('=');
    const std::string_view name = trim(line.substr(0, eq));
    if (eq != std::string_view::npos && is_metadata) {
      return;
    }
    if (eq == std::string_view::npos || (name != "public-key" && name != "secret-key")) {
      throw ConfigError(where + "expected `public-key = \"...\"` or `secret-key = \"...\"` " +
                        "(a key file has those two keys, under `curve`, and `metadata`)");
    }
    std::string_view value = trim(line.substr(eq + 1));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    }
    std::string why;
    if (!decode_key(value, why)) {
      throw ConfigError(where + std::string(name) + " " + why);
    }
    std::optional<KeyLine>& slot = name == "public-key" ? parsed.public_key : parsed.secret_key;
    if (slot) {
      throw ConfigError(where + "a second " + std::string(name) + " (the first is on line " +
                        std::to_string(slot->line) + ")");
    }
    slot = KeyLine{std::string(value), number};
  });
  return parsed;
}

// A ZAP reply's status, its text and, for 200, the user id.
struct Verdict {
  std::string_view status_code;
  std::string_view status_text;
  std::string user_id;
};

} // namespace

KeyPair generate_key_pair() {
  char public_key[k_z85_key_size + 1] = {};
  char secret_key[k_z85_key_size + 1] = {};
  if (zmq_curve_keypair(public_key, secret_key) != 0) {
    throw FatalError(std::string("curve: cannot make a key pair (is libzmq built with CURVE?): ") +
                     zmq_strerror(zmq_errno()));
  }
  return {public_key, secret_key};
}

std::string public_key_of(std::string_view secret_key) {
  std::string why;
  if (!decode_key(secret_key, why)) {
    throw ConfigError("curve: the secret key " + why);
  }
  const std::string terminated(secret_key);
  char public_key[k_z85_key_size + 1] = {};
  if (zmq_curve_public(public_key, terminated.c_str()) != 0) {
    throw ConfigError(std::string("curve: cannot derive the public key: ") +
                      zmq_strerror(zmq_errno()));
  }
  return public_key;
}

bool is_z85_key(std::string_view key) noexcept {
  try {
    std::string why;
    return decode_key(key, why).has_value();
  } catch (const std::bad_alloc&) {
    return false;
  }
}

std::string format_key_file(const KeyPair& keys) {
  std::string out;
  if (keys.secret_key.empty()) {
    out += "#   feedwire CURVE public key (written by `feedwire keygen`).\n"
           "#   Give it out: clients pass a server's public key to `feedwire sub --server-key`;\n"
           "#   a server lists its clients' in [security] curve_allowed_clients_file.\n";
  } else {
    out += "#   feedwire CURVE secret key (written by `feedwire keygen`).\n"
           "#   Keep it private: mode 0600, never copied to another party. Give out the public\n"
           "#   key in the .pub file beside it.\n";
  }
  out += "metadata\ncurve\n    public-key = \"" + keys.public_key + "\"\n";
  if (!keys.secret_key.empty()) {
    out += "    secret-key = \"" + keys.secret_key + "\"\n";
  }
  return out;
}

KeyPair read_key_file(const fs::path& file) {
  const FileText content = read_file(file, k_max_key_file_bytes, Secrecy::secret);
  const ParsedKeyFile parsed = parse_key_file(file, content.text);
  if (!parsed.secret_key) {
    throw ConfigError(file.string() + ": no secret-key line; is this the public (.pub) file? " +
                      "The secret key file is the .key file `feedwire keygen --out PREFIX` writes");
  }
  KeyPair keys{public_key_of(parsed.secret_key->key), parsed.secret_key->key};
  if (parsed.public_key && parsed.public_key->key != keys.public_key) {
    throw ConfigError(file.string() + ":" + std::to_string(parsed.public_key->line) +
                      ": public-key does not belong to the secret-key on line " +
                      std::to_string(parsed.secret_key->line) +
                      " (the file was edited or mixes two key pairs)");
  }
  return keys;
}

std::string read_public_key(std::string_view key_or_file) {
  std::error_code ec;
  const fs::path file(key_or_file);
  if (is_z85_key(key_or_file) && !fs::exists(file, ec)) {
    return std::string(key_or_file);
  }
  if (!fs::exists(file, ec)) {
    std::string why;
    (void)decode_key(key_or_file, why);
    throw ConfigError(std::string(key_or_file) +
                      ": neither a key file nor a Z85 public key (as a key, it " + why + ")");
  }
  const FileText content = read_file(file, k_max_key_file_bytes, Secrecy::public_);
  const ParsedKeyFile parsed = parse_key_file(file, content.text);
  if (parsed.public_key) {
    if (parsed.secret_key && public_key_of(parsed.secret_key->key) != parsed.public_key->key) {
      throw ConfigError(file.string() + ":" + std::to_string(parsed.public_key->line) +
                        ": public-key does not belong to the secret-key on line " +
                        std::to_string(parsed.secret_key->line));
    }
    return parsed.public_key->key;
  }
  if (parsed.secret_key) {
    return public_key_of(parsed.secret_key->key);
  }
  throw ConfigError(file.string() + ": no public-key line (expected `public-key = \"...\"`, as "
                                    "`feedwire keygen` writes it)");
}

std::vector<std::string> read_allowed_clients(const fs::path& file) {
  const FileText content = read_file(file, k_max_allowed_clients_bytes, Secrecy::public_);
  std::vector<std::string> keys;
  std::unordered_set<std::string> seen;
  for_each_line(content.text, [&](int number, std::string_view raw_line) {
    const std::string_view line = trim(raw_line);
    // No Z85 key starts with '#': a 5-character group starting with '#' (or '$') exceeds 32
    // bits, so a '#' line is always a comment.
    if (line.empty() || line.front() == '#') {
      return;
    }
    const std::string_view word = line.substr(0, line.find_first_of(" \t"));
    std::string why;
    if (decode_key(word, why)) {
      if (seen.emplace(word).second) {
        keys.emplace_back(word);
      }
      return;
    }
    throw ConfigError(file.string() + ":" + std::to_string(number) +
                      ": expected a client's Z85 public key (40 characters, the value of "
                      "public-key in its .pub file), then optionally a name; '" +
                      std::string(word.substr(0, 48)) + "' " + why);
  });
  return keys;
}

std::optional<CurveClient> curve_client(const std::optional<std::string>& server_key,
                                        const std::optional<std::string>& client_key) {
  if (server_key.has_value() != client_key.has_value()) {
    throw ConfigError("--server-key and --client-key go together (a CURVE client needs the "
                      "server's public key and a key pair of its own)");
  }
  if (!server_key) {
    return std::nullopt;
  }
  return CurveClient{read_public_key(*server_key), read_key_file(*client_key)};
}

CurveServer load_curve_server(const fs::path& secret_key_file,
                              const fs::path& allowed_clients_file) {
  if (secret_key_file.empty() || allowed_clients_file.empty()) {
    throw ConfigError("security: curve_secret_key_file and curve_allowed_clients_file go "
                      "together: set both or neither");
  }
  CurveServer server{read_key_file(secret_key_file), read_allowed_clients(allowed_clients_file)};
  if (server.allowed_clients.empty()) {
    throw ConfigError(allowed_clients_file.string() +
                      ": names no client key, so every client would be refused; add each "
                      "client's public key (feedwire keygen), one per line");
  }
  return server;
}

void make_curve_server(zmq::socket_t& socket, const CurveServer& server) {
  try {
    socket.set(zmq::sockopt::curve_server, true);
    socket.set(zmq::sockopt::curve_secretkey, server.keys.secret_key);
    socket.set(zmq::sockopt::zap_domain, std::string(k_zap_domain));
  } catch (const zmq::error_t& e) {
    throw ConfigError(std::string("curve: cannot make the socket a CURVE server: ") + e.what());
  }
}

void make_curve_client(zmq::socket_t& socket, const std::string& server_public,
                       const KeyPair& client) {
  socket.set(zmq::sockopt::curve_serverkey, server_public);
  socket.set(zmq::sockopt::curve_publickey, client.public_key);
  socket.set(zmq::sockopt::curve_secretkey, client.secret_key);
}

ZapHandler::ZapHandler(zmq::context_t& context, const std::vector<std::string>& allowed_clients)
    : m_socket(context, zmq::socket_type::rep), m_stop_in(context, zmq::socket_type::pair),
      m_stop_out(context, zmq::socket_type::pair) {
  for (const std::string& key : allowed_clients) {
    std::string why;
    std::optional<std::string> raw = decode_key(key, why);
    if (!raw) {
      throw ConfigError("zap: an allowed client key " + why);
    }
    m_allowed.insert(std::move(*raw));
  }
  // The stop signal is a ZeroMQ pair in the same context (as CZMQ's zauth actor has its pipe),
  // so the thread sleeps in one zmq_poll on ZeroMQ sockets only; the address of this object
  // makes the endpoint unique within the context.
  const std::string stop_endpoint =
      "inproc://feedwire.zap.stop." + std::to_string(reinterpret_cast<std::uintptr_t>(this));
  for (zmq::socket_t* socket : {&m_socket, &m_stop_in, &m_stop_out}) {
    socket->set(zmq::sockopt::linger, 0);
  }
  try {
    m_socket.bind(k_zap_endpoint);
    m_stop_in.bind(stop_endpoint);
    m_stop_out.connect(stop_endpoint);
  } catch (const zmq::error_t& e) {
    throw FatalError(std::string("zap: cannot bind ") + k_zap_endpoint + ": " + e.what() +
                     " (does another ZAP handler run on this context?)");
  }
  try {
    m_thread = std::thread([this] { run(); });
  } catch (const std::system_error& e) {
    throw FatalError(std::string("zap: cannot start the ZAP handler thread: ") + e.what());
  }
}

ZapHandler::~ZapHandler() {
  stop();
}

void ZapHandler::stop() noexcept {
  std::lock_guard lock(m_stop_mutex);
  if (!m_thread.joinable()) {
    return;
  }
  // An inproc pair with an empty queue takes the message at once; should it fail (the context
  // is being terminated), the thread has seen ETERM and is ending anyway.
  [[maybe_unused]] const int rc = zmq_send(m_stop_out.handle(), "", 0, ZMQ_DONTWAIT);
  m_thread.join();
  m_stop_out.close();
}

void ZapHandler::run() noexcept {
  try {
    zmq_pollitem_t items[2] = {{m_socket.handle(), 0, ZMQ_POLLIN, 0},
                               {m_stop_in.handle(), 0, ZMQ_POLLIN, 0}};
    for (;;) {
      if (poll_items(items, 2, -1) == 0) {
        continue; // EINTR
      }
      if ((items[1].revents & ZMQ_POLLIN) != 0) {
        break;
      }
      if ((items[0].revents & ZMQ_POLLIN) != 0) {
        answer();
      }
    }
  } catch (const zmq::error_t& e) {
    // ETERM: the context was shut down under the handler (against its contract); its sockets
    // close below all the same.
    if (e.num() != ETERM) {
      spdlog::error("zap: the ZAP handler stopped: {}; CURVE handshakes now go unanswered and "
                    "clients cannot connect until the daemon restarts",
                    e.what());
    }
  } catch (const std::exception& e) {
    spdlog::error("zap: the ZAP handler stopped: {}", e.what());
  }
  m_socket.close();
  m_stop_in.close();
}

void ZapHandler::answer() {
  std::vector<zmq::message_t> frames;
  do {
    zmq::message_t frame;
    if (!m_socket.recv(frame, zmq::recv_flags::dontwait)) {
      return;
    }
    frames.push_back(std::move(frame));
  } while (frames.back().more());

  auto frame_text = [&](std::size_t i) {
    return i < frames.size() ? frames[i].to_string() : std::string();
  };
  const std::string request_id = frame_text(1);
  Verdict verdict{"400", "Denied", ""};
  if (frames.size() < k_zap_request_frames) {
    verdict = {"500", "Malformed ZAP request", ""};
  } else if (frames[0].to_string_view() != k_zap_version) {
    verdict = {"500", "ZAP version not supported", ""};
  } else {
    const std::string_view domain = frames[2].to_string_view();
    const std::string address = frames[3].to_string();
    const std::string_view mechanism = frames[5].to_string_view();
    if (mechanism != "CURVE") {
      verdict = {"400", "CURVE required", ""};
      note_refusal("mechanism=" + std::string(mechanism), address,
                   "a CURVE server refuses other mechanisms");
    } else if (domain != k_zap_domain) {
      verdict = {"400", "Unknown domain", ""};
      note_refusal("domain=" + std::string(domain), address, "not feedwire's ZAP domain");
    } else if (frames.size() != k_zap_request_frames + 1 || frames[6].size() != k_raw_key_size) {
      verdict = {"400", "Malformed CURVE credentials", ""};
    } else if (const std::string key = frames[6].to_string(); m_allowed.contains(key)) {
      verdict = {"200", "OK", encode_key(key)};
    } else {
      verdict = {"400", "Client key not allowed", ""};
      note_refusal("key=" + encode_key(key), address,
                   "not in [security] curve_allowed_clients_file; add its public key there to "
                   "let it in");
    }
  }
  (verdict.status_code == "200" ? m_accepted : m_refused).fetch_add(1);

  // REP adds the delimiter. ZAP's metadata frame may be empty.
  m_socket.send(zmq::buffer(k_zap_version), zmq::send_flags::sndmore);
  m_socket.send(zmq::buffer(request_id), zmq::send_flags::sndmore);
  m_socket.send(zmq::buffer(verdict.status_code), zmq::send_flags::sndmore);
  m_socket.send(zmq::buffer(verdict.status_text), zmq::send_flags::sndmore);
  m_socket.send(zmq::buffer(verdict.user_id), zmq::send_flags::sndmore);
  m_socket.send(zmq::const_buffer(nullptr, 0), zmq::send_flags::none);
}

void ZapHandler::note_refusal(const std::string& who, const std::string& address,
                              std::string_view why) {
  // A refused client reconnects every reconnect interval (100 ms by default), so each `who` is
  // logged once; the budget per minute bounds a flood of different keys.
  if (m_logged_keys.contains(who)) {
    return;
  }
  if (m_logged_keys.size() >= k_max_remembered_keys) {
    m_logged_keys.clear();
  }
  m_logged_keys.insert(who);
  const std::int64_t minute = std::chrono::duration_cast<std::chrono::minutes>(
                                  std::chrono::steady_clock::now().time_since_epoch())
                                  .count();
  if (minute != m_log_minute) {
    if (m_unlogged_this_minute > 0) {
      spdlog::warn("zap: refused={} more CURVE clients were refused without a log line in the "
                   "last minute (at most {} lines a minute)",
                   m_unlogged_this_minute, k_max_logged_refusals);
    }
    m_log_minute = minute;
    m_logged_this_minute = 0;
    m_unlogged_this_minute = 0;
  }
  if (m_logged_this_minute >= k_max_logged_refusals) {
    ++m_unlogged_this_minute;
    return;
  }
  ++m_logged_this_minute;
  spdlog::warn("zap: refused client {} address={}: {} (logged once)", who, address, why);
}

bool is_loopback_endpoint(std::string_view endpoint) {
  const auto scheme_end = endpoint.find("://");
  if (scheme_end == std::string_view::npos) {
    return false;
  }
  const std::string_view transport = endpoint.substr(0, scheme_end);
  std::string_view rest = endpoint.substr(scheme_end + 3);
  if (transport == "ipc" || transport == "inproc") {
    return true;
  }
  if (transport != "tcp" && transport != "ws" && transport != "wss" && transport != "udp") {
    return false;
  }
  // "source;destination" (a connect's source address, udp multicast): the far end decides.
  if (const auto semicolon = rest.rfind(';'); semicolon != std::string_view::npos) {
    rest = rest.substr(semicolon + 1);
  }
  if (transport == "ws" || transport == "wss") {
    rest = rest.substr(0, rest.find('/'));
  }
  std::string_view host;
  if (rest.starts_with('[')) {
    const auto close = rest.find(']');
    if (close == std::string_view::npos) {
      return false;
    }
    host = rest.substr(1, close - 1);
  } else {
    host = rest.substr(0, rest.rfind(':'));
  }
  if (host == "localhost" || host == "lo") {
    return true;
  }
  const std::string text(host);
  in_addr v4{};
  if (::inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (::inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) {
      return true;
    }
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
  }
  return false;
}

} // namespace fw::publish
