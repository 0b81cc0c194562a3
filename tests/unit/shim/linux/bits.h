/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace build: everything dmpt.h needs comes from the force-included shim. */
#include "../dmpt_internal.h"
