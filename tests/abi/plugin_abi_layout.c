/* plugin.h as strict C99, and the layout of ABI 1.0 frozen: a plugin built against 1.0 must
   find every member where it was. Members may only be appended (raise the sizes' lower bounds
   then, never the offsets). The offsets are those of the LP64 targets feedwire is built for. */
#include "feedwire/plugin.h"

#define FW_FROZEN(name, cond) typedef char fw_frozen_##name[(cond) ? 1 : -1]

#if UINTPTR_MAX == 0xFFFFFFFFFFFFFFFFu
FW_FROZEN(str_size, sizeof(fw_str) == 16);
FW_FROZEN(host_log, offsetof(fw_host_v1, log) == 8);
FW_FROZEN(host_story_field, offsetof(fw_host_v1, story_field) == 16);
FW_FROZEN(host_list_size, offsetof(fw_host_v1, story_list_size) == 24);
FW_FROZEN(host_list_item, offsetof(fw_host_v1, story_list_item) == 32);
FW_FROZEN(host_add_tag, offsetof(fw_host_v1, story_add_tag) == 40);
FW_FROZEN(host_set_summary, offsetof(fw_host_v1, story_set_summary) == 48);
FW_FROZEN(host_set_attr, offsetof(fw_host_v1, story_set_attr) == 56);
FW_FROZEN(host_plugin_dir, offsetof(fw_host_v1, plugin_dir) == 64);
FW_FROZEN(host_config_dir, offsetof(fw_host_v1, config_dir) == 72);
FW_FROZEN(host_size, sizeof(fw_host_v1) >= 64);
FW_FROZEN(plugin_name, offsetof(fw_plugin_v1, name) == 8);
FW_FROZEN(plugin_version, offsetof(fw_plugin_v1, version) == 24);
FW_FROZEN(plugin_flags, offsetof(fw_plugin_v1, flags) == 40);
FW_FROZEN(plugin_create, offsetof(fw_plugin_v1, create) == 48);
FW_FROZEN(plugin_process, offsetof(fw_plugin_v1, process) == 56);
FW_FROZEN(plugin_destroy, offsetof(fw_plugin_v1, destroy) == 64);
FW_FROZEN(plugin_size, sizeof(fw_plugin_v1) >= 72);
#endif

FW_FROZEN(status_values, FW_OK == 0 && FW_ERR_INVALID == 1 && FW_ERR_CONFIG == 2 &&
                             FW_ERR_FAILED == 3 && FW_ERR_NO_MEMORY == 4 &&
                             FW_ERR_UNSUPPORTED == 5 && FW_ERR_LIMIT == 6);
FW_FROZEN(field_values, FW_FIELD_STORY_ID == 0 && FW_FIELD_TEXT == 8 && FW_FIELD_SUMMARY == 14);
FW_FROZEN(list_values, FW_LIST_CATEGORIES == 0 && FW_LIST_TAGS == 3);
FW_FROZEN(verdict_values, FW_KEEP == 0 && FW_DROP == 1);

/* A C plugin's entry point type-checks against the typedef. */
static fw_status fw_c_entry(const fw_host_v1* host, fw_plugin_v1* out) {
  (void)host;
  (void)out;
  return FW_ERR_UNSUPPORTED;
}
fw_plugin_entry_v1_fn fw_abi_layout_c_entry(void);
fw_plugin_entry_v1_fn fw_abi_layout_c_entry(void) {
  return &fw_c_entry;
}
