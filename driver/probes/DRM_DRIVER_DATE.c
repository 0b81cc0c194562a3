// SPDX-License-Identifier: GPL-2.0
/* drm_driver.date still exists. */
#include <drm/drm_drv.h>

const struct drm_driver probe_driver = { .date = "20260101" };
