// Language matrix: read the integers of input.txt (a placed file), write
// "sum S count N" to output.txt (collected). args[0] picks the way, each
// the one a contest solution uses: "scanner" (new Scanner(new File(...))
// and a PrintWriter), "readstring" (Files.readString, Files.writeString) or
// "buffered" (BufferedReader and BufferedWriter). Each loads the JVM's
// network library, which probes IPv4/IPv6 sockets at start.
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.File;
import java.io.FileReader;
import java.io.FileWriter;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Scanner;

public class Fileio {
    static long sum, count;

    static void add(String text) {
        for (String w : text.trim().split("\\s+")) {
            if (!w.isEmpty()) {
                sum += Long.parseLong(w);
                count++;
            }
        }
    }

    static String result() {
        return "sum " + sum + " count " + count + "\n";
    }

    public static void main(String[] args) throws Exception {
        String way = args.length > 0 ? args[0] : "scanner";
        if (way.equals("scanner")) {
            try (Scanner in = new Scanner(new File("input.txt"))) {
                while (in.hasNextLong()) {
                    sum += in.nextLong();
                    count++;
                }
            }
            try (PrintWriter out = new PrintWriter(new File("output.txt"))) {
                out.print(result());
            }
        } else if (way.equals("readstring")) {
            add(Files.readString(Path.of("input.txt")));
            Files.writeString(Path.of("output.txt"), result());
        } else if (way.equals("buffered")) {
            try (BufferedReader in = new BufferedReader(new FileReader("input.txt"))) {
                for (String line; (line = in.readLine()) != null;)
                    add(line);
            }
            try (BufferedWriter out = new BufferedWriter(new FileWriter("output.txt"))) {
                out.write(result());
            }
        } else {
            throw new IllegalArgumentException("unknown way " + way);
        }
    }
}
