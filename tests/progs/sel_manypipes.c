/* poll on 1000 idle pipes plus one that another thread writes to: the first wait (a byte at
 * 200 ms) while a heartbeat ticks, then 200 rounds where the writer sends one byte each time the
 * poller has read the last (a semaphore passes the turn): every poll returns 1 with only the active
 * pipe's POLLIN set; a 100 ms timeout over the 1001 idle pipes; then one idle pipe's writer closed
 * (POLLHUP on it alone). */
#include <poll.h>
#include <semaphore.h>
#include "watch.h"

#define IDLE 1000
#define ROUNDS 200

static int act[2];
static sem_t turn;

static void *writer(void *arg)
{
	for (int i = 0; i < ROUNDS; i++) {
		struct timespec ts = in_ms(CLOCK_REALTIME, 5000);
		if (sem_timedwait(&turn, &ts) != 0)
			break;
		CHECK(write(act[1], "x", 1) == 1);
	}
	return arg;
}

/* 1 if exactly p[active] has revents, and they are `want`. */
static int only(struct pollfd *p, int n, int active, short want)
{
	for (int i = 0; i < n; i++)
		if (i == active ? p[i].revents != want : p[i].revents != 0)
			return 0;
	return 1;
}

int main(void)
{
	watchdog(20);
	nofile_at_least(2100);
	static struct pollfd p[IDLE + 1];
	static int wr[IDLE];
	for (int i = 0; i < IDLE; i++) {
		int q[2];
		CHECK(pipe(q) == 0);
		p[i] = (struct pollfd){ q[0], POLLIN, 0 };
		wr[i] = q[1];
	}
	CHECK(pipe(act) == 0);
	p[IDLE] = (struct pollfd){ act[0], POLLIN, 0 };
	CHECK(sem_init(&turn, 0, 0) == 0);
	beat_start();

	struct later a[] = { { 200, act_write, 0 } };
	a[0].arg = act[1];
	later_start(a, 1);
	beat_begin();
	double t0 = now_ms();
	const char *s = res(poll(p, IDLE + 1, 3000));
	double took = now_ms() - t0;
	beat_end("first-wait");
	later_stop();
	printf("poll on %d idle pipes + 1, a byte at 200 ms -> %s, only the active one POLLIN %d, after the byte %d\n",
	       IDLE, s, only(p, IDLE + 1, IDLE, POLLIN), took >= 150 && took < 2000);
	char c;
	if (p[IDLE].revents & POLLIN)
		CHECK(read(act[0], &c, 1) == 1);

	pthread_t w;
	CHECK(pthread_create(&w, NULL, writer, NULL) == 0);
	int good = 0;
	beat_begin();
	for (int i = 0; i < ROUNDS; i++) {
		CHECK(sem_post(&turn) == 0);
		int n = poll(p, IDLE + 1, 3000);
		if (n == 1 && only(p, IDLE + 1, IDLE, POLLIN) && read(act[0], &c, 1) == 1)
			good++;
		else
			break;
	}
	beat_end("rounds");
	pthread_join(w, NULL);
	printf("%d rounds, the writer writes after each poll: every poll -> 1 with only the active pipe ready %d\n",
	       ROUNDS, good == ROUNDS);

	t0 = now_ms();
	s = res(poll(p, IDLE + 1, 100));
	printf("all %d idle, 100 ms -> %s, waited>=90 %d, revents all 0 %d\n", IDLE + 1, s, now_ms() - t0 >= 90,
	       only(p, IDLE + 1, -1, 0));
	close(wr[517]);
	s = res(poll(p, IDLE + 1, 3000));
	printf("idle pipe 517's writer closed -> %s, only it POLLHUP %d\n", s, only(p, IDLE + 1, 517, POLLHUP));
	beat_finish();
	return 0;
}
