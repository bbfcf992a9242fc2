#pragma once

#include <string>
#include <utility>
#include <variant>

namespace fw {

// An error that comes from outside (bad input, a failing server): a message written for the
// operator, one line, naming what failed.
struct Error {
  std::string message;
};

// The value of an operation that can fail for reasons outside our control (STYLE.md §4):
// either a T or an Error. A small stand-in for std::expected, which C++20 lacks.
template <typename T> class [[nodiscard]] Result {
public:
  Result(T value) : m_v(std::in_place_index<0>, std::move(value)) {}
  Result(Error error) : m_v(std::in_place_index<1>, std::move(error)) {}

  [[nodiscard]] bool has_value() const noexcept { return m_v.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & { return std::get<0>(m_v); }
  const T& value() const& { return std::get<0>(m_v); }
  T&& value() && { return std::get<0>(std::move(m_v)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }

  const Error& error() const { return std::get<1>(m_v); }

private:
  std::variant<T, Error> m_v;
};

} // namespace fw
