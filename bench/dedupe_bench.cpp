// Near-duplicate detection throughput and memory: decisions per second with a full window
// (1M stories over 72 h) and bytes per story of the in-memory index. See bench/README.md.
#include "dedupe/deduper.hpp"
#include "dedupe/text_signature.hpp"

#include <benchmark/benchmark.h>
#include <cstdio>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

using fw::dedupe::Candidate;
using fw::dedupe::Deduper;
using fw::dedupe::TextSignature;

constexpr std::size_t k_window_stories = 1'000'000;
constexpr std::int64_t k_t0 = 1'709'553'600; // 2024-03-04T12:00:00Z
constexpr std::int64_t k_window_s = 72 * 3600;
constexpr std::size_t k_story_bytes = 3000;
constexpr std::size_t k_vocabulary = 20000;

// xorshift64*: fast and reproducible.
class Rng {
public:
  explicit Rng(std::uint64_t seed) : m_x(seed * 0x9e3779b97f4a7c15ULL + 1) {}
  std::uint64_t next() {
    m_x ^= m_x >> 12;
    m_x ^= m_x << 25;
    m_x ^= m_x >> 27;
    return m_x * 0x2545f4914f6cdd1dULL;
  }
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

private:
  std::uint64_t m_x;
};

// Invented words with a skewed (roughly Zipf-like) frequency, so that common word sequences
// recur across stories as "of the" does, and the LSH tables see realistic collisions.
const std::vector<std::string>& vocabulary() {
  static const std::vector<std::string> words = [] {
    std::vector<std::string> out;
    Rng rng(99);
    for (std::size_t i = 0; i < k_vocabulary; ++i) {
      std::string w;
      const std::size_t len = 2 + rng.next() % 9;
      for (std::size_t j = 0; j < len; ++j) {
        w.push_back(static_cast<char>('a' + rng.next() % 26));
      }
      out.push_back(std::move(w));
    }
    return out;
  }();
  return words;
}

struct Story {
  std::string title;
  std::string text;
};

// A story of about k_story_bytes: paragraphs of sentences, plus the odd number.
void make_story(Rng& rng, Story& out) {
  const std::vector<std::string>& words = vocabulary();
  const auto word = [&]() -> const std::string& {
    const double u = rng.unit();
    return words[static_cast<std::size_t>(u * u * u * static_cast<double>(words.size()))];
  };
  out.title.clear();
  for (int i = 0; i < 8; ++i) {
    out.title += (i ? " " : "") + word();
  }
  out.text.clear();
  std::size_t in_paragraph = 0;
  while (out.text.size() < k_story_bytes) {
    if (rng.next() % 16 == 0) {
      out.text += std::to_string(rng.next() % 10000);
    } else {
      out.text += word();
    }
    if (++in_paragraph > 60 && rng.next() % 20 == 0) {
      out.text += ".\n";
      in_paragraph = 0;
    } else {
      out.text += ' ';
    }
  }
}

std::size_t rss_bytes() {
  long pages = 0;
  long resident = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) {
      resident = 0;
    }
    std::fclose(f);
  }
  return static_cast<std::size_t>(resident) * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

// One window of 1M stories with times spread evenly over 72 h, filled once per process and
// shared by the benchmarks that need it. Signatures are computed here, outside any timing.
struct Window {
  Deduper deduper;
  std::int64_t next_time_s = 0;
  std::uint64_t next_id = 1;
  std::size_t rss_delta = 0;
};

Window& full_window() {
  static Window* w = [] {
    const std::size_t rss_before = rss_bytes();
    auto* win = new Window{};
    win->deduper.reserve(k_window_stories); // as the daemon does before restoring its window
    Rng rng(1);
    Story story;
    for (std::size_t i = 0; i < k_window_stories; ++i) {
      make_story(rng, story);
      const TextSignature sig = fw::dedupe::text_signature(story.title, story.text);
      Candidate c;
      c.story_id = win->next_id++;
      c.time_s = k_t0 + static_cast<std::int64_t>(i) * k_window_s /
                            static_cast<std::int64_t>(k_window_stories);
      c.signature = &sig;
      win->deduper.decide(c);
      win->next_time_s = c.time_s;
    }
    win->rss_delta = rss_bytes() - rss_before;
    return win;
  }();
  return *w;
}

void BM_TextSignature(benchmark::State& state) {
  Rng rng(7);
  std::vector<Story> stories(256);
  std::size_t bytes = 0;
  for (Story& s : stories) {
    make_story(rng, s);
    bytes += s.title.size() + s.text.size();
  }
  std::size_t i = 0;
  for (auto _ : state) {
    const Story& s = stories[i++ % stories.size()];
    benchmark::DoNotOptimize(fw::dedupe::text_signature(s.title, s.text));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(bytes / stories.size()));
}
BENCHMARK(BM_TextSignature);

// Memory of the full window, by the deduper's own accounting of container capacities and, as a
// cross-check, by the growth of the process's resident set while it was filled.
void BM_WindowMemory(benchmark::State& state) {
  Window& win = full_window();
  for (auto _ : state) {
    benchmark::DoNotOptimize(win.deduper.memory_bytes());
  }
  const auto n = static_cast<double>(win.deduper.size());
  state.counters["window_stories"] = n;
  state.counters["bytes_per_story"] = static_cast<double>(win.deduper.memory_bytes()) / n;
  state.counters["rss_fill_bytes_per_story"] =
      static_cast<double>(win.rss_delta) / static_cast<double>(k_window_stories);
}
BENCHMARK(BM_WindowMemory)->Iterations(1);

// A decision on a fresh 3 KB story: text_signature() + decide(), with the window full. Time
// moves on at the fill's rate, so slices expire and the window stays at ~1M stories. Every
// 8th story repeats one decided shortly before (a syndicated copy), as a real mix would.
void BM_Decide(benchmark::State& state) {
  Window& win = full_window();
  constexpr std::size_t k_batch = 512;
  std::vector<Story> batch(k_batch);
  Rng rng(static_cast<std::uint64_t>(win.next_id));
  std::size_t pos = k_batch;
  std::size_t duplicates = 0;
  for (auto _ : state) {
    if (pos == k_batch) {
      state.PauseTiming();
      for (std::size_t i = 0; i < k_batch; ++i) {
        if (i % 8 == 7) {
          batch[i] = batch[i - 3];
          batch[i].title = "[Wire] " + batch[i].title;
        } else {
          make_story(rng, batch[i]);
        }
      }
      pos = 0;
      state.ResumeTiming();
    }
    const Story& s = batch[pos++];
    const TextSignature sig = fw::dedupe::text_signature(s.title, s.text);
    Candidate c;
    c.story_id = win.next_id++;
    win.next_time_s += (c.story_id % 4 == 0) ? 1 : 0;
    c.time_s = win.next_time_s;
    c.signature = &sig;
    duplicates += win.deduper.decide(c).duplicate ? 1 : 0;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  const auto n = static_cast<double>(win.deduper.size());
  state.counters["window_stories"] = n;
  state.counters["bytes_per_story"] = static_cast<double>(win.deduper.memory_bytes()) / n;
  state.counters["duplicate_fraction"] =
      static_cast<double>(duplicates) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_Decide)->MinTime(3.0);

} // namespace

BENCHMARK_MAIN();
