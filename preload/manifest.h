/* The one list of interposed libc names. Each entry: X(module, return type, name, parameters,
 * symbol version to bind the real function to, or 0 for the default). It feeds the table of real
 * functions (real.h), the export list of the .so (exports.map.in) and the export test. Adding a
 * shim is one line here plus its wrapper in shims/<module>.c. No includes: cpp reads this file to
 * make the version script too. */
#define GP_MANIFEST(X) \
	X(all, void *, dlsym, (void *, const char *), 0) \
	X(socket, int, socket, (int, int, int), 0) \
	X(socket, int, socketpair, (int, int, int, int *), 0) \
	X(socket, int, connect, (int, const struct sockaddr *, socklen_t), 0) \
	X(socket, int, listen, (int, int), 0) \
	X(socket, int, accept, (int, struct sockaddr *, socklen_t *), 0) \
	X(socket, int, accept4, (int, struct sockaddr *, socklen_t *, int), 0) \
	X(os, ssize_t, read, (int, void *, size_t), 0) \
	X(os, ssize_t, __read_chk, (int, void *, size_t, size_t), 0) \
	X(os, ssize_t, write, (int, const void *, size_t), 0) \
	X(os, ssize_t, readv, (int, const struct iovec *, int), 0) \
	X(os, ssize_t, writev, (int, const struct iovec *, int), 0) \
	X(os, ssize_t, pread, (int, void *, size_t, off_t), 0) \
	X(os, ssize_t, pwrite, (int, const void *, size_t, off_t), 0) \
	X(os, ssize_t, preadv, (int, const struct iovec *, int, off_t), 0) \
	X(os, ssize_t, pwritev, (int, const struct iovec *, int, off_t), 0) \
	X(os, ssize_t, pread64, (int, void *, size_t, off_t), 0) \
	X(os, ssize_t, pwrite64, (int, const void *, size_t, off_t), 0) \
	X(os, ssize_t, preadv64, (int, const struct iovec *, int, off_t), 0) \
	X(os, ssize_t, pwritev64, (int, const struct iovec *, int, off_t), 0) \
	X(os, ssize_t, __pread_chk, (int, void *, size_t, off_t, size_t), 0) \
	X(os, int, eventfd_read, (int, eventfd_t *), 0) \
	X(os, int, eventfd_write, (int, eventfd_t), 0) \
	X(os, int, fsync, (int), 0) \
	X(os, int, fdatasync, (int), 0) \
	X(os, int, sync_file_range, (int, off_t, off_t, unsigned), 0) \
	X(os, int, flock, (int, int), 0) \
	X(os, int, lockf, (int, int, off_t), 0) \
	X(os, int, lockf64, (int, int, off_t), 0) \
	X(os, int, open, (const char *, int, ...), 0) \
	X(os, int, open64, (const char *, int, ...), 0) \
	X(os, int, openat, (int, const char *, int, ...), 0) \
	X(os, int, openat64, (int, const char *, int, ...), 0) \
	X(socket, ssize_t, recv, (int, void *, size_t, int), 0) \
	X(socket, ssize_t, __recv_chk, (int, void *, size_t, size_t, int), 0) \
	X(socket, ssize_t, recvfrom, (int, void *, size_t, int, struct sockaddr *, socklen_t *), 0) \
	X(socket, ssize_t, __recvfrom_chk, (int, void *, size_t, size_t, int, struct sockaddr *, socklen_t *), 0) \
	X(socket, ssize_t, recvmsg, (int, struct msghdr *, int), 0) \
	X(socket, ssize_t, send, (int, const void *, size_t, int), 0) \
	X(socket, ssize_t, sendto, (int, const void *, size_t, int, const struct sockaddr *, socklen_t), 0) \
	X(socket, ssize_t, sendmsg, (int, const struct msghdr *, int), 0) \
	X(socket, int, shutdown, (int, int), 0) \
	X(socket, int, close, (int), 0) \
	X(socket, int, fclose, (FILE *), 0) \
	X(socket, int, close_range, (unsigned, unsigned, int), 0) \
	X(socket, void, closefrom, (int), 0) \
	X(socket, int, dup, (int), 0) \
	X(socket, int, dup2, (int, int), 0) \
	X(socket, int, dup3, (int, int, int), 0) \
	X(socket, int, fcntl, (int, int, ...), 0) \
	X(socket, int, fcntl64, (int, int, ...), 0) \
	X(socket, int, ioctl, (int, unsigned long, ...), 0) \
	X(socket, int, setsockopt, (int, int, int, const void *, socklen_t), 0) \
	X(socket, int, getaddrinfo, (const char *, const char *, const struct addrinfo *, struct addrinfo **), 0) \
	X(socket, int, getnameinfo, (const struct sockaddr *, socklen_t, char *, socklen_t, char *, socklen_t, int), 0) \
	X(socket, struct hostent *, gethostbyname, (const char *), 0) \
	X(socket, struct hostent *, gethostbyname2, (const char *, int), 0) \
	X(socket, struct hostent *, gethostbyaddr, (const void *, socklen_t, int), 0) \
	X(socket, int, gethostbyname_r, (const char *, struct hostent *, char *, size_t, struct hostent **, int *), 0) \
	X(socket, int, gethostbyname2_r, (const char *, int, struct hostent *, char *, size_t, struct hostent **, int *), 0) \
	X(socket, int, gethostbyaddr_r, (const void *, socklen_t, int, struct hostent *, char *, size_t, struct hostent **, int *), 0) \
	X(os, pid_t, wait, (int *), 0) \
	X(os, pid_t, waitpid, (pid_t, int *, int), 0) \
	X(os, pid_t, wait3, (int *, int, struct rusage *), 0) \
	X(os, pid_t, wait4, (pid_t, int *, int, struct rusage *), 0) \
	X(os, int, waitid, (idtype_t, id_t, siginfo_t *, int), 0) \
	X(all, int, sigaction, (int, const struct sigaction *, struct sigaction *), 0) \
	X(all, sighandler_t, signal, (int, sighandler_t), 0) \
	X(all, sighandler_t, bsd_signal, (int, sighandler_t), 0) \
	X(all, sighandler_t, sysv_signal, (int, sighandler_t), 0) \
	X(all, sighandler_t, __sysv_signal, (int, sighandler_t), 0) \
	X(all, int, siginterrupt, (int, int), 0) \
	X(os, int, pause, (void), 0) \
	X(os, int, sigsuspend, (const sigset_t *), 0) \
	X(os, int, sigwait, (const sigset_t *, int *), 0) \
	X(os, int, sigwaitinfo, (const sigset_t *, siginfo_t *), 0) \
	X(os, int, sigtimedwait, (const sigset_t *, siginfo_t *, const struct timespec *), 0) \
	X(os, pid_t, vfork, (void), 0) \
	X(os, int, system, (const char *), 0) \
	X(os, FILE *, popen, (const char *, const char *), 0) \
	X(os, int, execve, (const char *, char *const *, char *const *), 0) \
	X(os, int, execv, (const char *, char *const *), 0) \
	X(os, int, execvp, (const char *, char *const *), 0) \
	X(os, int, execvpe, (const char *, char *const *, char *const *), 0) \
	X(os, int, execl, (const char *, const char *, ...), 0) \
	X(os, int, execlp, (const char *, const char *, ...), 0) \
	X(os, int, execle, (const char *, const char *, ...), 0) \
	X(os, int, fexecve, (int, char *const *, char *const *), 0) \
	X(os, int, execveat, (int, const char *, char *const *, char *const *, int), 0) \
	X(os, int, posix_spawn, (pid_t *, const char *, const posix_spawn_file_actions_t *, const posix_spawnattr_t *, char *const *, char *const *), 0) \
	X(os, int, posix_spawnp, (pid_t *, const char *, const posix_spawn_file_actions_t *, const posix_spawnattr_t *, char *const *, char *const *), 0) \
	X(time, unsigned, sleep, (unsigned), 0) \
	X(time, int, usleep, (useconds_t), 0) \
	X(time, int, nanosleep, (const struct timespec *, struct timespec *), 0) \
	X(time, int, clock_nanosleep, (clockid_t, int, const struct timespec *, struct timespec *), 0) \
	X(time, int, thrd_sleep, (const struct timespec *, struct timespec *), 0) \
	X(select, int, select, (int, fd_set *, fd_set *, fd_set *, struct timeval *), 0) \
	X(select, int, poll, (struct pollfd *, nfds_t, int), 0) \
	X(select, int, ppoll, (struct pollfd *, nfds_t, const struct timespec *, const sigset_t *), 0) \
	X(select, int, __poll_chk, (struct pollfd *, nfds_t, int, size_t), 0) \
	X(select, int, __ppoll_chk, (struct pollfd *, nfds_t, const struct timespec *, const sigset_t *, size_t), 0) \
	X(select, int, pselect, (int, fd_set *, fd_set *, fd_set *, const struct timespec *, const sigset_t *), 0) \
	X(select, int, epoll_wait, (int, struct epoll_event *, int, int), 0) \
	X(select, int, epoll_pwait, (int, struct epoll_event *, int, int, const sigset_t *), 0) \
	X(select, int, epoll_pwait2, (int, struct epoll_event *, int, const struct timespec *, const sigset_t *), 0) \
	X(thread, int, pthread_create, (pthread_t *, const pthread_attr_t *, void *(*)(void *), void *), 0) \
	X(thread, int, pthread_join, (pthread_t, void **), 0) \
	X(thread, int, pthread_tryjoin_np, (pthread_t, void **), 0) \
	X(thread, int, pthread_timedjoin_np, (pthread_t, void **, const struct timespec *), 0) \
	X(thread, int, pthread_clockjoin_np, (pthread_t, void **, clockid_t, const struct timespec *), 0) \
	X(thread, int, pthread_detach, (pthread_t), 0) \
	X(thread, void, pthread_exit, (void *), 0) \
	X(thread, pthread_t, pthread_self, (void), 0) \
	X(thread, int, pthread_equal, (pthread_t, pthread_t), 0) \
	X(thread, int, pthread_cancel, (pthread_t), 0) \
	X(thread, int, pthread_sigmask, (int, const sigset_t *, sigset_t *), 0) \
	X(thread, int, sigprocmask, (int, const sigset_t *, sigset_t *), 0) \
	X(thread, int, sigpending, (sigset_t *), 0) \
	X(thread, int, pthread_setcancelstate, (int, int *), 0) \
	X(thread, int, pthread_setcanceltype, (int, int *), 0) \
	X(thread, void, pthread_testcancel, (void), 0) \
	X(thread, void, __pthread_register_cancel, (void *), 0) \
	X(thread, void, __pthread_unregister_cancel, (void *), 0) \
	X(thread, void, __pthread_unwind_next, (void *), 0) \
	X(thread, void, __pthread_register_cancel_defer, (void *), 0) \
	X(thread, void, __pthread_unregister_cancel_restore, (void *), 0) \
	X(thread, int, pthread_setname_np, (pthread_t, const char *), 0) \
	X(thread, int, pthread_getname_np, (pthread_t, char *, size_t), 0) \
	X(thread, int, pthread_kill, (pthread_t, int), 0) \
	X(thread, int, pthread_getattr_np, (pthread_t, pthread_attr_t *), 0) \
	X(thread, int, pthread_setaffinity_np, (pthread_t, size_t, const cpu_set_t *), 0) \
	X(thread, int, pthread_getaffinity_np, (pthread_t, size_t, cpu_set_t *), 0) \
	X(thread, int, pthread_setschedparam, (pthread_t, int, const struct sched_param *), 0) \
	X(thread, int, pthread_setschedprio, (pthread_t, int), 0) \
	X(thread, int, pthread_getcpuclockid, (pthread_t, clockid_t *), 0) \
	X(thread, int, pthread_sigqueue, (pthread_t, int, const union sigval), 0) \
	X(thread, int, pthread_getschedparam, (pthread_t, int *, struct sched_param *), 0) \
	X(thread, int, pthread_mutex_init, (pthread_mutex_t *, const pthread_mutexattr_t *), 0) \
	X(thread, int, pthread_mutex_destroy, (pthread_mutex_t *), 0) \
	X(thread, int, pthread_mutex_lock, (pthread_mutex_t *), 0) \
	X(thread, int, pthread_mutex_trylock, (pthread_mutex_t *), 0) \
	X(thread, int, pthread_mutex_timedlock, (pthread_mutex_t *, const struct timespec *), 0) \
	X(thread, int, pthread_mutex_clocklock, (pthread_mutex_t *, clockid_t, const struct timespec *), 0) \
	X(thread, int, pthread_mutex_unlock, (pthread_mutex_t *), 0) \
	X(thread, int, pthread_mutex_consistent, (pthread_mutex_t *), 0) \
	X(thread, int, pthread_mutex_consistent_np, (pthread_mutex_t *), 0) \
	X(thread, int, pthread_mutex_getprioceiling, (const pthread_mutex_t *, int *), 0) \
	X(thread, int, pthread_mutex_setprioceiling, (pthread_mutex_t *, int, int *), 0) \
	X(thread, int, pthread_cond_init, (pthread_cond_t *, const pthread_condattr_t *), "GLIBC_2.3.2") \
	X(thread, int, pthread_cond_destroy, (pthread_cond_t *), "GLIBC_2.3.2") \
	X(thread, int, pthread_cond_wait, (pthread_cond_t *, pthread_mutex_t *), "GLIBC_2.3.2") \
	X(thread, int, pthread_cond_timedwait, (pthread_cond_t *, pthread_mutex_t *, const struct timespec *), "GLIBC_2.3.2") \
	X(thread, int, pthread_cond_clockwait, (pthread_cond_t *, pthread_mutex_t *, clockid_t, const struct timespec *), 0) \
	X(thread, int, pthread_cond_signal, (pthread_cond_t *), "GLIBC_2.3.2") \
	X(thread, int, pthread_cond_broadcast, (pthread_cond_t *), "GLIBC_2.3.2") \
	X(thread, int, pthread_once, (pthread_once_t *, void (*)(void)), 0) \
	X(thread, int, pthread_key_create, (pthread_key_t *, void (*)(void *)), 0) \
	X(thread, int, pthread_key_delete, (pthread_key_t), 0) \
	X(thread, void *, pthread_getspecific, (pthread_key_t), 0) \
	X(thread, int, pthread_setspecific, (pthread_key_t, const void *), 0) \
	X(thread, int, pthread_rwlock_init, (pthread_rwlock_t *, const pthread_rwlockattr_t *), 0) \
	X(thread, int, pthread_rwlock_destroy, (pthread_rwlock_t *), 0) \
	X(thread, int, pthread_rwlock_rdlock, (pthread_rwlock_t *), 0) \
	X(thread, int, pthread_rwlock_wrlock, (pthread_rwlock_t *), 0) \
	X(thread, int, pthread_rwlock_tryrdlock, (pthread_rwlock_t *), 0) \
	X(thread, int, pthread_rwlock_trywrlock, (pthread_rwlock_t *), 0) \
	X(thread, int, pthread_rwlock_timedrdlock, (pthread_rwlock_t *, const struct timespec *), 0) \
	X(thread, int, pthread_rwlock_timedwrlock, (pthread_rwlock_t *, const struct timespec *), 0) \
	X(thread, int, pthread_rwlock_clockrdlock, (pthread_rwlock_t *, clockid_t, const struct timespec *), 0) \
	X(thread, int, pthread_rwlock_clockwrlock, (pthread_rwlock_t *, clockid_t, const struct timespec *), 0) \
	X(thread, int, pthread_rwlock_unlock, (pthread_rwlock_t *), 0) \
	X(thread, int, pthread_barrier_init, (pthread_barrier_t *, const pthread_barrierattr_t *, unsigned), 0) \
	X(thread, int, pthread_barrier_destroy, (pthread_barrier_t *), 0) \
	X(thread, int, pthread_barrier_wait, (pthread_barrier_t *), 0) \
	X(thread, int, pthread_spin_lock, (pthread_spinlock_t *), 0) \
	X(thread, int, sem_init, (sem_t *, int, unsigned), 0) \
	X(thread, int, sem_destroy, (sem_t *), 0) \
	X(thread, int, sem_wait, (sem_t *), 0) \
	X(thread, int, sem_trywait, (sem_t *), 0) \
	X(thread, int, sem_timedwait, (sem_t *, const struct timespec *), 0) \
	X(thread, int, sem_clockwait, (sem_t *, clockid_t, const struct timespec *), 0) \
	X(thread, int, sem_post, (sem_t *), 0) \
	X(thread, int, sem_getvalue, (sem_t *, int *), 0) \
	X(thread, int, sched_yield, (void), 0) \
	X(thread, int, pthread_yield, (void), 0) \
	X(thread, int, thrd_create, (thrd_t *, thrd_start_t, void *), 0) \
	X(thread, int, thrd_join, (thrd_t, int *), 0) \
	X(thread, int, thrd_detach, (thrd_t), 0) \
	X(thread, void, thrd_exit, (int), 0) \
	X(thread, thrd_t, thrd_current, (void), 0) \
	X(thread, int, thrd_equal, (thrd_t, thrd_t), 0) \
	X(thread, void, thrd_yield, (void), 0) \
	X(thread, int, mtx_init, (mtx_t *, int), 0) \
	X(thread, int, mtx_lock, (mtx_t *), 0) \
	X(thread, int, mtx_timedlock, (mtx_t *, const struct timespec *), 0) \
	X(thread, int, mtx_trylock, (mtx_t *), 0) \
	X(thread, int, mtx_unlock, (mtx_t *), 0) \
	X(thread, void, mtx_destroy, (mtx_t *), 0) \
	X(thread, int, cnd_init, (cnd_t *), 0) \
	X(thread, int, cnd_signal, (cnd_t *), 0) \
	X(thread, int, cnd_broadcast, (cnd_t *), 0) \
	X(thread, int, cnd_wait, (cnd_t *, mtx_t *), 0) \
	X(thread, int, cnd_timedwait, (cnd_t *, mtx_t *, const struct timespec *), 0) \
	X(thread, void, cnd_destroy, (cnd_t *), 0) \
	X(thread, int, tss_create, (tss_t *, tss_dtor_t), 0) \
	X(thread, void *, tss_get, (tss_t), 0) \
	X(thread, int, tss_set, (tss_t, void *), 0) \
	X(thread, void, tss_delete, (tss_t), 0) \
	X(thread, void, call_once, (once_flag *, void (*)(void)), 0) \
	X(thread, long, syscall, (long, ...), 0)
