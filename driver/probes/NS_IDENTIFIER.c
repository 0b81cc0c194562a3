// SPDX-License-Identifier: GPL-2.0
/*
 * A symbol namespace is an identifier that MODULE_IMPORT_NS() stringifies;
 * since it became a string literal an identifier no longer compiles.
 */
#include <linux/module.h>

MODULE_IMPORT_NS(DEVMIR_PROBE_NAMESPACE);
