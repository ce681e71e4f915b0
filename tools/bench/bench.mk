# The benchmark helpers. Read together with the top-level Makefile, whose
# variables (BUILD, CLANG, BPFTOOL, ARCH_INC, USER_OBJS, USER_LIBS …) and
# rules (the project's objects) they reuse:
#   make -f Makefile -f tools/bench/bench.mk bench-helpers
# tools/bench/run does that; nothing here is part of `make all` or `make test`.
BENCH := $(BUILD)/bench
BENCH_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -fno-omit-frame-pointer -D_GNU_SOURCE

.PHONY: bench-helpers
bench-helpers: $(BENCH)/bench-target $(BENCH)/bench-floor $(BENCH)/bench-replay

$(BENCH):
	mkdir -p $@

# bench_nop's entry is the 5-byte nop of -pg -mfentry -mnop-mcount (which
# gcc refuses with -fPIC/-fPIE; the function has no relocations, so the
# object still links into the PIE).
$(BENCH)/fn_nop.o: tools/bench/fn_nop.c tools/bench/bench_fn.h | $(BENCH)
	$(CC) $(BENCH_CFLAGS) -fno-pie -pg -mfentry -mnop-mcount -c $< -o $@

$(BENCH)/%.o: tools/bench/%.c tools/bench/bench_fn.h | $(BENCH)
	$(CC) $(BENCH_CFLAGS) -c $< -o $@

# -rdynamic: the bound functions are in .dynsym too, as in a user's service.
$(BENCH)/bench-target: $(BENCH)/target.o $(BENCH)/fn_plain.o $(BENCH)/fn_nop.o
	$(CC) -rdynamic -o $@ $^ -lpthread

# The kernel's floor: empty uprobe/uretprobe programs, built like the project's.
$(BENCH)/floor.bpf.o: tools/bench/floor.bpf.c vmlinux/vmlinux.h | $(BENCH)
	$(CLANG) -target bpf -g -O2 -D__TARGET_ARCH_x86 -Ivmlinux $(ARCH_INC) -Wall -Werror -c $< -o $@

$(BENCH)/floor.skel.h: $(BENCH)/floor.bpf.o
	$(BPFTOOL) gen skeleton $< > $@.tmp && mv $@.tmp $@

$(BENCH)/bench-floor: tools/bench/floor.c $(BENCH)/floor.skel.h user/source/uprobe/uprobe_multi.c user/source/uprobe/elf_symbols.c
	$(CC) $(BENCH_CFLAGS) -I$(BENCH) -Iuser -o $@ $< user/source/uprobe/uprobe_multi.c user/source/uprobe/elf_symbols.c -lbpf -lelf -lz

# The pipeline without BPF: the project's objects minus main.o.
$(BENCH)/bench-replay: tools/bench/replay.c $(USER_OBJS) $(USER_HDRS) | $(BENCH)
	$(CC) $(BENCH_CFLAGS) -Ibpf -Iuser -I$(BUILD) -I$(BUILD)/proto -o $@ $< $(USER_OBJS) $(USER_LIBS)
