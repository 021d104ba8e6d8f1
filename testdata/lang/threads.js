// Language matrix: 4 worker threads summing 1..4000000 in parts.
const { Worker, isMainThread, parentPort, workerData } = require("worker_threads");

const N = 4000000;
if (isMainThread) {
  let total = 0, done = 0;
  for (let k = 0; k < 4; k++) {
    const w = new Worker(__filename, { workerData: k });
    w.on("message", (s) => {
      total += s;
      if (++done === 4) console.log("threads 4 sum " + total);
    });
    w.on("error", (e) => { console.error(e); process.exitCode = 1; });
  }
} else {
  let s = 0;
  for (let i = workerData + 1; i <= N; i += 4) s += i;
  parentPort.postMessage(s);
}
