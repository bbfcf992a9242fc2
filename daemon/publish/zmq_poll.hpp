#pragma once

#include <cerrno>
#include <zmq.hpp>

namespace fw::publish {

// zmq_poll() for the threads that own a ZeroMQ socket: a signal meant for another thread
// (EINTR) counts as nothing ready. Returns how many items are ready (0 on timeout or EINTR);
// throws zmq::error_t on any other failure.
inline int poll_items(zmq_pollitem_t* items, int count, long timeout_ms) {
  const int ready = zmq_poll(items, count, timeout_ms);
  if (ready < 0) {
    if (zmq_errno() == EINTR) {
      return 0;
    }
    throw zmq::error_t();
  }
  return ready;
}

} // namespace fw::publish
