// Language matrix: copy stdin to stdout byte for byte.
const fs = require("fs");
process.stdout.write(fs.readFileSync(0));
