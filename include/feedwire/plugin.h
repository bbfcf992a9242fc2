/*
 * feedwire plugin ABI, version 1: the whole contract between feedwired and a plugin.
 *
 * A plugin is a shared library (built with -fvisibility=hidden) that exports exactly one
 * symbol, fw_plugin_entry_v1. feedwired opens it with dlopen(RTLD_NOW | RTLD_LOCAL), calls the
 * entry point once, and then drives the plugin through the functions it filled in. The plugin
 * links nothing from feedwired: every host service arrives in the fw_host_v1 table.
 *
 * This header is pure C (C99 and later, and C++), uses only standard headers, and defines no
 * functions. Nothing here is ever removed or reordered: a later minor version only appends
 * members to the two structs and values to the enums, and says which in its history below.
 *
 * Versions
 *   The major version is in the symbol's name: a plugin for ABI 2 exports fw_plugin_entry_v2,
 *   so a host never calls a plugin of another major version. Both sides state their minor
 *   version (abi_minor). The host refuses a plugin whose minor version is newer than its own;
 *   a plugin built against an older minor version keeps working. A plugin that wants a host
 *   service added in a later minor version checks FW_HOST_HAS() before calling it.
 *
 * Memory
 *   - An fw_str passed in (an argument, or a value a host function returns) is borrowed: it is
 *     valid only until the call that received it returns, or, for story fields, until the next
 *     call that changes the story. It is not NUL-terminated. Copy what you keep.
 *   - An fw_str passed out (to a host setter) is read during the call; the host copies it.
 *   - Neither side frees what the other allocated. The plugin owns its state from create() to
 *     destroy().
 *   - Text is UTF-8. The host rejects text that is not (FW_ERR_INVALID).
 *
 * Threads
 *   The host calls create(), process() and destroy() of one plugin state from one thread at a
 *   time, never concurrently, though not always from the same thread; a plugin that sets
 *   FW_PLUGIN_CONCURRENT in flags may have process() called from several threads at once. Host
 *   functions may be called from inside those calls only, on the calling thread; log() also
 *   from create() and destroy().
 *
 * Failure
 *   A process() that returns anything but FW_OK leaves the story as it was before the call
 *   (what the plugin added is discarded) and the story goes on. The host counts such failures
 *   and logs them once per plugin and status. A plugin must not abort, exit or longjmp out of a
 *   call; one that may crash is run with `isolate = true`, in a child process.
 *
 * History
 *   1.0  first version.
 */
#ifndef FEEDWIRE_PLUGIN_H
#define FEEDWIRE_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FW_ABI_MAJOR 1
#define FW_ABI_MINOR 0

/* The visibility of the entry point; everything else in a plugin stays hidden. */
#if defined(_WIN32)
#define FW_PLUGIN_EXPORT __declspec(dllexport)
#else
#define FW_PLUGIN_EXPORT __attribute__((visibility("default")))
#endif

/* A string view: ptr points at len bytes (ptr may be NULL only when len is 0). */
typedef struct fw_str {
  const char* ptr;
  size_t len;
} fw_str;

/* Status codes. Every fallible function returns one. */
typedef int32_t fw_status;
enum {
  FW_OK = 0,
  FW_ERR_INVALID = 1,     /* a bad argument: unknown field or list, index out of range,
                             text that is not UTF-8, a score outside [0, 1], malformed JSON */
  FW_ERR_CONFIG = 2,      /* create(): the plugin's configuration is not acceptable */
  FW_ERR_FAILED = 3,      /* process(): the plugin could not do its work */
  FW_ERR_NO_MEMORY = 4,   /* an allocation failed */
  FW_ERR_UNSUPPORTED = 5, /* the caller asked for something the other side does not offer */
  FW_ERR_LIMIT = 6        /* a host limit was reached (tags, attribute or summary size) */
};

/* What process() decides for the story. */
typedef int32_t fw_verdict;
enum {
  FW_KEEP = 0, /* publish the story (with what the plugin added) */
  FW_DROP = 1  /* publish nothing for it; later plugins do not see it */
};

/* Log levels of fw_host_v1.log. */
enum { FW_LOG_DEBUG = 0, FW_LOG_INFO = 1, FW_LOG_WARN = 2, FW_LOG_ERROR = 3 };

/* Text fields of a story (fw_host_v1.story_field). A field the story does not have reads as
   {NULL, 0}; a present but empty one as a non-NULL ptr with len 0. */
typedef int32_t fw_field;
enum {
  FW_FIELD_STORY_ID = 0, /* 16 lowercase hex digits, stable (docs/messages.md) */
  FW_FIELD_FEED_ID = 1,  /* the feed's id in the config */
  FW_FIELD_FEED_TITLE = 2,
  FW_FIELD_ID = 3, /* the item's own id (guid, Atom id), as written */
  FW_FIELD_LINK = 4,
  FW_FIELD_TITLE = 5,        /* plain text */
  FW_FIELD_SUMMARY_HTML = 6, /* sanitised HTML */
  FW_FIELD_CONTENT_HTML = 7, /* sanitised HTML */
  FW_FIELD_TEXT = 8,         /* plain text of the content (else the summary), paragraphs
                                separated by '\n' */
  FW_FIELD_PUBLISHED = 9,    /* RFC 3339, UTC */
  FW_FIELD_UPDATED = 10,     /* RFC 3339, UTC */
  FW_FIELD_IMAGE = 11,
  FW_FIELD_COMMENTS = 12,
  FW_FIELD_LANGUAGE = 13, /* the feed's language tag, when it states one */
  FW_FIELD_SUMMARY = 14   /* the summary an earlier plugin set */
};

/* Lists of a story (fw_host_v1.story_list_size / story_list_item). */
typedef int32_t fw_list;
enum {
  FW_LIST_CATEGORIES = 0, /* the feed's categories for the item */
  FW_LIST_AUTHORS = 1,    /* author names */
  FW_LIST_ENCLOSURES = 2, /* enclosure URLs */
  FW_LIST_TAGS = 3        /* tag slugs added by earlier plugins, highest score first */
};

/* The story a call works on. Opaque and host-owned: valid only during the call it is passed
   to. */
typedef struct fw_story fw_story;

typedef struct fw_host_v1 fw_host_v1;

/* Host services. Filled in by the host; read-only for the plugin. Members are appended in
   later minor versions, never reordered: check FW_HOST_HAS() before calling one added after
   1.0. */
struct fw_host_v1 {
  uint32_t struct_size; /* sizeof the host's fw_host_v1 */
  uint32_t abi_minor;   /* the host's FW_ABI_MINOR */

  /* Writes a line to feedwired's log, attributed to the plugin. */
  void (*log)(const fw_host_v1* host, int32_t level, fw_str message);

  /* Reads a text field; {NULL, 0} when the story has none or the field is unknown. */
  fw_str (*story_field)(const fw_story* story, fw_field field);
  /* Number of entries of a list (0 for an unknown list), and entry `index` ({NULL, 0} when out
     of range). */
  size_t (*story_list_size)(const fw_story* story, fw_list list);
  fw_str (*story_list_item)(const fw_story* story, fw_list list, size_t index);

  /* Adds a tag. `tag` is turned into a slug (lower case, words joined by hyphens, no
     possessive: "Kim Jong Un's" -> "kim-jong-un"); `label` is how it reads (may be empty: the
     tag as given). `score` is in [0, 1]. A tag the story already has keeps the higher score.
     The host records the plugin as the tag's author. */
  fw_status (*story_add_tag)(fw_story* story, fw_str tag, fw_str label, double score);
  /* Sets the summary (plain text), replacing any earlier one. */
  fw_status (*story_set_summary)(fw_story* story, fw_str text);
  /* Sets attribute `key` to a JSON value (`json` must parse as one). It is published as
     "<plugin name>.<key>" in the story's "attrs". */
  fw_status (*story_set_attr)(fw_story* story, fw_str key, fw_str json);

  /* A folder of the plugin's own, for what it keeps across restarts (learned data, caches):
     <state_dir>/plugins/<plugin name>/, made by the host before create(). {NULL, 0} when there
     is none (feedwire plugin-check without --state-dir): keep everything in memory then. An
     absolute path, valid as long as the host table. */
  fw_str (*plugin_dir)(const fw_host_v1* host);
  /* The folder of feedwired's config file: resolve relative paths of the plugin's
     configuration against it. An absolute path ({NULL, 0} when unknown), valid as long as the
     host table. */
  fw_str (*config_dir)(const fw_host_v1* host);
};

/* True when the host's table has `member` (a member added in a later minor version). */
#define FW_HOST_HAS(host, member)                                                                  \
  ((host)->struct_size >= offsetof(fw_host_v1, member) + sizeof((host)->member) &&                 \
   (host)->member != NULL)

/* Flags of fw_plugin_v1. */
enum {
  FW_PLUGIN_CONCURRENT = 1u << 0 /* process() may run on several threads at once */
};

/* The plugin's description of itself. Filled in by the entry point; the host reads only the
   first struct_size bytes it knows of. */
typedef struct fw_plugin_v1 {
  uint32_t struct_size; /* sizeof(fw_plugin_v1) as the plugin was compiled */
  uint32_t abi_minor;   /* FW_ABI_MINOR as the plugin was compiled */
  fw_str name;          /* static storage: [a-z0-9_-]+ */
  fw_str version;       /* static storage: the plugin's own version, free form */
  uint32_t flags;       /* FW_PLUGIN_* */

  /* Makes the plugin's state from its configuration (the [[plugin]] table's `config`, as a
     JSON object; "{}" when there is none). Return FW_ERR_CONFIG, after log() saying why, when
     the configuration is wrong: feedwired then refuses to start. */
  fw_status (*create)(const fw_host_v1* host, fw_str config_json, void** state);
  /* Looks at one story, may add to it, and sets *verdict (FW_KEEP when left alone). */
  fw_status (*process)(void* state, fw_story* story, fw_verdict* verdict);
  /* Frees the state. Called once for every state create() made, also at reload and shutdown. */
  void (*destroy)(void* state);
} fw_plugin_v1;

/* The one exported symbol, called once before any create():
     fw_status fw_plugin_entry_v1(const fw_host_v1 *host, fw_plugin_v1 *out);
   On entry out->struct_size is the size of the struct the host passes (what it knows of). The
   plugin writes no more than that many bytes of its description into *out, sets
   out->struct_size to sizeof(fw_plugin_v1) as it was compiled, and returns FW_OK; or it
   returns FW_ERR_UNSUPPORTED when the host is too old for it (see host->abi_minor). The host
   reads only the members that both sizes cover. plugin.hpp's FEEDWIRE_PLUGIN does all this. */
typedef fw_status (*fw_plugin_entry_v1_fn)(const fw_host_v1* host, fw_plugin_v1* out);
#define FW_PLUGIN_ENTRY_V1_NAME "fw_plugin_entry_v1"

#ifdef __cplusplus
}
#endif

#endif /* FEEDWIRE_PLUGIN_H */
