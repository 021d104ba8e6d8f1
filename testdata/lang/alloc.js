// Language matrix: 200 MB in a Buffer, every byte written, one byte per page
// read back.
const SIZE = 200000000;
const b = Buffer.alloc(SIZE);
b.fill(1);
let sum = 0;
for (let i = 0; i < SIZE; i += 4096) sum += b[i];
console.log("alloc " + SIZE + " pages " + sum);
