# Language matrix: 200 MB in a bytearray, every byte written, one byte per
# page read back.
SIZE = 200000000
b = bytearray(b"\x01") * SIZE
print("alloc %d pages %d" % (len(b), sum(b[::4096])))
