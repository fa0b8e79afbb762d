#ifndef CSIDECAR_SHIMS_H
#define CSIDECAR_SHIMS_H

/// Glibc calls that Swift's Glibc module hides behind _GNU_SOURCE.

/// accept4 with SOCK_NONBLOCK | SOCK_CLOEXEC: one syscall instead of three per connection.
int sidecar_accept_nonblocking(int listener);

/// CPUs in this process's affinity mask (what `taskset` allows), or 0 if unknown.
int sidecar_affinity_cpu_count(void);

#endif
