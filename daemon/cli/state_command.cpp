#include "cli/state_command.hpp"

#include "config/config.hpp"
#include "scheduler/explanation.hpp"
#include "store/store.hpp"
#include "util/errors.hpp"

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>

namespace fw::cli {
namespace {

constexpr std::string_view k_usage =
    "usage: feedwire state [--config FILE] [--explain ID]\n"
    "\n"
    "Prints the poll state that feedwired keeps in state_dir/feedwire.db: for every feed of the\n"
    "config its URL, next poll, last status and consecutive errors. With --explain ID, the\n"
    "inputs that set that feed's next poll (interval, entry rate, ttl, max-age, Retry-After,\n"
    "backoff). The config defaults to $FEEDWIRE_CONFIG, else /etc/feedwire/feedwire.toml.\n";

std::string when(const std::optional<store::TimePoint>& t) {
  return t ? scheduler::format_time(*t) : std::string("-");
}

void print_state(const store::FeedState& st) {
  std::cout << "feed           " << st.feed_id << "\n"
            << "url            " << st.url << "\n";
  if (st.moved_from) {
    std::cout << "moved from     " << *st.moved_from << "\n";
  }
  if (st.disabled) {
    std::cout << "disabled       " << st.disabled_reason << "\n";
  }
  std::cout << "last attempt   " << when(st.last_attempt) << "\n"
            << "last success   " << when(st.last_success) << "\n"
            << "last status    " << (st.last_status ? std::to_string(*st.last_status) : "-") << "\n"
            << "errors         " << st.error_count
            << (st.last_error.empty() ? "" : " (" + st.last_error + ")") << "\n"
            << "validators     etag " << st.etag.value_or("-") << ", last-modified "
            << st.last_modified.value_or("-") << "\n"
            << "stories seen   " << st.stories_seen << "\n";
  if (st.redirect_target) {
    std::cout << "redirected     " << st.redirect_count << "x permanently to "
              << *st.redirect_target << "\n";
  }
}

} // namespace

int state_command(std::span<const std::string_view> args) {
  std::string config_file = config::default_config_file();
  std::optional<std::string> explain;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--help" || args[i] == "-h") {
      std::cout << k_usage;
      return 0;
    }
    if ((args[i] == "--config" || args[i] == "--explain") && i + 1 < args.size()) {
      (args[i] == "--config" ? config_file : explain.emplace()) = std::string(args[i + 1]);
      ++i;
      continue;
    }
    std::cerr << "feedwire state: unexpected argument '" << args[i] << "'\n" << k_usage;
    return 1;
  }
  try {
    const config::Config config = config::load_config(config_file);
    const std::filesystem::path db = config.state_dir / "feedwire.db";
    if (!std::filesystem::exists(db)) {
      std::cerr << "feedwire state: no state file at " << db.string()
                << ": feedwired has not run with " << config_file << " yet\n";
      return 1;
    }
    store::Store store = store::Store::open(db);
    if (explain) {
      const std::optional<store::FeedState> st = store.load_feed(*explain);
      if (!st) {
        std::cerr << "feedwire state: no state for feed '" << *explain << "' in " << db.string()
                  << "\n";
        return 1;
      }
      print_state(*st);
      std::cout << "\n";
      if (const auto why = scheduler::Explanation::from_json(st->schedule_explain)) {
        std::cout << why->to_text();
      } else if (st->disabled) {
        std::cout << "not scheduled: the feed is disabled\n";
      } else {
        std::cout << "no schedule decision recorded yet\n";
      }
      return 0;
    }
    std::printf("%-24s %-8s %-26s %-6s %s\n", "FEED", "STATUS", "NEXT POLL", "ERRORS", "URL");
    for (const config::FeedConfig& fc : config.feeds) {
      const std::optional<store::FeedState> st = store.load_feed(fc.id);
      const std::string status = !fc.enabled       ? "off"
                                 : !st             ? "new"
                                 : st->disabled    ? "gone"
                                 : st->last_status ? std::to_string(*st->last_status)
                                                   : "-";
      std::printf("%-24s %-8s %-26s %-6d %s\n", fc.id.c_str(), status.c_str(),
                  st ? when(st->next_due).c_str() : "-", st ? st->error_count : 0,
                  st ? st->url.c_str() : fc.url.c_str());
    }
    return 0;
  } catch (const ConfigError& e) {
    std::cerr << "feedwire state: " << e.what() << "\n";
    return 1;
  }
}

} // namespace fw::cli
