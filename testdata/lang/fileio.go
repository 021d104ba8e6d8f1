// Language matrix: read the integers of input.txt (a placed file) with
// os.ReadFile, write "sum S count N" to output.txt (collected).
package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

func main() {
	data, err := os.ReadFile("input.txt")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var sum, n int64
	for _, w := range strings.Fields(string(data)) {
		x, err := strconv.ParseInt(w, 10, 64)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		sum += x
		n++
	}
	out := fmt.Sprintf("sum %d count %d\n", sum, n)
	if err := os.WriteFile("output.txt", []byte(out), 0644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
