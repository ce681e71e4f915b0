/* --list. The output is itself a probe map: the inventory is in comments,
 * the proposed bindings are live lines, so `--list > app.probes` is a start. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "catalog.h"
#include "target/container.h"
#include "source/uprobe/elf_symbols.h"
#include "list.h"
#include "target/proc_maps.h"
#include "target/target.h"

/* The catalog operation a name most likely is: the longest operation name
 * it contains (model_cache_hit beats a shorter overlap). */
static int match_op(const char *name)
{
	int best = -1;
	size_t best_len = 0;

	for (int i = 0; i < catalog_nops; i++) {
		size_t len = strlen(catalog_ops[i].name);

		if (len > best_len && strstr(name, catalog_ops[i].name)) {
			best = i;
			best_len = len;
		}
	}
	return best;
}

/* USDT probe names are often the operation without its family prefix. */
static int match_usdt_op(const char *name)
{
	int op = match_op(name);
	size_t nl = strlen(name);

	for (int i = 0; op < 0 && i < catalog_nops; i++) {
		const char *on = catalog_ops[i].name;
		size_t ol = strlen(on);

		if (ol > nl && on[ol - nl - 1] == '_' && !strcmp(on + ol - nl, name))
			op = i;
	}
	return op;
}

static void hint_attrs(int op)
{
	const char *keys[16];
	int n = catalog_op_metric_attrs(op, keys, 16);

	for (int i = 0; i < n; i++)
		printf("#   %s = arg? as ...\n", keys[i]);
	if (!catalog_ops[op].point)
		printf("#   fail if ret < 0\n#   error.type = ...\n");
}

int list_main(const struct config *cfg)
{
	char exe[4096], err[512];
	struct elf_info info;
	struct proc_maps maps = {0};
	pid_t pid = cfg->npids ? cfg->pids[0] : 0;

	if (cfg->container || cfg->cgroup) { /* the container's main process, as --pid */
		static struct container ct;

		if (container_open(&ct, cfg->container, cfg->cgroup, err, sizeof(err))) {
			fprintf(stderr, "mcp-bpftrace: %s\n", err);
			return 1;
		}
		pid = ct.main_pid;
	}
	if (cfg->cmd) {
		if (target_resolve_cmd(cfg->cmd[0], exe, sizeof(exe))) {
			fprintf(stderr, "mcp-bpftrace: %s: command not found or not executable\n", cfg->cmd[0]);
			return 2;
		}
	} else {
		snprintf(exe, sizeof(exe), "/proc/%d/exe", (int)pid);
		if (proc_maps_read(pid, &maps)) {
			fprintf(stderr, "mcp-bpftrace: pid %d: no such process\n", (int)pid);
			return 1;
		}
	}
	if (elf_info_load(exe, &info, err, sizeof(err))) {
		fprintf(stderr, "mcp-bpftrace: %s\n", err);
		proc_maps_free(&maps);
		return 1;
	}
	/* The path the process mapped, to find runtime addresses (PIE bias). */
	const char *mapped = NULL;
	char real[4096];
	ssize_t rl = pid ? readlink(exe, real, sizeof(real) - 1) : -1;

	if (rl > 0) {
		real[rl] = 0;
		mapped = real;
	}
	printf("# %s: %zu functions (%s), %zu USDT probes\n", cfg->cmd ? exe : mapped ? mapped : exe,
	       info.nfuncs, info.is_pie ? "PIE" : "fixed address", info.nusdts);
	printf("#   %-40s %12s %18s %8s\n", "FUNCTION", "FILE OFFSET", "ADDRESS", "SIZE");
	for (size_t i = 0; i < info.nfuncs; i++) {
		const struct elf_func *f = &info.funcs[i];
		uint64_t addr = mapped ? proc_maps_runtime_addr(&maps, mapped, f->offset) : 0;

		printf("#   %-40s %#12" PRIx64 " %#18" PRIx64 " %8" PRIu64 "%s\n", f->name, f->offset,
		       addr ? addr : f->addr, f->size, f->dynamic ? "" : " (static)");
	}
	for (size_t i = 0; i < info.nusdts; i++)
		printf("#   usdt:%s:%s%s  args: %s\n", info.usdts[i].provider, info.usdts[i].name,
		       info.usdts[i].semaphore ? " (semaphore)" : "", info.usdts[i].args);

	printf("\n# Proposed bindings: fill in the attributes each needs.\n");
	int proposed = 0;

	for (size_t i = 0; i < info.nfuncs; i++) {
		int op = match_op(info.funcs[i].name);

		if (op < 0)
			continue;
		printf("\n%s %s %s\n", catalog_ops[op].point ? "point" : "span", catalog_ops[op].name,
		       info.funcs[i].name);
		hint_attrs(op);
		proposed++;
	}
	for (size_t i = 0; i < info.nusdts; i++) {
		int op = match_usdt_op(info.usdts[i].name);

		if (op < 0 || !catalog_ops[op].point)
			continue;
		printf("\n# or, through its USDT probe:\n# point %s usdt:%s:%s\n", catalog_ops[op].name,
		       info.usdts[i].provider, info.usdts[i].name);
	}
	if (!proposed)
		printf("# (no function name matches a catalog operation)\n");
	elf_info_free(&info);
	proc_maps_free(&maps);
	return 0;
}

int list_ops(void)
{
	for (int i = 0; i < catalog_nops; i++) {
		const struct op_def *op = &catalog_ops[i];

		printf("%-5s %-20s %-34s %s\n", op->point ? "point" : "span", op->name,
		       op->point ? "(event on the open span)" : op->span_name, op->service);
		for (int a = 0; a < OP_MAX_ACTIONS && op->actions[a].when; a++) {
			const struct metric_action *m = &op->actions[a];

			printf("        %s {", catalog_metrics[m->metric].name);
			for (int k = 0; k < ACT_MAX_ATTRS && m->attrs[k]; k++)
				printf("%s%s", k ? ", " : "", m->attrs[k]);
			printf("}%s\n", m->when == ACT_IF_OK ? " if ok" : m->when == ACT_IF_FAILED ? " if failed" : "");
		}
	}
	return 0;
}
