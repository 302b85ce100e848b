/* The legacy server of the demo and the benchmarks: the classic thread-per-connection echo server,
 * written the way countless C servers are: a blocking accept loop, one detached pthread per client,
 * blocking read/write-all until EOF, a mutex-protected count of clients served. It knows nothing of
 * greenpatch. SIGTERM stops it and it reports the count on stderr.
 * usage: legacy_echo_server PORT [PORTFILE]   (PORT 0 picks one; PORTFILE receives it) */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "portfile.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long clients_served;

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void *serve_client(void *arg)
{
	int fd = (int)(long)arg;
	char buf[4096];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || write_all(fd, buf, (size_t)n) < 0)
			break;
	}
	close(fd);
	return NULL;
}

/* A handler cannot take the lock: it reads the count once (an aligned long) and leaves. */
static void on_term(int sig)
{
	char line[80];
	int n = snprintf(line, sizeof(line), "legacy_echo_server: served=%ld\n",
			 __atomic_load_n(&clients_served, __ATOMIC_RELAXED));
	if (write(2, line, (size_t)n) < 0)
		_exit(1);
	_exit(0);
}

static int listen_on(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 4096) < 0) {
		perror("legacy_echo_server: listen");
		exit(1);
	}
	return fd;
}

static int bound_port(int fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	if (getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
		perror("legacy_echo_server: getsockname");
		exit(1);
	}
	return ntohs(a.sin_port);
}

/* Accept one client, or -1 after a transient failure (out of descriptors: back off a little). */
static int accept_client(int lfd)
{
	int fd = accept(lfd, NULL, NULL);
	if (fd >= 0)
		return fd;
	if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
		perror("legacy_echo_server: accept");
		usleep(10000);
	} else if (errno != EINTR && errno != ECONNABORTED) {
		perror("legacy_echo_server: accept");
		exit(1);
	}
	return -1;
}

static void spawn_client(int fd)
{
	int one = 1, err;
	pthread_t t;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	err = pthread_create(&t, NULL, serve_client, (void *)(long)fd);
	if (err) {
		fprintf(stderr, "legacy_echo_server: pthread_create: %s\n", strerror(err));
		close(fd);
		return;
	}
	pthread_detach(t);
	pthread_mutex_lock(&lock);
	clients_served++;
	pthread_mutex_unlock(&lock);
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_term);
	int lfd = listen_on(argc > 1 ? parse_port(argv[1]) : 0);
	if (argc > 2)
		write_port(argv[2], bound_port(lfd));
	for (;;) {
		int fd = accept_client(lfd);
		if (fd >= 0)
			spawn_client(fd);
	}
}
