/* A plugin that never returns from process() when the story's title contains "loop", and tags
   every other story "finished". */
#define _GNU_SOURCE /* memmem */
#include "feedwire/plugin.h"
#include "test_plugin.h"

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
  fw_str tag;
  (void)state;
  *verdict = FW_KEEP;
  if (title.ptr != NULL && memmem(title.ptr, title.len, "loop", 4) != NULL) {
    /* volatile: a loop without side effects could be assumed to end and be removed. */
    volatile unsigned long spins = 0;
    for (;;) {
      ++spins;
    }
  }
  tag.ptr = "finished";
  tag.len = 8;
  return the_host->story_add_tag(story, tag, tag, 1.0);
}

static void destroy(void* state) {
  (void)state;
}

FW_TEST_PLUGIN("loop", "1", 0, create, process, destroy)
