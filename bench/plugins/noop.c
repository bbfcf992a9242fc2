/* A plugin that does nothing: what a call through the plugin ABI costs before the plugin does
   any work (bench/plugin_bench). */
#include "feedwire/plugin.h"
#include "test_plugin.h"

FW_TEST_PLUGIN("noop", "1", FW_PLUGIN_CONCURRENT, noop_create, noop_process, noop_destroy)
