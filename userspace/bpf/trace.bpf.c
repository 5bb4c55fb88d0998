// SPDX-License-Identifier: GPL-2.0
/*
 * The BPF side of `ptscope trace`: the page faults and TLB flushes of one
 * process (a thread group), counted in maps that ptscope reads.  CO-RE: one
 * object for every kernel with BTF; see docs/trace.md.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "trace.h"

char LICENSE[] SEC("license") = "GPL";

/* Set by ptscope before loading. */
const volatile __u32 target_tgid;
const volatile __u32 bucket_shift = 21;

/* Where a fault of one thread started: read at entry, while the VMA is locked. */
struct fault_start {
	__u64 vm_start;
	__u64 vm_end;
	__u64 address;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct fault_start);
} starts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TRACE_MAX_FAULT_KEYS);
	__type(key, struct trace_fault_key);
	__type(value, struct trace_fault_val);
} faults SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TRACE_NR_REASONS);
	__type(key, __u32);
	__type(value, struct trace_flush_val);
} flushes SEC(".maps");

/* Keys that did not fit in faults, so that ptscope can say so. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} dropped SEC(".maps");

static __always_inline bool is_target(void)
{
	return (bpf_get_current_pid_tgid() >> 32) == target_tgid;
}

SEC("fentry/handle_mm_fault")
int BPF_PROG(fault_entry, struct vm_area_struct *vma, unsigned long address)
{
	struct fault_start s = { .address = address };
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	if (!is_target())
		return 0;
	s.vm_start = BPF_CORE_READ(vma, vm_start);
	s.vm_end = BPF_CORE_READ(vma, vm_end);
	bpf_map_update_elem(&starts, &tid, &s, BPF_ANY);
	return 0;
}

/*
 * The kind of a finished fault, by mm_account_fault()'s rule, which is
 * what /proc/PID/stat counts: a fault that will be retried is not counted
 * (its retry is); a failed one is counted by neither; a fault is major if
 * it returned VM_FAULT_MAJOR or is itself a retry (FAULT_FLAG_TRIED).
 */
static __always_inline __u32 fault_kind(unsigned int flags, vm_fault_t ret)
{
	__u32 error = bpf_core_enum_value(enum vm_fault_reason, VM_FAULT_OOM) |
		      bpf_core_enum_value(enum vm_fault_reason, VM_FAULT_SIGBUS) |
		      bpf_core_enum_value(enum vm_fault_reason, VM_FAULT_SIGSEGV) |
		      bpf_core_enum_value(enum vm_fault_reason, VM_FAULT_HWPOISON) |
		      bpf_core_enum_value(enum vm_fault_reason, VM_FAULT_HWPOISON_LARGE) |
		      bpf_core_enum_value(enum vm_fault_reason, VM_FAULT_FALLBACK);

	if (ret & bpf_core_enum_value(enum vm_fault_reason, VM_FAULT_RETRY))
		return TRACE_FAULT_RETRY;
	if (ret & error)
		return TRACE_FAULT_ERROR;
	if ((ret & bpf_core_enum_value(enum vm_fault_reason, VM_FAULT_MAJOR)) ||
	    (flags & bpf_core_enum_value(enum fault_flag, FAULT_FLAG_TRIED)))
		return TRACE_FAULT_MAJOR;
	return TRACE_FAULT_MINOR;
}

SEC("fexit/handle_mm_fault")
int BPF_PROG(fault_exit, struct vm_area_struct *vma, unsigned long address,
	     unsigned int flags, struct pt_regs *regs, vm_fault_t ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), zero = 0;
	struct trace_fault_key key = {};
	struct trace_fault_val *v, init = {};
	struct fault_start *s;
	__u64 *drop;

	if (!is_target())
		return 0;
	s = bpf_map_lookup_elem(&starts, &tid);
	if (!s)
		return 0;
	key.vm_start = s->vm_start;
	key.bucket = s->address >> bucket_shift;
	key.kind = fault_kind(flags, ret);
	key.gup = !regs;
	init.vm_end = s->vm_end;
	bpf_map_delete_elem(&starts, &tid);

	v = bpf_map_lookup_elem(&faults, &key);
	if (!v) {
		if (bpf_map_update_elem(&faults, &key, &init, BPF_NOEXIST) &&
		    bpf_map_lookup_elem(&faults, &key) == NULL) {
			drop = bpf_map_lookup_elem(&dropped, &zero);
			if (drop)
				__sync_fetch_and_add(drop, 1);
			return 0;
		}
		v = bpf_map_lookup_elem(&faults, &key);
		if (!v)
			return 0;
	}
	__sync_fetch_and_add(&v->count, 1);
	return 0;
}

/*
 * tlb_flush(int reason, unsigned long pages) fires on the CPU that flushes:
 * counted when a thread of the target is current there.
 */
SEC("tp_btf/tlb_flush")
int BPF_PROG(tlb_flush, int reason, unsigned long pages)
{
	__u32 r = reason >= 0 && reason < TRACE_NR_REASONS - 1 ? reason :
		  TRACE_NR_REASONS - 1;
	struct trace_flush_val *v;

	if (!is_target())
		return 0;
	v = bpf_map_lookup_elem(&flushes, &r);
	if (!v)
		return 0;
	__sync_fetch_and_add(&v->count, 1);
	if (pages == (unsigned long)-1)
		__sync_fetch_and_add(&v->all, 1);
	else
		__sync_fetch_and_add(&v->pages, pages);
	return 0;
}
