"""The local mode: a Client drives the judgebox binary on this machine.

run() is one `judgebox exec` (one Job protobuf in, one Verdict out); batch()
is one `judgebox exec --stream --parallel N` fed by a writer thread while
the caller reads the verdicts, in completion order, each with its seq (the
job's 0-based index in the input). The AsyncClient does the same on asyncio
(client_async.py)."""

import dataclasses
import os
import shutil
import subprocess
import tempfile
import threading
from typing import Iterable, Iterator, Optional, Union

from google.protobuf.message import DecodeError

from . import judgebox_pb2 as pb
from .errors import BinaryNotFound, ProtocolError, WorkerDied
from .types import LIMIT_FIELDS, Job, Limits, Verdict, as_limits

STDERR_KEEP = 64 << 10  # the tail of judgebox's stderr an exception carries
MAX_VARINT_BYTES = 10

# ---------------------------------------------------------------- framing


def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def frame(body: bytes) -> bytes:
    """One varint-delimited frame (the framing of exec --stream)."""
    return varint(len(body)) + body


class FrameLength:
    """A frame's varint length, fed a byte at a time by the sync and the
    async reader alike."""

    def __init__(self):
        self.n, self.shift, self.count = 0, 0, 0

    def add(self, b: bytes) -> bool:
        """Take one byte (b"" at EOF); True once the length is whole.
        ProtocolError on EOF inside it or a varint over MAX_VARINT_BYTES."""
        if not b:
            raise ProtocolError("judgebox output ends inside a frame's length")
        if self.count == MAX_VARINT_BYTES:
            raise ProtocolError("judgebox output: a frame length over %d bytes"
                                % MAX_VARINT_BYTES)
        self.n |= (b[0] & 0x7F) << self.shift
        self.shift += 7
        self.count += 1
        return not b[0] & 0x80

    def check_body(self, body: bytes) -> bytes:
        if len(body) != self.n:
            raise ProtocolError("judgebox output ends inside a frame (%d of %d bytes)"
                                % (len(body), self.n))
        return body


def read_frame(read) -> Optional[bytes]:
    """The next frame's body through read(n) (which returns less only at
    EOF); None at EOF between frames; ProtocolError on a cut frame."""
    length = FrameLength()
    b = read(1)
    if not b:
        return None
    while not length.add(b):
        b = read(1)
    return length.check_body(read(length.n) if length.n else b"")


def decode_verdict(body: bytes) -> Verdict:
    """A Verdict from its protobuf bytes; ProtocolError when they are not one."""
    try:
        m = pb.Verdict.FromString(body)
    except DecodeError as e:
        raise ProtocolError("judgebox output is not a Verdict: %s" % e) from None
    return Verdict.from_proto(m)


# ---------------------------------------------------------------- jobs


def make_job(argv, *, stdin=b"", files=None, limits=None, env=None, policy="", collect=(),
             interactor=None, executable=b"", id="", rootfs="", stdin_file="",
             **limit_fields) -> Job:
    """A Job from run()'s arguments: limits as Limits or dict, and/or its
    fields as keywords (cpu_time_ms=1000, ...), the keywords winning."""
    unknown = sorted(set(limit_fields) - set(LIMIT_FIELDS))
    if unknown:
        raise TypeError("unexpected keyword argument(s) %s (limits are %s)"
                        % (", ".join(unknown), ", ".join(LIMIT_FIELDS)))
    if limit_fields:
        limits = dataclasses.replace(as_limits(limits or Limits()), **limit_fields)
    return Job(argv=argv, stdin=stdin, files=files, limits=limits, env=env, policy=policy,
               collect=collect, interactor=interactor, executable=executable, id=id,
               rootfs=rootfs, stdin_file=stdin_file)


def job_bytes(job: Union[Job, dict]) -> bytes:
    """The serialized Job message of a Job, or of a dict of make_job's arguments."""
    if isinstance(job, dict):
        job = make_job(**job)
    elif not isinstance(job, Job):
        raise TypeError("expected a Job or a dict of its fields, got %s" % type(job).__name__)
    return job.to_proto().SerializeToString()


# ---------------------------------------------------------------- the binary


def find_binary(local) -> str:
    """The judgebox binary: local=True looks for `judgebox` on PATH, a str or
    os.PathLike is its path. BinaryNotFound when it is not executable."""
    if local is True:
        path = shutil.which("judgebox")
        if path is None:
            raise BinaryNotFound("judgebox is not on PATH; give its path: Client(local=PATH)")
        return path
    if local is False or local is None:
        raise ValueError("only the local mode exists yet (the HTTP client comes with "
                         "`judgebox serve`): Client(local=True) or Client(local=PATH)")
    path = os.fspath(local)
    if os.sep not in path:  # a bare name: look it up on PATH as a shell would
        path = shutil.which(path) or path
    if not os.path.isfile(path) or not os.access(path, os.X_OK):
        raise BinaryNotFound("judgebox binary %r does not exist or is not executable" % path)
    return path


def stderr_tail(f) -> bytes:
    """The last STDERR_KEEP bytes of a temporary file judgebox wrote."""
    try:
        size = f.seek(0, os.SEEK_END)
        f.seek(max(0, size - STDERR_KEEP))
        return f.read()
    except (OSError, ValueError):
        return b""


def check_parallel(n) -> int:
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError("parallel: expected an int >= 1, got %r" % (n,))
    return n


def describe_exit(rc) -> str:
    return "was killed by signal %d" % -rc if rc < 0 else "exited with status %d" % rc


class _Base:
    def __init__(self, local=True, *, parallel: int = 1, exec_args: Iterable[str] = ()):
        """local: True (judgebox on PATH) or the binary's path. parallel: the
        --parallel of batch(). exec_args: operator flags given to every
        `judgebox exec` (e.g. ["--max-time", "5", "--allow-rootfs", DIR])."""
        self.binary = find_binary(local)
        self.parallel = check_parallel(parallel)
        self.exec_args = [os.fspath(a) for a in exec_args]

    def _exec_cmd(self, stream_parallel=None):
        cmd = [self.binary, "exec"]
        if stream_parallel is not None:
            cmd += ["--stream", "--parallel", str(stream_parallel)]
        return cmd + self.exec_args

    @staticmethod
    def _single_verdict(rc, out, err) -> Verdict:
        """The verdict of one `judgebox exec`, or the exception for its end."""
        if rc != 0 or not out:
            raise WorkerDied("judgebox exec %s without a verdict: %s"
                             % (describe_exit(rc), err[-2000:].decode("utf-8", "replace").strip()),
                             returncode=rc, stderr=err[-STDERR_KEEP:], missing=[0])
        return decode_verdict(out)


# ---------------------------------------------------------------- the client


class Client(_Base):
    """Runs jobs with the judgebox binary of this machine (local mode).

        c = Client(local="build/judgebox", parallel=2)
        v = c.run(["/bin/echo", "hi"], cpu_time_ms=1000)
        for v in c.batch(jobs): ...
    """

    def run(self, argv, **kw) -> Verdict:
        """Run one job and return its Verdict (see make_job for the arguments)."""
        return self.run_job(make_job(argv, **kw))

    def run_job(self, job: Union[Job, dict]) -> Verdict:
        body = job_bytes(job)
        try:
            res = subprocess.run(self._exec_cmd(), input=body, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE)
        except (FileNotFoundError, PermissionError) as e:
            raise BinaryNotFound("cannot start %s: %s" % (self.binary, e)) from None
        return self._single_verdict(res.returncode, res.stdout, res.stderr)

    def batch(self, jobs: Iterable[Union[Job, dict]],
              parallel: Optional[int] = None) -> Iterator[Verdict]:
        """Run jobs (Job or dict of make_job's arguments; any iterable, read
        lazily) through one `exec --stream --parallel N`; yields each
        Verdict as it completes, with seq = the job's index. Raises
        WorkerDied if judgebox ends before answering every job sent, and
        re-raises an error of the jobs iterable (or a bad job) after the
        verdicts of the jobs before it. Leaving the loop early stops
        judgebox (SIGTERM: its running jobs end)."""
        n = self.parallel if parallel is None else check_parallel(parallel)
        with tempfile.TemporaryFile() as errf:
            try:
                proc = subprocess.Popen(self._exec_cmd(n), stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=errf)
            except (FileNotFoundError, PermissionError) as e:
                raise BinaryNotFound("cannot start %s: %s" % (self.binary, e)) from None
            feeder = _Feeder(proc.stdin, jobs)
            feeder.start()
            seen = set()
            try:
                yield from _read_verdicts(proc.stdout.read, feeder, seen)
                rc = proc.wait()
                feeder.join()
                _check_end(rc, feeder.sent, feeder.error, seen, errf)
            finally:
                _stop(proc, feeder)


class _Feeder(threading.Thread):
    """Writes the jobs to judgebox's stdin while the caller reads verdicts,
    so neither pipe can fill up against the other; closes stdin at the end."""

    def __init__(self, pipe, jobs):
        super().__init__(name="judgebox-feeder", daemon=True)
        self.pipe, self.jobs = pipe, jobs
        self.sent = 0  # frames given to the pipe (incremented before the write)
        self.error = None  # an exception of the jobs iterable or a bad job
        self.broken = False  # judgebox closed its stdin
        self.stop = False  # the caller left: take no more jobs

    def run(self):
        try:
            for job in self.jobs:
                if self.stop:
                    return
                body = frame(job_bytes(job))
                self.sent += 1
                try:
                    self.pipe.write(body)
                    self.pipe.flush()
                except (OSError, ValueError):  # judgebox is gone: its exit tells why
                    self.broken = True
                    return
        except BaseException as e:  # the iterable's or a bad job's: re-raised in the caller
            self.error = e
        finally:
            try:
                self.pipe.close()
            except (OSError, ValueError):
                self.broken = True


def _read_verdicts(read, feeder, seen):
    while True:
        body = read_frame(read)
        if body is None:
            return
        v = decode_verdict(body)
        _check_seq(v, seen, feeder.sent)
        yield v


def _check_seq(v, seen, sent):
    if v.seq in seen or v.seq >= sent:
        raise ProtocolError("judgebox answered seq %d %s" %
                            (v.seq, "twice" if v.seq in seen else "that was not sent"))
    seen.add(v.seq)


def _check_end(rc, sent, error, seen, errf):
    """After judgebox's exit: WorkerDied when a job sent has no verdict or
    judgebox failed, else the error of the jobs iterable, if any."""
    missing = set(range(sent)) - seen
    if missing or rc != 0:
        err = stderr_tail(errf)
        raise WorkerDied("judgebox exec --stream %s, %d of %d jobs without a verdict: %s"
                         % (describe_exit(rc), len(missing), sent,
                            err[-2000:].decode("utf-8", "replace").strip()),
                         returncode=rc, stderr=err, missing=missing)
    if error is not None:
        raise error


def _stop(proc, feeder):
    """Ends what batch() started, whichever way it is left: judgebox gets
    SIGTERM (its running jobs end), SIGKILL if it has not exited 10 s later."""
    feeder.stop = True
    if proc.poll() is None:
        proc.terminate()
    proc.stdout.close()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    feeder.join(timeout=10)  # only a caller's iterable that blocks keeps it longer
