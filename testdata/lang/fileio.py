# Language matrix: read the integers of input.txt (a placed file) with open,
# write "sum S count N" to output.txt (collected).
with open("input.txt") as f:
    nums = [int(w) for w in f.read().split()]
with open("output.txt", "w") as f:
    f.write("sum %d count %d\n" % (sum(nums), len(nums)))
