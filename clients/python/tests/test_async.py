"""AsyncClient: run, batch and the missing binary, on asyncio."""

import asyncio
import os
import tempfile
import unittest

import support
from judgebox import AsyncClient, BinaryNotFound, Job, Limits, Status, WorkerDied


class AsyncTest(unittest.IsolatedAsyncioTestCase):
    def setUp(self):
        self.c = AsyncClient(local=support.JB_BIN, parallel=2)

    async def test_run(self):
        v = await self.c.run(["/bin/cat"], stdin=b"\x00abc\xff", cpu_time_ms=1000)
        self.assertEqual((v.status, v.stdout, v.limits.cpu_time_ms), (Status.OK, b"\x00abc\xff", 1000))
        v = await self.c.run(["/bin/sh", "-c", "exit 2"])
        self.assertEqual((v.status, v.exit_code), (Status.RUNTIME_ERROR, 2))

    async def test_concurrent_runs(self):
        vs = await asyncio.gather(*(self.c.run(["/bin/echo", str(i)]) for i in range(6)))
        self.assertEqual([v.stdout for v in vs], [b"%d\n" % i for i in range(6)])

    async def test_batch(self):
        jobs = [Job(argv=["/bin/echo", str(i)]) for i in range(20)]
        jobs[7] = Job(argv=["/bin/true"], env=["BAD"])
        vs = [v async for v in self.c.batch(jobs)]
        self.assertEqual(sorted(v.seq for v in vs), list(range(20)))
        for v in vs:
            if v.seq == 7:
                self.assertIs(v.status, Status.INVALID_JOB)
                self.assertTrue(v.message.startswith("env[0]:"), v.message)
            else:
                self.assertEqual((v.status, v.stdout), (Status.OK, b"%d\n" % v.seq))

    async def test_batch_async_iterable(self):
        async def jobs():
            for i in range(4):
                yield dict(argv=["/bin/echo", str(i)])

        vs = [v async for v in self.c.batch(jobs(), parallel=1)]
        self.assertEqual([v.seq for v in vs], [0, 1, 2, 3])

    async def test_leaving_early_stops_judgebox(self):
        before = set(support.children())
        jobs = [Job(argv=["/bin/true"])] + [
            Job(argv=["/bin/sh", "-c", "sleep 3000"], policy="ci",
                limits=Limits(wall_time_ms=6_000_000))] * 3
        gen = self.c.batch(jobs)
        self.assertIs((await gen.__anext__()).status, Status.OK)
        await gen.aclose()  # SIGTERM to judgebox, which is then waited for
        self.assertEqual(set(support.children()) - before, set())

    async def test_missing_binary(self):
        with self.assertRaises(BinaryNotFound):
            AsyncClient(local="/nonexistent/judgebox")
        with tempfile.TemporaryDirectory() as d:
            c = AsyncClient(local=support.fake_binary(d, "exit 0"))
            os.unlink(c.binary)
            with self.assertRaises(BinaryNotFound):
                await c.run(["/bin/true"])

    async def test_worker_dies(self):
        with tempfile.TemporaryDirectory() as d:
            c = AsyncClient(local=support.fake_binary(d, "cat > /dev/null; exit 6"))
            with self.assertRaises(WorkerDied) as cm:
                [v async for v in c.batch([dict(argv=["/bin/true"])] * 3)]
            self.assertEqual((cm.exception.returncode, cm.exception.missing), (6, [0, 1, 2]))


class OtherLoopTest(unittest.TestCase):
    def test_one_client_in_two_event_loops(self):
        c = AsyncClient(local=support.JB_BIN, parallel=1)

        async def two():  # parallel=1: the second waits on the semaphore
            return await asyncio.gather(c.run(["/bin/echo", "a"]), c.run(["/bin/echo", "b"]))

        for _ in range(2):
            # (a semaphore of the first loop made the second one hang: bound it)
            vs = asyncio.run(asyncio.wait_for(two(), 120))
            self.assertEqual([v.stdout for v in vs], [b"a\n", b"b\n"])


if __name__ == "__main__":
    unittest.main()
