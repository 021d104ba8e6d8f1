"""AsyncClient: the Client's local mode on asyncio (same arguments, same
verdicts, same exceptions)."""

import asyncio
import tempfile
from typing import AsyncIterator, Iterable, Optional, Union

from .client import (FrameLength, _Base, _check_end, _check_seq, check_parallel,
                     decode_verdict, frame, job_bytes, make_job)
from .errors import BinaryNotFound, ProtocolError
from .types import Job, Verdict


class AsyncClient(_Base):
    """    c = AsyncClient(local="build/judgebox", parallel=2)
        v = await c.run(["/bin/echo", "hi"])
        async for v in c.batch(jobs): ...

    At most `parallel` run() calls of one AsyncClient have a judgebox at
    once; the others wait their turn."""

    _sem, _sem_loop = None, None

    async def run(self, argv, **kw) -> Verdict:
        return await self.run_job(make_job(argv, **kw))

    async def run_job(self, job: Union[Job, dict]) -> Verdict:
        body = job_bytes(job)
        loop = asyncio.get_running_loop()
        if self._sem_loop is not loop:  # a semaphore belongs to one event loop
            self._sem, self._sem_loop = asyncio.Semaphore(self.parallel), loop
        async with self._sem:
            proc = await self._spawn(self._exec_cmd(), asyncio.subprocess.PIPE)
            try:
                out, err = await proc.communicate(body)
            finally:
                await _reap(proc)
        return self._single_verdict(proc.returncode, out, err)

    async def batch(self, jobs: Iterable[Union[Job, dict]],
                    parallel: Optional[int] = None) -> AsyncIterator[Verdict]:
        """As Client.batch: jobs (an iterable or an async iterable) go to one
        `exec --stream --parallel N` from a task while verdicts come back.
        To leave the loop early and stop judgebox at once, iterate inside
        `async with contextlib.aclosing(client.batch(jobs)) as vs:`."""
        n = self.parallel if parallel is None else check_parallel(parallel)
        with tempfile.TemporaryFile() as errf:
            proc = await self._spawn(self._exec_cmd(n), errf)
            feed = _AsyncFeed(proc.stdin, jobs)
            task = asyncio.ensure_future(feed.run())
            seen = set()
            try:
                while True:
                    body = await _read_frame(proc.stdout)
                    if body is None:
                        break
                    v = decode_verdict(body)
                    _check_seq(v, seen, feed.sent)
                    yield v
                rc = await proc.wait()
                await task
                _check_end(rc, feed.sent, feed.error, seen, errf)
            finally:
                task.cancel()
                await _reap(proc)

    async def _spawn(self, cmd, stderr):
        try:
            return await asyncio.create_subprocess_exec(
                *cmd, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                stderr=stderr)
        except (FileNotFoundError, PermissionError) as e:
            raise BinaryNotFound("cannot start %s: %s" % (self.binary, e)) from None


class _AsyncFeed:
    def __init__(self, writer, jobs):
        self.writer, self.jobs = writer, jobs
        self.sent = 0
        self.error = None

    async def run(self):
        try:
            if hasattr(self.jobs, "__aiter__"):
                async for job in self.jobs:
                    if not await self._send(job):
                        return
            else:
                for job in self.jobs:
                    if not await self._send(job):
                        return
        except asyncio.CancelledError:
            raise
        except Exception as e:  # the iterable's or a bad job's: re-raised in the caller
            self.error = e
        finally:
            self.writer.close()

    async def _send(self, job):
        body = frame(job_bytes(job))
        self.sent += 1
        try:
            self.writer.write(body)
            await self.writer.drain()
        except (ConnectionError, OSError):  # judgebox is gone: its exit tells why
            return False
        return True


async def _read_frame(reader):
    """read_frame over a StreamReader."""

    async def take(n):
        try:
            return await reader.readexactly(n)
        except asyncio.IncompleteReadError as e:
            return e.partial

    length = FrameLength()
    b = await take(1)
    if not b:
        return None
    while not length.add(b):
        b = await take(1)
    return length.check_body(await take(length.n) if length.n else b"")


async def _reap(proc):
    """SIGTERM to a judgebox still running (its running jobs end), SIGKILL if
    it is still there 10 s later; then wait for it."""
    if proc.returncode is None:
        try:
            proc.terminate()
        except ProcessLookupError:
            pass
        try:
            await asyncio.wait_for(proc.wait(), 10)
        except asyncio.TimeoutError:
            proc.kill()
            await proc.wait()
