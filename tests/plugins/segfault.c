/* A plugin that crashes with a real SIGSEGV (a store through a null pointer the compiler cannot
   see) when a story's title contains "crash", and tags every other story "survived" with an
   attribute "calls" counting the calls this state has seen, so that a restart shows as the count
   starting over. A config containing "crash_in_create" crashes in create() instead. */
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

/* volatile: the optimiser must emit the store rather than assume it cannot happen. */
static int* volatile nowhere = NULL;

static int contains(fw_str s, const char* word) {
  return s.ptr != NULL && memmem(s.ptr, s.len, word, strlen(word)) != NULL;
}

static fw_status create(const fw_host_v1* host, fw_str config, void** out) {
  state* st;
  if (contains(config, "crash_in_create")) {
    *nowhere = 1;
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
  char buffer[32];
  fw_str count;
  if (contains(h->story_field(story, FW_FIELD_TITLE), "crash")) {
    *nowhere = 1;
  }
  ++st->calls;
  count.ptr = buffer;
  count.len = (size_t)snprintf(buffer, sizeof buffer, "%ld", st->calls);
  h->story_set_attr(story, lit("calls"), count);
  *verdict = FW_KEEP;
  return h->story_add_tag(story, lit("survived"), lit(""), 1.0);
}

static void destroy(void* opaque) {
  free(opaque);
}

FW_TEST_PLUGIN("segfault", "1", 0, create, process, destroy)
