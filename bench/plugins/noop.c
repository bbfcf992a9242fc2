/* A plugin that does nothing: what a call through the plugin ABI costs before the plugin does
   any work (bench/plugin_bench). */
#include "feedwire/plugin.h"
#include "test_plugin.h"

#include <string.h>

static fw_status create(const fw_host_v1* host, fw_str config, void** state) {
  (void)host;
  (void)config;
  *state = NULL;
  return FW_OK;
}

static fw_status process(void* state, fw_story* story, fw_verdict* verdict) {
  (void)state;
  (void)story;
  *verdict = FW_KEEP;
  return FW_OK;
}

static void destroy(void* state) {
  (void)state;
}

FW_TEST_PLUGIN("noop", "1", FW_PLUGIN_CONCURRENT)
