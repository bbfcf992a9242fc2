#include "cli/state_command.hpp"

#include "config/config.hpp"
#include "scheduler/explanation.hpp"
#include "store/repair.hpp"
#include "store/store.hpp"
#include "util/errors.hpp"

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>

namespace fw::cli {
namespace {

constexpr std::string_view k_usage =
    "usage: feedwire state [--config FILE] [--explain ID]\n"
    "       feedwire state check [--config FILE]\n"
    "       feedwire state repair [--config FILE]\n"
    "\n"
    "Prints the poll state that feedwired keeps in state_dir/feedwire.db: for every feed of the\n"
    "config its URL, next poll, last status and consecutive errors. With --explain ID, the\n"
    "inputs that set that feed's next poll (interval, entry rate, ttl, max-age, Retry-After,\n"
    "backoff). The config defaults to $FEEDWIRE_CONFIG, else /etc/feedwire/feedwire.toml.\n"
    "\n"
    "check   runs SQLite's integrity check on the state file and reads every table, saying how\n"
    "        many rows can be read and where reading fails. Changes nothing. Exit status 0 when\n"
    "        the file is sound, 1 when it is damaged or unreadable.\n"
    "repair  copies every row that can still be read into a new state file, keeps the message\n"
    "        sequence from going back, moves the damaged file aside as\n"
    "        feedwire.db.damaged-<UTC time> and puts the new one in its place. Stop feedwired\n"
    "        first (a running feedwired holds the file, and repair refuses). What a damaged page\n"
    "        held is lost: the stories it had marked seen may be published once more.\n";

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

void print_tables(const std::vector<store::TableReport>& tables, std::string_view heading) {
  std::printf("%-14s %-10s %s\n", "TABLE", std::string(heading).c_str(), "");
  for (const store::TableReport& t : tables) {
    std::printf("%-14s %-10zu %s\n", t.table.c_str(), t.rows,
                t.damaged ? ("damaged: " + t.error).c_str() : "complete");
  }
}

int check(const std::filesystem::path& db) {
  const store::CheckReport r = store::check_state_file(db);
  std::cout << "state file  " << db.string() << "\n";
  if (!r.open_error.empty()) {
    std::cout << "verdict     unreadable: " << r.open_error
              << "\n            nothing can be saved; move it away (feedwired then starts afresh, "
                 "and publishes the feeds' current stories once more)\n";
    return 1;
  }
  std::cout << "schema      " << r.schema_version << "\n";
  if (r.problems.empty()) {
    std::cout << "integrity   ok\n";
  } else {
    std::cout << "integrity   " << r.problems.size() << " problem(s):\n";
    for (const std::string& p : r.problems) {
      std::istringstream lines(p); // integrity_check's first line holds several
      for (std::string line; std::getline(lines, line);) {
        std::cout << "            " << line << "\n";
      }
    }
  }
  std::cout << "\n";
  print_tables(r.tables, "READABLE");
  std::size_t rows = 0;
  for (const store::TableReport& t : r.tables) {
    rows += t.rows;
  }
  std::cout << "\nverdict     "
            << (r.ok() ? "sound"
                       : "damaged: `feedwire state repair` keeps the " + std::to_string(rows) +
                             " readable rows")
            << "\n";
  return r.ok() ? 0 : 1;
}

int repair(const std::filesystem::path& db) {
  const store::RepairReport r = store::repair_state_file(db);
  std::cout << "state file  " << db.string() << " (repaired)\n"
            << "damaged     kept as " << r.damaged_copy.string() << "\n\n";
  print_tables(r.tables, "SAVED");
  for (const std::string& note : r.notes) {
    std::cout << "note: " << note << "\n";
  }
  return 0;
}

} // namespace

int state_command(std::span<const std::string_view> args) {
  std::string config_file = config::default_config_file();
  std::optional<std::string> explain;
  std::string_view action;
  if (!args.empty() && (args[0] == "check" || args[0] == "repair")) {
    action = args[0];
    args = args.subspan(1);
  }
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--help" || args[i] == "-h") {
      std::cout << k_usage;
      return 0;
    }
    if ((args[i] == "--config" || (args[i] == "--explain" && action.empty())) &&
        i + 1 < args.size()) {
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
    if (action == "check") {
      return check(db);
    }
    if (action == "repair") {
      return repair(db);
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
