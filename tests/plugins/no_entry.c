/* A shared object that is no feedwire plugin: it exports something else. */
#include "feedwire/plugin.h"

FW_PLUGIN_EXPORT int fw_plugin_entry_v0(void);
FW_PLUGIN_EXPORT int fw_plugin_entry_v0(void) {
  return 0;
}
