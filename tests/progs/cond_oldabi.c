/* A binary linked against glibc's old condition variable ABI (pthread_cond_*@GLIBC_2.2.5, as
 * programs built before glibc 2.3.2 are): producer/consumer, signal, broadcast and a timed wait
 * behave as natively. */
#include <errno.h>
#include <pthread.h>
#include <unistd.h>
#include "common.h"

__asm__(".symver pthread_cond_init,pthread_cond_init@GLIBC_2.2.5");
__asm__(".symver pthread_cond_destroy,pthread_cond_destroy@GLIBC_2.2.5");
__asm__(".symver pthread_cond_wait,pthread_cond_wait@GLIBC_2.2.5");
__asm__(".symver pthread_cond_timedwait,pthread_cond_timedwait@GLIBC_2.2.5");
__asm__(".symver pthread_cond_signal,pthread_cond_signal@GLIBC_2.2.5");
__asm__(".symver pthread_cond_broadcast,pthread_cond_broadcast@GLIBC_2.2.5");

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t has_item, has_room, gate;
static int item, full, open_gate, woken;
#define ITEMS 1000

static void *producer(void *arg)
{
	for (int i = 1; i <= ITEMS; i++) {
		pthread_mutex_lock(&m);
		while (full)
			pthread_cond_wait(&has_room, &m);
		item = i, full = 1;
		pthread_cond_signal(&has_item);
		pthread_mutex_unlock(&m);
	}
	return arg;
}

static void *waiter(void *arg)
{
	pthread_mutex_lock(&m);
	while (open_gate < 1 + (long)arg)
		pthread_cond_wait(&gate, &m);
	woken++;
	pthread_mutex_unlock(&m);
	return arg;
}

int main(void)
{
	CHECK(pthread_cond_init(&has_item, NULL) == 0 && pthread_cond_init(&has_room, NULL) == 0);
	CHECK(pthread_cond_init(&gate, NULL) == 0);
	pthread_t p;
	CHECK(pthread_create(&p, NULL, producer, NULL) == 0);
	long sum = 0;
	for (int i = 0; i < ITEMS; i++) {
		pthread_mutex_lock(&m);
		while (!full)
			pthread_cond_wait(&has_item, &m);
		sum += item, full = 0;
		pthread_cond_signal(&has_room);
		pthread_mutex_unlock(&m);
	}
	pthread_join(p, NULL);
	printf("old ABI producer/consumer sum %ld (expected %d)\n", sum, ITEMS * (ITEMS + 1) / 2);
	pthread_t w[6];
	for (long i = 0; i < 6; i++) /* waiter 0 needs gate 1, the others gate 2 */
		CHECK(pthread_create(&w[i], NULL, waiter, (void *)(i ? 1L : 0L)) == 0);
	usleep(50000);
	pthread_mutex_lock(&m);
	open_gate = 1;
	pthread_cond_broadcast(&gate);
	pthread_mutex_unlock(&m);
	usleep(50000);
	pthread_mutex_lock(&m);
	printf("old ABI after gate 1: %d woken\n", woken);
	open_gate = 2;
	pthread_cond_broadcast(&gate);
	pthread_mutex_unlock(&m);
	for (int i = 0; i < 6; i++)
		pthread_join(w[i], NULL);
	printf("old ABI after broadcast: %d woken\n", woken);
	struct timespec ts = in_ms(CLOCK_REALTIME, 50);
	pthread_mutex_lock(&m);
	double t0 = now_ms();
	int r = pthread_cond_timedwait(&gate, &m, &ts);
	printf("old ABI timedwait 50 ms: %s, waited>=45 %d\n", strerror(r), now_ms() - t0 >= 45);
	pthread_mutex_unlock(&m);
	printf("old ABI destroy: %d\n", pthread_cond_destroy(&gate));
	return 0;
}
