/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for mirror/dmpt_internal.h, force-included (-include)
 * by the unit-test build. It carries the same include guard, so the kernel
 * header is skipped and the mirror/ sources compile unchanged against:
 *
 * - libc for memory (kmalloc() and friends, with a failure-injection hook
 *   and a live-allocation count for leak checks, see shim.c);
 * - liburcu, memb flavour, for RCU: rcu_read_lock(), synchronize_rcu(),
 *   call_rcu(), rcu_barrier() and struct rcu_head are liburcu's own, so
 *   tests get real grace periods between real reader threads and writers;
 * - GCC __atomic builtins for READ_ONCE()/WRITE_ONCE()/smp_store_release()
 *   (untorn, and visible to ThreadSanitizer).
 *
 * Every thread that calls rcu_read_lock() must rcu_register_thread() first.
 */
#ifndef _DMPT_INTERNAL_H
#define _DMPT_INTERNAL_H

#define _LGPL_SOURCE
#define URCU_API_MAP /* keep rcu_read_lock() etc. mapped to the memb flavour */
#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <urcu/urcu-memb.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;
typedef unsigned int gfp_t;

#define GFP_KERNEL 0x1u
#define GFP_NOWAIT 0x2u
#define GFP_ATOMIC 0x4u

#define BIT(nr) (1UL << (nr))
#define BIT_ULL(nr) (1ULL << (nr))
#define GENMASK_ULL(h, l) ((~0ULL << (l)) & (~0ULL >> (63 - (h))))

#define ARRAY_SIZE(arr) (sizeof(arr) / sizeof((arr)[0]))

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

#define min(a, b)                       \
	({                              \
		__typeof__(a) _a = (a); \
		__typeof__(b) _b = (b); \
		(void)(&_a == &_b);     \
		_a < _b ? _a : _b;      \
	})
#define max(a, b)                       \
	({                              \
		__typeof__(a) _a = (a); \
		__typeof__(b) _b = (b); \
		(void)(&_a == &_b);     \
		_a > _b ? _a : _b;      \
	})

/*
 * Loads are relaxed like the kernel's READ_ONCE(), whose address dependency
 * orders the loads that follow; ThreadSanitizer does not model dependency
 * ordering, so its build uses acquire loads instead.
 */
#if defined(__SANITIZE_THREAD__)
#define DMPT_SHIM_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define DMPT_SHIM_TSAN 1
#endif
#endif

#ifdef DMPT_SHIM_TSAN
#define DMPT_SHIM_LOAD_ORDER __ATOMIC_ACQUIRE
#else
#define DMPT_SHIM_LOAD_ORDER __ATOMIC_RELAXED
#endif

#define READ_ONCE(x) __atomic_load_n(&(x), DMPT_SHIM_LOAD_ORDER)
#define WRITE_ONCE(x, val) __atomic_store_n(&(x), (val), __ATOMIC_RELAXED)
/* Release store: orders the stores before it (the kernel primitive). */
#define smp_store_release(p, val) __atomic_store_n((p), (val), __ATOMIC_RELEASE)
/* Fully ordered read-modify-write, as the kernel's xchg() and cmpxchg(). */
#define xchg(p, val) __atomic_exchange_n((p), (val), __ATOMIC_SEQ_CST)
#define cmpxchg(p, old, new)                                            \
	({                                                              \
		__typeof__(*(p)) __old = (old);                         \
		__atomic_compare_exchange_n((p), &__old, (new), false,  \
					    __ATOMIC_SEQ_CST,           \
					    __ATOMIC_SEQ_CST);          \
		__old;                                                  \
	})

/* Test hooks, defined in tests/unit/shim/shim.c. */
extern long
	dmpt_shim_fail_countdown; /* fail the allocation when it hits 0; <0: never */
extern unsigned long dmpt_shim_nr_allocs; /* allocation attempts */
extern unsigned long dmpt_shim_nr_failed; /* allocations failed on purpose */
extern long dmpt_shim_live; /* allocations not yet freed */
extern unsigned long dmpt_shim_warnings; /* WARN_ON_ONCE() hits */

bool dmpt_shim_alloc_should_fail(void);
void dmpt_shim_warn(const char *file, int line, const char *cond);

/*
 * call_rcu() goes through liburcu unless a test sets dmpt_shim_unsafe_free,
 * which frees at once: a deliberately broken build that the concurrency
 * test must catch (use-after-free under ASan), proving it has teeth.
 */
extern bool dmpt_shim_unsafe_free;

static inline void dmpt_shim_call_rcu(struct rcu_head *head,
				      void (*func)(struct rcu_head *head))
{
	if (__atomic_load_n(&dmpt_shim_unsafe_free, __ATOMIC_RELAXED))
		func(head);
	else
		urcu_memb_call_rcu(head, func);
}

#undef call_rcu
#define call_rcu dmpt_shim_call_rcu

#define WARN_ON_ONCE(cond)                                         \
	({                                                         \
		static bool __warned;                              \
		bool __c = !!(cond);                               \
		if (__c && !__warned) {                            \
			__warned = true;                           \
			dmpt_shim_warn(__FILE__, __LINE__, #cond); \
		}                                                  \
		__c;                                               \
	})

#define EXPORT_SYMBOL_GPL(sym) extern int dmpt_shim_export_unused
/* Diagnostics go to stdout as TAP comments, in order with the test lines. */
#define pr_err(...) (printf("# "), printf(__VA_ARGS__))

static inline void *kmalloc(size_t size, gfp_t gfp)
{
	void *p;

	(void)gfp;
	if (dmpt_shim_alloc_should_fail())
		return NULL;
	p = malloc(size);
	if (p)
		__atomic_fetch_add(&dmpt_shim_live, 1, __ATOMIC_RELAXED);
	return p;
}

static inline void *kcalloc(size_t n, size_t size, gfp_t gfp)
{
	void *p;

	(void)gfp;
	if (dmpt_shim_alloc_should_fail())
		return NULL;
	p = calloc(n, size);
	if (p)
		__atomic_fetch_add(&dmpt_shim_live, 1, __ATOMIC_RELAXED);
	return p;
}

/*
 * ThreadSanitizer cannot see liburcu's grace periods (membarrier and an
 * uninstrumented library), so the TSan build states the RCU guarantee to it
 * directly: every rcu_read_unlock() releases, and every free acquires, one
 * sync object. A free is then ordered after every read-side section that
 * had ended; a reader still inside its section when memory is freed stays
 * unordered and is reported, which is exactly the bug to catch.
 */
#ifdef DMPT_SHIM_TSAN
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
extern int dmpt_shim_tsan_gp;

static inline void dmpt_shim_read_unlock(void)
{
	__tsan_release(&dmpt_shim_tsan_gp);
	urcu_memb_read_unlock();
}

#undef rcu_read_unlock
#define rcu_read_unlock dmpt_shim_read_unlock
#define dmpt_shim_before_free() __tsan_acquire(&dmpt_shim_tsan_gp)
#else
#define dmpt_shim_before_free() \
	do {                    \
	} while (0)
#endif

static inline void kfree(const void *p)
{
	if (!p)
		return;
	dmpt_shim_before_free();
	__atomic_fetch_sub(&dmpt_shim_live, 1, __ATOMIC_RELAXED);
	free((void *)p);
}

#endif /* _DMPT_INTERNAL_H */
