// tools/bench/node_cost.sh: one method bound by name (work), one not (other).
'use strict';
class C {
  work(a, b) { return a + b; }
  other(a, b) { return a - b; }
}
module.exports = { C };
