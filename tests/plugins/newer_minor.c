/* A plugin that says it was built against a minor ABI version newer than the host's. */
#include "feedwire/plugin.h"
#include "test_plugin.h"

FW_PLUGIN_EXPORT fw_status fw_plugin_entry_v1(const fw_host_v1* host, fw_plugin_v1* out);
FW_PLUGIN_EXPORT fw_status fw_plugin_entry_v1(const fw_host_v1* host, fw_plugin_v1* out) {
  (void)host;
  describe(out, "newer", "9", 0, noop_create, noop_process, noop_destroy);
  out->abi_minor = FW_ABI_MINOR + 1;
  return FW_OK;
}
