# Language matrix: hello world in Python 3.
print("hello from python")
