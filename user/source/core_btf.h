/*
 * The kernel's BTF for CO-RE, cut to what our BPF objects name.
 *
 * libbpf 1.1 reads and indexes the kernel's whole BTF (~6 MiB) for every
 * object it loads, and for each type a CO-RE relocation names it walks all
 * of that BTF's types (~8 ms and ~1.5 ms a type here: 60 ms of a default
 * start-up). The build cuts a copy down to those types (bpftool gen
 * min_core_btf, tools/gen_core_btf.sh) and records the kernel's build id;
 * when the running kernel has the same build id the objects are relocated
 * against that copy instead. Any other kernel: its own BTF, as before.
 */
#ifndef SOURCE_CORE_BTF_H
#define SOURCE_CORE_BTF_H

#include <bpf/libbpf.h>
#include <stdbool.h>
#include <stddef.h>

/* Options for every bpf_object/skeleton open: btf_custom_path set to the
 * cut copy when it is this kernel's, else none. The first call decides
 * (not thread-safe; sources_open calls it first); `verbose` says which. */
const struct bpf_object_open_opts *core_btf_open_opts(bool verbose);
/* The GNU build id among ELF notes `notes` (`len` bytes, as in
 * /sys/kernel/notes) into id[0..*idlen), up to 64 bytes; false when there
 * is none or the notes are malformed. */
bool core_btf_build_id(const unsigned char *notes, size_t len, unsigned char *id, size_t *idlen);
/* Closes the copy's file. */
void core_btf_release(void);

#endif
