/* A plugin in C against plugin.h alone: tags every category (score 0.5) and the feed id (0.9),
   sets the summary to "About: <title>" and the attribute "categories" to their count. Titles
   steer it for the tests: "drop" drops the story, "fail" fails after adding a tag, "bad score"
   passes a score of 2. A config of {"refuse": true} is refused. */
#define _GNU_SOURCE /* memmem */
#include "feedwire/plugin.h"
#include "test_plugin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct state {
  const fw_host_v1* host;
  long calls;
} state;

static int equals(fw_str s, const char* text) {
  return s.ptr != NULL && s.len == strlen(text) && memcmp(s.ptr, text, s.len) == 0;
}

static fw_status create(const fw_host_v1* host, fw_str config, void** out) {
  state* st;
  if (config.len >= 8 && memmem(config.ptr, config.len, "\"refuse\"", 8) != NULL) {
    host->log(host, FW_LOG_ERROR, lit("config: refuse is set"));
    return FW_ERR_CONFIG;
  }
  st = calloc(1, sizeof *st);
  if (st == NULL) {
    return FW_ERR_NO_MEMORY;
  }
  st->host = host;
  *out = st;
  return FW_OK;
}

static fw_status process(void* opaque, fw_story* story, fw_verdict* verdict) {
  state* st = opaque;
  const fw_host_v1* h = st->host;
  fw_str title = h->story_field(story, FW_FIELD_TITLE);
  size_t n = h->story_list_size(story, FW_LIST_CATEGORIES);
  size_t i;
  char buffer[256];
  fw_str summary;
  ++st->calls;
  if (equals(title, "drop")) {
    *verdict = FW_DROP;
    return FW_OK;
  }
  if (h->story_add_tag(story, h->story_field(story, FW_FIELD_FEED_ID), lit(""), 0.9) != FW_OK) {
    return FW_ERR_FAILED;
  }
  if (equals(title, "fail")) {
    return FW_ERR_FAILED;
  }
  if (equals(title, "bad score")) {
    return h->story_add_tag(story, lit("x"), lit(""), 2.0);
  }
  for (i = 0; i < n; ++i) {
    fw_status s =
        h->story_add_tag(story, h->story_list_item(story, FW_LIST_CATEGORIES, i), lit(""), 0.5);
    if (s != FW_OK) {
      return s;
    }
  }
  summary.ptr = buffer;
  summary.len = (size_t)snprintf(buffer, sizeof buffer, "About: %.*s", (int)title.len,
                                 title.ptr != NULL ? title.ptr : "");
  h->story_set_summary(story, summary);
  summary.len = (size_t)snprintf(buffer, sizeof buffer, "%zu", n);
  h->story_set_attr(story, lit("categories"), summary);
  *verdict = FW_KEEP;
  return FW_OK;
}

static void destroy(void* opaque) {
  free(opaque);
}

FW_TEST_PLUGIN("good", "1.2.3", 0, create, process, destroy)
