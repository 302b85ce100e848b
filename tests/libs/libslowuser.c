/* A library loaded with dlopen that calls libslow's slow_call through its own PLT: a call
 * GREENPATCH_TPOOL_WRAP must catch in an object loaded after the program started. */
int slow_call(int ms);

int slow_user(int ms)
{
	return slow_call(ms) + 1;
}
