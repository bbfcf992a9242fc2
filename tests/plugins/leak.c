/* A plugin that leaks 8 MB in every process() call, writing to every page so that the memory is
   really used, and keeps the blocks reachable so that the allocation cannot be optimised away.
   It sets the attribute "leaked_mb" to its running total. When malloc fails it says so with
   FW_ERR_NO_MEMORY, as a careful plugin would. */
#include "feedwire/plugin.h"
#include "test_plugin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_BYTES (8u * 1024u * 1024u)

typedef struct state {
  const fw_host_v1* host;
  void* blocks; /* a list through each block's first word */
  long leaked_mb;
} state;

static fw_status create(const fw_host_v1* host, fw_str config, void** out) {
  state* st = calloc(1, sizeof *st);
  (void)config;
  if (st == NULL) {
    return FW_ERR_NO_MEMORY;
  }
  st->host = host;
  *out = st;
  return FW_OK;
}

static fw_status process(void* opaque, fw_story* story, fw_verdict* verdict) {
  state* st = opaque;
  char buffer[32];
  fw_str key;
  fw_str value;
  void* block = malloc(BLOCK_BYTES);
  *verdict = FW_KEEP;
  if (block == NULL) {
    return FW_ERR_NO_MEMORY;
  }
  memset(block, 0xA5, BLOCK_BYTES);
  *(void**)block = st->blocks;
  st->blocks = block;
  st->leaked_mb += BLOCK_BYTES / (1024 * 1024);
  key.ptr = "leaked_mb";
  key.len = 9;
  value.ptr = buffer;
  value.len = (size_t)snprintf(buffer, sizeof buffer, "%ld", st->leaked_mb);
  return st->host->story_set_attr(story, key, value);
}

/* Frees the state only: the blocks are the leak. */
static void destroy(void* opaque) {
  free(opaque);
}

FW_TEST_PLUGIN("leak", "1", 0, create, process, destroy)
