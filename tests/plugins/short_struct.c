/* A plugin whose description stops short: its struct_size does not reach destroy, as if it had
   been built against a header that lacked it. */
#include "feedwire/plugin.h"
#include "test_plugin.h"

#include <stddef.h>

FW_PLUGIN_EXPORT fw_status fw_plugin_entry_v1(const fw_host_v1* host, fw_plugin_v1* out);
FW_PLUGIN_EXPORT fw_status fw_plugin_entry_v1(const fw_host_v1* host, fw_plugin_v1* out) {
  (void)host;
  describe(out, "short", "1", 0, noop_create, noop_process, noop_destroy);
  out->struct_size = (uint32_t)offsetof(fw_plugin_v1, destroy);
  return FW_OK;
}
