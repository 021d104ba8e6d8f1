// Language matrix: read the integers of input.txt (a placed file) with
// fs.readFileSync, write "sum S count N" to output.txt (collected).
const fs = require("fs");
const words = fs.readFileSync("input.txt", "utf8").split(/\s+/).filter((w) => w.length > 0);
let sum = 0n;
for (const w of words) sum += BigInt(w);
fs.writeFileSync("output.txt", `sum ${sum} count ${words.length}\n`);
