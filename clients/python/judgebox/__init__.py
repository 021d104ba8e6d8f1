"""judgebox: the Python client of the judgebox sandbox.

Local mode only for now: Client / AsyncClient drive the judgebox binary of
this machine (`judgebox exec`, `judgebox exec --stream`). The HTTP mode comes
with `judgebox serve`."""

from .client import Client, make_job
from .client_async import AsyncClient
from .errors import BinaryNotFound, JudgeboxError, ProtocolError, WorkerDied
from .types import File, Job, Limits, Status, Verdict

__all__ = ["Client", "AsyncClient", "make_job", "Job", "Limits", "File", "Verdict", "Status",
           "JudgeboxError", "BinaryNotFound", "WorkerDied", "ProtocolError"]
__version__ = "0.1.0"
