/* A plugin that says it was built against a minor ABI version newer than the host's. */
#include "feedwire/plugin.h"

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

FW_PLUGIN_EXPORT fw_status fw_plugin_entry_v1(const fw_host_v1* host, fw_plugin_v1* out);
FW_PLUGIN_EXPORT fw_status fw_plugin_entry_v1(const fw_host_v1* host, fw_plugin_v1* out) {
  (void)host;
  out->struct_size = sizeof *out;
  out->abi_minor = FW_ABI_MINOR + 1;
  out->name.ptr = "newer";
  out->name.len = 5;
  out->version.ptr = "9";
  out->version.len = 1;
  out->flags = 0;
  out->create = create;
  out->process = process;
  out->destroy = destroy;
  return FW_OK;
}
