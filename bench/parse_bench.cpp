// Parse throughput: feedwire's whole parse path against a pugixml-only baseline.
//
// Reads every feed file (*.xml, *.rss, *.atom, *.json) of the directory named by FW_BENCH_CORPUS
// (default /tmp/feedwire-bench-corpus; when it has a feeds/ subdirectory, as gen_feeds.py writes,
// that is used) into memory once, then times one pass over all of them per iteration:
//
//   BM_FeedwireFull       parse_feed + normalize_feed + to_json, every file
//   BM_PugixmlLoad        pugi::xml_document::load_buffer of the same bytes (XML files only)
//   BM_PugixmlItemFields  load_buffer plus copying each RSS item's / Atom entry's title, link,
//                         guid/id, description/summary and pubDate/published into std::strings
//
// bytes_per_second is the bytes handed in; items_per_second counts the items found. Wall time is
// used so the figures compare with bench/compare_parse.sh's timing of feedparser.

#include "normalize/json_output.hpp"
#include "normalize/normalize.hpp"
#include "parse/feed_parser.hpp"

#include <algorithm>
#include <benchmark/benchmark.h>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <pugixml.hpp>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace {

namespace fs = std::filesystem;

constexpr const char* k_default_corpus = "/tmp/feedwire-bench-corpus";

struct FeedFile {
  std::string name;
  std::string bytes;
  bool is_xml = true;
};

std::vector<FeedFile>& corpus() {
  static std::vector<FeedFile> files;
  return files;
}

std::int64_t total_bytes(bool xml_only) {
  std::int64_t total = 0;
  for (const FeedFile& file : corpus()) {
    if (!xml_only || file.is_xml) {
      total += static_cast<std::int64_t>(file.bytes.size());
    }
  }
  return total;
}

bool has_feed_extension(const fs::path& path) {
  const std::string ext = path.extension().string();
  return ext == ".xml" || ext == ".rss" || ext == ".atom" || ext == ".json";
}

// Returns false (after printing why) when the directory is missing or holds no feed files.
bool load_corpus(const fs::path& requested) {
  fs::path dir = requested;
  std::error_code ec;
  if (fs::is_directory(dir / "feeds", ec)) {
    dir /= "feeds";
  }
  if (!fs::is_directory(dir, ec)) {
    std::fprintf(stderr,
                 "parse_bench: corpus directory %s not found; generate one with\n"
                 "  python3 ../shared/bench/gen_feeds.py --out %s --feeds 200 --items 50 --seed 1\n"
                 "or set FW_BENCH_CORPUS to a directory of feed files\n",
                 dir.c_str(), requested.c_str());
    return false;
  }

  std::vector<fs::path> paths;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file() && has_feed_extension(entry.path())) {
      paths.push_back(entry.path());
    }
  }
  std::sort(paths.begin(), paths.end());

  for (const fs::path& path : paths) {
    std::ifstream in(path, std::ios::binary);
    std::string bytes(static_cast<std::size_t>(fs::file_size(path)), '\0');
    in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!in) {
      std::fprintf(stderr, "parse_bench: cannot read %s\n", path.c_str());
      return false;
    }
    const bool is_xml = path.extension() != ".json";
    corpus().push_back(FeedFile{path.filename().string(), std::move(bytes), is_xml});
  }
  if (corpus().empty()) {
    std::fprintf(stderr, "parse_bench: no *.xml, *.rss, *.atom or *.json files in %s\n",
                 dir.c_str());
    return false;
  }
  std::fprintf(stderr, "parse_bench: %zu files, %lld bytes from %s\n", corpus().size(),
               static_cast<long long>(total_bytes(false)), dir.c_str());
  return true;
}

void BM_FeedwireFull(benchmark::State& state) {
  const fw::parse::ParseOptions options;
  std::int64_t items = 0;
  std::int64_t failed = 0;
  for (auto _ : state) {
    for (const FeedFile& file : corpus()) {
      fw::Result<fw::parse::ParsedFeed> parsed = fw::parse::parse_feed(file.bytes, options);
      if (!parsed) {
        ++failed;
        continue;
      }
      const fw::model::FeedDocument doc = fw::normalize::normalize_feed(std::move(parsed).value());
      items += static_cast<std::int64_t>(doc.items.size());
      std::string json = fw::normalize::to_json(doc);
      benchmark::DoNotOptimize(json.data());
      benchmark::ClobberMemory();
    }
  }
  state.SetBytesProcessed(state.iterations() * total_bytes(false));
  state.SetItemsProcessed(items);
  // Files parse_feed rejected, per pass; anything but 0 means the figures above are flattering.
  state.counters["failed"] =
      benchmark::Counter(static_cast<double>(failed), benchmark::Counter::kAvgIterations);
}

void BM_PugixmlLoad(benchmark::State& state) {
  std::int64_t failed = 0;
  for (auto _ : state) {
    for (const FeedFile& file : corpus()) {
      if (!file.is_xml) {
        continue;
      }
      pugi::xml_document doc;
      const pugi::xml_parse_result result = doc.load_buffer(file.bytes.data(), file.bytes.size());
      if (!result) {
        ++failed;
      }
      benchmark::DoNotOptimize(doc.first_child().internal_object());
    }
  }
  state.SetBytesProcessed(state.iterations() * total_bytes(true));
  state.counters["failed"] =
      benchmark::Counter(static_cast<double>(failed), benchmark::Counter::kAvgIterations);
}

struct ItemFields {
  std::string title;
  std::string link;
  std::string id;
  std::string description;
  std::string date;
};

std::string text_of(const pugi::xml_node& parent, const char* name) {
  return parent.child(name).text().get();
}

// RSS 2.0/0.9x: rss/channel/item; RSS 1.0: rdf:RDF/item; Atom: feed/entry. Namespace prefixes
// are taken as written, which is what a pugixml-only reader would do.
void copy_item_fields(const pugi::xml_document& doc, std::vector<ItemFields>& out) {
  const pugi::xml_node root = doc.document_element();
  const std::string_view root_name = root.name();
  if (root_name == "feed") {
    for (const pugi::xml_node& entry : root.children("entry")) {
      std::string link;
      for (const pugi::xml_node& link_node : entry.children("link")) {
        const std::string_view rel = link_node.attribute("rel").as_string("alternate");
        if (rel == "alternate") {
          link = link_node.attribute("href").as_string();
          break;
        }
      }
      std::string summary = text_of(entry, "summary");
      if (summary.empty()) {
        summary = text_of(entry, "content");
      }
      std::string date = text_of(entry, "published");
      if (date.empty()) {
        date = text_of(entry, "updated");
      }
      out.push_back(ItemFields{text_of(entry, "title"), std::move(link), text_of(entry, "id"),
                               std::move(summary), std::move(date)});
    }
    return;
  }
  const pugi::xml_node parent = root_name == "rss" ? root.child("channel") : root;
  for (const pugi::xml_node& item : parent.children("item")) {
    out.push_back(ItemFields{text_of(item, "title"), text_of(item, "link"), text_of(item, "guid"),
                             text_of(item, "description"), text_of(item, "pubDate")});
  }
}

void BM_PugixmlItemFields(benchmark::State& state) {
  std::int64_t items = 0;
  std::int64_t failed = 0;
  std::vector<ItemFields> fields;
  for (auto _ : state) {
    for (const FeedFile& file : corpus()) {
      if (!file.is_xml) {
        continue;
      }
      pugi::xml_document doc;
      if (!doc.load_buffer(file.bytes.data(), file.bytes.size())) {
        ++failed;
        continue;
      }
      fields.clear();
      copy_item_fields(doc, fields);
      items += static_cast<std::int64_t>(fields.size());
      benchmark::DoNotOptimize(fields.data());
      benchmark::ClobberMemory();
    }
  }
  state.SetBytesProcessed(state.iterations() * total_bytes(true));
  state.SetItemsProcessed(items);
  state.counters["failed"] =
      benchmark::Counter(static_cast<double>(failed), benchmark::Counter::kAvgIterations);
}

BENCHMARK(BM_FeedwireFull)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_PugixmlLoad)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_PugixmlItemFields)->Unit(benchmark::kMillisecond)->UseRealTime();

} // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
    return 1;
  }
  const char* env = std::getenv("FW_BENCH_CORPUS");
  const fs::path dir = (env != nullptr && *env != '\0') ? env : k_default_corpus;
  if (!load_corpus(dir)) {
    return 1;
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
