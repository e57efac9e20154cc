/*
 * The kernel shell: a line-oriented command interpreter on the "keyboard"
 * and "console" devices.
 */
#ifndef KAIROS_SHELL_H
#define KAIROS_SHELL_H

/* Read, execute, repeat; returns only if the input devices are missing. */
void shell_run(void);
/*
 * Execute one line (modified in place).  Returns 0, or -EINVAL after
 * printing a message for an unknown command or bad arguments.
 */
int shell_execute(char *line);

#endif
