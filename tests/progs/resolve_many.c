/* 200 threads resolve localhost (getaddrinfo, getnameinfo) and a name that does not exist
 * (gethostbyname: h_errno), while a heartbeat thread ticks every 5 ms. Prints the answers, which
 * must be the native ones, and the heartbeat's longest gap. */
#include <arpa/inet.h>
#include <netdb.h>
#include <pthread.h>
#include <unistd.h>
#include "common.h"

#define N 200
static char answers[N][160];

static void *resolve(void *arg)
{
	long i = (long)arg;
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res, *p;
	int r = getaddrinfo("localhost", "http", &hints, &res);
	char *out = answers[i];
	out[0] = 0;
	if (r) {
		snprintf(out, 160, "getaddrinfo: %s", gai_strerror(r));
		return NULL;
	}
	for (p = res; p; p = p->ai_next) {
		char host[64], serv[16];
		if (getnameinfo(p->ai_addr, p->ai_addrlen, host, sizeof(host), serv, sizeof(serv),
				NI_NUMERICHOST | NI_NUMERICSERV) == 0)
			snprintf(out + strlen(out), 160 - strlen(out), "%s:%s ", host, serv);
	}
	freeaddrinfo(res);
	return NULL;
}

int main(void)
{
	pthread_t t[N];
	hb_tick_ms = 5;
	hb_begin();
	hb_mark();
	for (long i = 0; i < N; i++)
		CHECK(pthread_create(&t[i], NULL, resolve, (void *)i) == 0);
	for (int i = 0; i < N; i++)
		pthread_join(t[i], NULL);
	int same = 1;
	for (int i = 1; i < N; i++)
		same &= !strcmp(answers[i], answers[0]);
	printf("%d lookups of localhost, all the same: %d: %s\n", N, same, answers[0]);
	struct hostent *h = gethostbyname("no-such-host.invalid");
	printf("gethostbyname of a name that does not exist: %s, h_errno %d\n", h ? "found" : "NULL", h_errno);
	h = gethostbyname("localhost");
	printf("gethostbyname(localhost): %s\n", h && h->h_addrtype == AF_INET ? inet_ntoa(*(struct in_addr *)h->h_addr_list[0]) : "?");
	double gap = hb_gap();
	hb_end();
	fprintf(stderr, "max_gap_ms=%.0f\n", gap);
	return 0;
}
