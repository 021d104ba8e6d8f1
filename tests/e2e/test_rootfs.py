#!/usr/bin/env python3
"""Job.rootfs and the contract's Trust rules: a Job may name only a rootfs the
operator allowed; `run --rootfs` is the operator's own choice."""
import os, shutil, sys
sys.dont_write_bytecode = True
import jb


def main():
    jb.require_binary()
    before = jb.snapshot()
    root = os.path.join(jb.tmpdir(), "rootfs")
    os.makedirs(os.path.join(root, "etc"))
    shutil.copy(jb.payload("rootfs_hello_static"), os.path.join(root, "hello"))
    with open(os.path.join(root, "etc", "marker"), "w") as f:
        f.write("operator-rootfs\n")

    v = jb.run_json(["--rootfs", root, "--", "/hello"])
    jb.eq("run --rootfs: OK", v.get("status"), "OK")
    jb.check("the rootfs is / (its /etc/marker is read)", "marker=operator-rootfs" in
             v.get("stdout", ""), v.get("stdout"))
    jb.check("the rootfs is read-only", "write_root=Read-only file system" in
             v.get("stdout", ""), v.get("stdout"))

    job = jb.run([jb.JB_BIN, "job", "--rootfs", root, "--", "/hello"]).stdout
    res = jb.run([jb.JB_BIN, "exec"], stdin=job)
    vv = jb.decode_verdict(res.stdout)
    jb.eq("exec: a Job's rootfs the operator did not allow is INVALID_JOB",
          vv.get("status"), "INVALID_JOB")
    jb.check("... and the message names the field", str(vv.get("message", "")).find("rootfs") >= 0,
             vv.get("message"))
    jb.eq("exec exits 0 with that verdict", res.rc, 0)

    res = jb.run([jb.JB_BIN, "exec", "--allow-rootfs", root], stdin=job)
    vv = jb.decode_verdict(res.stdout)
    jb.eq("exec --allow-rootfs DIR: OK", vv.get("status"), "OK")

    v = jb.run_json(["--rootfs", os.path.join(root, "nope"), "--", "/hello"])
    jb.check("a rootfs that does not exist is refused", v.get("status") == "INVALID_JOB" or
             v.get("_rc") == 2, jb.verdict_summary(v))
    jb.assert_no_leftovers(before)
    jb.finish()


if __name__ == "__main__":
    main()
