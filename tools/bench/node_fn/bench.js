// tools/bench/node_cost.sh: rounds of N calls of C.prototype.work (bound by
// the tracer while it is attached) and of C.prototype.other (never bound),
// each round timed and filed as wrapped or plain by whether work is the
// original; the medians per call are printed at the end.
// Usage: node bench.js SECONDS [N]
'use strict';
const { C } = require('./lib.js');
const c = new C(), orig = C.prototype.work;
const N = Number(process.argv[3] || 2000);
const res = { plain: [], wrapped: [] };
// Two loops, not one taking a callback: a shared loop would see both
// methods and the wrapper, and V8's code for it would differ by phase.
function timeWork() {
  const t = process.hrtime.bigint();
  for (let i = 0; i < N; i++) c.work(i, 1);
  return Number(process.hrtime.bigint() - t) / N;
}
function timeOther() {
  const t = process.hrtime.bigint();
  for (let i = 0; i < N; i++) c.other(i, 1);
  return Number(process.hrtime.bigint() - t) / N;
}
function median(a, k) {
  const v = a.map((x) => x[k]).sort((x, y) => x - y);
  return v.length ? v[v.length >> 1].toFixed(1) : '-';
}
console.log('ready');
const end = Date.now() + Number(process.argv[2]) * 1000;
(function loop() {
  const wrapped = C.prototype.work !== orig;
  res[wrapped ? 'wrapped' : 'plain'].push([timeWork(), timeOther()]);
  if (Date.now() < end) return setImmediate(loop);
  for (const k of ['plain', 'wrapped'])
    console.log(`${k}: ${res[k].length} rounds, work ${median(res[k], 0)} ns/call, other ${median(res[k], 1)} ns/call`);
})();
