import { initBackend, linear, Parameter } from '@peftjs/core-tensor';
import * as tf from '@tensorflow/tfjs';
await initBackend();
const each = (label, f) => { const ts=[]; for (let i=0;i<8;i++){ const s=performance.now(); f(); ts.push((performance.now()-s).toFixed(0)); } console.log(label.padEnd(36), ts.join(' ')); };
for (const [inF, outF] of [[768,768],[768,3072],[3072,768]]) {
const x = tf.randomNormal([8,128,inF]); const W = new Parameter(tf.randomNormal([outF,inF])); const b = new Parameter(tf.randomNormal([outF]));
const Wt = tf.transpose(W.value);
console.log('--', inF, outF);
each('linear fwd (bias)', () => tf.tidy(() => { linear(x, W, b); }));
each('matMul(x2d, Wt) nn + bias', () => tf.tidy(() => { tf.add(tf.matMul(x.reshape([-1,inF]), Wt), b.value); }));
each('matMul(x2d, W) nt + bias', () => tf.tidy(() => { tf.add(tf.matMul(x.reshape([-1,inF]), W.value, false, true), b.value); }));
each('fwd+bwd W trainable', () => { const r = tf.variableGrads(() => tf.sum(linear(x, W, b)), [W.variable, b.variable]); tf.dispose([r.value, Object.values(r.grads)]); });
each('fwd+bwd dx only', () => { const g = tf.grads((xx) => tf.sum(linear(xx, W, b)))([x]); tf.dispose(g); });
tf.dispose([x, Wt]); W.dispose(); b.dispose();
}
