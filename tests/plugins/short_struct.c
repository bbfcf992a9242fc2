/* A plugin whose description stops short: its struct_size does not reach destroy, as if it had
   been built against a header that lacked it. */
#include "feedwire/plugin.h"

#include <stddef.h>
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

FW_PLUGIN_EXPORT fw_status fw_plugin_entry_v1(const fw_host_v1* host, fw_plugin_v1* out);
FW_PLUGIN_EXPORT fw_status fw_plugin_entry_v1(const fw_host_v1* host, fw_plugin_v1* out) {
  (void)host;
  memset(out, 0, out->struct_size < sizeof *out ? out->struct_size : sizeof *out);
  out->struct_size = (uint32_t)offsetof(fw_plugin_v1, destroy);
  out->abi_minor = FW_ABI_MINOR;
  out->name.ptr = "short";
  out->name.len = 5;
  out->version.ptr = "1";
  out->version.len = 1;
  out->create = create;
  out->process = process;
  return FW_OK;
}
