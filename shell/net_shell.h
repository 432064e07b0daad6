/* The network shell's front end: the TLS shell on keel.cfg's shell_port (default 8443) once remote access
 * is open, one kernel thread per session, at most shell_max_sessions (default 32) of them. */
#ifndef KEEL_SHELL_NET_SHELL_H
#define KEEL_SHELL_NET_SHELL_H

#define NET_SHELL_PORT         8443
#define NET_SHELL_MAX_SESSIONS 32

/* Starts a thread on CPU cpu that waits until remote_access_open(), then listens (logging the port, or why
 * not). */
void net_shell_start(int cpu);

/* Connections being served now: sessions, refusals, and dropped ones still winding down (each counts
 * until its thread has freed what it held, all but the thread's own stack, freed as it exits). */
unsigned net_shell_connections(void);

#endif
