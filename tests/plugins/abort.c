/* A plugin that aborts in every process() call, or, when the story's title contains "exit",
   calls exit(3): both forbidden by plugin.h, both survivable only with `isolate = true`. */
#define _GNU_SOURCE /* memmem */
#include "feedwire/plugin.h"
#include "test_plugin.h"

#include <stdlib.h>
#include <string.h>

static const fw_host_v1* the_host;

static fw_status create(const fw_host_v1* host, fw_str config, void** state) {
  (void)config;
  the_host = host;
  *state = NULL;
  return FW_OK;
}

static fw_status process(void* state, fw_story* story, fw_verdict* verdict) {
  fw_str title = the_host->story_field(story, FW_FIELD_TITLE);
  (void)state;
  *verdict = FW_KEEP;
  if (title.ptr != NULL && memmem(title.ptr, title.len, "exit", 4) != NULL) {
    exit(3);
  }
  abort();
}

static void destroy(void* state) {
  (void)state;
}

FW_TEST_PLUGIN("abort", "1", 0, create, process, destroy)
