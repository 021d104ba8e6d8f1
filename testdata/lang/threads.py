# Language matrix: 4 threads summing 1..4000000 in parts (each runs at once
# with the others; the GIL serialises them, which is fine).
import threading

N = 4000000
part = [0] * 4


def work(k):
    part[k] = sum(range(k + 1, N + 1, 4))


threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("threads 4 sum %d" % sum(part))
