/* What the test plugins share, against plugin.h alone: string literals as fw_str, and the entry
   point that describes a plugin to the host. A plugin that tests a malformed description
   (newer_minor.c, short_struct.c, wrong_abi.c) writes its own entry point instead. */
#ifndef FEEDWIRE_TEST_PLUGIN_H
#define FEEDWIRE_TEST_PLUGIN_H

#include "feedwire/plugin.h"

#include <string.h>

static inline fw_str lit(const char* text) {
  fw_str s;
  s.ptr = text;
  s.len = strlen(text);
  return s;
}

/* Writes the description into *out as plugin.h asks: no more bytes than the host's
   struct_size, then our own size. */
static inline fw_status describe(fw_plugin_v1* out, const char* name, const char* version,
                                 uint32_t flags,
                                 fw_status (*create)(const fw_host_v1*, fw_str, void**),
                                 fw_status (*process)(void*, fw_story*, fw_verdict*),
                                 void (*destroy)(void*)) {
  fw_plugin_v1 self;
  size_t room;
  memset(&self, 0, sizeof self);
  self.struct_size = sizeof self;
  self.abi_minor = FW_ABI_MINOR;
  self.name = lit(name);
  self.version = lit(version);
  self.flags = flags;
  self.create = create;
  self.process = process;
  self.destroy = destroy;
  room = out->struct_size < sizeof self ? out->struct_size : sizeof self;
  memcpy(out, &self, room);
  out->struct_size = sizeof self;
  return FW_OK;
}

/* A plugin's functions for plugins that do nothing but describe themselves. */
static inline fw_status noop_create(const fw_host_v1* host, fw_str config, void** state) {
  (void)host;
  (void)config;
  *state = NULL;
  return FW_OK;
}
static inline fw_status noop_process(void* state, fw_story* story, fw_verdict* verdict) {
  (void)state;
  (void)story;
  *verdict = FW_KEEP;
  return FW_OK;
}
static inline void noop_destroy(void* state) {
  (void)state;
}

/* The exported entry point of a plugin made of the functions create, process and destroy. */
#define FW_TEST_PLUGIN(name, version, flags, create, process, destroy)                             \
  FW_PLUGIN_EXPORT fw_status fw_plugin_entry_v1(const fw_host_v1* host, fw_plugin_v1* out);        \
  FW_PLUGIN_EXPORT fw_status fw_plugin_entry_v1(const fw_host_v1* host, fw_plugin_v1* out) {       \
    (void)host;                                                                                    \
    return describe(out, name, version, flags, create, process, destroy);                          \
  }

#endif /* FEEDWIRE_TEST_PLUGIN_H */
