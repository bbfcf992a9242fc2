/* A plugin for a later major version of the ABI: it exports fw_plugin_entry_v2 only, so a 1.x
   host finds no entry point it can call. */
#include "feedwire/plugin.h"

FW_PLUGIN_EXPORT fw_status fw_plugin_entry_v2(const void* host, void* out);
FW_PLUGIN_EXPORT fw_status fw_plugin_entry_v2(const void* host, void* out) {
  (void)host;
  (void)out;
  return FW_OK;
}
