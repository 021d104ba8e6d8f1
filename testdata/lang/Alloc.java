// Language matrix: 200 MB on the Java heap (200 arrays of 10^6 bytes), every
// byte written, one byte per page read back.
public class Alloc {
    public static void main(String[] args) {
        final int chunk = 1000000;
        byte[][] a = new byte[200][];
        for (int i = 0; i < a.length; i++) {
            a[i] = new byte[chunk];
            java.util.Arrays.fill(a[i], (byte) 1);
        }
        long sum = 0;
        for (long off = 0; off < 200000000L; off += 4096)
            sum += a[(int) (off / chunk)][(int) (off % chunk)];
        System.out.println("alloc 200000000 pages " + sum);
    }
}
