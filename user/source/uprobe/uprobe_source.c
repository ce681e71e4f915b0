/* The uprobe/USDT source behind the source interface (uprobe_source.h). */
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "source/uprobe/loader.h"
#include "source/uprobe/uprobe_decode.h"
#include "source/uprobe/uprobe_source.h"

struct uprobe_source {
	struct loader L;
	struct call scratch; /* the call being decoded: too big for the stack */
};

static struct uprobe_source *priv(struct source *s)
{
	return s->priv;
}

static bool uprobe_applies(const struct source_env *env)
{
	for (size_t i = 0; env->pm && i < env->pm->n; i++)
		if (!env->pm->bindings[i].builtin)
			return true;
	return false;
}

static int uprobe_open(struct source *s, char *err, size_t errlen)
{
	const struct source_env *env = s->env;
	struct uprobe_source *u = calloc(1, sizeof(*u));
	struct loader_opts lo = {
		.ringbuf_bytes = env->ringbuf_bytes,
		.filter_cgroup_id = env->filter_cgroup_id,
		.filter_cgroup_level = env->filter_cgroup_level,
		.filter_pidns_ino = env->filter_pidns_ino,
		.verbose = env->verbose,
		.no_uprobe_multi = env->no_uprobe_multi,
		.traced_mode = source_traced_mode(env, true),
		.env = env,
		.link_per_binding = env->link_per_binding,
	};
	struct source_target t[SOURCE_MAX_TARGETS];
	int nt = env->ntargets < SOURCE_MAX_TARGETS ? env->ntargets : SOURCE_MAX_TARGETS;

	if (!u) {
		snprintf(err, errlen, "out of memory");
		return 1;
	}
	s->priv = u;
	/* Following children: the probes go on the code for every process
	 * (pid -1) and the programs keep to the traced set, which a child
	 * joins at fork, before it runs: none of its calls is missed. A
	 * process outside the set that runs the same code pays a trap per
	 * call (README, "Following children"). */
	for (int i = 0; i < nt; i++) {
		t[i] = env->targets[i];
		if (lo.traced_mode == MCP_TRACED_BY_SET)
			t[i].pid = -1;
	}
	if (loader_resolve(&u->L, env->pm, t, nt, err, errlen))
		return 2;
	if (loader_load(&u->L, env->pm, &lo, err, errlen))
		return 1;
	return 0;
}

static int uprobe_load(struct source *s, char *err, size_t errlen)
{
	if (loader_load_object(&priv(s)->L, err, errlen))
		return 1;
	s->obj = loader_object(&priv(s)->L);
	return 0;
}

static int uprobe_attach(struct source *s)
{
	int n = loader_attach(&priv(s)->L, s->env->pm);

	s->attach_errors = priv(s)->L.attach_errors;
	return n;
}

static int uprobe_on_record(struct source *s, const void *data, size_t len)
{
	struct call *c = &priv(s)->scratch;

	if (uprobe_decode_record(c, data, len, s->env->pm))
		return -1;
	s->env->sink.fn(s->env->sink.ctx, c);
	return 0;
}

static int uprobe_detach_binding(struct source *s, int binding)
{
	return priv(s) && priv(s)->L.skel ? loader_detach_binding(&priv(s)->L, binding) : 0;
}

static void uprobe_detach(struct source *s)
{
	if (priv(s))
		loader_detach(&priv(s)->L);
}

static void uprobe_close(struct source *s)
{
	if (!priv(s))
		return;
	loader_close(&priv(s)->L);
	free(s->priv);
	s->priv = NULL;
}

const struct source_ops uprobe_source_ops = {
	.name = "uprobe",
	.applies = uprobe_applies,
	.open = uprobe_open,
	.load = uprobe_load,
	.attach_early = true,
	.attach = uprobe_attach,
	.on_record = uprobe_on_record,
	.detach_binding = uprobe_detach_binding,
	.detach = uprobe_detach,
	.close = uprobe_close,
};
