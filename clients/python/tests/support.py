"""What the client's tests share: the judgebox binary (JB_BIN, default
build/judgebox of the checkout; JB_SOURCE_DIR is the checkout) and the
package on sys.path. A missing binary fails the tests, never skips them."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CLIENT_DIR = os.path.dirname(HERE)
SOURCE_DIR = os.environ.get("JB_SOURCE_DIR") or os.path.dirname(os.path.dirname(CLIENT_DIR))
JB_BIN = os.environ.get("JB_BIN") or os.path.join(SOURCE_DIR, "build", "judgebox")
if CLIENT_DIR not in sys.path:
    sys.path.insert(0, CLIENT_DIR)
sys.dont_write_bytecode = True

if not os.access(JB_BIN, os.X_OK):
    raise SystemExit("no judgebox binary at %s: build it or set JB_BIN" % JB_BIN)


def fake_binary(tmpdir, script):
    """An executable shell script standing in for judgebox (a worker that
    dies, one that writes garbage)."""
    path = os.path.join(tmpdir, "fakejb")
    with open(path, "w") as f:
        f.write("#!/bin/sh\n" + script + "\n")
    os.chmod(path, 0o755)
    return path


def children():
    """Pids of this process's live children (judgebox left running?)."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
        except OSError:
            continue
        fields = st[st.rindex(")") + 2:].split()
        if fields[0] != "Z" and int(fields[1]) == os.getpid():
            out.append(int(d))
    return out
