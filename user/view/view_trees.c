/* Error spans and span trees for the live view: finished spans are held
 * per trace until the root ends, then placed into a tree (view_model.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "catalog.h"
#include "view_model_int.h"

static void record_error(struct view_model *vm, const struct span *s, int op)
{
	struct vm_error *e = &vm->errors[vm->nerrors++ % VM_ERR_RING];
	const struct attr *et = attr_find(s->attrs, s->nattrs, "error.type");
	const struct vm_op *o = &vm->ops[op];
	size_t used = 0;
	char buf[32];

	memset(e, 0, sizeof(*e));
	e->end_ns = s->call.rec.end_ns;
	e->op = op;
	e->pid = s->call.rec.pid;
	set_str(e->span, sizeof(e->span), s->name);
	snprintf(e->error_type, sizeof(e->error_type), "%s",
		 et && et->type == AT_STR ? et->s : "_OTHER");
	e->duration_s = call_duration_s(&s->call);
	e->trace_id[0] = s->call.rec.trace_id[0];
	e->trace_id[1] = s->call.rec.trace_id[1];
	e->span_id = s->call.rec.span_id;
	for (int k = 0; k < o->nkeys && used < sizeof(e->detail); k++) {
		if (o->keys[k].errors_only)
			continue;
		const char *v = call_metric_attr(&s->call, o->keys[k].key, buf, sizeof(buf));
		int w = snprintf(e->detail + used, sizeof(e->detail) - used, "%s%s=%s",
				 used ? " " : "", short_key(o->keys[k].key), v[0] ? v : "(none)");

		if (w > 0)
			used += (size_t)w;
	}
}

static void node_of(struct vm_node *n, const struct span *s, int op)
{
	const struct attr *et = attr_find(s->attrs, s->nattrs, "error.type");

	memset(n, 0, sizeof(*n));
	n->span_id = s->call.rec.span_id;
	n->parent_id = s->call.rec.parent_id;
	n->start_ns = s->call.rec.start_ns;
	n->end_ns = s->call.rec.end_ns;
	n->op = op;
	n->error = s->error;
	set_str(n->name, sizeof(n->name), s->name);
	if (s->error)
		snprintf(n->error_type, sizeof(n->error_type), "%s",
			 et && et->type == AT_STR ? et->s : "_OTHER");
}

static unsigned trace_bucket(const unsigned long long id[2])
{
	return (unsigned)(((id[0] ^ id[1]) * 0x9E3779B97F4A7C15ULL) >> 50) % PENDING_BUCKETS;
}

static struct vm_pending *take_pending(struct view_model *vm, const unsigned long long id[2])
{
	for (struct vm_pending **pp = &vm->pending[trace_bucket(id)]; *pp; pp = &(*pp)->next) {
		struct vm_pending *p = *pp;

		if (p->trace_id[0] == id[0] && p->trace_id[1] == id[1]) {
			*pp = p->next;
			vm->npending -= (uint64_t)p->n;
			return p;
		}
	}
	return NULL;
}

static void add_pending(struct view_model *vm, const struct vm_node *n,
			const unsigned long long id[2], uint64_t now)
{
	struct vm_pending **head = &vm->pending[trace_bucket(id)], *p;

	for (p = *head; p; p = p->next)
		if (p->trace_id[0] == id[0] && p->trace_id[1] == id[1])
			break;
	if (!p) {
		if (vm->npending >= VM_PENDING_MAX || !(p = calloc(1, sizeof(*p))))
			return;
		p->trace_id[0] = id[0];
		p->trace_id[1] = id[1];
		p->first_ns = now;
		p->next = *head;
		*head = p;
	}
	if (p->n == PENDING_NODES_PER_TRACE || vm->npending >= VM_PENDING_MAX) {
		p->more++;
		return;
	}
	if (p->n == p->cap) {
		int cap = p->cap ? p->cap * 2 : 8;
		void *nodes = realloc(p->nodes, (size_t)cap * sizeof(*p->nodes));

		if (!nodes) {
			p->more++;
			return;
		}
		p->nodes = nodes;
		p->cap = cap;
	}
	p->nodes[p->n++] = *n;
	vm->npending++;
}

/* Children whose root never came (lost record, thread killed mid-call). */
static void sweep_pending(struct view_model *vm, uint64_t now)
{
	if (now < vm->last_sweep_ns + 5 * VM_SLOT_NS)
		return;
	vm->last_sweep_ns = now;
	for (int b = 0; b < PENDING_BUCKETS; b++)
		for (struct vm_pending **pp = &vm->pending[b]; *pp;) {
			struct vm_pending *p = *pp;

			if (p->first_ns + PENDING_MAX_AGE_NS > now) {
				pp = &p->next;
				continue;
			}
			*pp = p->next;
			vm->npending -= (uint64_t)p->n;
			vm->incomplete++;
			free(p->nodes);
			free(p);
		}
}

/* Appends the children of `parent` (by start time) and their subtrees. */
static void place_children(struct vm_tree *t, struct vm_node *pool, int n, bool *used,
			   uint64_t parent, int depth)
{
	for (;;) {
		int best = -1;

		for (int i = 0; i < n; i++)
			if (!used[i] && pool[i].parent_id == parent &&
			    (best < 0 || pool[i].start_ns < pool[best].start_ns))
				best = i;
		if (best < 0)
			return;
		used[best] = true;
		if (t->nnodes == VM_TREE_NODES) {
			t->more++;
		} else {
			struct vm_node *nd = &t->nodes[t->nnodes++];

			*nd = pool[best];
			nd->depth = depth;
			nd->last = true;
			for (int i = 0; i < n; i++)
				if (!used[i] && pool[i].parent_id == parent)
					nd->last = false;
		}
		if (depth < MCP_MAX_DEPTH + 1)
			place_children(t, pool, n, used, pool[best].span_id, depth + 1);
	}
}

static void finish_tree(struct view_model *vm, const struct vm_node *root, const struct span *s,
			struct vm_pending *p)
{
	struct vm_tree *t = &vm->trees[vm->ntrees++ % VM_TREE_RING];
	bool used[PENDING_NODES_PER_TRACE] = {0};
	int n = p ? p->n : 0;

	memset(t, 0, sizeof(*t));
	t->trace_id[0] = s->call.rec.trace_id[0];
	t->trace_id[1] = s->call.rec.trace_id[1];
	t->pid = s->call.rec.pid;
	t->nodes[t->nnodes++] = *root;
	t->more = p ? p->more : 0;
	if (!p)
		return;
	place_children(t, p->nodes, n, used, root->span_id, 1);
	/* Whatever lost its parent still belongs to the trace: under the root. */
	for (int i = 0; i < n; i++) {
		if (used[i])
			continue;
		for (int k = t->nnodes - 1; k > 0; k--)
			if (t->nodes[k].depth == 1) { /* no longer the last child */
				t->nodes[k].last = false;
				break;
			}
		if (t->nnodes == VM_TREE_NODES) {
			t->more++;
			continue;
		}
		t->nodes[t->nnodes] = p->nodes[i];
		t->nodes[t->nnodes].depth = 1;
		t->nodes[t->nnodes++].last = false;
	}
	if (t->nnodes > 1 && t->nodes[t->nnodes - 1].depth == 1)
		t->nodes[t->nnodes - 1].last = true;
}

void vm_on_span(struct view_model *vm, const struct span *s)
{
	int op = vm_op_index(vm, &s->call);
	struct vm_node n;

	if (op < 0)
		return;
	node_of(&n, s, op);
	pthread_mutex_lock(&vm->lock);
	if (s->error)
		record_error(vm, s, op);
	if (n.parent_id) {
		add_pending(vm, &n, s->call.rec.trace_id, s->call.rec.end_ns);
	} else {
		struct vm_pending *p = take_pending(vm, s->call.rec.trace_id);

		finish_tree(vm, &n, s, p);
		if (p)
			free(p->nodes);
		free(p);
	}
	sweep_pending(vm, s->call.rec.end_ns);
	pthread_mutex_unlock(&vm->lock);
}

void vm_span_sink(void *ctx, struct span *s)
{
	vm_on_span(ctx, s);
}
