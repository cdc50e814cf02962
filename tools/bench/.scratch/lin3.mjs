import { initBackend, linear, Parameter } from '@peftjs/core-tensor';
import * as tf from '@tensorflow/tfjs';
await initBackend();
const x = tf.randomNormal([1024,768]); const W = new Parameter(tf.randomNormal([768,768]));
const Wt = tf.transpose(W.value);
const each = (label, f) => { const ts=[]; for (let i=0;i<8;i++){ const s=performance.now(); f(); ts.push((performance.now()-s).toFixed(0)); } console.log(label.padEnd(30), ts.join(' ')); };
for (let r=0;r<2;r++){
each('linear fwd', () => tf.tidy(() => linear(x, W).dataSync()));
each('matMul(x, Wt) nn', () => tf.tidy(() => tf.matMul(x, Wt).dataSync()));
each('fwd+bwd trainable', () => { const r = tf.variableGrads(() => tf.sum(linear(x, W)), [W.variable]); tf.dispose([r.value, Object.values(r.grads)]); });
}
console.log(require ? '' : '');
