"""Client.batch: one `exec --stream --parallel N`, every job answered once
with its seq, a lazy iterable, bad jobs and dead workers."""

import itertools
import tempfile
import unittest

import support
from judgebox import Client, Job, Limits, ProtocolError, Status, WorkerDied


def echo_jobs(n):
    return [Job(argv=["/bin/echo", "job", str(i)], id="j%d" % i) for i in range(n)]


class BatchTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c = Client(local=support.JB_BIN, parallel=2)

    def test_fifty_jobs_parallel_two(self):
        vs = list(self.c.batch(echo_jobs(50)))
        self.assertEqual(sorted(v.seq for v in vs), list(range(50)))
        for v in vs:
            self.assertIs(v.status, Status.OK, v.message)
            self.assertEqual(v.id, "j%d" % v.seq)
            self.assertEqual(v.stdout, b"job %d\n" % v.seq)

    def test_statuses_mixed_and_invalid_job_does_not_stop_the_batch(self):
        jobs = [dict(argv=["/bin/true"]),
                dict(argv=["/bin/true"], cpu_time_ms=99_999_999),
                dict(argv=["/bin/sh", "-c", "exit 4"]),
                dict(argv=["/bin/sh", "-c", "while :; do :; done"], cpu_time_ms=200,
                     wall_time_ms=20000),
                dict(argv=["/bin/cat"], stdin=b"\x00\xff" * 1000)]
        by_seq = {v.seq: v for v in self.c.batch(jobs, parallel=1)}
        self.assertEqual(sorted(by_seq), [0, 1, 2, 3, 4])
        self.assertIs(by_seq[0].status, Status.OK)
        self.assertIs(by_seq[1].status, Status.INVALID_JOB)
        self.assertTrue(by_seq[1].message.startswith("limits.cpu_time_ms:"), by_seq[1].message)
        self.assertEqual((by_seq[2].status, by_seq[2].exit_code), (Status.RUNTIME_ERROR, 4))
        self.assertIs(by_seq[3].status, Status.TIME_LIMIT)
        self.assertEqual(by_seq[4].stdout, b"\x00\xff" * 1000)

    def test_parallel_one_keeps_input_order(self):
        self.assertEqual([v.seq for v in Client(local=support.JB_BIN).batch(echo_jobs(8))],
                         list(range(8)))

    def test_lazy_iterable_and_large_frames(self):
        # a generator, and stdin big enough that neither pipe could take a
        # whole batch: the writer thread keeps both moving
        big = bytes(range(256)) * 4096  # 1 MiB
        jobs = (Job(argv=["/bin/cat"], stdin=big) for _ in range(6))
        vs = list(self.c.batch(jobs))
        self.assertEqual(sorted(v.seq for v in vs), list(range(6)))
        self.assertTrue(all(v.stdout == big for v in vs))

    def test_bad_parallel(self):
        with self.assertRaisesRegex(ValueError, "parallel"):
            list(self.c.batch(echo_jobs(1), parallel=0))
        with self.assertRaisesRegex(ValueError, "parallel"):
            Client(local=support.JB_BIN, parallel="2")

    def test_empty_batch(self):
        self.assertEqual(list(self.c.batch([])), [])

    def test_iterable_error_after_earlier_verdicts(self):
        def jobs():
            yield dict(argv=["/bin/true"])
            yield dict(argv=["/bin/true"])
            raise RuntimeError("no more jobs")

        got = []
        with self.assertRaisesRegex(RuntimeError, "no more jobs"):
            for v in self.c.batch(jobs()):
                got.append(v.seq)
        self.assertEqual(sorted(got), [0, 1])

    def test_bad_job_type_raised_after_earlier_verdicts(self):
        got = []
        with self.assertRaisesRegex(TypeError, "argv"):
            for v in self.c.batch([dict(argv=["/bin/true"]), dict(argv="/bin/true")]):
                got.append(v.seq)
        self.assertEqual(got, [0])

    def test_leaving_early_stops_judgebox(self):
        before = set(support.children())
        jobs = (Job(argv=["/bin/sh", "-c", "sleep 3000"], limits=Limits(wall_time_ms=6_000_000),
                    policy="ci") if i else Job(argv=["/bin/true"]) for i in itertools.count())
        it = self.c.batch(jobs)
        first = next(it)
        self.assertIs(first.status, Status.OK)
        it.close()  # if it waited for the sleeping jobs, ctest's timeout would fail us
        # judgebox got SIGTERM and was waited for by close(): no child left
        self.assertEqual(set(support.children()) - before, set())

    def test_worker_dies_mid_batch(self):
        with tempfile.TemporaryDirectory() as d:
            c = Client(local=support.fake_binary(d, "head -c 1 > /dev/null; exit 5"))
            with self.assertRaises(WorkerDied) as cm:
                list(c.batch(echo_jobs(3)))
            self.assertEqual(cm.exception.returncode, 5)
            self.assertTrue(cm.exception.missing)
            self.assertTrue(set(cm.exception.missing) <= {0, 1, 2})

    def test_protocol_errors(self):
        # hand-made Verdict frames: 04 10 01 78 05 = status OK, seq 5;
        # 02 10 01 = status OK, seq 0
        cases = {r"printf '\004\020\001\170\005'": "not sent",
                 r"printf '\002\020\001\002\020\001'": "twice",
                 r"printf '\002\020'": "ends inside a frame",
                 r"printf '\003\377\377\377'": "not a Verdict"}
        with tempfile.TemporaryDirectory() as d:
            for script, why in cases.items():
                c = Client(local=support.fake_binary(d, "cat > /dev/null; " + script))
                with self.assertRaisesRegex(ProtocolError, why):
                    list(c.batch(echo_jobs(2)))


if __name__ == "__main__":
    unittest.main()
