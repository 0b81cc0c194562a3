// SPDX-License-Identifier: GPL-2.0
/*
 * devmirror_sim - the fault queues: one per mirror, bounded, coalescing
 * duplicate faults, serviced oldest first in batches through
 * devmir_fault_batch().
 *
 * Each mirror has its own queue: a process's faults are raised into it and
 * serviced by the process's own threads, so a fault that blocks (a stuck
 * FUSE or NFS file, an unanswered userfaultfd, the core's fault_stall
 * injection point) stalls nobody else, and every wait in here is killable.
 *
 * An engine that misses a translation raises a fault: a slot naming the
 * page. A second miss on a page that is still queued joins that slot (a
 * write upgrades it) instead of taking a new one; that is counted as a
 * coalesced duplicate. Whoever needs progress services the queue: one
 * thread of the mirror at a time takes up to a batch of the oldest queued
 * slots and hands them to the core. Raisers then collect their slots'
 * results and replay their accesses.
 */
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "sim.h"

/**
 * sim_fq_init() - Set up an empty fault queue.
 * @fq: The queue.
 * @size: Number of slots, >= 1.
 *
 * Context: Process context.
 * Return: 0 or -ENOMEM.
 */
int sim_fq_init(struct sim_fault_queue *fq, unsigned int size)
{
	unsigned int i;

	fq->slots = kcalloc(size, sizeof(*fq->slots), GFP_KERNEL);
	fq->svc_faults = kcalloc(size, sizeof(*fq->svc_faults), GFP_KERNEL);
	fq->svc_slots = kcalloc(size, sizeof(*fq->svc_slots), GFP_KERNEL);
	if (!fq->slots || !fq->svc_faults || !fq->svc_slots) {
		sim_fq_fini(fq);
		return -ENOMEM;
	}
	spin_lock_init(&fq->lock);
	mutex_init(&fq->service_lock);
	INIT_LIST_HEAD(&fq->free);
	INIT_LIST_HEAD(&fq->queued);
	fq->size = size;
	for (i = 0; i < size; i++)
		list_add_tail(&fq->slots[i].node, &fq->free);
	return 0;
}

/**
 * sim_fq_fini() - Free a fault queue.
 * @fq: The queue; no slot may be in use.
 *
 * Context: Process context.
 */
void sim_fq_fini(struct sim_fault_queue *fq)
{
	kfree(fq->svc_slots);
	kfree(fq->svc_faults);
	kfree(fq->slots);
	fq->slots = NULL;
	fq->svc_faults = NULL;
	fq->svc_slots = NULL;
}

/**
 * sim_fq_raise() - Queue a device fault.
 * @fq: The queue.
 * @mirror: Mirror of the faulting access; the caller holds a reference
 *	until it has collected the slot with sim_fq_complete().
 * @addr: Faulting address.
 * @flags: ``DEVMIR_FAULT_*``.
 * @coalesced: Set to whether the fault joined a slot already queued.
 *
 * Context: Any context; takes the queue spinlock.
 * Return: The slot to pass to sim_fq_complete(), or -ENOSPC when the queue
 * is full (service it, collect your own slots, and raise again).
 */
int sim_fq_raise(struct sim_fault_queue *fq, struct devmir_mirror *mirror,
		 u64 addr, unsigned int flags, bool *coalesced)
{
	struct sim_fault_slot *slot;
	int ret = -ENOSPC;

	addr &= PAGE_MASK;
	spin_lock(&fq->lock);
	list_for_each_entry(slot, &fq->queued, node) {
		if (slot->mirror == mirror && slot->addr == addr) {
			slot->flags |= flags;
			slot->users++;
			*coalesced = true;
			ret = slot - fq->slots;
			goto out;
		}
	}
	slot = list_first_entry_or_null(&fq->free, struct sim_fault_slot, node);
	if (slot) {
		list_move_tail(&slot->node, &fq->queued);
		slot->mirror = mirror;
		slot->addr = addr;
		slot->flags = flags;
		slot->users = 1;
		slot->result = 0;
		slot->state = SIM_SLOT_QUEUED;
		*coalesced = false;
		ret = slot - fq->slots;
	}
out:
	spin_unlock(&fq->lock);
	if (ret >= 0)
		devmir_driver_stat_add(mirror, *coalesced ? SIM_STAT_FAULTS_COALESCED :
				       SIM_STAT_FAULTS_RAISED, 1);
	return ret;
}

/* Return a slot nobody waits for any more to the free list; lock held. */
static void sim_fq_release(struct sim_fault_queue *fq, struct sim_fault_slot *slot)
{
	lockdep_assert_held(&fq->lock);
	slot->state = SIM_SLOT_FREE;
	slot->mirror = NULL;
	list_add_tail(&slot->node, &fq->free);
}

/**
 * sim_fq_service() - Service one batch of a mirror's queued faults.
 * @fq: The mirror's queue.
 * @mirror: The mirror.
 * @batch: Most faults to take, >= 1.
 *
 * Takes the oldest queued slots (up to @batch) and services them with one
 * devmir_fault_batch() call. Returns at once if nothing is queued, after
 * waiting for a batch another thread of the mirror is servicing. A slot
 * whose raisers all gave up (killed) is freed here once serviced.
 *
 * Context: Process context of a thread using @mirror; may sleep for as long
 * as the faults take. The wait for another servicer is killable.
 * Return: 0, or -EINTR if a fatal signal ended that wait.
 */
int sim_fq_service(struct sim_fault_queue *fq, struct devmir_mirror *mirror,
		   unsigned int batch)
{
	struct sim_fault_slot *slot, *tmp;
	unsigned int n = 0, i;

	batch = clamp(batch, 1U, fq->size);
	if (mutex_lock_killable(&fq->service_lock))
		return -EINTR;
	spin_lock(&fq->lock);
	list_for_each_entry_safe(slot, tmp, &fq->queued, node) {
		if (n == batch)
			break;
		list_del_init(&slot->node);
		slot->state = SIM_SLOT_SERVICING;
		fq->svc_slots[n] = slot - fq->slots;
		fq->svc_faults[n].addr = slot->addr;
		fq->svc_faults[n].flags = slot->flags;
		fq->svc_faults[n].result = 0;
		n++;
	}
	spin_unlock(&fq->lock);

	if (n)
		devmir_fault_batch(mirror, fq->svc_faults, n);

	spin_lock(&fq->lock);
	for (i = 0; i < n; i++) {
		slot = &fq->slots[fq->svc_slots[i]];
		slot->result = fq->svc_faults[i].result;
		slot->state = SIM_SLOT_DONE;
		if (!slot->users)
			sim_fq_release(fq, slot);
	}
	spin_unlock(&fq->lock);
	mutex_unlock(&fq->service_lock);
	return 0;
}

/**
 * sim_fq_complete() - Wait for a raised fault and release the slot.
 * @fq: The mirror's queue.
 * @mirror: The mirror.
 * @slot: Slot returned by sim_fq_raise().
 * @batch: Batch size to service with while waiting.
 *
 * Services the queue (or waits for the thread of the mirror that is
 * servicing it) until the slot is done. A fatal signal gives the slot up:
 * it is freed now if still queued, or by its servicer when that finishes.
 *
 * Context: Process context; may sleep; killable.
 * Return: The fault's result (see devmir_fault_batch()), or -EINTR.
 */
int sim_fq_complete(struct sim_fault_queue *fq, struct devmir_mirror *mirror,
		    int slot, unsigned int batch)
{
	struct sim_fault_slot *s = &fq->slots[slot];
	int result;

	for (;;) {
		spin_lock(&fq->lock);
		if (s->state == SIM_SLOT_DONE)
			break;
		spin_unlock(&fq->lock);
		if (sim_fq_service(fq, mirror, batch) ||
		    fatal_signal_pending(current)) {
			spin_lock(&fq->lock);
			if (--s->users == 0 && s->state != SIM_SLOT_SERVICING) {
				if (s->state == SIM_SLOT_QUEUED)
					list_del_init(&s->node);
				sim_fq_release(fq, s);
			}
			spin_unlock(&fq->lock);
			return -EINTR;
		}
	}
	result = s->result;
	if (--s->users == 0)
		sim_fq_release(fq, s);
	spin_unlock(&fq->lock);
	return result;
}
