#ifndef CSIDECAR_SHIMS_H
#define CSIDECAR_SHIMS_H

/// Glibc calls that Swift's Glibc module hides behind _GNU_SOURCE.

/// accept4 with SOCK_NONBLOCK | SOCK_CLOEXEC: one syscall instead of three per connection.
int sidecar_accept_nonblocking(int listener);

/// CPUs in this process's affinity mask (what `taskset` allows), or 0 if unknown.
int sidecar_affinity_cpu_count(void);

#include <stdint.h>

/// epoll without Swift touching `struct epoll_event`, which is packed on x86_64.
/// Interest bits: 1 = readable, 2 = writable. Returns -1 with errno set on failure.
int sidecar_poller_create(void);
int sidecar_poller_add(int poller, int fd, uint32_t interest);
int sidecar_poller_modify(int poller, int fd, uint32_t interest);
int sidecar_poller_remove(int poller, int fd);

/// Waits up to `timeout_ms` (0: don't wait) for ready fds; writes each fd and its readiness
/// (1 readable or hung up, 2 writable, 3 both) and returns how many.
int sidecar_poller_wait(int poller, int *fds, uint32_t *ready, int max, int timeout_ms);

#endif
