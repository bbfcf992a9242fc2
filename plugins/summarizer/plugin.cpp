// The summarizer plugin: sets each story's summary to the few sentences of its text that say
// the most (summarizer.hpp). Configuration keys: see parse_options().
#include "summarizer/summarizer.hpp"

#include <cstdint>
#include <feedwire/plugin.hpp>
#include <stdexcept>
#include <string>
#include <string_view>

namespace {

class SummarizerPlugin {
public:
  static constexpr std::string_view name = "summarizer";
  static constexpr std::string_view version = "1.0.0";
  // The Summarizer is immutable after construction and keeps per-story state on the stack.
  static constexpr std::uint32_t flags = FW_PLUGIN_CONCURRENT;

  SummarizerPlugin(feedwire::Host /*host*/, std::string_view config_json)
      : m_summarizer(feedwire::summarizer::parse_options(config_json)) {}

  fw_verdict process(feedwire::Story& story) {
    // No text, no summary: a title alone is not worth repeating as one.
    const std::string_view text = story.text();
    if (text.empty()) {
      return FW_KEEP;
    }
    const std::string summary =
        m_summarizer.summarize(text, story.title(), story.get(FW_FIELD_LANGUAGE));
    if (summary.empty()) {
      return FW_KEEP;
    }
    // A refused summary (FW_ERR_LIMIT: longer than the host allows) fails the call, which the
    // host counts per status; lowering max_chars is the operator's fix.
    const fw_status status = story.set_summary(summary);
    if (status != FW_OK) {
      throw std::runtime_error("the host refused the summary, status " + std::to_string(status));
    }
    return FW_KEEP;
  }

private:
  const feedwire::summarizer::Summarizer m_summarizer;
};

} // namespace

FEEDWIRE_PLUGIN(SummarizerPlugin)
