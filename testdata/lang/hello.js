// Language matrix: hello world in Node.js.
console.log("hello from node");
