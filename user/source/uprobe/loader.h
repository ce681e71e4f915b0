/* The BPF side, from user space: open the skeleton, give it the binding
 * table and filters, load, resolve every binding in every target, attach. */
#ifndef LOADER_H
#define LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "mcp_trace.h"
#include "probe_map.h"
#include "source/source.h"

struct uprobe_bpf;
struct bpf_link;
struct bpf_object;

/* Where a binding lands in one target. */
struct attach_point {
	int binding;
	pid_t pid;       /* -1: every process (filtered in BPF instead) */
	char path[4096]; /* the ELF as the tracer can open it */
	uint64_t offset; /* function: file offset of its first instruction */
};

struct loader_opts {
	size_t ringbuf_bytes;
	uint64_t filter_cgroup_id;
	uint32_t filter_cgroup_level; /* depth of that cgroup: its descendants match too */
	uint32_t filter_pidns_ino;
	bool verbose;
	bool no_uprobe_multi; /* one perf-event link per probe, as before 6.6 */
	unsigned traced_mode; /* enum mcp_traced_mode */
	const struct source_env *env; /* for the maps shared with other sources */
	bool link_per_binding; /* uprobe_multi links hold one binding each, so that
				* one can be detached alone (--max-overhead) */
};

/* Which binding a link holds (-1: several) and whether its probes are returns. */
struct loader_link_tag {
	int binding;
	bool ret;
};

struct loader {
	struct uprobe_bpf *skel;
	struct attach_point *points;
	size_t npoints;
	struct bpf_link **links; /* perf-event uprobes, USDT */
	size_t nlinks;
	int *mlinks;             /* uprobe_multi link fds (uprobe_multi.h) */
	size_t nmlinks;
	bool use_multi;          /* uprobes go in uprobe_multi links */
	bool link_per_binding;   /* loader_opts.link_per_binding */
	struct loader_link_tag *link_tags, *mlink_tags; /* per links[i], mlinks[i] */
	size_t nprobes;          /* uprobes and USDT probes attached */
	int attach_errors;
	bool verbose;
};

/* Resolves every binding in every target into attach points, checking that
 * each symbol / USDT probe exists; the same point twice (targets attached
 * by pid -1 that run one executable) is kept once. Built-in bindings
 * (b->builtin) are not the loader's. On failure: -1 and "FILE:LINE: ..." in err. */
int loader_resolve(struct loader *L, const struct probe_map *pm, const struct source_target *t,
		   int nt, char *err, size_t errlen);
/* Opens the BPF object and sets it up for the bindings; -1 with err set. */
int loader_load(struct loader *L, const struct probe_map *pm, const struct loader_opts *o,
		char *err, size_t errlen);
/* Loads it (the verifier's part), attaches its thread-exit cleanup; it may
 * run beside other objects' loads. -1 with err set. */
int loader_load_object(struct loader *L, char *err, size_t errlen);
/* Attaches every resolved point; failures are counted and described on
 * stderr. Returns the number attached. */
int loader_attach(struct loader *L, const struct probe_map *pm);
/* The loaded BPF object (its `events` ring and `stats` counters). */
struct bpf_object *loader_object(struct loader *L);
/* Removes every probe from the targets (see uprobe_multi.c for the cost). */
void loader_detach(struct loader *L);
/* Removes one binding's probes from every target; the other bindings'
 * stay as they are. Its entry and return links are closed at the same
 * time, on two threads: each close waits for a grace period after taking
 * its probes out, and a return probe left alone for that long would see
 * every return without its entry. Returns the links removed, or -1 when
 * a link the binding shares with others holds them (uprobe_multi without
 * link_per_binding): then nothing is removed. */
int loader_detach_binding(struct loader *L, int binding);
void loader_close(struct loader *L);

#endif
