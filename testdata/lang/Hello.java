// Language matrix: hello world in Java.
public class Hello {
    public static void main(String[] args) {
        System.out.println("hello from java");
    }
}
