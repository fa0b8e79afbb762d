#define _GNU_SOURCE
#include "CSidecarShims.h"
#include <sched.h>
#include <stddef.h>
#include <sys/socket.h>

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
