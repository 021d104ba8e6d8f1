// Language matrix: hello world in Go.
package main

import "fmt"

func main() {
	fmt.Println("hello from go")
}
