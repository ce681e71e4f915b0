/* mcp-bpftrace: parse args -> load probe map -> targets -> open the sources
 * that apply (resolve, load BPF) -> attach -> release the target -> poll
 * their rings into the pipeline, exporting on an interval -> drain, final
 * export, summary. */
#include <bpf/libbpf.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cli.h"
#include "clock.h"
#include "target/container.h"
#include "export/exporters.h"
#include "aggregate/health.h"
#include "cost/cost_metrics.h"
#include "cost/induced.h"
#include "list.h"
#include "view/live_view.h"
#include "source/kernel_features.h"
#include "source/source.h"
#include "source/comm_filter.h"
#include "source/tls/tls_source.h"
#include "source/mcp/mcp_watchdog.h"
#include "source/node/node_script.h"
#include "source/python/py_script.h"
#include "aggregate/pipeline.h"
#include "view/summary.h"
#include "target/target.h"

static volatile sig_atomic_t exiting;

static void on_signal(int sig)
{
	(void)sig;
	exiting = 1;
}

/* Health counters into `h` and the metric store. */
static void update_health(struct pipeline *p, struct source_set *S, struct health_counts *h)
{
	sources_read_stats(S, h->bpf);
	h->records = p->records;
	h->bad_records = p->bad_records + sources_bad_records(S);
	h->orphan_points = span_builder_orphan_points(p->sb);
	h->attach_errors = sources_attach_errors(S);
	health_fold(&p->ms, h);
}

struct run {
	struct config cfg;
	struct probe_map pm;
	struct target targets[CLI_MAX_PIDS];
	int ntargets;
	struct resource_table rt;
	struct source_target st[CLI_MAX_PIDS];
	struct source_env env;
	struct source_set sources;
	struct pipeline p;
	struct exporters ex; /* --otlp-file, --otlp, --prometheus */
	struct export_opts eo;
	struct health_counts h;
	struct live_view *view; /* --top: curses or text; NULL: none */
	struct container ct; /* --container, --cgroup */
	struct cost *cost;   /* what the probes cost the targets (cost/) */
	struct cost_report cost_rep;
	struct comm_filter comm; /* --all's --exclude-comm / --include-comm */
};

static int open_targets(struct run *R, char *err, size_t len)
{
	if (R->cfg.cmd) {
		if (target_launch(R->cfg.cmd, &R->targets[0], err, len))
			return -1;
		R->ntargets = 1;
		return 0;
	}
	for (int i = 0; i < R->cfg.npids; i++) {
		if (target_open_pid(R->cfg.pids[i], &R->targets[i], err, len))
			return -1;
		R->ntargets++;
	}
	if (R->cfg.container || R->cfg.cgroup) {
		/* The container's main process stands for it (service, exe); the
		 * filter and the end come from the container itself. */
		if (container_open(&R->ct, R->cfg.container, R->cfg.cgroup, err, len) ||
		    target_open_pid(R->ct.main_pid, &R->targets[0], err, len))
			return -1;
		snprintf(R->targets[0].container_id, sizeof(R->targets[0].container_id), "%s", R->ct.id);
		snprintf(R->rt.container_id, sizeof(R->rt.container_id), "%s", R->ct.id);
		R->ntargets = 1;
		if (R->cfg.verbose)
			container_print(&R->ct, stderr);
	}
	return 0;
}

static bool all_targets_gone(struct run *R)
{
	if (R->ct.active)
		return container_gone(&R->ct);
	for (int i = 0; i < R->ntargets; i++)
		if (!target_check_exited(&R->targets[i]))
			return false;
	return R->ntargets > 0;
}

static void report_exits(struct run *R)
{
	if (R->ct.active) {
		char what[512];

		if (R->ct.gone)
			fprintf(stderr, "mcp-bpftrace: %s is gone\n", container_describe(&R->ct, what, sizeof(what)));
		return;
	}
	for (int i = 0; i < R->ntargets; i++) {
		struct target *t = &R->targets[i];

		if (!t->exited)
			continue;
		if (t->launched && WIFEXITED(t->exit_status))
			fprintf(stderr, "mcp-bpftrace: %s (pid %d) exited with status %d\n", t->exe_name,
				(int)t->pid, WEXITSTATUS(t->exit_status));
		else if (t->launched && WIFSIGNALED(t->exit_status))
			fprintf(stderr, "mcp-bpftrace: %s (pid %d) was killed by signal %d\n", t->exe_name,
				(int)t->pid, WTERMSIG(t->exit_status));
		else
			fprintf(stderr, "mcp-bpftrace: pid %d exited\n", (int)t->pid);
	}
}

static void export_metrics(struct run *R)
{
	update_health(&R->p, &R->sources, &R->h);
	cost_report(R->cost, &R->cost_rep);
	cost_fold_metrics(&R->cost_rep, &R->pm, &R->p.ms, &R->rt, R->p.service_hint);
	exporters_metrics(&R->ex, &R->p.ms, &R->eo, &R->h);
}

static int setup(struct run *R, char *err, size_t len)
{
	struct source_env *env = &R->env;
	int rc;

	/* No probe map: the built-in sources alone, with an empty binding table. */
	if (R->cfg.probes && probe_map_load(R->cfg.probes, R->cfg.capture_content, &R->pm, err, len))
		return 2;
	/* Python bindings run code inside the target: only when asked to. */
	if (py_script_has_bindings(&R->pm) && !R->cfg.inject) {
		snprintf(err, len, "%s binds Python functions (python:...): their wrappers run inside the "
			 "target's interpreter, which needs --inject", R->cfg.probes);
		return 2;
	}
	if (node_bindings_count(&R->pm) && !R->cfg.inject) {
		snprintf(err, len, "%s binds Node.js functions (node:...): their wrappers run inside the "
			 "target through its inspector, which needs --inject", R->cfg.probes);
		return 2;
	}
	if (open_targets(R, err, len))
		return 1;
	/* Calls pass through the cost's count of probe hits on their way. */
	R->cost = cost_new(&R->pm, (struct call_sink){pipeline_call, &R->p}, R->cfg.max_overhead);
	for (int i = 0; i < R->ntargets; i++)
		R->st[i] = (struct source_target){
			.pid = R->targets[i].pid,
			.maps_pid = R->targets[i].launched ? 0 : R->targets[i].pid,
			.exe = R->targets[i].exe,
		};
	*env = (struct source_env){
		.pm = &R->pm,
		.targets = R->st,
		.ntargets = R->ntargets,
		.ringbuf_bytes = R->cfg.ringbuf_bytes,
		.verbose = R->cfg.verbose,
		.no_uprobe_multi = R->cfg.no_uprobe_multi,
		.capture_content = R->cfg.capture_content,
		.follow = !R->cfg.no_follow,
		.mcp_capture = R->cfg.mcp_capture,
		.only = R->cfg.sources,
		.prices = R->cfg.prices,
		.sink = R->cost ? cost_call_sink(R->cost) : (struct call_sink){pipeline_call, &R->p},
		.link_per_binding = R->cfg.max_overhead > 0,
	};
	if (R->cfg.all) { /* every process of the host, now and later, but ours */
		env->all = true;
		env->rt = &R->rt;
		env->filter_self_tgid = (uint32_t)getpid();
		if (R->cfg.nexclude_comm || R->cfg.ninclude_comm) {
			R->comm = (struct comm_filter){
				.exclude = R->cfg.exclude_comm, .nexclude = R->cfg.nexclude_comm,
				.include = R->cfg.include_comm, .ninclude = R->cfg.ninclude_comm,
				.next = env->sink,
			};
			env->sink = (struct call_sink){comm_filter_call, &R->comm};
		}
	}
	if (R->ct.active) { /* every process of it, now and later: filtered in BPF */
		R->st[0].pid = -1;
		env->container = true;
		env->filter_cgroup_id = R->ct.cgroup_id;
		env->filter_cgroup_level = R->ct.cgroup_level;
		env->filter_pidns_ino = R->ct.cgroup_id ? 0 : R->ct.pidns_ino;
	}
	rc = sources_open(&R->sources, env, err, len);
	if (rc)
		return rc;
	if (pipeline_init(&R->p, &R->pm, &R->rt)) {
		snprintf(err, len, "out of memory");
		return 1;
	}
	if (R->cfg.max_series_set)
		R->p.ms.series_limit = R->cfg.max_series;
	R->p.service_hint = R->targets[0].service;
	int xrc = exporters_setup(&R->ex, &R->cfg, R->p.sb, &R->p.ms, &R->rt, &R->eo, err, len);

	if (xrc)
		return xrc;
	int attached = sources_attach(&R->sources, err, len);

	if (attached < 0)
		return 1;
	R->h.attach_errors = sources_attach_errors(&R->sources);
	if (attached == 0) {
		snprintf(err, len, "no probe could be attached");
		return 1;
	}
	for (int i = 0; i < R->ntargets; i++) {
		if (R->targets[i].launched && target_release(&R->targets[i], err, len))
			return 1;
		/* After the exec: /proc/PID/exe now names the target, not us. */
		resources_for_pid(&R->rt, R->targets[i].pid, R->targets[i].service);
	}
	return 0;
}

static void run_loop(struct run *R)
{
	uint64_t start = clock_mono_ns(), next_export = start + (uint64_t)(R->cfg.interval_s * 1e9);
	uint64_t stop_at = R->cfg.duration_s > 0 ? start + (uint64_t)(R->cfg.duration_s * 1e9) : 0;
	uint64_t next_view = start, next_check = start;

	while (!exiting) {
		int e = sources_poll(&R->sources, 100);

		if (e < 0 && e != -EINTR) {
			fprintf(stderr, "mcp-bpftrace: ring buffer: %s\n", strerror(-e));
			break;
		}
		uint64_t now = clock_mono_ns();

		cost_sample(R->cost, now, false);
		if (now >= next_export) {
			export_metrics(R);
			next_export = now + (uint64_t)(R->cfg.interval_s * 1e9);
		}
		if (R->view && now >= next_view) { /* records, drops: for the view's header */
			update_health(&R->p, &R->sources, &R->h);
			live_view_publish(R->view, &R->h);
			cost_report(R->cost, &R->cost_rep);
			live_view_publish_cost(R->view, &R->cost_rep);
			next_view = now + 250 * 1000000ULL;
		}
		if (stop_at && now >= stop_at)
			break;
		/* A syscall per target: not on every poll when records stream in. */
		if (now >= next_check) {
			if (all_targets_gone(R))
				break;
			next_check = now + 50 * 1000000ULL;
		}
	}
	/* Everything a finished target did is already in the ring buffer.
	 * The probes stay until teardown: removing perf-event uprobes costs
	 * ~0.1 s each (loader_detach), which the final export and the summary
	 * need not wait for. */
	sources_poll(&R->sources, 0);
	sources_flush(&R->sources); /* spans held for a record of another ring */
}

static void teardown(struct run *R)
{
	sources_close(&R->sources);
	cost_free(R->cost); /* its calibration thread reads the targets and bindings */
	for (int i = 0; i < R->ntargets; i++) {
		target_stop(&R->targets[i]);
		target_close(&R->targets[i]);
	}
	exporters_close(&R->ex); /* before the store and resources go */
	if (R->p.sb)
		pipeline_destroy(&R->p);
	live_view_free(R->view); /* after the span builder: the view is one of its sinks */
	probe_map_free(&R->pm);
	resources_free(&R->rt);
}

static const char *stop_reason(struct run *R)
{
	if (exiting)
		return "interrupted";
	if (all_targets_gone(R))
		return R->ct.active ? "the container is gone" : R->ntargets > 1 ? "all targets exited" : "the target exited";
	return R->cfg.duration_s > 0 ? "--duration reached" : "tracing stopped";
}


int main(int argc, char **argv)
{
	static struct run R;
	char err[1024] = "";
	int rc;

	if (mcp_watchdog_main(argc, argv) == 0)
		return 0; /* the mcp source's watchdog (mcp_watchdog.c), not the tracer */
	rc = cli_parse(argc, argv, &R.cfg);
	if (rc)
		return rc > 0 ? 0 : 2;
	if (R.cfg.version)
		return version_print(stdout);
	if (R.cfg.list_ops)
		return list_ops(R.cfg.list_ops_markdown);
	if (R.cfg.list)
		return list_main(&R.cfg);
	/* --histogram: parsed and checked by cli_parse. */
	_Static_assert(CLI_MAX_HIST_BOUNDS <= EXPORT_MAX_BOUNDS, "histogram bounds");
	R.eo.explicit_histograms = R.cfg.hist_explicit;
	R.eo.nbounds = R.cfg.hist_nbounds;
	memcpy(R.eo.bounds, R.cfg.hist_bounds, R.cfg.hist_nbounds * sizeof(R.eo.bounds[0]));
	/* Bad exporter options are bad usage: said before any BPF is loaded. */
	rc = exporters_configure(&R.ex, &R.cfg, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "mcp-bpftrace: %s\n", err);
		return rc;
	}
	/* So is a price table that does not parse (the tls source reads it again). */
	if (R.cfg.prices && tls_prices_check(R.cfg.prices, err, sizeof(err))) {
		fprintf(stderr, "mcp-bpftrace: --prices %s\n", err);
		return 2;
	}
	clock_init();
	resources_init(&R.rt);
	if (R.cfg.service_name)
		snprintf(R.rt.service_override, sizeof(R.rt.service_override), "%s", R.cfg.service_name);
	R.eo.start_mono_ns = clock_mono_ns();
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);

	/* Before setup: the curses view takes the terminal's output away
	 * from a command the tracer launches. */
	R.view = live_view_new(&R.cfg, err, sizeof(err));
	if (!R.view && err[0]) {
		fprintf(stderr, "mcp-bpftrace: %s\n", err);
		return 2;
	}
	rc = setup(&R, err, sizeof(err));
	if (rc) {
		/* A --pid target that exited while the tracer was starting is the
		 * cause, whichever step then failed (its /proc/PID/exe gone, every
		 * probe refused): say so, as a runtime failure, not a bad map. */
		for (int i = 0; i < R.ntargets; i++) {
			if (R.targets[i].launched || !target_pid_gone(R.targets[i].pid))
				continue;
			snprintf(err, sizeof(err), "pid %d exited before its probes were attached: nothing was traced",
				 (int)R.targets[i].pid);
			rc = 1;
			break;
		}
		live_view_close(R.view);
		fprintf(stderr, "mcp-bpftrace: %s\n", err);
		teardown(&R);
		return rc;
	}
	/* Scripts wait for this line before they start the target's work. */
	if (R.cfg.all)
		fprintf(stderr, "mcp-bpftrace: %zu probes attached (%zu bindings, every process of the host)\n",
			sources_nprobes(&R.sources), R.pm.n);
	else
		fprintf(stderr, "mcp-bpftrace: %zu probes attached (%zu bindings, %d targets)\n",
			sources_nprobes(&R.sources), R.pm.n, R.ntargets);
	cost_start(R.cost, R.st, R.ntargets, R.cfg.no_uprobe_multi, R.cfg.verbose, &R.sources);
	live_view_start(R.view, &R.p, &R.sources, R.targets, R.ntargets, &exiting);
	run_loop(&R);
	report_exits(&R);
	if (R.cfg.summary || R.cfg.otlp_file || R.cfg.otlp_endpoint || R.cfg.prometheus)
		cost_wait_calibrated(R.cost, 500); /* a run shorter than the calibration */
	cost_sample(R.cost, clock_mono_ns(), true);
	export_metrics(&R);
	if (live_view_finish(R.view, &R.h, stop_reason(&R))) { /* --linger */
		sources_detach(&R.sources); /* the view keeps the final figures */
		live_view_wait(R.view);
	}
	rc = exporters_finish(&R.ex, &R.p.ms, &R.h, &exiting); /* 1: the --otlp-file is incomplete */
	live_view_close(R.view); /* the terminal is ours again: the summary can print */
	if (R.cfg.summary) {
		double elapsed = (clock_mono_ns() - R.eo.start_mono_ns) / 1e9;

		summary_print(stdout, &R.p.stats, &R.h, elapsed);
		summary_print_llm(stdout, &R.p.ms, elapsed);
	}
	if (R.cfg.summary)
		summary_print_cost(stdout, &R.cost_rep, &R.pm);
	teardown(&R);
	return rc;
}
