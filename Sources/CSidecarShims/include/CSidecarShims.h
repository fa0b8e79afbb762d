#ifndef CSIDECAR_SHIMS_H
#define CSIDECAR_SHIMS_H

/// Glibc calls that Swift's Glibc module hides behind _GNU_SOURCE.

/// accept4 with SOCK_NONBLOCK | SOCK_CLOEXEC: one syscall instead of three per connection.
int sidecar_accept_nonblocking(int listener);

/// Names the calling thread (at most 15 bytes are kept): names show in perf, top -H and crash
/// reports.
void sidecar_name_thread(const char *name);

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

/// An eventfd for waking a thread blocked in epoll_wait or poll (close-on-exec, non-blocking),
/// and the write that wakes it.
int sidecar_wake_create(void);
void sidecar_wake_signal(int wake);

/// Blocks until `fd` is readable (1), `wake` was signalled (2), both (3), or `timeout_ms`
/// passed (0; -1 waits for ever). -1 with errno set on failure.
int sidecar_wait_either(int fd, int wake, int timeout_ms);

#endif
