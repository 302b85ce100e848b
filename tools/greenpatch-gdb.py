# greenpatch's green threads in gdb, from a live process or a core file:
#
#   gdb -p PID -ex 'source greenpatch-gdb.py' -ex 'greenpatch threads'
#   gdb PROGRAM CORE -ex 'source greenpatch-gdb.py' -ex 'greenpatch threads'
#
# `greenpatch threads [-a]` lists, for every hub (one per OS thread that ran green code; the list
# is gp_hubs in libgreenpatch), each green thread: its id, name, state and what it waits for, then
# its backtrace. Frames inside greenpatch are left out, as in the library's own reports; -a shows
# them too. It needs the library's debug information (it is built with -g and installed unstripped).
#
# A suspended green thread is nothing but its saved stack pointer: gp_ctx_switch pushed the MXCSR
# and x87 control words, r15, r14, r13, r12, rbx, rbp and the return address there. An unwinder
# (gdb's Python unwinder API) stands in for frame 0 of the hub's OS thread and says that its caller
# has those registers; gdb then unwinds the green stack with its usual DWARF unwinders. The frames
# up to that one are the OS thread's own and are not shown. Nothing is written to the process:
# this works on cores.
import time

import gdb
from gdb.unwinder import Unwinder, register_unwinder

STATES = {0: "running", 1: "runnable", 2: "waiting", 3: "ending"}
SAVED = ["r15", "r14", "r13", "r12", "rbx", "rbp", "rip"]


class _FrameId:
    def __init__(self, sp, pc):
        self.sp = sp
        self.pc = pc


class _GreenUnwinder(Unwinder):
    """While `regs` is set, the caller of the innermost frame gdb asks about (frames inlined into
    it have gdb's own unwinder) is the green context they describe."""

    def __init__(self):
        super().__init__("greenpatch")
        self.regs = None
        self.claimed = None  # the level of the frame whose caller is the green context

    def set(self, regs):
        self.regs, self.claimed = regs, None
        gdb.invalidate_cached_frames()

    def __call__(self, pending_frame):
        if self.regs is None or (self.claimed is not None and pending_frame.level() != self.claimed):
            return None
        self.claimed = pending_frame.level()
        # The claimed frame's id takes the green stack pointer: gdb stops a backtrace whose next
        # frame is inner to (below) this one, and green stacks lie below the OS thread's. Frames
        # inlined into it, which sit over it, are not compared (their unwinder is not NORMAL).
        pc = pending_frame.read_register("rip")
        sp = gdb.Value(self.regs["rsp"]).cast(pending_frame.read_register("rsp").type)
        info = pending_frame.create_unwind_info(_FrameId(sp, pc))
        for name, value in self.regs.items():
            template = pending_frame.read_register(name)
            info.add_saved_register(name, gdb.Value(value).cast(template.type))
        return info


_unwinder = _GreenUnwinder()
register_unwinder(None, _unwinder, replace=True)


def _ours(pc):
    lib = gdb.solib_name(pc)
    return lib is not None and "libgreenpatch" in lib


def _frame_line(level, frame):
    pc = frame.pc()
    name = frame.name() or "??"
    sal = frame.find_sal()
    where = ""
    if sal.symtab is not None and sal.line:
        where = " at %s:%d" % (sal.symtab.filename, sal.line)
    lib = gdb.solib_name(pc)
    if lib:
        where += " in " + lib.rsplit("/", 1)[-1]
    return "    #%d 0x%x %s%s" % (level, pc, name, where)


def _print_frames(first, all_frames):
    """The frames from `first` on, as gp_backtrace shows them (greenpatch's left out)."""
    frame, shown = first, 0
    while frame is not None and shown < 32:
        try:
            pc = frame.pc()
        except gdb.error:
            break
        if all_frames or not _ours(pc):
            print(_frame_line(shown, frame))
            shown += 1
        try:
            frame = frame.older()
        except gdb.error:
            break
    if shown == 0:
        print("    (no frames of the program)")


def _string(chars):
    try:
        return chars.string(length=16).split("\0", 1)[0]
    except gdb.error:
        return "?"


def _wait(t, live):
    what = t["wait_what"]
    what = what.string() if int(what) else None
    obj = int(t["wait_obj"])
    if what is None:
        return "waits"
    if what.startswith("descriptor ("):
        return "waits on fd %d for %s" % (int(t["wait_fd"]), "read" if what[12] == "r" else "write")
    if what == "sleep" or int(t["timer"]["idx"]) != (1 << 64) - 1:
        when = int(t["timer"]["when"]) / 1e9
        text = "monotonic %.6f s" % when
        if live:
            text += " (in %d ms)" % ((when - time.clock_gettime(time.CLOCK_MONOTONIC)) * 1000)
        if what == "sleep":
            return "sleeps until " + text
        suffix = ", until " + text
    else:
        suffix = ""
    if what == "tpool job":
        return "in the tpool" + suffix
    if not obj:
        return "waits in " + what + suffix
    text = "waits on %s 0x%x" % (what, obj)
    if what.startswith("mutex"):
        owner = gdb.Value(obj).cast(gdb.lookup_type("struct gp_mutex").pointer())["owner"]
        if int(owner):
            text += ', held by thread %d "%s"' % (int(owner["id"]), _string(owner["name"]))
    elif what == "join":
        other = gdb.Value(obj).cast(gdb.lookup_type("struct gp_gt").pointer())
        text += ' (thread %d "%s")' % (int(other["id"]), _string(other["name"]))
    return text + suffix


def _describe(t, hub, live):
    state = int(t["state"])
    main = " (main)" if int(t.address) == int(hub["main"].address) else ""
    doing = _wait(t, live) if state == 2 else STATES.get(state, "?")
    return '  thread %d "%s"%s: %s' % (int(t["id"]), _string(t["name"]), main, doing)


def _saved_registers(t):
    sp = int(t["sp"])
    words = gdb.selected_inferior().read_memory(sp, 8 * 8).tobytes()
    values = [int.from_bytes(words[8 * i : 8 * i + 8], "little") for i in range(8)]
    regs = dict(zip(SAVED, values[1:]))
    regs["rsp"] = sp + 64
    return regs


def _green_start():
    """The first frame of the green context: the caller of the frame the unwinder claimed."""
    frame = gdb.newest_frame()
    while frame is not None and (_unwinder.claimed is None or frame.level() < _unwinder.claimed):
        frame = frame.older()
    return frame.older() if frame is not None and frame.level() == _unwinder.claimed else None


def _os_thread(tid):
    for th in gdb.selected_inferior().threads():
        if th.ptid[1] == tid:
            return th
    return None


class GreenpatchPrefix(gdb.Command):
    """greenpatch's commands: greenpatch threads [-a]."""

    def __init__(self):
        super().__init__("greenpatch", gdb.COMMAND_USER, prefix=True)


class GreenpatchThreads(gdb.Command):
    """List every green thread of every hub with its state and backtrace. -a: greenpatch's frames too."""

    def __init__(self):
        super().__init__("greenpatch threads", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        all_frames = arg.strip() == "-a"
        try:
            hub = gdb.parse_and_eval("gp_hubs")["head"]
        except gdb.error as e:
            raise gdb.GdbError("greenpatch: no gp_hubs here (is libgreenpatch loaded, with its debug information?): %s" % e)
        conn = getattr(gdb.selected_inferior(), "connection", None)
        live = conn is not None and conn.type == "native"  # a core's is "core"
        selected = gdb.selected_thread()
        try:
            while int(hub):
                self._hub(hub.dereference(), all_frames, live)
                hub = hub["hubs_next"]
        finally:
            _unwinder.set(None)
            if selected is not None and selected.is_valid():
                selected.switch()

    def _hub(self, hub, all_frames, live):
        tid = int(hub["tid"])
        th = _os_thread(tid)
        print("hub of OS thread %d: %d green threads, %d switches" % (tid, int(hub["nthreads"]), int(hub["switches"])))
        if th is None:
            print("  (its OS thread is not in this process)")
            return
        th.switch()
        cur = int(hub["cur"])
        threads, t = [], hub["all"]
        while int(t):
            threads.append(t)
            t = t["all_next"]
        for t in reversed(threads):  # oldest first
            print(_describe(t.dereference(), hub, live))
            if int(t) == cur:  # on the OS thread now: its own frames
                _unwinder.set(None)
                _print_frames(gdb.newest_frame(), all_frames)
            else:
                _unwinder.set(_saved_registers(t.dereference()))
                _print_frames(_green_start(), all_frames)
        _unwinder.set(None)


GreenpatchPrefix()
GreenpatchThreads()
