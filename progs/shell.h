/*
 * The kernel shell: a process that reads commands from stdin (fd 0) and
 * writes to stdout (fd 1) through the system calls, as a user program would.
 * docs/shell.md lists the commands.
 */
#ifndef KAIROS_SHELL_H
#define KAIROS_SHELL_H

#define SHELL_EXIT_MAX 255 /* largest code `exit` takes */

/*
 * The shell process (spawn it with spawn_kernel_process("sh", shell_main,
 * NULL)): read, execute, repeat.  Returns the code given to `exit` (0 ..
 * SHELL_EXIT_MAX), or a negative errno when stdin or stdout fails or input
 * ends, so that init knows a new shell would fail the same way.  One shell
 * at a time: its table of children is static.
 */
int shell_main(void *arg);
/*
 * Execute one line (modified in place) in the calling shell process.
 * Returns 0, or a negative errno after printing a message for an unknown
 * command, bad arguments or a failed command.
 */
int shell_execute(char *line);

#endif
