/* A plugin that reads everything plugin.h lets it read and hands it back as one attribute,
   "seen": a JSON object with every text field (null when the story lacks it), every list, and
   the host's plugin_dir and config_dir. Comparing it between two hosts shows that both present
   the same story. */
#include "feedwire/plugin.h"
#include "test_plugin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct buffer {
  char* data;
  size_t len, cap;
  int failed;
} buffer;

static void put(buffer* b, const char* s, size_t n) {
  if (b->failed) {
    return;
  }
  if (b->len + n > b->cap) {
    size_t cap = b->cap == 0 ? 4096 : b->cap;
    char* grown;
    while (cap < b->len + n) {
      cap *= 2;
    }
    grown = realloc(b->data, cap);
    if (grown == NULL) {
      b->failed = 1;
      return;
    }
    b->data = grown;
    b->cap = cap;
  }
  memcpy(b->data + b->len, s, n);
  b->len += n;
}

static void put_text(buffer* b, const char* s) {
  put(b, s, strlen(s));
}

/* A JSON string, or null for {NULL, 0}. Text longer than an attribute may hold becomes
   {"bytes": N, "fnv1a": H}, which still tells whether two hosts passed the same bytes. */
static void put_json(buffer* b, fw_str s) {
  size_t i;
  if (s.ptr == NULL) {
    put_text(b, "null");
    return;
  }
  if (s.len > 1024) {
    unsigned long long hash = 14695981039346656037ull;
    char digest[96];
    for (i = 0; i < s.len; ++i) {
      hash = (hash ^ (unsigned char)s.ptr[i]) * 1099511628211ull;
    }
    snprintf(digest, sizeof digest, "{\"bytes\":%zu,\"fnv1a\":\"%016llx\"}", s.len, hash);
    put_text(b, digest);
    return;
  }
  put_text(b, "\"");
  for (i = 0; i < s.len; ++i) {
    unsigned char c = (unsigned char)s.ptr[i];
    if (c == '"' || c == '\\') {
      char escaped[2];
      escaped[0] = '\\';
      escaped[1] = (char)c;
      put(b, escaped, 2);
    } else if (c < 0x20) {
      char escaped[8];
      snprintf(escaped, sizeof escaped, "\\u%04x", c);
      put_text(b, escaped);
    } else {
      put(b, (const char*)&s.ptr[i], 1);
    }
  }
  put_text(b, "\"");
}

static const char* const field_names[] = {"story_id", "feed_id",   "feed_title",   "id",
                                          "link",     "title",     "summary_html", "content_html",
                                          "text",     "published", "updated",      "image",
                                          "comments", "language",  "summary"};
static const char* const list_names[] = {"categories", "authors", "enclosures", "tags"};

static fw_status create(const fw_host_v1* host, fw_str config, void** out) {
  (void)config;
  *out = (void*)host;
  return FW_OK;
}

static fw_status process(void* opaque, fw_story* story, fw_verdict* verdict) {
  const fw_host_v1* h = opaque;
  buffer b = {NULL, 0, 0, 0};
  fw_str key;
  fw_str value;
  fw_status status;
  int f;
  int l;
  *verdict = FW_KEEP;
  put_text(&b, "{");
  for (f = FW_FIELD_STORY_ID; f <= FW_FIELD_SUMMARY; ++f) {
    put_text(&b, "\"");
    put_text(&b, field_names[f]);
    put_text(&b, "\":");
    put_json(&b, h->story_field(story, f));
    put_text(&b, ",");
  }
  for (l = FW_LIST_CATEGORIES; l <= FW_LIST_TAGS; ++l) {
    size_t n = h->story_list_size(story, l);
    size_t i;
    put_text(&b, "\"");
    put_text(&b, list_names[l]);
    put_text(&b, "\":[");
    for (i = 0; i < n; ++i) {
      if (i > 0) {
        put_text(&b, ",");
      }
      put_json(&b, h->story_list_item(story, l, i));
    }
    put_text(&b, "],");
  }
  put_text(&b, "\"plugin_dir\":");
  put_json(&b, h->plugin_dir(h));
  put_text(&b, ",\"config_dir\":");
  put_json(&b, h->config_dir(h));
  put_text(&b, "}");
  if (b.failed) {
    free(b.data);
    return FW_ERR_NO_MEMORY;
  }
  key.ptr = "seen";
  key.len = 4;
  value.ptr = b.data;
  value.len = b.len;
  status = h->story_set_attr(story, key, value);
  free(b.data);
  return status;
}

static void destroy(void* state) {
  (void)state;
}

FW_TEST_PLUGIN("echo", "1", 0, create, process, destroy)
