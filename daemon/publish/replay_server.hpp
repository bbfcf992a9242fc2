#pragma once

#include "publish/curve.hpp"
#include "store/store.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <zmq.hpp>

namespace fw::publish {

// The replay protocol (docs/messages.md, "Replay"). A client is a DEALER; it sends one frame,
// {"since": N}, and receives every journalled message with seq > N as [topic, body], then
// [k_replay_end_topic, {"schema":1,"last_seq":M}], or [k_replay_error_topic,
// {"schema":1,"error":"...","oldest_seq":K}] instead.
inline constexpr std::string_view k_replay_end_topic = "sys.replay.end";
inline constexpr std::string_view k_replay_error_topic = "sys.replay.error";

struct ReplayOptions {
  // The ROUTER socket binds it. "tcp://127.0.0.1:*" takes an ephemeral port; endpoint() tells.
  std::string endpoint = "tcp://127.0.0.1:7702";
  // The state file whose journal is served (store::Store::open has created or migrated it).
  std::filesystem::path db_file;
  // Journal rows read from SQLite at a time for one client: with max_clients, what bounds the
  // server's own memory.
  std::size_t chunk_rows = 256;
  // ZMQ_SNDHWM per client, in messages: how far ZeroMQ may queue ahead of a slow client.
  int send_high_water_mark = 1000;
  // Replays in progress at once; a request beyond that is answered with an error.
  std::size_t max_clients = 64;
  // Set: the socket is a CURVE server and only the allowed clients get in (a ZapHandler on the
  // server's own context); an unknown client's request is never answered. Unset: plain ZeroMQ.
  std::optional<CurveServer> curve;
};

// Serves replays from the journal on a thread of its own, with its own read-only SQLite
// connection (store::JournalReader): the daemon's store strand is never blocked by a replay, and
// the replay sees every committed row (WAL readers do not wait for the writer).
//
// Several clients are served at once, round robin, a chunk of rows at a time. Sends never block:
// the socket is ROUTER_MANDATORY, so a client whose queue is at the high-water mark makes the
// send fail with EAGAIN and that client waits, without holding up the others, with at most
// chunk_rows rows in the server's hands. A client that disconnects mid-replay is forgotten.
class ReplayServer {
public:
  // Opens the journal reader, binds the endpoint, then starts the thread. Throws
  // fw::ConfigError naming the endpoint and ZeroMQ's reason when the bind fails, or naming the
  // file when the journal cannot be read; fw::FatalError when the system refuses a thread or an
  // eventfd.
  explicit ReplayServer(ReplayOptions options);
  // stop().
  ~ReplayServer();

  ReplayServer(const ReplayServer&) = delete;
  ReplayServer& operator=(const ReplayServer&) = delete;
  ReplayServer(ReplayServer&&) = delete;
  ReplayServer& operator=(ReplayServer&&) = delete;

  // Ends the thread and closes the socket; replays in progress end without their end marker
  // (the client sees a timeout and asks again). Idempotent; any thread.
  void stop();

  // The endpoint as bound (ZMQ_LAST_ENDPOINT).
  [[nodiscard]] const std::string& endpoint() const noexcept;

  struct Stats {
    std::uint64_t requests = 0;  // requests received, malformed ones included
    std::uint64_t rows_read = 0; // journal rows read from SQLite
    std::uint64_t rows_sent = 0; // journal rows handed to ZeroMQ
    // The most rows held in the server's memory at once, over all clients.
    std::size_t peak_buffered_rows = 0;
    // Why the serving thread ended, when an error ended it; empty otherwise.
    std::string failure;
  };
  // Any thread.
  [[nodiscard]] Stats stats() const;

private:
  void run() noexcept;

  ReplayOptions m_options;
  store::JournalReader m_reader; // the server thread's once it has started
  zmq::context_t m_context;
  zmq::socket_t m_socket; // the server thread's once it has started
  // With ReplayOptions::curve; stopped after the socket is closed, before the context is.
  std::optional<ZapHandler> m_zap;
  std::string m_endpoint;
  int m_wake_fd = -1;

  mutable std::mutex m_mutex;
  Stats m_stats;

  std::mutex m_stop_mutex;
  std::thread m_thread;
};

} // namespace fw::publish
