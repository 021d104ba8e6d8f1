// Language matrix: read the integers of input.txt (a placed file) with an
// ifstream, write "sum S count N" to output.txt (collected) with an ofstream.
#include <fstream>
#include <iostream>

int main()
{
    std::ifstream in("input.txt");
    if (!in) {
        std::cerr << "cannot open input.txt\n";
        return 1;
    }
    long long x, sum = 0, n = 0;
    while (in >> x) {
        sum += x;
        n++;
    }
    std::ofstream out("output.txt");
    out << "sum " << sum << " count " << n << "\n";
    out.close();
    return out ? 0 : 1;
}
