// What plugins cost per story (issue targets in bench/README.md, "Plugins"):
//   BM_InProcessCall   a call through the ABI to a plugin that does nothing: the host's overhead
//   BM_IsolatedCall    the same plugin with isolate = true: a round trip to the child process
//   BM_Tagger          the shipped tagger on a 5 KB news story
//   BM_Summarizer      the shipped summarizer on the same story
// Each runs Plugin::process / IsolatedPlugin::process as the daemon does, on
// plugin_host::sample_story() (the story `feedwire plugin-check` uses).

#include "plugin_host/isolated.hpp"
#include "plugin_host/plugin.hpp"
#include "plugin_host/sample_story.hpp"

#include <benchmark/benchmark.h>
#include <filesystem>
#include <string>

namespace {

using fw::plugin_host::Additions;
using fw::plugin_host::StoryView;

const std::filesystem::path k_binary_dir = FW_BINARY_DIR;

struct Sample {
  fw::model::Story story = fw::plugin_host::sample_story();
  StoryView view{&story, "0123456789abcdef", "bench", "Bench feed", "en"};
};

template <class P> void run_calls(benchmark::State& state, P& plugin) {
  const Sample sample;
  for (auto _ : state) {
    Additions additions;
    const fw::plugin_host::Outcome o = plugin.process(sample.view, additions);
    if (o.status != FW_OK) {
      state.SkipWithError("the plugin call failed");
      break;
    }
    benchmark::DoNotOptimize(additions);
  }
  state.counters["story_bytes"] = static_cast<double>(sample.story.text->size());
}

void in_process(benchmark::State& state, const std::filesystem::path& so, const char* config) {
  fw::plugin_host::Plugin plugin = fw::plugin_host::Plugin::load(so.stem().string(), so);
  plugin.create(config);
  run_calls(state, plugin);
}

void BM_InProcessCall(benchmark::State& state) {
  in_process(state, k_binary_dir / "bench-plugins" / "noop.so", "{}");
}

void BM_IsolatedCall(benchmark::State& state) {
  fw::plugin_host::IsolationOptions options;
  options.host_program = FW_FEEDWIRED;
  fw::plugin_host::IsolatedPlugin plugin = fw::plugin_host::IsolatedPlugin::start(
      "noop", k_binary_dir / "bench-plugins" / "noop.so", {}, "{}", options);
  run_calls(state, plugin);
}

void BM_Tagger(benchmark::State& state) {
  in_process(state, k_binary_dir / "plugins" / "tagger.so", "{}");
}

void BM_Summarizer(benchmark::State& state) {
  in_process(state, k_binary_dir / "plugins" / "summarizer.so", "{}");
}

} // namespace

BENCHMARK(BM_InProcessCall);
BENCHMARK(BM_IsolatedCall)->UseRealTime();
BENCHMARK(BM_Tagger);
BENCHMARK(BM_Summarizer);
BENCHMARK_MAIN();
