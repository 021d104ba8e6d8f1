// Language matrix: 4 goroutines on 4 OS threads (LockOSThread keeps each
// on its own thread) summing 1..4000000 in parts.
package main

import (
	"fmt"
	"runtime"
	"sync"
)

func main() {
	const n = 4000000
	var part [4]uint64
	var wg sync.WaitGroup
	for k := 0; k < 4; k++ {
		wg.Add(1)
		go func(k int) {
			defer wg.Done()
			runtime.LockOSThread()
			var s uint64
			for i := uint64(k + 1); i <= n; i += 4 {
				s += i
			}
			part[k] = s
		}(k)
	}
	wg.Wait()
	var total uint64
	for _, s := range part {
		total += s
	}
	fmt.Printf("threads 4 sum %d\n", total)
}
