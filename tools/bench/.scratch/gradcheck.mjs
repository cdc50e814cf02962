import { initBackend, linear, Parameter } from '@peftjs/core-tensor';
import * as tf from '@tensorflow/tfjs';
await initBackend();
const x = tf.randomNormal([2,3,5],0,1,'float32',1);
const W = new Parameter(tf.randomNormal([4,5],0,1,'float32',2));
const b = new Parameter(tf.randomNormal([4],0,1,'float32',3));
const probe = tf.randomNormal([2,3,4],0,1,'float32',4);
const ref = (xx, ww, bb) => tf.sum(tf.mul(tf.add(tf.matMul(xx.reshape([6,5]), ww, false, true), bb).reshape([2,3,4]), probe));
const ours = (xx, ww, bb) => tf.sum(tf.mul(linear(xx, ww, bb), probe));
const maxdiff = (a,c)=>tf.max(tf.abs(tf.sub(a,c))).dataSync()[0];
const gRef = tf.grads(ref)([x, W.value, b.value]);
const before = tf.memory().numTensors;
const gOurs = tf.grads((xx)=>ours(xx, W, b))([x]);
// variableGrads path
const vg = tf.variableGrads(() => ours(x, W, b), [W.variable, b.variable]);
console.log('dx diff', maxdiff(gRef[0], gOurs[0]), 'dW diff', maxdiff(gRef[1], vg.grads[W.variable.name]), 'db diff', maxdiff(gRef[2], vg.grads[b.variable.name]));
W.trainable = false;
const vg2 = tf.variableGrads(() => ours(x, W, b), [b.variable]);
console.log('frozen W: db diff', maxdiff(gRef[2], vg2.grads[b.variable.name]));
const gx2 = tf.grads((xx)=>ours(xx, W, b))([x]);
console.log('frozen W: dx diff', maxdiff(gRef[0], gx2[0]));
try { tf.variableGrads(() => ours(x, W, b), [W.variable]); console.log('no error'); } catch (e) { console.log('frozen W grad request:', e.message.slice(0,100)); }
tf.dispose([gOurs, vg.value, Object.values(vg.grads), vg2.value, Object.values(vg2.grads), gx2]);
console.log('leak', tf.memory().numTensors - before);
