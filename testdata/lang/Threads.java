// Language matrix: 4 threads summing 1..4000000 in parts.
public class Threads {
    public static void main(String[] args) throws InterruptedException {
        final long n = 4000000L;
        final long[] part = new long[4];
        Thread[] t = new Thread[4];
        for (int k = 0; k < 4; k++) {
            final int id = k;
            t[k] = new Thread(() -> {
                long s = 0;
                for (long i = id + 1; i <= n; i += 4)
                    s += i;
                part[id] = s;
            });
            t[k].start();
        }
        long total = 0;
        for (int k = 0; k < 4; k++) {
            t[k].join();
            total += part[k];
        }
        System.out.println("threads 4 sum " + total);
    }
}
