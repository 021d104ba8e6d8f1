// Language matrix: 200 MB in a byte slice, every byte written, one byte per
// page read back.
package main

import "fmt"

func main() {
	const size = 200000000
	b := make([]byte, size)
	for i := range b {
		b[i] = 1
	}
	var sum uint64
	for i := 0; i < size; i += 4096 {
		sum += uint64(b[i])
	}
	fmt.Printf("alloc %d pages %d\n", size, sum)
}
