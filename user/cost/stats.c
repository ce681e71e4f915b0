/* The kernel's BPF statistics, one second in ten (induced.h): run count
 * and run time of each of the tracer's programs. */
#include <bpf/bpf.h>
#include <dirent.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cost/induced_int.h"

static enum cost_role role_of(const char *name)
{
	static const struct { const char *name; enum cost_role role; } roles[] = {
		{"span_enter", ROLE_ENTRY}, {"span_exit", ROLE_RETURN},
		{"point_fire", ROLE_POINT}, {"usdt_point_fire", ROLE_USDT},
	};

	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (!strcmp(name, roles[i].name))
			return roles[i].role;
	return ROLE_OTHER;
}

/* Every BPF program the tracer holds a descriptor of: the sources' own,
 * whatever their number, without asking them. */
void cost_stats_find_progs(struct cost *c)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	c->nprogs = 0;
	if (!d)
		return;
	while ((e = readdir(d)) && c->nprogs < COST_MAX_PROGS) {
		int fd = atoi(e->d_name);
		struct bpf_prog_info info;
		uint32_t len = sizeof(info);
		bool dup = false;

		char link[64], target[64];
		ssize_t n;

		if (e->d_name[0] < '0' || e->d_name[0] > '9' || fd == dirfd(d))
			continue;
		/* A program's descriptor reads "anon_inode:bpf-prog" (maps and
		 * links answer the info call too, with other layouts). */
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		n = readlink(link, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = 0;
		if (strcmp(target, "anon_inode:bpf-prog"))
			continue;
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(fd, &info, &len) || !info.id)
			continue;
		for (int i = 0; i < c->nprogs; i++)
			dup |= c->progs[i].id == info.id;
		if (dup || !strcmp(info.name, "mcp_cost_calib") || !info.jited_prog_len)
			continue;
		struct cost_prog *p = &c->progs[c->nprogs++];

		memset(p, 0, sizeof(*p));
		p->fd = fd;
		p->id = info.id;
		p->type = info.type;
		snprintf(p->name, sizeof(p->name), "%s", info.name);
		p->role = role_of(p->name);
	}
	closedir(d);
}

static bool read_prog(const struct cost_prog *p, uint64_t *cnt, uint64_t *ns)
{
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(p->fd, &info, &len) || info.id != p->id)
		return false;
	*cnt = info.run_cnt;
	*ns = info.run_time_ns;
	return true;
}

static void open_window(struct cost *c, uint64_t now_ns)
{
	pthread_mutex_lock(&c->cal_lock);
	if (c->cal_busy) { /* the calibration measures a hit without them */
		pthread_mutex_unlock(&c->cal_lock);
		return;
	}
	if (!c->stats_always) {
		c->stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		if (c->stats_fd < 0) {
			pthread_mutex_unlock(&c->cal_lock);
			return; /* not allowed: run times stay unknown (0) */
		}
	}
	c->stats_on = true;
	pthread_mutex_unlock(&c->cal_lock);
	for (int i = 0; i < c->nprogs; i++)
		read_prog(&c->progs[i], &c->progs[i].cnt_mark, &c->progs[i].ns_mark);
	c->window_on = true;
	c->window_open_ns = now_ns;
}

static void close_window(struct cost *c, uint64_t now_ns)
{
	for (int i = 0; i < c->nprogs; i++) {
		struct cost_prog *p = &c->progs[i];
		uint64_t cnt, ns;

		if (read_prog(p, &cnt, &ns) && cnt >= p->cnt_mark && ns >= p->ns_mark) {
			p->cnt += cnt - p->cnt_mark;
			p->ns += ns - p->ns_mark;
		}
	}
	pthread_mutex_lock(&c->cal_lock);
	if (c->stats_fd >= 0)
		close(c->stats_fd);
	c->stats_fd = -1;
	c->stats_on = false;
	pthread_cond_broadcast(&c->cal_cond);
	pthread_mutex_unlock(&c->cal_lock);
	c->window_on = false;
	c->window_total_ns += now_ns - c->window_open_ns;
	c->next_window_ns = c->window_open_ns + COST_STATS_PERIOD_NS;
	/* The window is shut for 9 s: time to measure a hit again. */
	if (!c->stats_always && ++c->windows_closed % COST_RECALIBRATE_WINDOWS == 0)
		cost_request_calibration(c);
}

void cost_stats_start(struct cost *c, uint64_t now_ns)
{
	c->stats_always = cost_stats_enabled_globally();
	c->next_window_ns = now_ns;
}

void cost_stats_tick(struct cost *c, uint64_t now_ns, bool final)
{
	uint64_t on_ns = c->windows_closed ? COST_STATS_ON_NS : COST_STATS_FIRST_ON_NS;

	if (c->window_on && (final || c->stats_always || now_ns - c->window_open_ns >= on_ns))
		close_window(c, now_ns);
	/* Not while the calibration runs: it measures a hit with them off. */
	if (!c->window_on && !final && (c->stats_always || now_ns >= c->next_window_ns) &&
	    atomic_load_explicit(&c->cal_done, memory_order_acquire))
		open_window(c, now_ns);
}

void cost_stats_stop(struct cost *c)
{
	if (c->stats_fd >= 0)
		close(c->stats_fd);
	c->stats_fd = -1;
	c->window_on = false;
}

double cost_prog_ns(const struct cost *c, int i)
{
	const struct cost_prog *p = &c->progs[i];
	double v;

	if (!p->cnt)
		return 0;
	v = (double)p->ns / (double)p->cnt - c->cal.stats_bias_ns;
	return v > 0 ? v : 0;
}

double cost_stats_other_ns(const struct cost *c, uint64_t elapsed_ns)
{
	double s = 0;

	if (!c->window_total_ns || !c->cal.ok)
		return 0;
	for (int i = 0; i < c->nprogs; i++) {
		const struct cost_prog *p = &c->progs[i];
		double trap = 0, hits;

		switch (p->role) {
		case ROLE_OTHER: /* a uprobe's trap (entry or return: taken as an entry's), or none */
			hits = (double)p->cnt;
			trap = p->type == BPF_PROG_TYPE_KPROBE ? c->cal.entry_ns[COST_SITE_INT3] : 0;
			break;
		case ROLE_RETURN:
			trap = c->cal.ret_ns;
			hits = p->cnt > p->seen ? (double)(p->cnt - p->seen) : 0;
			break;
		case ROLE_USDT:
			trap = c->cal.entry_ns[COST_SITE_USDT];
			hits = p->cnt > p->seen ? (double)(p->cnt - p->seen) : 0;
			break;
		default:
			trap = c->cal.entry_ns[COST_SITE_INT3];
			hits = p->cnt > p->seen ? (double)(p->cnt - p->seen) : 0;
		}
		s += hits * (trap + cost_prog_ns(c, i));
	}
	return s * (double)elapsed_ns / (double)c->window_total_ns;
}
