"""PAR_DEBUG_STARTUP=1: the launcher's phases with their times, on stderr.

Only imported when asked for, so a normal start does not pay for the clock or the class.
The first phase is timed from the moment the bootstrap's code started (before that: the
interpreter's own start, which `python -X importtime` and `perf` show better).
"""

import sys
import time


class Phases(object):
    def __init__(self):
        self._clock = time.perf_counter
        self._last = self._start = self._clock()

    def mark(self, phase):
        now = self._clock()
        sys.stderr.write("par: %-22s %7.3f ms (total %7.3f ms)\n" % (phase, (now - self._last) * 1e3, (now - self._start) * 1e3))
        self._last = now
