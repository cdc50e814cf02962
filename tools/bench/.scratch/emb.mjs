import { initBackend, Embedding } from '@peftjs/core-tensor';
import * as tf from '@tensorflow/tfjs';
await initBackend();
const e = new Embedding(10, 3, 1);
const ids = tf.tensor2d([[1,2,1],[9,0,1]], [2,3], 'int32');
const probe = tf.randomNormal([2,3,3],0,1,'float32',5);
const before = tf.memory().numTensors;
const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(e.apply(ids), probe)), [e.weight.variable]);
const g = grads[e.weight.variable.name];
// reference: manual accumulation
const p = probe.arraySync(); const idv = ids.arraySync(); const ref = Array.from({length:10},()=>[0,0,0]);
idv.forEach((row,i)=>row.forEach((id,j)=>{ for (let d=0; d<3; d++) ref[id][d] += p[i][j][d]; }));
const got = g.arraySync(); let maxd = 0; got.forEach((r,i)=>r.forEach((v,d)=>{ maxd = Math.max(maxd, Math.abs(v-ref[i][d])); }));
console.log('embedding grad max diff', maxd);
// forward equals gather
const fwd = e.apply(ids); const ref2 = tf.gather(e.weight.value, ids); console.log('fwd diff', tf.max(tf.abs(tf.sub(fwd, ref2))).dataSync()[0]);
tf.dispose([value, g, fwd, ref2]);
console.log('leak', tf.memory().numTensors - before);
e.weight.trainable = false;
const r2 = tf.grads((x)=>tf.sum(tf.mul(tf.mul(e.apply(ids), x), probe)))([tf.scalar(2)]); console.log('frozen table, grad wrt other input ok', r2[0].dataSync()[0]);
