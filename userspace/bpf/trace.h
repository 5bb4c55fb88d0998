/* SPDX-License-Identifier: GPL-2.0 */
/* The maps shared by trace.bpf.c and cmd_trace.c: fixed-width fields only. */
#ifndef PTSCOPE_TRACE_H
#define PTSCOPE_TRACE_H

#define TRACE_MAX_FAULT_KEYS	16384
/* tlb_flush reasons: the kernel's enum tlb_flush_reason; the last is "other". */
#define TRACE_NR_REASONS	8

enum {
	TRACE_FAULT_MINOR,
	TRACE_FAULT_MAJOR,
	TRACE_FAULT_RETRY,	/* VM_FAULT_RETRY: counted again when retried */
	TRACE_FAULT_ERROR,	/* SIGSEGV, SIGBUS, OOM, ... */
	TRACE_NR_KINDS
};

struct trace_fault_key {
	__u64 vm_start;		/* the VMA at the fault's entry */
	__u64 bucket;		/* address >> bucket_shift */
	__u32 kind;		/* TRACE_FAULT_* */
	__u32 gup;		/* 1: from the kernel (GUP), no user registers */
};

struct trace_fault_val {
	__u64 count;
	__u64 vm_end;
};

struct trace_flush_val {
	__u64 count;
	__u64 pages;		/* pages of the ranged flushes */
	__u64 all;		/* full flushes (TLB_FLUSH_ALL) */
};

#endif /* PTSCOPE_TRACE_H */
