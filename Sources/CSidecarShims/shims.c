#define _GNU_SOURCE
#include "CSidecarShims.h"
#include <sched.h>
#include <stddef.h>
#include <sys/socket.h>
#ifdef __linux__
#include <errno.h>
#include <sys/epoll.h>
#endif

int sidecar_accept_nonblocking(int listener) {
#ifdef __linux__
    return accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
#else
    return accept(listener, NULL, NULL);
#endif
}

int sidecar_affinity_cpu_count(void) {
#ifdef __linux__
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set) == 0) {
        return CPU_COUNT(&set);
    }
#endif
    return 0;
}

#ifdef __linux__
static uint32_t to_epoll(uint32_t interest) {
    return ((interest & 1) ? EPOLLIN : 0) | ((interest & 2) ? EPOLLOUT : 0);
}

int sidecar_poller_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

static int control(int poller, int op, int fd, uint32_t interest) {
    struct epoll_event event = { .events = to_epoll(interest), .data = { .fd = fd } };
    return epoll_ctl(poller, op, fd, &event);
}

int sidecar_poller_add(int poller, int fd, uint32_t interest) { return control(poller, EPOLL_CTL_ADD, fd, interest); }
int sidecar_poller_modify(int poller, int fd, uint32_t interest) { return control(poller, EPOLL_CTL_MOD, fd, interest); }
int sidecar_poller_remove(int poller, int fd) { return control(poller, EPOLL_CTL_DEL, fd, 0); }

int sidecar_poller_wait(int poller, int *fds, uint32_t *ready, int max, int timeout_ms) {
    struct epoll_event events[256];
    if (max > 256) max = 256;
    int n;
    do {
        n = epoll_wait(poller, events, max, timeout_ms);
    } while (n < 0 && errno == EINTR);
    for (int i = 0; i < n; i++) {
        fds[i] = events[i].data.fd;
        uint32_t e = events[i].events;
        ready[i] = ((e & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP)) ? 1 : 0) | ((e & EPOLLOUT) ? 2 : 0);
    }
    return n;
}
#endif
