// SPDX-License-Identifier: GPL-2.0
/*
 * devmirror_sim - command engines: READ, WRITE and the atomics on process
 * virtual addresses, executed as memory transactions through the device MMU.
 *
 * A command is cut into transactions of sim_config.txn_bytes (never
 * crossing a page). Each transaction translates on its own (TLB, then page
 * walker) and touches the real page through the translated frame. The
 * engine runs ahead over transactions that miss, queueing their faults,
 * until a fault batch's worth of pages is pending; then the faults are
 * serviced and the pending transactions replayed, in order of the queue.
 * Reads on other pages of the last miss's fault-ahead window are queued
 * without translating or raising anything: that fault maps them, and
 * walking and raising each of them would only cost (a 2 MiB window makes
 * the first miss of a stream the only one). Writes do not wait so: a fault
 * maps its neighbours for read only.
 *
 * A transaction's translation and its copy to or from the page happen
 * inside one read-side section of the mirror's access lock. A READ copies
 * straight into the user buffer with page faults disabled (a DMA engine
 * writes its destination directly); when that page of the buffer is not
 * present, it copies into a kernel bounce page instead and the copy to user
 * memory, which may fault and sleep, happens after the lock is dropped. A
 * WRITE copies straight from the user buffer the same way; when that page
 * of it is not present, the data are staged in the bounce page after the
 * lock is dropped (faulting it in) and the transaction is done again. The TLB
 * shootdown takes the access lock for write, so once an invalidation has
 * returned no transaction can still touch a page it removed.
 *
 * Atomics on system memory need exclusive access: a translation without
 * %DMPT_EXCLUSIVE makes the engine ask the core for it
 * (devmir_exclusive_begin()), which locks the page and installs an exclusive
 * mirror entry; the atomic then runs on that entry, still inside the access
 * lock, and the page is released. Pages in device memory need nothing: the
 * CPU cannot reach device-private pages, and device-coherent ones, the
 * device's own or a peer's, are reached over a link that keeps atomics
 * coherent (as APUs and CXL memory do). Pages that cannot be exclusive
 * (shared, file, huge) fall back to a plain write translation, as before
 * this protocol existed.
 */
#include <linux/atomic.h>
#include <linux/highmem.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "devmirror_drm.h"
#include "sim.h"

/* Fault-and-replay rounds before a command gives up with -EBUSY. */
#define SIM_MAX_ROUNDS		16

/**
 * sim_engines_init() - Create a device's engines.
 * @sdev: The device.
 * @n: Number of engines, >= 1.
 *
 * Context: Process context.
 * Return: 0 or -ENOMEM (nothing left allocated).
 */
int sim_engines_init(struct sim_device *sdev, unsigned int n)
{
	unsigned int i;

	sdev->engines = kcalloc(n, sizeof(*sdev->engines), GFP_KERNEL);
	if (!sdev->engines)
		return -ENOMEM;
	sdev->nengines = n;
	for (i = 0; i < n; i++) {
		struct sim_engine *eng = &sdev->engines[i];

		mutex_init(&eng->lock);
		eng->bounce = (void *)__get_free_page(GFP_KERNEL);
		eng->pending = kcalloc(SIM_PENDING_MAX, sizeof(*eng->pending),
				       GFP_KERNEL);
		if (!eng->bounce || !eng->pending) {
			sim_engines_fini(sdev);
			return -ENOMEM;
		}
	}
	return 0;
}

/**
 * sim_engines_fini() - Free a device's engines.
 * @sdev: The device; no command may be running.
 *
 * Context: Process context.
 */
void sim_engines_fini(struct sim_device *sdev)
{
	unsigned int i;

	for (i = 0; i < sdev->nengines; i++) {
		free_page((unsigned long)sdev->engines[i].bounce);
		kfree(sdev->engines[i].pending);
		mutex_destroy(&sdev->engines[i].lock);
	}
	kfree(sdev->engines);
	sdev->engines = NULL;
	sdev->nengines = 0;
}

/*
 * Touch the page: copy or atomic on the kernel mapping of @pfn. A READ goes
 * straight into the user buffer when its page is present (page faults are
 * disabled here: the access lock is held), else into the bounce page, and
 * *@staged says which. A WRITE likewise comes straight from the user buffer,
 * or from the bounce page once sim_txn() staged it there (cmd->staged);
 * *@staged says it could not come straight (nothing reliable was written:
 * the transaction is done again from the bounce page).
 */
static void sim_txn_touch(struct sim_cmd *cmd, u64 pfn, u64 va, u32 len,
			  bool *staged)
{
	void *kaddr = kmap_local_page(pfn_to_page(pfn));
	void *p = kaddr + offset_in_page(va);
	const u8 __user *src;

	switch (cmd->op) {
	case DRM_DEVMIR_OP_READ:
		*staged = !sim_config.direct_read ||
			  copy_to_user_nofault(cmd->ubuf + (va - cmd->addr), p, len);
		if (*staged)
			memcpy(cmd->bounce, p, len);
		break;
	case DRM_DEVMIR_OP_WRITE:
		if (cmd->staged) {
			memcpy(p, cmd->bounce, len);
			break;
		}
		src = cmd->ubuf + (va - cmd->addr);
		*staged = copy_from_user_nofault(p, src, len) != 0;
		break;
	case DRM_DEVMIR_OP_ATOMIC_ADD:
		cmd->result = atomic64_fetch_add(cmd->operand, (atomic64_t *)p);
		break;
	case DRM_DEVMIR_OP_ATOMIC_CMPXCHG:
		cmd->result = atomic64_cmpxchg((atomic64_t *)p,
					       cmd->compare, cmd->operand);
		break;
	}
	kunmap_local(kaddr);
}

static bool sim_is_atomic(const struct sim_cmd *cmd)
{
	return cmd->op == DRM_DEVMIR_OP_ATOMIC_ADD ||
	       cmd->op == DRM_DEVMIR_OP_ATOMIC_CMPXCHG;
}

/*
 * Whether a translation lands in device-coherent memory (a peer's: the
 * device's own has %DMPT_DEVICE_PRIVATE), where atomics run in place.
 */
static bool sim_pfn_coherent(u64 pfn)
{
	return pfn_valid(pfn) && is_device_coherent_page(pfn_to_page(pfn));
}

/*
 * Translate and touch under the access lock. An atomic on system memory
 * without an exclusive translation returns -EPERM (unless the command fell
 * back to plain atomics).
 */
static int sim_txn_locked(struct sim_cmd *cmd, u64 va, u32 len, bool need_excl,
			  bool *staged)
{
	u64 pfn, flags = 0;
	int ret;

	read_lock(&cmd->smirror->access_lock);
	ret = sim_translate(cmd, va, &pfn, &flags);
	if (!ret && need_excl &&
	    !(flags & (DMPT_EXCLUSIVE | DMPT_DEVICE_PRIVATE)) &&
	    !sim_pfn_coherent(pfn))
		ret = -EPERM;
	if (!ret)
		sim_txn_touch(cmd, pfn, va, len, staged);
	read_unlock(&cmd->smirror->access_lock);
	return ret;
}

/*
 * An atomic whose page must first be made exclusive: hold it exclusive
 * around the access. -EAGAIN if the exclusive entry was invalidated before
 * the atomic could use it (the caller faults and tries again).
 */
static int sim_txn_exclusive(struct sim_cmd *cmd, u64 va, u32 len)
{
	u32 asid = devmir_mirror_asid(cmd->mirror);
	struct devmir_exclusive ex;
	u64 page = va & PAGE_MASK;
	bool staged;
	int ret;

	ret = devmir_exclusive_begin(cmd->mirror, va, &ex);
	if (ret == -EOPNOTSUPP) {
		cmd->no_exclusive = true;
		devmir_driver_stat_add(cmd->mirror, SIM_STAT_EXCLUSIVE_FALLBACKS, 1);
		return sim_txn_locked(cmd, va, len, false, &staged);
	}
	if (ret)
		return ret;
	/* The TLB may still cache the entry from before it was exclusive. */
	sim_tlb_shootdown(&cmd->sdev->tlb, asid, page, page + PAGE_SIZE);
	ret = sim_txn_locked(cmd, va, len, true, &staged);
	devmir_exclusive_end(&ex);
	return ret == -EPERM ? -EAGAIN : ret;
}

/*
 * Finish a READ or WRITE whose user page was not present (*staged from
 * sim_txn_touch()), outside the access lock: 0, -EAGAIN (a WRITE's second
 * try missed), or -EFAULT.
 */
static int sim_txn_staged(struct sim_cmd *cmd, u64 va, u32 len)
{
	u8 __user *ubuf = cmd->ubuf + (va - cmd->addr);
	bool staged;

	/* A READ finishes here, faulting the user page. */
	if (cmd->op == DRM_DEVMIR_OP_READ)
		return copy_to_user(ubuf, cmd->bounce, len) ? -EFAULT : 0;
	/* A WRITE's data: staged through the bounce page (faulting it), then again. */
	if (copy_from_user(cmd->bounce, ubuf, len))
		return -EFAULT;
	cmd->staged = true;
	return sim_txn_locked(cmd, va, len, false, &staged);
}

/*
 * Execute one transaction: -EAGAIN if it misses and must fault, -EFAULT if
 * the user buffer is unusable, 0 when done.
 */
static int sim_txn(struct sim_cmd *cmd, u64 va, u32 len)
{
	u8 __user *ubuf = cmd->ubuf + (va - cmd->addr);
	bool need_excl = sim_is_atomic(cmd) && !cmd->no_exclusive;
	bool staged = false;
	int ret;

	cmd->staged = cmd->op == DRM_DEVMIR_OP_WRITE && !sim_config.direct_write;
	if (cmd->staged && copy_from_user(cmd->bounce, ubuf, len))
		return -EFAULT;

	ret = sim_txn_locked(cmd, va, len, need_excl, &staged);
	if (ret == -EPERM)
		ret = sim_txn_exclusive(cmd, va, len);
	if (ret || !staged)
		return ret;
	return sim_txn_staged(cmd, va, len);
}

/* Transactions one hold of the access lock runs at most (sim_txn_burst()). */
#define SIM_BURST	16

/* Whether the command's transactions may run in bursts. */
static bool sim_burst_ok(const struct sim_cmd *cmd)
{
	return (cmd->op == DRM_DEVMIR_OP_READ && sim_config.direct_read) ||
	       (cmd->op == DRM_DEVMIR_OP_WRITE && sim_config.direct_write);
}

/*
 * Run the transactions from @pos before @limit that translate at once, up
 * to %SIM_BURST of them, under one hold of the access lock (a stream of
 * pages takes and drops it once per burst, not once per page): each is done
 * as sim_txn() would do it. Stops at the first that misses or fails, not
 * done, its result in *@ret (0 if none did); one whose user page was not
 * present is finished outside the lock (sim_txn_staged()) and ends the
 * burst. Returns the bytes done.
 */
static u64 sim_txn_burst(struct sim_cmd *cmd, u64 pos, u64 limit, int *ret)
{
	u64 txn = sim_config.txn_bytes, start = pos, pfn, flags;
	bool staged = false;
	unsigned int n;
	u32 len = 0;

	*ret = 0;
	cmd->staged = false;
	read_lock(&cmd->smirror->access_lock);
	for (n = 0; pos < limit && n < SIM_BURST; n++) {
		len = min(limit - pos, txn - (pos & (txn - 1)));
		*ret = sim_translate(cmd, pos, &pfn, &flags);
		if (*ret)
			break;
		sim_txn_touch(cmd, pfn, pos, len, &staged);
		if (staged)
			break;
		pos += len;
	}
	read_unlock(&cmd->smirror->access_lock);
	if (!staged)
		return pos - start;
	*ret = sim_txn_staged(cmd, pos, len);
	return pos - start + (*ret ? 0 : len);
}

/*
 * Raise the faults of the pending transactions and collect their results.
 * Slots are collected whenever the queue fills up, so that a full queue
 * never waits on slots held by its own waiters.
 */
static int sim_raise_and_wait(struct sim_cmd *cmd, struct sim_pending *pend,
			      unsigned int npend)
{
	struct sim_fault_queue *fq = &cmd->smirror->fq;
	unsigned int flags = cmd->write ? DEVMIR_FAULT_WRITE : 0;
	unsigned int i = 0, j, k;
	bool coalesced;
	int ret = 0, r;

	while (i < npend) {
		for (j = i; j < npend; j++) {
			if (pend[j].covered)
				continue;
			r = sim_fq_raise(fq, cmd->mirror, pend[j].va, flags, &coalesced);
			if (r < 0)
				break;
			pend[j].slot = r;
			if (!coalesced)
				cmd->faults++;
		}
		if (j == i) {
			/* Full of the mirror's other faults: help, then retry. */
			if (sim_fq_service(fq, cmd->mirror, cmd->batch))
				return -EINTR;
			cond_resched();
			continue;
		}
		for (k = i; k < j; k++) {
			if (pend[k].covered)
				continue;
			r = sim_fq_complete(fq, cmd->mirror, pend[k].slot,
					    cmd->batch);
			pend[k].slot = -1;
			if (r && !ret)
				ret = r;
		}
		i = j;
	}
	return ret;
}

/*
 * Service the pending transactions' faults and replay them until done.
 *
 * While its faults are serviced the command is off the engine, as a GPU
 * switches a faulting context out: it keeps its pending transactions in a
 * copy of its own and drops the engine lock, so that a fault which blocks
 * (only this mirror's threads service it) holds up no other process's
 * commands. The lock is taken back, killably, for the replay;
 * @cmd->off_engine says when it could not be.
 */
static int sim_resolve(struct sim_cmd *cmd, struct sim_engine *eng,
		       const struct sim_pending *queued, unsigned int npend)
{
	bool burst = sim_burst_ok(cmd);
	struct sim_pending *pend;
	unsigned int round, i, j, n;
	int ret = 0;
	u64 limit;

	pend = kmemdup(queued, npend * sizeof(*pend), GFP_KERNEL);
	if (!pend)
		return -ENOMEM;
	for (round = 0; npend; round++) {
		if (round == SIM_MAX_ROUNDS) {
			ret = -EBUSY;
			break;
		}
		mutex_unlock(&eng->lock);
		ret = sim_raise_and_wait(cmd, pend, npend);
		if (mutex_lock_killable(&eng->lock)) {
			cmd->off_engine = true;
			ret = -EINTR;
		}
		if (ret)
			break;
		/*
		 * Replay, in bursts over consecutive transactions; one that
		 * misses again was invalidated.
		 */
		for (i = 0, n = 0; i < npend; i++) {
			if (burst) {
				limit = pend[i].va;
				for (j = i; j < npend && pend[j].va == limit; j++)
					limit += pend[j].len;
				limit = pend[i].va +
					sim_txn_burst(cmd, pend[i].va, limit, &ret);
				while (i < npend && pend[i].va + pend[i].len <= limit)
					i++;
				/*
				 * None failed (a burst's worth done, at least
				 * one): the loop goes on at the first not done.
				 */
				if (!ret) {
					i--;
					continue;
				}
			} else {
				ret = sim_txn(cmd, pend[i].va, pend[i].len);
			}
			if (ret == -EAGAIN) {
				/* Missed on its own account: it raises next round. */
				pend[n] = pend[i];
				pend[n++].covered = false;
				ret = 0;
			} else if (ret) {
				break;
			}
		}
		if (ret)
			break;
		npend = n;
	}
	kfree(pend);
	return ret;
}

static int sim_execute(struct sim_cmd *cmd, struct sim_engine *eng)
{
	struct sim_pending *pend = eng->pending;
	u64 txn = sim_config.txn_bytes;
	u64 window = devmir_mirror_fault_window(cmd->mirror);
	u64 pos = cmd->addr, end = cmd->addr + cmd->size, limit;
	bool burst = sim_burst_ok(cmd);
	int ret;

	/* Adaptive: how far a fault reaches is the core's; every page asks. */
	if (window == DEVMIR_WINDOW_ADAPTIVE)
		window = PAGE_SIZE;
	while (pos < end) {
		unsigned int npend = 0, pages = 0;
		u64 last_page = ~0ULL, last_window = ~0ULL;

		/*
		 * Run ahead until a batch of distinct pages is pending. Pages
		 * in the fault-ahead window of the last miss wait without a
		 * translation or a fault of their own: that miss's fault maps
		 * them (a window set per mirror, read once per command).
		 */
		while (pos < end && npend < SIM_PENDING_MAX) {
			u32 len = min(end - pos, txn - (pos & (txn - 1)));
			bool covered = !cmd->write && (pos & PAGE_MASK) != last_page &&
				       (pos & ~(window - 1)) == last_window;

			if (fatal_signal_pending(current))
				return -EINTR;
			if (covered) {
				ret = -EAGAIN;
			} else if (burst) {
				/*
				 * Not into the pages that the last miss's
				 * window covers: they wait for its fault.
				 */
				limit = end;
				if (!cmd->write &&
				    (pos & ~(window - 1)) == last_window)
					limit = min(end, (pos & PAGE_MASK) + PAGE_SIZE);
				pos += sim_txn_burst(cmd, pos, limit, &ret);
				if (!ret)
					continue;
				len = min(end - pos, txn - (pos & (txn - 1)));
			} else {
				ret = sim_txn(cmd, pos, len);
			}
			if (ret == -EAGAIN) {
				if (cmd->nofault)
					return -EFAULT;
				if (!covered && (pos & PAGE_MASK) != last_page) {
					if (pages == cmd->batch)
						break;
					pages++;
					last_page = pos & PAGE_MASK;
					last_window = pos & ~(window - 1);
				}
				pend[npend].va = pos;
				pend[npend].len = len;
				pend[npend].slot = -1;
				pend[npend].covered = covered;
				npend++;
			} else if (ret) {
				return ret;
			}
			pos += len;
		}
		ret = sim_resolve(cmd, eng, pend, npend);
		if (ret)
			return ret;
	}
	return 0;
}

/**
 * sim_engine_run() - Execute one command on an engine.
 * @sdev: The device.
 * @engine: Engine index, below &sim_device.nengines.
 * @cmd: The validated command; @cmd->result and @cmd->faults are set.
 *
 * Context: Process context of the mirror's process (user buffers are
 * current's); may sleep. Waits for the engine's current command, which
 * gives the engine up while its faults are serviced.
 * Return: 0; -EFAULT if part of the range cannot be mirrored (unmapped,
 * PROT_NONE, read-only for a write, ...), a translation missed with
 * %DRM_DEVMIR_ACCESS_NOFAULT, or the user buffer is unusable; -EBUSY if
 * invalidations kept winning; -EINTR on a signal; -ENOMEM; -ENODEV if the
 * process's address space is gone.
 */
int sim_engine_run(struct sim_device *sdev, unsigned int engine, struct sim_cmd *cmd)
{
	struct sim_engine *eng = &sdev->engines[engine];
	int ret;

	if (mutex_lock_interruptible(&eng->lock))
		return -EINTR;
	cmd->bounce = eng->bounce;
	cmd->asid = devmir_mirror_asid(cmd->mirror);
	devmir_driver_stat_add(cmd->mirror, SIM_STAT_ACCESSES, 1);
	ret = sim_execute(cmd, eng);
	if (!cmd->off_engine)
		mutex_unlock(&eng->lock);
	devmir_driver_stat_add(cmd->mirror, SIM_STAT_TLB_HITS, cmd->tlb.hits);
	devmir_driver_stat_add(cmd->mirror, SIM_STAT_TLB_MISSES, cmd->tlb.misses);
	devmir_driver_stat_add(cmd->mirror, SIM_STAT_WALKS, cmd->tlb.walks);
	devmir_driver_stat_add(cmd->mirror, SIM_STAT_WALK_LEVELS, cmd->tlb.walk_levels);
	return ret;
}
