"""examples/judge.py end to end (gcc in the box under `compile`, the binary
collected, three tests in one batch), and the README's copy of its code."""

import os
import re
import subprocess
import sys
import unittest

import support

EXAMPLE = os.path.join(support.CLIENT_DIR, "examples", "judge.py")
PIPELINE = os.path.join(support.SOURCE_DIR, "testdata", "pipeline")


def judge(solution):
    path = os.pathsep.join(p for p in (support.CLIENT_DIR, os.environ.get("PYTHONPATH")) if p)
    env = dict(os.environ, PYTHONPATH=path, PYTHONDONTWRITEBYTECODE="1")
    res = subprocess.run([sys.executable, EXAMPLE, "--judgebox", support.JB_BIN, solution,
                          os.path.join(PIPELINE, "tests")], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, timeout=300)
    return res.returncode, res.stdout.decode(), res.stderr.decode()


class JudgeExampleTest(unittest.TestCase):
    def test_accepted(self):
        rc, out, err = judge(os.path.join(PIPELINE, "sol.c"))
        self.assertEqual((rc, out), (0, "test 1: OK\ntest 2: OK\ntest 3: OK\nresult: OK\n"), err)

    def test_wrong_answer_on_test_2(self):
        rc, out, err = judge(os.path.join(PIPELINE, "sol_wrong.c"))
        self.assertEqual((rc, out), (1, "test 1: OK\ntest 2: WRONG_ANSWER\ntest 3: OK\n"
                                        "result: WRONG_ANSWER on test 2\n"), err)

    def test_compilation_error(self):
        import tempfile
        with tempfile.NamedTemporaryFile("w", suffix=".c") as f:
            f.write("int main( {\n")
            f.flush()
            rc, out, err = judge(f.name)
        self.assertEqual((rc, out), (1, "result: COMPILATION_ERROR\n"))
        self.assertIn("error", err)

    def test_readme_shows_the_examples_code(self):
        with open(EXAMPLE) as f:
            code = re.search(r"# README-BEGIN\n(.*?)# README-END\n", f.read(), re.S).group(1)
        with open(os.path.join(support.SOURCE_DIR, "README.md")) as f:
            readme = f.read()
        # the README's copy is an indented code block
        indented = "".join("    " + l if l.strip() else l for l in code.splitlines(True))
        self.assertTrue(indented in readme, "README's Python client example differs from "
                        "clients/python/examples/judge.py (between README-BEGIN and -END)")


if __name__ == "__main__":
    unittest.main()
