/* example: the smallest useful feedwire plugin, in C. Copy this file to start your own.
 *
 * For every story it counts the words of the plain text and sets two attributes, published as
 * "<plugin name>.words" and "<plugin name>.reading_minutes" (230 words a minute, rounded up). A
 * story of at least `long_read_words` words (default 1000) also gets the tag "long-read".
 *
 *   [[plugin]]
 *   name = "example"
 *   config = { long_read_words = 1500 }
 *
 * Everything a plugin may use is in feedwire/plugin.h; read its top comment once. The rules that
 * matter most: export only fw_plugin_entry_v1 (build with -fvisibility=hidden), copy any fw_str
 * you want to keep (they are borrowed), and never abort or exit: return a status instead.
 * example.cpp is the same plugin in C++, with less ceremony. */
#include "feedwire/plugin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WORDS_PER_MINUTE 230
#define DEFAULT_LONG_READ_WORDS 1000

/* Whatever the plugin needs between calls. create() makes it, destroy() frees it; the host only
   passes the pointer around. */
typedef struct example_state {
  const fw_host_v1* host; /* valid until destroy() */
  unsigned long long long_read_words;
} example_state;

static fw_str lit(const char* text) {
  fw_str s;
  s.ptr = text;
  s.len = strlen(text);
  return s;
}

static void log_text(const fw_host_v1* host, int32_t level, const char* text) {
  host->log(host, level, lit(text));
}

static int is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Reads `"long_read_words": <whole number>` from the config JSON. Returns 1 and sets *value when
   the key is there, 0 when it is not, -1 when its value is not a whole number from 1 on. A real
   plugin with more settings should use a JSON library; this keeps the example free of dependencies.
 */
static int config_number(fw_str config, const char* key, unsigned long long* value) {
  const size_t key_len = strlen(key);
  size_t i;
  for (i = 0; i + key_len + 2 <= config.len; ++i) {
    size_t p = i + key_len + 2;
    unsigned long long n = 0;
    size_t digits = 0;
    /* The key in quotes, then a colon: a string value that happens to read "long_read_words"
       is followed by , or } instead, so it does not match. */
    if (config.ptr[i] != '"' || memcmp(config.ptr + i + 1, key, key_len) != 0 ||
        config.ptr[i + 1 + key_len] != '"') {
      continue;
    }
    while (p < config.len && is_space(config.ptr[p])) {
      ++p;
    }
    if (p == config.len || config.ptr[p] != ':') {
      continue;
    }
    ++p;
    while (p < config.len && is_space(config.ptr[p])) {
      ++p;
    }
    for (; p < config.len && config.ptr[p] >= '0' && config.ptr[p] <= '9'; ++p, ++digits) {
      if (digits == 9) {
        return -1; /* a billion words or more: refuse rather than overflow */
      }
      n = n * 10 + (unsigned long long)(config.ptr[p] - '0');
    }
    while (p < config.len && is_space(config.ptr[p])) {
      ++p;
    }
    if (digits == 0 || n == 0 || p == config.len ||
        (config.ptr[p] != ',' && config.ptr[p] != '}')) {
      return -1; /* 0, a string, a negative or fractional number, null, ... */
    }
    *value = n;
    return 1;
  }
  return 0;
}

/* Called once per [[plugin]] table, before any story. A refused configuration stops feedwired
   from starting, with our log line saying why: better than running with a setting ignored. */
static fw_status example_create(const fw_host_v1* host, fw_str config, void** state) {
  example_state* st;
  unsigned long long threshold = DEFAULT_LONG_READ_WORDS;
  if (config_number(config, "long_read_words", &threshold) < 0) {
    log_text(host, FW_LOG_ERROR,
             "long_read_words: expected a whole number of words from 1 on, e.g. 1000");
    return FW_ERR_CONFIG;
  }
  st = malloc(sizeof *st);
  if (st == NULL) {
    return FW_ERR_NO_MEMORY;
  }
  st->host = host;
  st->long_read_words = threshold;
  *state = st;
  return FW_OK;
}

/* Called for every story. Reads through the host's functions, writes through its setters (which
   copy what they are given), and sets *verdict. Anything but FW_OK makes the host forget what
   this call added, so a half-done story is never published. */
static fw_status example_process(void* opaque, fw_story* story, fw_verdict* verdict) {
  const example_state* st = opaque;
  const fw_host_v1* h = st->host;
  /* Borrowed: valid only during this call. A missing field reads as {NULL, 0}. */
  const fw_str text = h->story_field(story, FW_FIELD_TEXT);
  unsigned long long words = 0;
  unsigned long long minutes;
  int in_word = 0;
  size_t i;
  char json[32];
  fw_status status;

  /* A word is a run of anything but ASCII white space: good enough for languages that put
     spaces between words. */
  for (i = 0; i < text.len; ++i) {
    const int space = is_space(text.ptr[i]);
    if (!space && !in_word) {
      ++words;
    }
    in_word = !space;
  }
  minutes = (words + WORDS_PER_MINUTE - 1) / WORDS_PER_MINUTE;

  /* Attribute values are JSON text: a number is written as is, a string needs quotes. */
  snprintf(json, sizeof json, "%llu", words);
  status = h->story_set_attr(story, lit("words"), lit(json));
  if (status != FW_OK) {
    return status;
  }
  snprintf(json, sizeof json, "%llu", minutes);
  status = h->story_set_attr(story, lit("reading_minutes"), lit(json));
  if (status != FW_OK) {
    return status;
  }
  if (words >= st->long_read_words) {
    /* The host turns the tag into a slug; the label is how it reads; the score is in [0, 1]. */
    status = h->story_add_tag(story, lit("long-read"), lit("Long read"), 1.0);
    if (status != FW_OK) {
      return status;
    }
  }
  *verdict = FW_KEEP; /* FW_DROP would keep the story from being published */
  return FW_OK;
}

/* Called once for every state create() made: at shutdown, and when the config is reloaded. */
static void example_destroy(void* state) {
  free(state);
}

/* The one exported symbol. The host passes in how big its fw_plugin_v1 is; copying no more than
   that lets an older host load a plugin built against newer headers. */
FW_PLUGIN_EXPORT fw_status fw_plugin_entry_v1(const fw_host_v1* host, fw_plugin_v1* out);
FW_PLUGIN_EXPORT fw_status fw_plugin_entry_v1(const fw_host_v1* host, fw_plugin_v1* out) {
  fw_plugin_v1 self;
  size_t room;
  (void)host; /* a plugin that needs a newer host service checks host->abi_minor here */
  memset(&self, 0, sizeof self);
  self.struct_size = sizeof self;
  self.abi_minor = FW_ABI_MINOR;
  self.name = lit("example"); /* static storage: the host keeps pointing at it */
  self.version = lit("1.0");
  self.flags = 0; /* FW_PLUGIN_CONCURRENT if process() may run on several threads at once */
  self.create = example_create;
  self.process = example_process;
  self.destroy = example_destroy;
  room = out->struct_size < sizeof self ? out->struct_size : sizeof self;
  memcpy(out, &self, room);
  out->struct_size = sizeof self;
  return FW_OK;
}
