/* Probe maps: the text file that binds a target's functions and USDT probes
 * to catalog operations (syntax: README.md, "Probe maps"). Parsed once into
 * these plain structs; nothing downstream re-reads text. */
#ifndef PROBE_MAP_H
#define PROBE_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "mcp_trace.h"

enum pm_kind { PM_SPAN = 1, PM_POINT = 2 };

/* How a captured value is interpreted in user space. */
enum pm_type {
	PT_INT = 1, /* 4 bytes signed */
	PT_UINT,    /* 4 bytes unsigned */
	PT_LONG,    /* 8 bytes signed (the default) */
	PT_ULONG,   /* 8 bytes unsigned */
	PT_SHORT,   /* 2 bytes signed */
	PT_CHAR,    /* 1 byte signed */
	PT_BOOL,    /* 1 byte, non-zero = true */
	PT_DOUBLE,  /* 8 bytes IEEE 754 */
	PT_FLOAT,   /* 4 bytes IEEE 754 */
	PT_STR,     /* NUL-terminated string */
	PT_STRPTR,  /* char * stored at the address, then its string */
	PT_ENUM,    /* 4-byte int mapped to labels[value] */
	PT_CONST,   /* a constant string from the map, no capture */
};

#define PM_MAX_LABELS 16
#define PM_KEY_LEN 64

struct pm_capture {
	char key[PM_KEY_LEN]; /* attribute key; "" for the hidden `fail if` capture */
	enum pm_type type;
	struct mcp_cap_spec spec; /* what the BPF side reads (src, arg, when, read, size, slot, off) */
	bool content;             /* only captured with --capture-content */
	char *constant;           /* PT_CONST: the text */
	char *labels[PM_MAX_LABELS]; /* PT_ENUM */
	int nlabels;
	int line;
	/* python: bindings (probe_map_python.c): what the wrapper reads. */
	unsigned char py_src; /* enum pm_py_src, 0 for native captures */
	bool py_key;          /* ["KEY"]: a mapping's key only (.FIELD: attribute, else key) */
	char *py_name;        /* PY_PARAM*: the parameter's name */
	char *py_field;       /* .FIELD / ["KEY"] of the parameter or return value, NULL: none */
};

/* Where a python: binding's capture comes from (README, "Python functions"). */
enum pm_py_src {
	PY_PARAM = 1,  /* param NAME[.FIELD] */
	PY_PARAM_LEN,  /* len(param NAME) */
	PY_RET,        /* ret[.FIELD] */
	PY_RAISED,     /* the hidden `fail if raises` value: 1 when the call raised */
	PY_EXC_TYPE,   /* error.type by default: type(exception).__name__ */
};

enum pm_cmp { PM_LT = 1, PM_LE, PM_EQ, PM_NE, PM_GT, PM_GE };

struct pm_fail {
	bool present;
	int cap;          /* index into captures[] of the value compared */
	enum pm_cmp cmp;
	long long value;
};

#define PM_MAX_CAPTURES (MCP_MAX_CAPS + 8) /* captures + constants */

struct pm_binding {
	int line;           /* line of the binding in the file, for messages */
	enum pm_kind kind;
	int op;             /* catalog operation index (catalog.h) */
	char *object;       /* ELF path or library name; NULL = the target's executable */
	char *symbol;       /* function name; NULL for USDT */
	char *usdt_provider;/* USDT probe, when bound to one */
	char *usdt_name;
	char *usdt_done;    /* a span on two USDT probes: the one that ends it
			     * (same provider); usdt_name starts it */
	struct pm_capture caps[PM_MAX_CAPTURES];
	int ncaps;
	struct pm_fail fail;
	int error_type_cap; /* index of the `error.type` capture, -1 when not bound */
	const char *builtin; /* the built-in source that added it ("exec"), NULL
			      * for the probe map's own (probe_map_add_builtin);
			      * "python" for python: bindings, which the python
			      * source serves (symbol is then "MODULE:QUALNAME") */
	char *py_module;     /* python:MODULE:QUALNAME, NULL for native bindings */
	char *py_qualname;
	char *node_module;   /* node:MODULE:PATH (probe_map_node.c), NULL otherwise */
	char *node_path;
};

/* Bound by name inside an interpreter (python:, node:): attribute lines
 * read parameters and return values by name (probe_map_python.c). */
static inline bool pm_by_name(const struct pm_binding *b) { return b->py_module || b->node_module; }

struct probe_map {
	char *path;
	struct pm_binding *bindings;
	size_t n;
};

/* A probe map is at most 256 bindings: a file larger than this is not one
 * (and is not read into memory whole). */
#define PM_MAX_FILE_BYTES (4 << 20)

/* Parses the file at `path` (probe_map_file.c): a regular file, at most
 * PM_MAX_FILE_BYTES; a FIFO or a device is refused, not waited on. On error
 * returns -1 and writes "PATH:LINE: message" to err, with what it echoes of
 * the input quoted (term_quote.h). `capture_content`: false drops captures
 * marked `content` (they are not even read by the BPF side). Warnings
 * (attributes a binding leaves out) go to stderr. */
int probe_map_load(const char *path, bool capture_content, struct probe_map *out,
		   char *err, size_t errlen);
/* Same, from text already in memory; `name` stands for the path in messages. */
int probe_map_parse(const char *text, const char *name, bool capture_content,
		    struct probe_map *out, char *err, size_t errlen);
/* Same, from `len` bytes that may hold anything (a NUL byte is an error,
 * a leading UTF-8 byte-order mark is skipped); warnings to `warn`, none
 * when NULL. What the loader and the fuzzer (tests/fuzz) call. */
int probe_map_parse_bytes(const char *text, size_t len, const char *name, bool capture_content,
			  FILE *warn, struct probe_map *out, char *err, size_t errlen);
void probe_map_free(struct probe_map *pm);
/* A binding a built-in source adds for its calls (per-binding statistics,
 * summary and live-view rows): operation `op`, shown as `label`. Returns
 * its index, or -1 (out of memory). Bindings move: take no pointer to one
 * before every source has opened. */
int probe_map_add_builtin(struct probe_map *pm, int op, const char *source, const char *label);

/* Fills the BPF-side spec of a binding (flags, ncaps, caps) from the parsed one. */
void probe_map_to_spec(const struct pm_binding *b, bool emit_start,
		       struct mcp_binding_spec *spec);

#endif
