/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The libFuzzer entry points of fuzz_dmpt.c, also called by fuzz_replay.c.
 */
#ifndef _DMPT_FUZZ_H
#define _DMPT_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/**
 * LLVMFuzzerInitialize() - One-time setup (RCU registration, models).
 * @argc: Unused.
 * @argv: Unused.
 *
 * Context: Once, before any input.
 * Return: 0.
 */
int LLVMFuzzerInitialize(int *argc, char ***argv);

/**
 * LLVMFuzzerTestOneInput() - Run one input; abort() on any mismatch.
 * @data: Input bytes.
 * @size: Input length.
 *
 * Context: The thread that called LLVMFuzzerInitialize().
 * Return: 0.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif /* _DMPT_FUZZ_H */
