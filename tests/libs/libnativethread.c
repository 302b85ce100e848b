/* A library that starts its own OS thread behind the preload's back, as some C libraries do: it
 * binds to the C library's pthread_create directly instead of the interposed symbol. Loaded with
 * dlopen by tests/progs/native_mix.c. */
#include <dlfcn.h>
#include <pthread.h>

int lib_start_native_thread(pthread_t *t, void *(*fn)(void *), void *arg)
{
	void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
	int (*create)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *) =
		libc ? (int (*)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *))dlsym(libc, "pthread_create")
		     : 0;
	return create ? create(t, 0, fn, arg) : -1;
}
