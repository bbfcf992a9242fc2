#include "fetch/fetcher.hpp"

#include "util/errors.hpp"
#include "util/strings.hpp"

#include <algorithm>
// GCC 12 reports null dereferences inside Asio's scheduler (thread_info) that cannot happen.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#pragma GCC diagnostic pop
#include <curl/curl.h>
#include <mutex>
#include <new>
#include <string>
#include <string_view>
#include <unistd.h>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace fw::fetch {

namespace {

namespace net = boost::asio;
using Clock = std::chrono::steady_clock;

// A body that decodes to more than k_max_inflation times the bytes received for it, once past
// k_inflation_floor, is a decompression bomb: feeds compress 3 to 20 times with gzip, and a
// bomb about 1,000 times. Stopping it at 1 MiB instead of max_body_bytes spares the io thread
// (where libcurl inflates) and the memory of all but the first MiB.
constexpr std::int64_t k_inflation_floor = 1024 * 1024;
constexpr std::int64_t k_max_inflation = 100;

struct EasyDeleter {
  void operator()(CURL* easy) const noexcept { curl_easy_cleanup(easy); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const noexcept { curl_slist_free_all(list); }
};

// One socket curl asked us to watch. Pending waits hold a shared_ptr to it, so a socket curl has
// already dropped (`gone`) is never touched again by a late completion.
struct Watch {
  explicit Watch(const net::any_io_executor& executor) : descriptor(executor) {}
  net::posix::stream_descriptor descriptor;
  int wanted = 0; // CURL_POLL_IN / CURL_POLL_OUT / CURL_POLL_INOUT
  bool reading = false;
  bool writing = false;
  bool gone = false;
};

ErrorKind classify(CURLcode code) {
  switch (code) {
  case CURLE_OK:
    return ErrorKind::none;
  case CURLE_OPERATION_TIMEDOUT:
    return ErrorKind::timeout;
  case CURLE_FILESIZE_EXCEEDED:
    return ErrorKind::too_large;
  case CURLE_COULDNT_RESOLVE_HOST:
  case CURLE_COULDNT_RESOLVE_PROXY:
    return ErrorKind::resolve;
  case CURLE_COULDNT_CONNECT:
    return ErrorKind::connect;
  case CURLE_SSL_CONNECT_ERROR:
  case CURLE_PEER_FAILED_VERIFICATION:
  case CURLE_SSL_CERTPROBLEM:
  case CURLE_SSL_CIPHER:
  case CURLE_SSL_CACERT_BADFILE:
  case CURLE_SSL_ISSUER_ERROR:
  case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
  case CURLE_SSL_INVALIDCERTSTATUS:
  case CURLE_SSL_CRL_BADFILE:
  case CURLE_SSL_SHUTDOWN_FAILED:
  case CURLE_SSL_ENGINE_INITFAILED:
  case CURLE_SSL_ENGINE_NOTFOUND:
  case CURLE_SSL_ENGINE_SETFAILED:
  case CURLE_SSL_CLIENTCERT:
  case CURLE_USE_SSL_FAILED:
    return ErrorKind::tls;
  case CURLE_TOO_MANY_REDIRECTS:
    return ErrorKind::too_many_redirects;
  case CURLE_UNSUPPORTED_PROTOCOL:
    return ErrorKind::bad_scheme;
  case CURLE_GOT_NOTHING:
  case CURLE_RECV_ERROR:
  case CURLE_SEND_ERROR:
  case CURLE_PARTIAL_FILE:
  case CURLE_WEIRD_SERVER_REPLY:
  case CURLE_HTTP2:
  case CURLE_HTTP2_STREAM:
  case CURLE_HTTP3:
  case CURLE_BAD_CONTENT_ENCODING:
    return ErrorKind::protocol;
  case CURLE_ABORTED_BY_CALLBACK:
    return ErrorKind::cancelled;
  default:
    return ErrorKind::other;
  }
}

std::string one_line(std::string_view text) {
  std::string out(util::trim(text));
  std::replace_if(
      out.begin(), out.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  return out;
}

void set_or_join(std::optional<std::string>& field, std::string_view value) {
  if (field) {
    field->append(", ").append(value);
  } else {
    field.emplace(value);
  }
}

void global_init() {
  static std::once_flag once;
  static CURLcode result = CURLE_OK;
  // curl_global_init is not thread-safe; every Fetcher goes through here first.
  std::call_once(once, [] { result = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (result != CURLE_OK) {
    throw FatalError(std::string("curl_global_init failed: ") + curl_easy_strerror(result));
  }
}

} // namespace

class Fetcher::Multi {
public:
  struct Transfer;

  Multi(net::io_context& io, Limits limits);
  ~Multi();
  Multi(const Multi&) = delete;
  Multi& operator=(const Multi&) = delete;

  // Configures and adds the transfer; on failure it is finished at once.
  void start(Transfer& transfer);
  // Removes the transfer from curl and wakes its coroutine, with `forced` instead of curl's
  // verdict when set.
  void finish(Transfer& transfer, CURLcode code, std::optional<ErrorKind> forced = std::nullopt,
              std::string_view forced_message = {});
  void cancel_all();
  std::size_t active() const { return m_transfers.size(); }
  net::io_context& io() { return m_io; }

private:
  static int on_socket(CURL* easy, curl_socket_t fd, int what, void* user,
                       void* socket_data) noexcept;
  static int on_timer(CURLM* multi, long timeout_ms, void* user) noexcept;
  static int on_close_socket(void* user, curl_socket_t fd) noexcept;

  void watch(curl_socket_t fd, int what);
  void forget(curl_socket_t fd) noexcept;
  void arm(const std::shared_ptr<Watch>& watch, curl_socket_t fd, bool read);
  void act(curl_socket_t fd, int events);
  void reap();

  net::io_context& m_io;
  Limits m_limits;
  CURLM* m_multi = nullptr;
  net::steady_timer m_timer;
  // Bumped by every timer callback: a posted "time out now" that a later callback superseded
  // does nothing. Posted handlers hold a weak reference to m_alive, not to the Multi itself.
  std::uint64_t m_timer_generation = 0;
  std::shared_ptr<int> m_alive = std::make_shared<int>(0);
  std::unordered_map<curl_socket_t, std::shared_ptr<Watch>> m_watches;
  std::unordered_set<Transfer*> m_transfers;
};

// The state of one transfer. It lives in the frame of the fetch() coroutine that awaits it; the
// Multi refers to it while the easy handle is in the multi handle.
struct Fetcher::Multi::Transfer {
  Transfer(net::io_context& io, Request req)
      : request(std::move(req)), done(io, Clock::time_point::max()) {}
  ~Transfer();
  Transfer(const Transfer&) = delete;
  Transfer& operator=(const Transfer&) = delete;

  static std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) noexcept;
  static std::size_t on_header(char* data, std::size_t size, std::size_t count,
                               void* user) noexcept;
  void header_line(std::string_view line);

  Request request;
  Response response;
  std::unique_ptr<curl_slist, SlistDeleter> headers;
  // Statuses of the final (non-1xx) responses of every hop, in order.
  std::vector<long> hops;
  std::int64_t max_body_bytes = 0;
  bool too_large = false;
  // When a decompression bomb made it too_large: the bytes it decoded to and those received.
  std::pair<std::int64_t, std::int64_t> inflated{0, 0};
  std::string callback_failure;
  char error_buffer[CURL_ERROR_SIZE] = {};
  Clock::time_point started = Clock::now();
  // Never expires: cancelling it is how the Multi wakes the awaiting coroutine.
  net::steady_timer done;
  bool finished = false;
  Multi* owner = nullptr;
  // Last, so that it is cleaned up before the header list and buffers it points to.
  std::unique_ptr<CURL, EasyDeleter> easy;
};

Fetcher::Multi::Transfer::~Transfer() {
  if (owner) {
    // The coroutine frame is going away without the transfer having ended (its io_context was
    // destroyed mid-transfer): take the easy handle out before it is cleaned up.
    owner->finish(*this, CURLE_OK, ErrorKind::cancelled, "abandoned");
  }
}

std::size_t Fetcher::Multi::Transfer::on_body(char* data, std::size_t size, std::size_t count,
                                              void* user) noexcept {
  auto* self = static_cast<Multi::Transfer*>(user);
  const std::size_t length = size * count;
  // Counting decoded bytes here is what stops a gzip bomb: Content-Length and
  // CURLOPT_MAXFILESIZE only see the compressed size.
  const auto decoded = static_cast<std::int64_t>(self->response.body.size() + length);
  if (decoded > self->max_body_bytes) {
    self->too_large = true;
    return 0;
  }
  if (decoded > k_inflation_floor) {
    // CURLINFO_SIZE_DOWNLOAD_T counts the bytes received, before decoding (this chunk's too).
    curl_off_t received = 0;
    if (curl_easy_getinfo(self->easy.get(), CURLINFO_SIZE_DOWNLOAD_T, &received) == CURLE_OK &&
        received > 0 && decoded / received > k_max_inflation) {
      self->inflated = {decoded, received};
      self->too_large = true;
      return 0;
    }
  }
  try {
    std::string& body = self->response.body;
    if (body.empty()) {
      // One allocation for the whole body when the server says how long it is (never more
      // than the limit), rather than a copy at every doubling.
      curl_off_t declared = -1;
      if (curl_easy_getinfo(self->easy.get(), CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &declared) ==
              CURLE_OK &&
          declared > 0) {
        body.reserve(
            static_cast<std::size_t>(std::min<std::int64_t>(declared, self->max_body_bytes)));
      }
    }
    body.append(data, length);
  } catch (const std::bad_alloc&) {
    self->callback_failure = "out of memory";
    return 0;
  }
  return length;
}

std::size_t Fetcher::Multi::Transfer::on_header(char* data, std::size_t size, std::size_t count,
                                                void* user) noexcept {
  auto* self = static_cast<Multi::Transfer*>(user);
  const std::size_t length = size * count;
  try {
    self->header_line(std::string_view(data, length));
  } catch (const std::bad_alloc&) {
    self->callback_failure = "out of memory";
    return 0;
  }
  return length;
}

void Fetcher::Multi::Transfer::header_line(std::string_view line) {
  line = util::trim(line);
  if (util::istarts_with(line, "HTTP/")) {
    // A new status line: a new response (a redirect hop, or a 1xx before the real one).
    const auto space = line.find(' ');
    long status = 0;
    if (space != std::string_view::npos) {
      for (char c : line.substr(space + 1, 3)) {
        status = c >= '0' && c <= '9' ? status * 10 + (c - '0') : 0;
      }
    }
    if (status >= 200) {
      hops.push_back(status);
    }
    Response& r = response;
    r.content_type.reset();
    r.etag.reset();
    r.last_modified.reset();
    r.retry_after.reset();
    r.cache_control.reset();
    r.expires.reset();
    r.date.reset();
    return;
  }
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) {
    return;
  }
  const std::string name = util::to_lower(util::trim(line.substr(0, colon)));
  const std::string_view value = util::trim(line.substr(colon + 1));
  Response& r = response;
  if (name == "content-type") {
    set_or_join(r.content_type, value);
  } else if (name == "etag") {
    set_or_join(r.etag, value);
  } else if (name == "last-modified") {
    set_or_join(r.last_modified, value);
  } else if (name == "retry-after") {
    set_or_join(r.retry_after, value);
  } else if (name == "cache-control") {
    set_or_join(r.cache_control, value);
  } else if (name == "expires") {
    set_or_join(r.expires, value);
  } else if (name == "date") {
    set_or_join(r.date, value);
  }
}

Fetcher::Multi::Multi(net::io_context& io, Limits limits)
    : m_io(io), m_limits(std::move(limits)), m_timer(io) {
  global_init();
  m_multi = curl_multi_init();
  if (!m_multi) {
    throw FatalError("curl_multi_init failed");
  }
  curl_multi_setopt(m_multi, CURLMOPT_SOCKETFUNCTION, &Multi::on_socket);
  curl_multi_setopt(m_multi, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(m_multi, CURLMOPT_TIMERFUNCTION, &Multi::on_timer);
  curl_multi_setopt(m_multi, CURLMOPT_TIMERDATA, this);
}

Fetcher::Multi::~Multi() {
  while (!m_transfers.empty()) {
    finish(**m_transfers.begin(), CURLE_OK, ErrorKind::cancelled, "fetcher destroyed");
  }
  // Closes cached connections; curl reports each socket's removal to on_socket first.
  curl_multi_cleanup(m_multi);
  for (auto& [fd, watch] : m_watches) {
    watch->gone = true;
    boost::system::error_code ignored;
    watch->descriptor.cancel(ignored);
    watch->descriptor.release();
  }
}

void Fetcher::Multi::start(Transfer& t) {
  t.owner = this;
  m_transfers.insert(&t);
  t.max_body_bytes = m_limits.max_body_bytes;
  t.easy.reset(curl_easy_init());
  if (!t.easy) {
    finish(t, CURLE_OUT_OF_MEMORY);
    return;
  }
  CURL* e = t.easy.get();
  const Request& req = t.request;

  curl_slist* headers = nullptr;
  auto add_header = [&](const std::string& line) {
    curl_slist* grown = curl_slist_append(headers, line.c_str());
    if (grown) {
      headers = grown;
    }
    return grown != nullptr;
  };
  bool headers_ok = true;
  if (req.etag) {
    headers_ok &= add_header("If-None-Match: " + *req.etag);
  }
  if (req.last_modified) {
    headers_ok &= add_header("If-Modified-Since: " + *req.last_modified);
  }
  for (const auto& [name, value] : req.headers) {
    headers_ok &= add_header(name + ": " + value);
  }
  t.headers.reset(headers);
  if (!headers_ok) {
    finish(t, CURLE_OUT_OF_MEMORY);
    return;
  }

  const std::string& agent = req.user_agent ? *req.user_agent : m_limits.user_agent;
  CURLcode rc = CURLE_OK;
  auto set = [&](CURLoption option, auto value) {
    if (rc == CURLE_OK) {
      rc = curl_easy_setopt(e, option, value);
    }
  };
  set(CURLOPT_URL, req.url.c_str());
  set(CURLOPT_PRIVATE, static_cast<void*>(&t));
  set(CURLOPT_ERRORBUFFER, t.error_buffer);
  set(CURLOPT_NOSIGNAL, 1L);
  set(CURLOPT_WRITEFUNCTION, &Transfer::on_body);
  set(CURLOPT_WRITEDATA, static_cast<void*>(&t));
  set(CURLOPT_HEADERFUNCTION, &Transfer::on_header);
  set(CURLOPT_HEADERDATA, static_cast<void*>(&t));
  set(CURLOPT_CLOSESOCKETFUNCTION, &Multi::on_close_socket);
  set(CURLOPT_CLOSESOCKETDATA, static_cast<void*>(this));
  set(CURLOPT_PROTOCOLS_STR, "http,https");
  set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  set(CURLOPT_FOLLOWLOCATION, 1L);
  set(CURLOPT_MAXREDIRS, static_cast<long>(m_limits.max_redirects));
  set(CURLOPT_ACCEPT_ENCODING, ""); // every encoding this libcurl can decode
  set(CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
  set(CURLOPT_SSL_VERIFYPEER, 1L);
  set(CURLOPT_SSL_VERIFYHOST, 2L);
  set(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(m_limits.connect_timeout.count()));
  set(CURLOPT_TIMEOUT_MS, static_cast<long>(m_limits.timeout.count()));
  set(CURLOPT_LOW_SPEED_LIMIT, static_cast<long>(m_limits.low_speed_limit_bytes));
  set(CURLOPT_LOW_SPEED_TIME, static_cast<long>(m_limits.low_speed_time.count()));
  set(CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(m_limits.max_body_bytes));
  set(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
  if (!agent.empty()) {
    set(CURLOPT_USERAGENT, agent.c_str());
  }
  if (m_limits.proxy) {
    set(CURLOPT_PROXY, m_limits.proxy->c_str());
  }
  if (t.headers) {
    set(CURLOPT_HTTPHEADER, t.headers.get());
  }
  if (rc != CURLE_OK) {
    finish(t, rc);
    return;
  }
  t.started = Clock::now();
  if (const CURLMcode mc = curl_multi_add_handle(m_multi, e); mc != CURLM_OK) {
    finish(t, CURLE_OK, ErrorKind::other, curl_multi_strerror(mc));
  }
}

void Fetcher::Multi::finish(Transfer& t, CURLcode code, std::optional<ErrorKind> forced,
                            std::string_view forced_message) {
  if (t.finished) {
    return;
  }
  t.finished = true;
  m_transfers.erase(&t);
  t.owner = nullptr;
  Response& r = t.response;
  if (CURL* e = t.easy.get()) {
    // Only reached from outside curl's callbacks, where removing a handle is allowed.
    curl_multi_remove_handle(m_multi, e);
    long status = 0;
    if (curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK) {
      r.status = status;
    }
    char* url = nullptr;
    if (curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &url) == CURLE_OK && url) {
      r.effective_url = url;
    }
  }
  if (r.effective_url.empty()) {
    r.effective_url = t.request.url;
  }
  if (forced) {
    r.error = *forced;
    r.error_message = one_line(forced_message);
  } else if (code == CURLE_WRITE_ERROR && t.too_large) {
    r.error = ErrorKind::too_large;
    r.error_message = t.inflated.second > 0
                          ? "body inflates over " + std::to_string(k_max_inflation) + " times (" +
                                std::to_string(t.inflated.first) + " bytes from " +
                                std::to_string(t.inflated.second) +
                                " received): a decompression bomb"
                          : "body exceeds " + std::to_string(t.max_body_bytes) + " bytes";
  } else if (code == CURLE_OUT_OF_MEMORY && t.error_buffer[0] == '\0') {
    // libcurl's way of refusing response headers past its 100 KB limit (a hostile server):
    // no message of its own, only "Out of memory".
    r.error = ErrorKind::protocol;
    r.error_message = "response headers over libcurl's 100 KB limit (or out of memory)";
  } else if (code != CURLE_OK) {
    r.error = classify(code);
    r.error_message =
        one_line(t.error_buffer[0] != '\0' ? std::string_view(t.error_buffer)
                                           : std::string_view(curl_easy_strerror(code)));
    if (!t.callback_failure.empty()) {
      r.error = ErrorKind::other;
      r.error_message = t.callback_failure;
    }
  }
  if (r.error == ErrorKind::too_large && code == CURLE_FILESIZE_EXCEEDED) {
    r.error_message = "Content-Length exceeds " + std::to_string(t.max_body_bytes) + " bytes";
  }
  const bool every_hop_permanent =
      t.hops.size() >= 2 &&
      std::all_of(t.hops.begin(), t.hops.end() - 1, [](long s) { return s == 301 || s == 308; });
  if (r.error == ErrorKind::none && every_hop_permanent) {
    r.permanent_redirect = r.effective_url;
  }
  r.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t.started);
  t.done.cancel();
}

void Fetcher::Multi::cancel_all() {
  while (!m_transfers.empty()) {
    finish(**m_transfers.begin(), CURLE_OK, ErrorKind::cancelled, "cancelled");
  }
}

int Fetcher::Multi::on_socket(CURL*, curl_socket_t fd, int what, void* user, void*) noexcept {
  auto* self = static_cast<Multi*>(user);
  if (what == CURL_POLL_REMOVE) {
    self->forget(fd);
    return 0;
  }
  try {
    self->watch(fd, what);
  } catch (const boost::system::system_error&) {
    // The reactor refused the descriptor; -1 makes curl fail the transfers using it.
    return -1;
  } catch (const std::bad_alloc&) {
    return -1;
  }
  return 0;
}

int Fetcher::Multi::on_timer(CURLM*, long timeout_ms, void* user) noexcept {
  auto* self = static_cast<Multi*>(user);
  const std::uint64_t generation = ++self->m_timer_generation;
  boost::system::error_code ignored;
  self->m_timer.cancel(ignored);
  if (timeout_ms < 0) {
    return 0;
  }
  try {
    // curl forbids calling socket_action from inside its own callbacks, so even "now" is
    // deferred. "Now" (curl asks for it around every transfer) is a post rather than a timer:
    // re-arming a timer costs a timerfd_settime system call each time.
    if (timeout_ms == 0) {
      net::post(self->m_io, [self, generation, alive = std::weak_ptr<int>(self->m_alive)] {
        if (!alive.expired() && self->m_timer_generation == generation) {
          self->act(CURL_SOCKET_TIMEOUT, 0);
        }
      });
      return 0;
    }
    self->m_timer.expires_after(std::chrono::milliseconds(timeout_ms));
    self->m_timer.async_wait([self](const boost::system::error_code& ec) {
      if (!ec) {
        self->act(CURL_SOCKET_TIMEOUT, 0);
      }
    });
  } catch (const std::bad_alloc&) {
    return -1;
  }
  return 0;
}

int Fetcher::Multi::on_close_socket(void* user, curl_socket_t fd) noexcept {
  // A socket must leave the reactor before its descriptor number can be reused.
  static_cast<Multi*>(user)->forget(fd);
  return ::close(fd);
}

void Fetcher::Multi::watch(curl_socket_t fd, int what) {
  auto it = m_watches.find(fd);
  if (it == m_watches.end()) {
    auto fresh = std::make_shared<Watch>(m_io.get_executor());
    // The descriptor borrows curl's socket (a connection, or the resolver's socketpair):
    // forget() releases it without closing it.
    fresh->descriptor.assign(fd);
    it = m_watches.emplace(fd, std::move(fresh)).first;
  }
  const std::shared_ptr<Watch> w = it->second;
  w->wanted = what;
  if (what & CURL_POLL_IN) {
    arm(w, fd, true);
  }
  if (what & CURL_POLL_OUT) {
    arm(w, fd, false);
  }
}

void Fetcher::Multi::forget(curl_socket_t fd) noexcept {
  const auto it = m_watches.find(fd);
  if (it == m_watches.end()) {
    return;
  }
  const std::shared_ptr<Watch> w = std::move(it->second);
  m_watches.erase(it);
  w->gone = true;
  boost::system::error_code ignored;
  w->descriptor.cancel(ignored);
  // Deregisters from the reactor; pending waits complete with operation_aborted and see `gone`.
  w->descriptor.release();
}

void Fetcher::Multi::arm(const std::shared_ptr<Watch>& w, curl_socket_t fd, bool read) {
  bool& pending = read ? w->reading : w->writing;
  if (pending) {
    return;
  }
  pending = true;
  const auto kind =
      read ? net::posix::descriptor_base::wait_read : net::posix::descriptor_base::wait_write;
  w->descriptor.async_wait(kind, [this, w, fd, read](const boost::system::error_code& ec) {
    (read ? w->reading : w->writing) = false;
    // `gone` is checked before touching `this`: a Multi being destroyed marks every watch gone.
    if (w->gone || ec == net::error::operation_aborted) {
      return;
    }
    const int bit = read ? CURL_POLL_IN : CURL_POLL_OUT;
    if ((w->wanted & bit) == 0) {
      return;
    }
    act(fd, ec ? CURL_CSELECT_ERR : (read ? CURL_CSELECT_IN : CURL_CSELECT_OUT));
    if (!w->gone && (w->wanted & bit) != 0) {
      arm(w, fd, read);
    }
  });
}

void Fetcher::Multi::act(curl_socket_t fd, int events) {
  int running = 0;
  curl_multi_socket_action(m_multi, fd, events, &running);
  reap();
}

void Fetcher::Multi::reap() {
  int queued = 0;
  while (CURLMsg* message = curl_multi_info_read(m_multi, &queued)) {
    if (message->msg != CURLMSG_DONE) {
      continue;
    }
    const CURLcode code = message->data.result;
    void* data = nullptr;
    curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &data);
    if (data) {
      finish(*static_cast<Transfer*>(data), code);
    }
  }
}

Fetcher::Fetcher(net::io_context& io, Limits limits)
    : m_multi(std::make_unique<Multi>(io, std::move(limits))) {}

Fetcher::~Fetcher() = default;

net::awaitable<Response> Fetcher::fetch(Request request) {
  Multi::Transfer transfer(m_multi->io(), std::move(request));
  m_multi->start(transfer);
  if (!transfer.finished) {
    co_await transfer.done.async_wait(net::as_tuple(net::use_awaitable));
    // Woken without finishing: the awaiting coroutine was cancelled. owner is null if the
    // Fetcher is gone, in which case the transfer was finished already.
    if (!transfer.finished && transfer.owner) {
      transfer.owner->finish(transfer, CURLE_OK, ErrorKind::cancelled, "cancelled");
    }
  }
  co_return std::move(transfer.response);
}

void Fetcher::cancel_all() {
  m_multi->cancel_all();
}

std::size_t Fetcher::active() const {
  return m_multi->active();
}

const char* to_string(ErrorKind kind) noexcept {
  switch (kind) {
  case ErrorKind::none:
    return "none";
  case ErrorKind::timeout:
    return "timeout";
  case ErrorKind::too_large:
    return "too large";
  case ErrorKind::resolve:
    return "cannot resolve host";
  case ErrorKind::connect:
    return "cannot connect";
  case ErrorKind::tls:
    return "TLS error";
  case ErrorKind::too_many_redirects:
    return "too many redirects";
  case ErrorKind::bad_scheme:
    return "redirect to a scheme other than http/https";
  case ErrorKind::protocol:
    return "protocol error";
  case ErrorKind::cancelled:
    return "cancelled";
  case ErrorKind::other:
    break;
  }
  return "transfer failed";
}

} // namespace fw::fetch
