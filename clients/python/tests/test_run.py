"""Client.run against the real judgebox: typed verdict fields per status,
exact stdin bytes, files placed and collected, INVALID_JOB as data, and
the exceptions of the transport."""

import os
import tempfile
import unittest

import support
from judgebox import (BinaryNotFound, Client, File, Job, Limits, ProtocolError, Status, Verdict,
                      WorkerDied)


class RunTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c = Client(local=support.JB_BIN)

    def test_ok_typed_fields(self):
        v = self.c.run(["/bin/echo", "hi"], id="t1", cpu_time_ms=1500)
        self.assertIsInstance(v, Verdict)
        self.assertIs(v.status, Status.OK)
        self.assertTrue(v.ok)
        self.assertEqual((v.id, v.exit_code, v.signal, v.stdout, v.stderr), ("t1", 0, 0, b"hi\n", b""))
        for name in ("cpu_time_us", "wall_time_us", "memory_peak_bytes"):
            self.assertIsInstance(getattr(v, name), int, name)
            self.assertGreater(getattr(v, name), 0, name)
        self.assertEqual(v.cpu_time_us, v.cpu_user_us + v.cpu_system_us)
        self.assertIsInstance(v.limits, Limits)
        self.assertEqual(v.limits.cpu_time_ms, 1500)  # ours
        self.assertEqual(v.limits.wall_time_ms, 2 * 1500 + 1000)  # the default filled in
        self.assertIsInstance(v.denied_syscalls, list)
        self.assertTrue(v.version)
        self.assertIsNone(v.interactor)
        self.assertEqual(str(v.status), "OK")

    def test_runtime_error(self):
        v = self.c.run(["/bin/sh", "-c", "echo oops >&2; exit 3"])
        self.assertIs(v.status, Status.RUNTIME_ERROR)
        self.assertEqual((v.exit_code, v.signal, v.stderr), (3, 0, b"oops\n"))

    def test_not_found_is_runtime_error_127(self):
        v = self.c.run(["/no/such/program"])
        self.assertEqual((v.status, v.exit_code), (Status.RUNTIME_ERROR, 127))
        self.assertTrue(v.message)

    def test_signaled(self):
        v = self.c.run(["/bin/sh", "-c", "kill -SEGV $$"])
        self.assertEqual((v.status, v.signal), (Status.SIGNALED, 11))

    def test_time_limit(self):
        v = self.c.run(["/bin/sh", "-c", "while :; do :; done"], limits=Limits(cpu_time_ms=200, wall_time_ms=20000))  # a loaded machine
        self.assertIs(v.status, Status.TIME_LIMIT)
        self.assertGreater(v.cpu_time_us, 200 * 1000)
        self.assertEqual(v.limits.cpu_time_ms, 200)

    def test_limits_merge_keywords_win(self):
        v = self.c.run(["/bin/true"], limits={"cpu_time_ms": 700, "processes": 5},
                       cpu_time_ms=900)
        self.assertEqual((v.limits.cpu_time_ms, v.limits.processes), (900, 5))

    def test_stdin_exact_bytes(self):
        data = bytes(range(256)) * 64 + b"\x00\r\n\xff" + os.urandom(300000)
        v = self.c.run(["/bin/cat"], stdin=data)
        self.assertIs(v.status, Status.OK)
        self.assertEqual(v.stdout, data)
        self.assertEqual(self.c.run(["/bin/cat"], stdin="héllo").stdout, "héllo".encode())

    def test_files_placed_and_collected(self):
        blob = bytes(range(256)) * 10
        v = self.c.run(["/box/bin/tool.sh"], policy="ci",
                       files={"bin/tool.sh": (b"#!/bin/sh\ncat data/in.bin\n"
                                              b"printf abc > out.txt\n"
                                              b"test -x bin/tool.sh && test ! -x data/in.bin "
                                              b"&& echo modes-ok >&2\n", True),
                              "data/in.bin": blob},
                       collect=["out.txt", "data/in.bin", "missing.txt"])
        self.assertIs(v.status, Status.OK, v.message + v.stderr.decode(errors="replace"))
        self.assertEqual(v.stdout, blob)
        self.assertEqual(v.stderr, b"modes-ok\n")
        self.assertEqual([f.path for f in v.files], ["out.txt", "data/in.bin", "missing.txt"])
        self.assertEqual(v.file("out.txt").content, b"abc")
        self.assertEqual(v.file("data/in.bin").content, blob)
        self.assertEqual(v.file("missing.txt").content, b"")
        self.assertTrue(v.file("missing.txt").error)
        self.assertIsInstance(v.files[0], File)
        with self.assertRaises(KeyError):
            v.file("nope")

    def test_files_as_list_and_env_dict(self):
        # a non-empty env replaces the default one (PATH included)
        v = self.c.run(["/bin/sh", "-c", '/bin/cat f; printf "%s" "$GREETING"'], policy="ci",
                       files=[File(path="f", content="x")], env={"GREETING": "hé"})
        self.assertEqual(v.stdout, "xhé".encode())

    def test_executable_image(self):
        with open("/bin/echo", "rb") as f:
            image = f.read()
        v = self.c.run(["echo", "from", "image"], executable=image)
        self.assertEqual((v.status, v.stdout), (Status.OK, b"from image\n"))

    def test_invalid_job_is_a_verdict_naming_the_field(self):
        v = self.c.run(["/bin/true"], cpu_time_ms=99_999_999)
        self.assertIs(v.status, Status.INVALID_JOB)
        self.assertTrue(v.message.startswith("limits.cpu_time_ms:"), v.message)
        v = self.c.run(["/bin/true"], files={"../escape": b"x"})
        self.assertIs(v.status, Status.INVALID_JOB)
        self.assertTrue(v.message.startswith("files[0].path:"), v.message)
        v = self.c.run(["/bin/true"], env=["NOEQUALS"])
        self.assertTrue(v.message.startswith("env[0]:"), v.message)
        v = self.c.run_job(Job(argv=["/bin/true"], policy="no-such-policy"))
        self.assertTrue(v.message.startswith("policy:"), v.message)

    def test_operator_ceiling_through_exec_args(self):
        c = Client(local=support.JB_BIN, exec_args=["--max-time", "1"])
        v = c.run(["/bin/true"], cpu_time_ms=2000)
        self.assertIs(v.status, Status.INVALID_JOB)
        self.assertIn("limits.cpu_time_ms", v.message)

    def test_interactor(self):
        inter = Job(argv=["/bin/sh", "-c", 'echo 41; read y; [ "$y" = 42 ]'])
        v = self.c.run(["/bin/sh", "-c", "read x; echo $((x + 1))"], interactor=inter)
        self.assertIs(v.status, Status.OK, v.message)
        self.assertIsInstance(v.interactor, Verdict)
        self.assertEqual((v.interactor.status, v.interactor.exit_code), (Status.OK, 0))

    def test_python_type_errors_before_sending(self):
        with self.assertRaisesRegex(TypeError, "argv"):
            self.c.run("/bin/true")
        with self.assertRaisesRegex(TypeError, "cpu_tme_ms"):
            self.c.run(["/bin/true"], cpu_tme_ms=1)
        with self.assertRaisesRegex(TypeError, "limits: unknown field memory"):
            self.c.run(["/bin/true"], limits={"memory": 1})
        with self.assertRaisesRegex(ValueError, "limits.processes"):
            self.c.run(["/bin/true"], processes=-1)
        with self.assertRaisesRegex(TypeError, "stdin"):
            self.c.run(["/bin/true"], stdin=5)
        with self.assertRaisesRegex(ValueError, "limits.open_files"):
            self.c.run(["/bin/true"], open_files=1 << 40)


class TransportErrorTest(unittest.TestCase):
    def test_missing_binary(self):
        with self.assertRaises(BinaryNotFound) as cm:
            Client(local="/nonexistent/judgebox")
        self.assertIsInstance(cm.exception, FileNotFoundError)
        with self.assertRaises(BinaryNotFound):
            Client(local="/etc/passwd")  # not executable

    def test_binary_removed_after_construction(self):
        with tempfile.TemporaryDirectory() as d:
            c = Client(local=support.fake_binary(d, "exit 0"))
            os.unlink(c.binary)
            with self.assertRaises(BinaryNotFound):
                c.run(["/bin/true"])
            with self.assertRaises(BinaryNotFound):
                list(c.batch([dict(argv=["/bin/true"])]))

    def test_bare_name_is_looked_up_on_path(self):
        old = os.environ.get("PATH")
        os.environ["PATH"] = os.path.dirname(os.path.abspath(support.JB_BIN))
        try:
            self.assertEqual(Client(local=os.path.basename(support.JB_BIN)).binary,
                             os.path.abspath(support.JB_BIN))
            self.assertEqual(Client(local=True).binary, os.path.abspath(support.JB_BIN))
        finally:
            os.environ["PATH"] = old

    def test_not_on_path(self):
        old = os.environ.get("PATH")
        os.environ["PATH"] = "/nonexistent"
        try:
            with self.assertRaisesRegex(BinaryNotFound, "PATH"):
                Client(local=True)
        finally:
            os.environ["PATH"] = old

    def test_worker_dies_without_verdict(self):
        with tempfile.TemporaryDirectory() as d:
            c = Client(local=support.fake_binary(d, "cat > /dev/null; echo boom >&2; exit 3"))
            with self.assertRaises(WorkerDied) as cm:
                c.run(["/bin/true"])
            self.assertEqual(cm.exception.returncode, 3)
            self.assertIn(b"boom", cm.exception.stderr)
            self.assertIn("boom", str(cm.exception))

    def test_garbage_output(self):
        with tempfile.TemporaryDirectory() as d:
            c = Client(local=support.fake_binary(d, r"cat > /dev/null; printf '\377\377\377'"))
            with self.assertRaises(ProtocolError):
                c.run(["/bin/true"])

    def test_http_mode_not_there(self):
        with self.assertRaisesRegex(ValueError, "local"):
            Client(local=False)


if __name__ == "__main__":
    unittest.main()
