"""Exceptions. They are for the transport only: judgebox missing, judgebox
ending without a verdict, output that is not a verdict stream.

A verdict is data, whatever its status: a job judgebox refused is a Verdict
with status INVALID_JOB and a message naming the field
("limits.cpu_time_ms: ... is above the ceiling ..."), returned like any
other, so a batch goes on past a bad job and every job has one answer.
Wrong Python types in a job (argv given as a str, an unknown limit) raise
TypeError/ValueError before anything is sent."""


class JudgeboxError(Exception):
    """Base class: judgebox could not give a verdict for a job."""


class BinaryNotFound(JudgeboxError, FileNotFoundError):
    """The judgebox binary is not there or cannot be executed."""


class WorkerDied(JudgeboxError):
    """judgebox ended (or closed its output) before a verdict for every job
    sent. returncode is its exit status (negative: killed by that signal),
    stderr what it printed (the last 64 KiB), missing the seqs of the jobs
    left without a verdict."""

    def __init__(self, message, returncode=None, stderr=b"", missing=()):
        super().__init__(message)
        self.returncode = returncode
        self.stderr = stderr
        self.missing = sorted(missing)


class ProtocolError(JudgeboxError):
    """judgebox's output is not what the stream contract says: a cut frame,
    a message that does not decode, a seq that was not sent or came twice."""
