/*
 * The two facade devices the default process descriptors use: "console"
 * (writes go to the kernel log and every sink: klog.h) and "keyboard"
 * (reads come from the first input device that has bytes).
 */
#ifndef KAIROS_CONSOLE_H
#define KAIROS_CONSOLE_H

#include <stddef.h>

/*
 * Register the "console" and "keyboard" devices.  "keyboard" reads from the
 * input devices named in inputs (those that exist), in order.  0 or -errno.
 */
int console_devices_init(const char *const *inputs, size_t ninputs);

#endif
