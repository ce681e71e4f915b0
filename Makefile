# mcp-bpftrace — build, test, demo.
#   make          build/mcp-bpftrace and build/mcp-demo
#   make deps     install every Debian package the build and tests need
#   make test     unit tests (ASan/UBSan) + end-to-end tests (needs root)
#   make demo     trace an unmodified Node.js agent (LLM, MCP, git) with no probe map
#   make demo-native  trace the bundled C demo workload with its probe map
SHELL := /bin/bash
BUILD ?= build
CC ?= gcc
CLANG ?= clang
BPFTOOL ?= $(shell command -v bpftool 2>/dev/null || echo /usr/sbin/bpftool)
ARCH_INC := -I/usr/include/$(shell uname -m)-linux-gnu

CFLAGS ?= -O2 -g
WARN := -Wall -Wextra -Werror
# Includes name their folder from user/ ("aggregate/spans.h"): which stage
# a file reads from is visible in its includes (tests/check_layers.sh).
USER_CFLAGS := -std=gnu11 $(WARN) $(CFLAGS) -fno-omit-frame-pointer -Ibpf -Iuser -I$(BUILD) -D_GNU_SOURCE
# No -lcurl, no -lmicrohttpd: user/export/curl_lazy.c and mhd_lazy.c load
# them when --otlp or --prometheus first needs them (start-up, BENCHMARKS.md).
USER_LIBS := -lbpf -lelf -lz -lcjson -lprotobuf-c -lncursesw -lhttp_parser -lbrotlidec -lwslay -lcrypto -lpthread -lm

BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(BUILD)/%.bpf.o,$(BPF_SRCS))
SKELS := $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))
PROTOS := $(wildcard user/export/proto/*.proto)
PROTO_C := $(patsubst user/export/proto/%.proto,$(BUILD)/proto/%.pb-c.c,$(PROTOS))
USER_SRCS := $(filter-out user/main.c,$(shell find user -name '*.c'))
USER_HDRS := $(shell find user -name '*.h')
USER_OBJS := $(patsubst user/%.c,$(BUILD)/user/%.o,$(USER_SRCS)) $(PROTO_C:.c=.o)
DEMO_SRCS := $(wildcard tools/mcp-demo/*.c)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))

.PHONY: all deps test unit e2e demo demo-native clean bench-smoke install uninstall docs
all: $(BUILD)/mcp-bpftrace $(BUILD)/mcp-demo

# Where `make install` puts things (DESTDIR: a staging root, for packages
# and tests/e2e/test_install.sh). The binary finds its data beside itself
# (../share/mcp-bpftrace) first, then in DATADIR (user/data_dir.c).
PREFIX ?= /usr/local
SBINDIR := $(PREFIX)/sbin
DATADIR := $(PREFIX)/share/mcp-bpftrace
MAN8DIR := $(PREFIX)/share/man/man8
BASHCOMPDIR := $(PREFIX)/share/bash-completion/completions
# Rewritten only when PREFIX changes, so that only then data_dir.o is rebuilt.
$(BUILD)/install_paths.h: FORCE | $(BUILD)
	@printf '#define MCP_DATADIR "%s"\n' '$(DATADIR)' > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@
$(BUILD)/user/data_dir.o $(BUILD)/san/data_dir.o: $(BUILD)/install_paths.h
# Phony, or .SECONDARY below would let make skip the header's recipe.
.PHONY: FORCE
FORCE:

DOCDIR := $(PREFIX)/share/doc/mcp-bpftrace
DATA_FILES := $(shell find data -type f 2>/dev/null | sort)
# Everything under data/ keeps its place under DATADIR.
install: $(BUILD)/mcp-bpftrace
	install -D -m 0755 $(BUILD)/mcp-bpftrace $(DESTDIR)$(SBINDIR)/mcp-bpftrace
	$(foreach f,$(DATA_FILES),install -D -m 0644 $(f) $(DESTDIR)$(DATADIR)/$(f:data/%=%) &&) true
	install -D -m 0644 docs/mcp-bpftrace.8 $(DESTDIR)$(MAN8DIR)/mcp-bpftrace.8
	install -D -m 0644 tools/bash-completion/mcp-bpftrace $(DESTDIR)$(BASHCOMPDIR)/mcp-bpftrace
	install -D -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md
	install -D -m 0644 docs/catalog.md $(DESTDIR)$(DOCDIR)/catalog.md

# The directories named for the project go whole (data files of an older
# version too); shared directories (sbin, man8) only lose our files.
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/mcp-bpftrace $(DESTDIR)$(MAN8DIR)/mcp-bpftrace.8 \
	      $(DESTDIR)$(BASHCOMPDIR)/mcp-bpftrace
	rm -rf $(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR)

# docs/catalog.md from the catalog tables (tests/e2e/test_catalog_doc.sh
# fails when the committed file differs).
docs: $(BUILD)/mcp-bpftrace
	$(BUILD)/mcp-bpftrace --list-ops=markdown > docs/catalog.md.tmp && mv docs/catalog.md.tmp docs/catalog.md

vmlinux/vmlinux.h:
	@mkdir -p vmlinux
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

$(BUILD)/%.bpf.o: bpf/%.bpf.c bpf/mcp_trace.h $(wildcard bpf/lib/*.h) vmlinux/vmlinux.h | $(BUILD)
	$(CLANG) -target bpf -g -O2 -D__TARGET_ARCH_x86 -Ivmlinux -Ibpf $(ARCH_INC) -Wall -Werror -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(BPFTOOL) gen skeleton $< > $@.tmp && mv $@.tmp $@

# The kernel's BTF cut to what the objects relocate, and its build id
# (user/source/core_btf.h says why).
$(BUILD)/core_btf_data.h: $(BPF_OBJS) tools/gen_core_btf.sh
	tools/gen_core_btf.sh $(BPFTOOL) $@ $(BPF_OBJS)

$(BUILD)/proto/%.pb-c.c $(BUILD)/proto/%.pb-c.h: user/export/proto/%.proto | $(BUILD)
	mkdir -p $(BUILD)/proto
	protoc-c --proto_path=user/export/proto --c_out=$(BUILD)/proto $(notdir $<)

$(BUILD)/proto/%.pb-c.o: $(BUILD)/proto/%.pb-c.c
	$(CC) -std=gnu11 $(CFLAGS) -I$(BUILD)/proto -c $< -o $@

$(BUILD)/user/%.o: user/%.c $(USER_HDRS) bpf/mcp_trace.h $(SKELS) $(BUILD)/core_btf_data.h $(PROTO_C) | $(BUILD)
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -I$(BUILD)/proto -c $< -o $@

$(BUILD)/mcp-bpftrace: $(BUILD)/user/main.o $(USER_OBJS)
	$(CC) $(CFLAGS) -o $@ $^ $(USER_LIBS)

# The demo is built the way a user's service would be: -O2, symbols kept,
# functions exported (-rdynamic) so stripped copies still have .dynsym.
$(BUILD)/mcp-demo: $(DEMO_SRCS) $(wildcard tools/mcp-demo/*.h) | $(BUILD)
	$(CC) -std=gnu11 -O2 -g $(WARN) -fno-omit-frame-pointer -pthread -rdynamic -o $@ $(DEMO_SRCS) -lm

# A target for the never-harm tests (tests/e2e/test_never_harm_*.sh): built
# like the demo, functions exported for the probe map.
$(BUILD)/harm-target: tests/progs/harm_target.c | $(BUILD)
	$(CC) -std=gnu11 -O2 -g $(WARN) -fno-omit-frame-pointer -pthread -rdynamic -o $@ $<

# Many short-lived children, for the process source (tests/e2e/test_proc_many.sh).
$(BUILD)/forker: tests/progs/forker.c | $(BUILD)
	$(CC) -std=gnu11 -O2 -g $(WARN) -o $@ $<

# user/source/python/py_inject.c driven alone (tests/e2e/test_py_inject.sh),
# linked with what it uses only.
PY_INJECT_SRCS := $(wildcard user/source/python/py_inject*.c user/source/python/ptrace_*.c) \
	user/target/proc_maps.c user/source/uprobe/elf_symbols.c
PY_INJECT_OBJS := $(patsubst user/%.c,$(BUILD)/user/%.o,$(PY_INJECT_SRCS))
$(BUILD)/py-inject-cli: tests/progs/py_inject_cli.c $(PY_INJECT_OBJS)
	$(CC) $(USER_CFLAGS) -o $@ $^ $(USER_LIBS)
$(BUILD)/py-ptrace-stress: tests/progs/py_ptrace_stress.c $(PY_INJECT_OBJS)
	$(CC) $(USER_CFLAGS) -o $@ $^ $(USER_LIBS)
$(BUILD)/py-inject-launched: tests/progs/py_inject_launched.c $(PY_INJECT_OBJS) $(BUILD)/user/target/target.o
	$(CC) $(USER_CFLAGS) -o $@ $^ $(USER_LIBS)
# Borrowed over and over by py-ptrace-stress (tests/e2e/test_py_inject_ptrace.sh).
$(BUILD)/py-ptrace-target: tests/progs/py_ptrace_target.c | $(BUILD)
	$(CC) -std=gnu11 -O2 -g $(WARN) -pthread -rdynamic -o $@ $<

$(BUILD):
	mkdir -p $(BUILD)

# ---- tests -------------------------------------------------------------
SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
# Keep every intermediate (BPF objects, sanitizer objects): no rebuilds.
.SECONDARY:

# User code compiled once with the sanitizers, linked into every unit test.
SAN_CFLAGS := -std=gnu11 $(WARN) -O1 -g $(SAN) -fno-omit-frame-pointer -Ibpf -Iuser -I$(BUILD) -I$(BUILD)/proto -D_GNU_SOURCE
SAN_OBJS := $(patsubst user/%.c,$(BUILD)/san/%.o,$(USER_SRCS)) $(patsubst $(BUILD)/proto/%.c,$(BUILD)/san/proto/%.o,$(PROTO_C))
$(BUILD)/san/%.o: user/%.c $(USER_HDRS) bpf/mcp_trace.h $(SKELS) $(BUILD)/core_btf_data.h $(PROTO_C)
	@mkdir -p $(dir $@)
	$(CC) $(SAN_CFLAGS) -c $< -o $@
$(BUILD)/san/proto/%.o: $(BUILD)/proto/%.c
	@mkdir -p $(BUILD)/san/proto
	$(CC) -std=gnu11 -O1 -g $(SAN) -I$(BUILD)/proto -c $< -o $@
$(BUILD)/tests/test_%: tests/unit/test_%.c $(wildcard tests/unit/*.h) $(SAN_OBJS) | $(BUILD)
	@mkdir -p $(BUILD)/tests
	$(CC) $(SAN_CFLAGS) -o $@ $< $(SAN_OBJS) $(USER_LIBS)

unit: $(UNIT_BINS)
	@tests/check_layers.sh
	@tests/run_unit.sh $(UNIT_BINS)

e2e: all $(BUILD)/harm-target $(BUILD)/forker $(BUILD)/py-inject-cli $(BUILD)/py-ptrace-stress $(BUILD)/py-ptrace-target \
	$(BUILD)/py-inject-launched
	@BUILD=$(BUILD) tests/run_e2e.sh

test: deps
	$(MAKE) unit
	$(MAKE) e2e

# The demo installs what it needs only (not the test suite's podman,
# prometheus, bpftrace ...): under two minutes on a fresh machine.
demo:
	@tools/install-deps.sh --demo
	$(MAKE) all
	BUILD=$(BUILD) tools/demo.sh

demo-native: deps
	$(MAKE) all
	BUILD=$(BUILD) tools/demo.sh --native

deps:
	@tools/install-deps.sh

# tools/bench/run --smoke alone (tests/e2e/test_bench_smoke.sh runs it in
# `make test`); the full benchmark is `sudo tools/bench/run` (BENCHMARKS.md).
bench-smoke: all
	tools/bench/run --smoke

# ---- fuzzing -----------------------------------------------------------
# tests/fuzz/fuzz_NAME.c: a libFuzzer harness (LLVMFuzzerTestOneInput) for
# one parser of untrusted bytes; seeds in tests/fuzz/corpus/NAME/, an
# optional dictionary tests/fuzz/NAME.dict (FUZZING.md). Each is linked with
# the user sources (not main.c) built by clang with the fuzzer's coverage
# and the sanitizers. `make fuzz FUZZ_SECONDS=N FUZZ_ONLY=NAME` runs them.
# No -Werror here: gcc's build is the one that gates warnings, clang's
# differ and would fail a fuzz build on code nobody's harness is about.
FUZZ_SECONDS ?= 60
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))
FUZZ_COV_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz-cov/%,$(FUZZ_SRCS))
FUZZ_INC := -std=gnu11 -Wall -Wextra -Wno-missing-field-initializers -O1 -g -fno-omit-frame-pointer -Ibpf -Iuser -I$(BUILD) -I$(BUILD)/proto -D_GNU_SOURCE
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_COV := -fprofile-instr-generate -fcoverage-mapping
FUZZ_OBJS := $(patsubst user/%.c,$(BUILD)/fuzz/obj/%.o,$(USER_SRCS)) $(patsubst $(BUILD)/proto/%.c,$(BUILD)/fuzz/obj/proto/%.o,$(PROTO_C))
FUZZ_COV_OBJS := $(patsubst $(BUILD)/fuzz/obj/%,$(BUILD)/fuzz-cov/obj/%,$(FUZZ_OBJS))
$(BUILD)/fuzz/obj/%.o: user/%.c $(USER_HDRS) bpf/mcp_trace.h $(SKELS) $(BUILD)/core_btf_data.h $(PROTO_C)
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_INC) -fsanitize=fuzzer-no-link $(FUZZ_SAN) -c $< -o $@
$(BUILD)/fuzz-cov/obj/%.o: user/%.c $(USER_HDRS) bpf/mcp_trace.h $(SKELS) $(BUILD)/core_btf_data.h $(PROTO_C)
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_INC) $(FUZZ_COV) -c $< -o $@
$(BUILD)/fuzz/obj/proto/%.o $(BUILD)/fuzz-cov/obj/proto/%.o: $(BUILD)/proto/%.c
	@mkdir -p $(dir $@)
	$(CLANG) -std=gnu11 -O1 -g -I$(BUILD)/proto -c $< -o $@
$(BUILD)/fuzz/obj/data_dir.o $(BUILD)/fuzz-cov/obj/data_dir.o: $(BUILD)/install_paths.h
$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_OBJS)
	$(CLANG) $(FUZZ_INC) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $< $(FUZZ_OBJS) $(USER_LIBS)
# The same harness without the sanitizers, counting lines: run over the
# corpus it found, for FUZZING.md's coverage table.
$(BUILD)/fuzz-cov/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_COV_OBJS)
	$(CLANG) $(FUZZ_INC) -fsanitize=fuzzer $(FUZZ_COV) -o $@ $< $(FUZZ_COV_OBJS) $(USER_LIBS)

.PHONY: fuzz fuzz-build fuzz-coverage
fuzz-build: $(FUZZ_BINS)
fuzz: fuzz-build
	@tests/fuzz/run.sh $(BUILD) $(FUZZ_SECONDS) $(FUZZ_ONLY)
fuzz-coverage: $(FUZZ_COV_BINS)
	@tests/fuzz/coverage.sh $(BUILD) $(FUZZ_ONLY)

clean:
	rm -rf $(BUILD) vmlinux/vmlinux.h
