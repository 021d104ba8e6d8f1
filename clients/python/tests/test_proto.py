"""The committed judgebox_pb2.py describes the current proto/judgebox.proto,
and the typed classes have every field of the messages.

The generated module is committed (an installed client needs neither protoc
nor the .proto); this test compiles the proto with protoc and compares the
schemas (FileDescriptorProto), not the generated text, so a protoc upgrade
that writes other code for the same proto does not fail it. Regenerate
with: protoc -I proto --python_out=clients/python/judgebox proto/judgebox.proto"""

import dataclasses
import os
import shutil
import subprocess
import tempfile
import unittest

import support
from google.protobuf import descriptor_pb2

from judgebox import File, Limits, Status, Verdict, judgebox_pb2
from judgebox.types import Job

PROTO_DIR = os.path.join(support.SOURCE_DIR, "proto")
REGEN = "protoc -I proto --python_out=clients/python/judgebox proto/judgebox.proto"


class ProtoTest(unittest.TestCase):
    def test_generated_module_matches_proto(self):
        protoc = shutil.which("protoc")
        self.assertIsNotNone(protoc, "protoc (Debian protobuf-compiler) is needed")
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "set.pb")
            subprocess.run([protoc, "-I", PROTO_DIR, "--descriptor_set_out=" + out,
                            os.path.join(PROTO_DIR, "judgebox.proto")], check=True)
            with open(out, "rb") as f:
                fresh = descriptor_pb2.FileDescriptorSet.FromString(f.read()).file[0]
        for msg in fresh.message_type:  # protoc's set adds what the embedded one leaves out
            for fld in msg.field:
                fld.ClearField("json_name")
        committed = descriptor_pb2.FileDescriptorProto.FromString(
            judgebox_pb2.DESCRIPTOR.serialized_pb)
        self.assertEqual(committed, fresh,
                         "clients/python/judgebox/judgebox_pb2.py is stale; from the "
                         "repository root run: " + REGEN)

    def test_status_enum_is_the_protos(self):
        proto = {v.name: v.number for v in judgebox_pb2.Status.DESCRIPTOR.values}
        self.assertEqual({s.name: s.value for s in Status}, proto)
        self.assertEqual(Status(42).name, "STATUS_42")  # a newer judgebox's status

    def test_dataclasses_have_every_field(self):
        for cls, msg in ((Verdict, judgebox_pb2.Verdict), (Limits, judgebox_pb2.Limits),
                         (File, judgebox_pb2.File), (Job, judgebox_pb2.Job)):
            names = {f.name for f in dataclasses.fields(cls)}
            self.assertEqual(names, set(msg.DESCRIPTOR.fields_by_name), cls.__name__)

    def test_verdict_round_trip(self):
        m = judgebox_pb2.Verdict(id="x", status=judgebox_pb2.TIME_LIMIT, exit_code=-1, signal=9,
                                 stdout=b"\xff", seq=7, denied_syscalls=["rseq"], cpus="1")
        m.files.add(path="a", content=b"\x00", truncated=True, error="")
        m.limits.cpu_time_ms = 5
        m.interactor.status = judgebox_pb2.OK
        v = Verdict.from_proto(m)
        self.assertEqual((v.id, v.status, v.exit_code, v.signal, v.stdout, v.seq, v.cpus),
                         ("x", Status.TIME_LIMIT, -1, 9, b"\xff", 7, "1"))
        self.assertEqual(v.files, [File(path="a", content=b"\x00", truncated=True)])
        self.assertEqual((v.limits.cpu_time_ms, v.denied_syscalls), (5, ["rseq"]))
        self.assertIs(v.interactor.status, Status.OK)

    def test_pyproject_names_the_package(self):
        with open(os.path.join(support.CLIENT_DIR, "pyproject.toml"), "rb") as f:
            text = f.read()
        try:
            import tomllib
        except ImportError:  # before 3.11: the line itself
            self.assertIn(b'\nname = "judgebox"\n', text)
        else:
            self.assertEqual(tomllib.loads(text.decode())["project"]["name"], "judgebox")
        self.assertTrue(os.path.isfile(os.path.join(support.CLIENT_DIR, "judgebox",
                                                    "__init__.py")))


if __name__ == "__main__":
    unittest.main()
