"""Decoding in worker processes: a deadline per file, a memory ceiling, and a quiet stderr.

The header checks of :class:`~albumen.thumbnails.generator.DecodeLimits` refuse what is known to
be expensive before decoding starts, but a decoder can still be slow or greedy in ways no header
shows (a crafted TIFF, HEIF or video), and a thread cannot be stopped in the middle of C code.
:class:`IsolatedThumbnailGenerator` therefore runs :class:`DefaultThumbnailGenerator` in worker
processes (``python -m albumen.thumbnails.isolation``), one per worker thread of the service:

* a file that takes longer than ``limits.deadline`` seconds has its worker killed (and replaced
  for the next file), and the file gets a ``ThumbnailError`` saying so;
* a worker's data segment is capped (``RLIMIT_DATA``, where the OS enforces it), so a decoder
  that asks for far more memory than the limits allow fails there, not in albumen;
* a decoder that crashes (a segfault in a C library) takes only its worker down: the file gets
  an error naming the signal and the next file gets a fresh worker;
* the workers' stderr goes nowhere: what decoders print about odd files (libtiff, libjpeg,
  FFmpeg, Pillow's warnings) never reaches the user's terminal; their stdout is kept away from
  the pipe that carries results, so a library that prints cannot corrupt it;
* workers ignore SIGINT: Ctrl-C interrupts albumen, which stops its workers on the way out.

Requests and replies are length-prefixed pickles over the worker's stdin and stdout (the worker
is albumen's own process, started from the same interpreter).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import asdict
from pathlib import Path
from typing import IO, Any

from albumen.errors import ThumbnailError
from albumen.thumbnails.generator import (
    _NOTES_KEPT,
    JPEG_QUALITY,
    AssetResolver,
    AssetSource,
    DecodeLimits,
    _FormatStats,
)

__all__ = ["IsolatedThumbnailGenerator", "worker_memory_limit"]

#: The generator's counters a worker reports with each thumbnail (``stats()`` sums them).
_COUNTED = ("embedded_thumbnails_used", "previews_used", "preview_fallbacks")

_HEADER = struct.Struct(">I")
_MAX_MESSAGE = 1 << 30
#: Seconds a worker may take to start (import Pillow and the decoders) before its first file's
#: deadline begins; a worker not ready by then is taken as broken.
STARTUP_TIMEOUT = 120.0


def worker_memory_limit(limits: DecodeLimits) -> int:
    """The data-segment ceiling of a worker: room for two copies of the largest decode the
    limits allow (decoded pixels and their resized copy) plus 1 GiB for the interpreter, the
    decoders and their threads."""
    return 2 * limits.max_bytes + (1 << 30)


class _WorkerGone(Exception):
    """The worker closed its end: it died (crash, out of memory) or was stopped."""


class _Worker:
    """One worker process; used by one thread at a time."""

    def __init__(self, config: dict[str, Any]) -> None:
        package_parent = str(Path(__file__).resolve().parent.parent.parent)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, env.get("PYTHONPATH")) if p)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "albumen.thumbnails.isolation", repr(config)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            close_fds=True,
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self._stdin: IO[bytes] = self.proc.stdin
        self._fd = self.proc.stdout.fileno()
        self._ready = False

    def wait_ready(self) -> None:
        """Wait for the worker's greeting (sent once it has imported the decoders), so that
        start-up never counts against a file's deadline. ``_WorkerGone`` if it does not come."""
        if self._ready:
            return
        try:
            greeting = self._receive(time.monotonic() + STARTUP_TIMEOUT)
        except TimeoutError:
            raise _WorkerGone from None
        if greeting != ("ready",):
            raise _WorkerGone
        self._ready = True

    def ask(self, request: tuple[AssetSource, tuple[int, int]], deadline: float) -> Any:
        """Send one request and wait for its reply until the ``time.monotonic()`` deadline.
        Raises ``TimeoutError`` past it and ``_WorkerGone`` when the worker ends."""
        body = pickle.dumps(request, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            self._stdin.write(_HEADER.pack(len(body)) + body)
            self._stdin.flush()
        except (BrokenPipeError, ValueError, OSError) as exc:
            raise _WorkerGone from exc
        return self._receive(deadline)

    def _receive(self, deadline: float) -> Any:
        (length,) = _HEADER.unpack(self._read(_HEADER.size, deadline))
        if length > _MAX_MESSAGE:
            raise _WorkerGone
        return pickle.loads(self._read(length, deadline))

    def _read(self, n: int, deadline: float) -> bytes:
        buf = bytearray()
        poller = select.poll()
        poller.register(self._fd, select.POLLIN | select.POLLHUP | select.POLLERR)
        while len(buf) < n:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            if not poller.poll(min(remaining, 3600.0) * 1000):
                continue  # the loop checks the deadline again
            try:
                chunk = os.read(self._fd, n - len(buf))
            except OSError as exc:
                raise _WorkerGone from exc
            if not chunk:
                raise _WorkerGone
            buf += chunk
        return bytes(buf)

    def exit_reason(self) -> str:
        """Why the process ended (it has, or is being stopped)."""
        try:
            code = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            return "stopped responding"
        if code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            if -code == signal.SIGKILL:
                return f"was killed ({name}: out of memory, or stopped)"
            return f"crashed ({name})"
        return f"exited with status {code}"

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            self.proc.kill()
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=30)


class IsolatedThumbnailGenerator:
    """A :class:`~albumen.thumbnails.generator.ThumbnailGenerator` that decodes in up to
    ``workers`` worker processes (see the module docs), each allowed ``limits`` (default:
    ``DecodeLimits.for_workers(workers)``) and ``memory_limit`` bytes of data segment;
    otherwise it behaves like
    :class:`~albumen.thumbnails.generator.DefaultThumbnailGenerator` (same output, same
    ``stats()`` shape). Thread-safe. Workers start on first use; ``close()`` stops them."""

    def __init__(
        self,
        resolver: AssetResolver,
        *,
        workers: int = 1,
        limits: DecodeLimits | None = None,
        quality: int = JPEG_QUALITY,
        use_embedded_thumbnail: bool = True,
        use_previews: bool = True,
        memory_limit: int | None = None,
    ) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self.resolver = resolver
        self.workers = workers
        self.limits = limits if limits is not None else DecodeLimits.for_workers(workers)
        #: the data-segment ceiling of each worker (default: :func:`worker_memory_limit`)
        self.memory_limit = memory_limit or worker_memory_limit(self.limits)
        self._config = {
            "limits": asdict(self.limits),
            "quality": quality,
            "use_embedded_thumbnail": use_embedded_thumbnail,
            "use_previews": use_previews,
            "memory_limit": self.memory_limit,
        }
        self._cond = threading.Condition()
        self._idle: list[_Worker] = []
        self._all: set[_Worker] = set()
        self._starting = 0
        self._closed = False
        self._stats: dict[str, _FormatStats] = {}
        self._counts = dict.fromkeys(_COUNTED, 0)  # summed from the workers' replies
        self._preview_notes: deque[str] = deque(maxlen=_NOTES_KEPT)
        self._timeouts = 0
        self._crashes = 0

    # -- the generator protocol ------------------------------------------------------------

    def generate(self, asset_id: str, size: tuple[int, int]) -> bytes | None:
        """JPEG bytes of the thumbnail, None when the resolver does not know the id; raises
        ``ThumbnailError`` when it cannot be made (within the limits)."""
        source = self.resolver.resolve(asset_id)
        if source is None:
            return None
        return self.generate_from(source, size)

    def generate_from(self, source: AssetSource, size: tuple[int, int]) -> bytes:
        if size[0] < 1 or size[1] < 1:
            raise ValueError(f"thumbnail size must be positive, got {size!r}")
        fmt = source.format
        start = time.perf_counter()
        ok = False
        try:
            data, counted = self._ask((source, size))
            ok = True
            return data
        finally:
            elapsed = time.perf_counter() - start
            with self._cond:
                st = self._stats.setdefault(fmt, _FormatStats())
                if ok:
                    st.count += 1
                    st.seconds += elapsed
                    for key in _COUNTED:
                        self._counts[key] += counted.get(key, 0)
                    self._preview_notes.extend(counted.get("preview_notes", []))
                else:
                    st.failed += 1

    def stats(self) -> dict[str, Any]:
        """Per format: thumbnails made, failures, total and mean seconds; and how many files
        ran out of time or crashed their worker."""
        with self._cond:
            per = {
                fmt: {
                    "count": s.count,
                    "failed": s.failed,
                    "seconds": s.seconds,
                    "mean_ms": (s.seconds / s.count * 1000.0) if s.count else 0.0,
                }
                for fmt, s in sorted(self._stats.items())
            }
            return {
                "per_format": per,
                **self._counts,
                "preview_notes": list(self._preview_notes),
                "timed_out": self._timeouts,
                "worker_crashes": self._crashes,
            }

    def start(self) -> None:
        """Start every worker now and wait until each is ready (they start on first use
        otherwise): whoever is about to make many thumbnails, or show them, pays the start-up
        before the first one. A worker that fails to start is dropped (the next use starts
        another)."""
        taken: list[_Worker] = []
        try:
            while len(taken) < self.workers:
                taken.append(self._take())
        finally:
            for worker in taken:
                try:
                    worker.wait_ready()
                except _WorkerGone:
                    self._put_back(worker, healthy=False)
                else:
                    self._put_back(worker, healthy=True)

    def close(self) -> None:
        """Stop every worker (a request in progress fails with ``ThumbnailError``)."""
        with self._cond:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
            self._idle.clear()
            self._cond.notify_all()
        for worker in workers:
            worker.kill()

    def __enter__(self) -> IsolatedThumbnailGenerator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- internals -------------------------------------------------------------------------

    def _take(self) -> _Worker:
        with self._cond:
            while True:
                if self._closed:
                    raise ThumbnailError("the thumbnail workers were stopped")
                if self._idle:
                    return self._idle.pop()
                if len(self._all) + self._starting < self.workers:
                    self._starting += 1
                    break
                self._cond.wait()
        try:
            worker = _Worker(self._config)
        except OSError as exc:
            with self._cond:
                self._starting -= 1
                self._cond.notify()
            raise ThumbnailError(f"cannot start a thumbnail worker process ({exc})") from exc
        with self._cond:
            self._starting -= 1
            if self._closed:
                worker.kill()
                raise ThumbnailError("the thumbnail workers were stopped")
            self._all.add(worker)
            return worker

    def _put_back(self, worker: _Worker, healthy: bool) -> None:
        with self._cond:
            if healthy and not self._closed and worker in self._all:
                self._idle.append(worker)
            else:
                self._all.discard(worker)
                healthy = False
            self._cond.notify()
        if not healthy:
            worker.kill()

    def _ask(self, request: tuple[AssetSource, tuple[int, int]]) -> tuple[bytes, dict[str, Any]]:
        worker = self._take()
        healthy = False
        try:
            worker.wait_ready()
            reply = worker.ask(request, time.monotonic() + self.limits.deadline)
            healthy = True
        except TimeoutError:
            with self._cond:
                self._timeouts += 1
            raise ThumbnailError(
                f"gave up after {self.limits.deadline:g} s: decoding this file takes too long "
                "(the limit per file)"
            ) from None
        except _WorkerGone:
            with self._cond:
                closed = self._closed
                if not closed:
                    self._crashes += 1
            if closed:
                raise ThumbnailError("the thumbnail workers were stopped") from None
            raise ThumbnailError(
                f"the decoder {worker.exit_reason()} on this file "
                f"(memory limit {self.memory_limit / 2**20:.0f} MiB)"
            ) from None
        finally:
            self._put_back(worker, healthy)
        status, payload, counted = reply
        if status == "ok":
            return payload, counted
        raise ThumbnailError(payload)


# -- the worker process ------------------------------------------------------------------------


def _serve(config: dict[str, Any]) -> None:  # pragma: no cover - runs in the worker process
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        import resource

        limit = int(config["memory_limit"])
        _soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
        if hard == resource.RLIM_INFINITY or hard > limit:
            resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    except (ImportError, ValueError, OSError, AttributeError):
        pass  # no such limit here: the header checks and the deadline still hold
    # Results travel on a private copy of stdout; fd 1 itself goes nowhere, so a library that
    # prints cannot corrupt them.
    out = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)
    requests = sys.stdin.buffer

    from PIL import Image

    from albumen.thumbnails.generator import DefaultThumbnailGenerator, MappingResolver

    Image.MAX_IMAGE_PIXELS = None  # this process applies DecodeLimits instead
    generator = DefaultThumbnailGenerator(
        MappingResolver(),
        quality=int(config["quality"]),
        use_embedded_thumbnail=bool(config["use_embedded_thumbnail"]),
        use_previews=bool(config["use_previews"]),
        limits=DecodeLimits(**config["limits"]),
    )

    def send(message: Any) -> None:
        body = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        out.write(_HEADER.pack(len(body)) + body)
        out.flush()

    send(("ready",))
    while True:
        header = requests.read(_HEADER.size)
        if len(header) < _HEADER.size:
            return
        (length,) = _HEADER.unpack(header)
        body = requests.read(length)
        if len(body) < length:
            return
        source, size = pickle.loads(body)
        before = generator.stats()
        try:
            data = generator.generate_from(source, size)
            after = generator.stats()
            counted: dict[str, Any] = {k: after[k] - before[k] for k in _COUNTED}
            # the notes this file added: one per preview that fell back
            added = counted["preview_fallbacks"]
            counted["preview_notes"] = after["preview_notes"][-added:] if added else []
            reply: tuple[str, Any, dict[str, Any]] = ("ok", data, counted)
        except ThumbnailError as exc:
            reply = ("error", str(exc) or "unknown error", {})
        except Exception as exc:  # a bug: say what it was rather than die
            reply = ("error", f"{type(exc).__name__}: {exc}", {})
        send(reply)


if __name__ == "__main__":  # pragma: no cover - the worker process
    import ast

    _serve(ast.literal_eval(sys.argv[1]))
